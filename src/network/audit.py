"""The network admins' audit log (public schema): every admin action, with the country it
concerns so that national admins read their own countries' lines."""

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from core.accounts.models import User
from network.models import AdminEvent
from network.scope import Scope
from tenants.models import Section

ADMIN_INVITED = "admin_invited"
ADMIN_DEACTIVATED = "admin_deactivated"
JOIN_REQUESTED = "join_requested"
JOIN_APPROVED = "join_approved"
JOIN_DECLINED = "join_declined"
SECTION_ONBOARDED = "section_onboarded"
SECTIONS_IMPORTED = "sections_imported"
SECTION_EDITED = "section_edited"
SECTION_DEACTIVATED = "section_deactivated"
SECTION_REACTIVATED = "section_reactivated"
COORDINATOR_INVITED = "coordinator_invited"
COORDINATOR_DEACTIVATED = "coordinator_deactivated"
SUPPORT_OPENED = "support_opened"
SUPPORT_ENDED = "support_ended"

LABELS = {
    ADMIN_INVITED: _("Admin invited"),
    ADMIN_DEACTIVATED: _("Admin deactivated"),
    JOIN_REQUESTED: _("Asked to join"),
    JOIN_APPROVED: _("Join request approved"),
    JOIN_DECLINED: _("Join request declined"),
    SECTION_ONBOARDED: _("Section onboarded"),
    SECTIONS_IMPORTED: _("Sections imported from a CSV file"),
    SECTION_EDITED: _("Section edited"),
    SECTION_DEACTIVATED: _("Section deactivated"),
    SECTION_REACTIVATED: _("Section reactivated"),
    COORDINATOR_INVITED: _("Coordinator invited"),
    COORDINATOR_DEACTIVATED: _("Coordinator deactivated"),
    SUPPORT_OPENED: _("Support access opened"),
    SUPPORT_ENDED: _("Support access ended"),
}


def record(
    action: str,
    actor: User | None,
    *,
    section: Section | None = None,
    country: str = "",
    **details,
) -> AdminEvent:
    return AdminEvent.objects.create(
        action=action,
        actor=actor,
        section=section,
        country=str(section.country) if section is not None else country,
        details=details,
    )


def events_in_scope(scope: Scope) -> QuerySet[AdminEvent]:
    """The lines an admin may read: their countries' (a European admin's: all of them)."""
    events = AdminEvent.objects.select_related("actor", "section")
    if scope.countries is None:
        return events
    return events.filter(Q(country__in=scope.countries) | Q(actor=scope.user))


def label(action: str) -> str:
    return str(LABELS.get(action, action))
