"""A section's life on the network: edited, deactivated (its portal shows a closed page, its
data is kept), reactivated; its coordinators invited or deactivated by a network admin.

Coordinators are read and written in the section's own schema; the section's audit log says
that a network admin did it (its actor column names the section's users only)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from core import audit as section_audit
from core.accounts.models import User, normalise_email
from core.accounts.services import invite_coordinator
from network import audit
from network.scope import Scope
from tenants.models import Section

EDITABLE = ("name", "city", "country", "kind", "contact_email", "default_language")
# The section's audit log: what a network admin did there.
NETWORK_COORDINATOR_INVITED = "network_coordinator_invited"
NETWORK_COORDINATOR_DEACTIVATED = "network_coordinator_deactivated"


def edit_section(scope: Scope, section: Section, values: dict) -> None:
    scope.require(section.country)
    scope.require(values.get("country", section.country))
    changed = sorted(
        field for field in EDITABLE if field in values and values[field] != getattr(section, field)
    )
    if not changed:
        return
    with transaction.atomic():
        for field in changed:
            setattr(section, field, values[field])
        section.save(update_fields=changed)
        audit.record(audit.SECTION_EDITED, scope.user, section=section, fields=changed)


def set_active(scope: Scope, section: Section, active: bool) -> None:
    """Close or reopen the section's portal; nothing of its data is touched."""
    scope.require(section.country)
    if section.is_active == active:
        return
    with transaction.atomic():
        section.is_active = active
        section.save(update_fields=["is_active"])
        action = audit.SECTION_REACTIVATED if active else audit.SECTION_DEACTIVATED
        audit.record(action, scope.user, section=section)


def coordinators_of(scope: Scope, section: Section) -> list[User]:
    scope.require(section.country)
    with schema_context(section.schema_name):
        coordinators: QuerySet[User] = User.objects.filter(is_coordinator=True)
        return list(coordinators.order_by("email"))


def invite_section_coordinator(scope: Scope, section: Section, email: str) -> None:
    scope.require(section.country)
    email = normalise_email(email)
    with transaction.atomic(), schema_context(section.schema_name):
        if User.objects.filter(email=email).exists():
            raise ValidationError(_("This email already has an account in this section."))
        invited = invite_coordinator(email)
        section_audit.record(
            NETWORK_COORDINATOR_INVITED, None, coordinator_id=invited.pk, admin=scope.user.email
        )
    audit.record(audit.COORDINATOR_INVITED, scope.user, section=section, coordinator=invited.pk)


def deactivate_section_coordinator(scope: Scope, section: Section, user_id: int) -> None:
    scope.require(section.country)
    with transaction.atomic(), schema_context(section.schema_name):
        updated = User.objects.filter(pk=user_id, is_coordinator=True, is_active=True).update(
            is_active=False
        )
        if not updated:
            return
        section_audit.record(
            NETWORK_COORDINATOR_DEACTIVATED, None, coordinator_id=user_id, admin=scope.user.email
        )
    audit.record(audit.COORDINATOR_DEACTIVATED, scope.user, section=section, coordinator=user_id)
