"""Wires the pair follow-up into the project; imported once from MatchingConfig.ready().

Registers the coordinators' menu entry and the audit actions' words, erases a student's
survey comments with their profile, and imports the tasks so that Celery knows them (this
package is not an app of its own: autodiscovery does not look here).
"""

from django.db.models.signals import pre_delete
from django.utils.translation import gettext_lazy as _

from core import audit
from core.models import Profile
from core.navigation import COORDINATOR, NavItem, register
from matching.followup import services, tasks  # noqa: F401 - tasks registered with Celery

register(NavItem(_("Follow-up"), "followup:coordinator", COORDINATOR, order=35))
audit.register(
    {
        services.NEW_BUDDY_ASKED: _("A student asked for a new buddy"),
        services.NEW_BUDDY_HANDLED: _("Request for a new buddy handled"),
    }
)


def _forget_comments(sender, instance: Profile, **kwargs) -> None:
    services.forget_comments_of(instance)


pre_delete.connect(_forget_comments, sender=Profile, dispatch_uid="followup_forget_comments")
