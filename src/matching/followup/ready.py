"""Wires the pair follow-up into the project; imported once from MatchingConfig.ready().

Registers the coordinators' menu entry and the audit actions' words, erases a student's
survey comments with their profile, and registers its emails with the outbox (its tasks are in
settings.CELERY_IMPORTS: this package is not an app, autodiscovery does not look here).
"""

from django.db.models.signals import pre_delete
from django.utils.translation import gettext_lazy as _

from core import audit
from core.models import Profile
from core.navigation import COORDINATOR, NavItem, register
from matching.followup import emails, services  # noqa: F401 - emails registers its kinds

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
