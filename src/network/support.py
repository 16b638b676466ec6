"""Support access: a network admin opens one section's coordinator pages read-only, for a
reason they give, for a limited time; the section's audit log and dashboard show it.

The admin's browser is sent to the section's host with a signed link (valid minutes, bound
to the section's schema) that starts a session holding only the grant's id; every request
then checks the grant is still open (core.permissions asks `access_for_request`), and
core.permissions runs the pages in a READ ONLY transaction and refuses any other method."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_tenants.utils import schema_context

from core import audit as section_audit
from core.accounts.models import User
from core.signing import make_link_token, read_link_token
from network import audit
from network.models import SupportAccess
from network.scope import Scope
from tenants.models import Section

DURATIONS = (15, 30, 60)  # minutes an admin may choose
LINK_MAX_AGE = timedelta(minutes=5)
LINK_PURPOSE = "support-access"
SESSION_KEY = "network_support_access"
# the section's audit log
SUPPORT_ACCESS_OPENED = "support_access_opened"
SUPPORT_ACCESS_ENDED = "support_access_ended"
AUDIT_LABELS = {
    SUPPORT_ACCESS_OPENED: gettext_lazy("Read-only support access by a network admin"),
    SUPPORT_ACCESS_ENDED: gettext_lazy("Support access ended"),
}


def open_access(scope: Scope, section: Section, reason: str, minutes: int) -> SupportAccess:
    """Grant the admin a read-only look at the section, written in both audit logs."""
    scope.require(section.country)
    reason = reason.strip()
    errors = {}
    if not reason:
        errors["reason"] = [_("Say why you need to see this section's data.")]
    if minutes not in DURATIONS:
        errors["minutes"] = [_("Choose one of the durations offered.")]
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    with transaction.atomic():
        grant = SupportAccess.objects.create(
            admin=scope.user,
            admin_email=scope.user.email,
            section=section,
            reason=reason,
            started_at=now,
            expires_at=now + timedelta(minutes=minutes),
        )
        audit.record(audit.SUPPORT_OPENED, scope.user, section=section, grant=grant.pk)
        with schema_context(section.schema_name):
            section_audit.record(
                SUPPORT_ACCESS_OPENED,
                None,
                admin=grant.admin_email,
                reason=reason,
                until=grant.expires_at.isoformat(timespec="minutes"),
            )
    return grant


def end_access(scope: Scope, grant: SupportAccess) -> None:
    scope.require(grant.section.country)
    with transaction.atomic():
        ended = SupportAccess.objects.active().filter(pk=grant.pk).update(ended_at=timezone.now())
        if not ended:
            return
        audit.record(audit.SUPPORT_ENDED, scope.user, section=grant.section, grant=grant.pk)
        with schema_context(grant.section.schema_name):
            section_audit.record(SUPPORT_ACCESS_ENDED, None, admin=grant.admin_email)


def entry_link(grant: SupportAccess) -> str:
    """Where the admin's browser goes: the section's host, with a link valid minutes."""
    with schema_context(grant.section.schema_name):
        token = make_link_token(LINK_PURPOSE, grant=grant.pk)
        path = reverse("support:enter", urlconf=settings.ROOT_URLCONF, kwargs={"token": token})
        return grant.section.portal_url + path


def grant_for_link(section: Section, token: str) -> SupportAccess | None:
    """The open grant a link names, on its section's host; None for any other link.

    Raises core.signing.LinkRefused for a forged, foreign or expired link."""
    values = read_link_token(LINK_PURPOSE, token, max_age=LINK_MAX_AGE)
    return SupportAccess.objects.active().filter(pk=values.get("grant"), section=section).first()


def support_visitor(grant: SupportAccess) -> User:
    """Who the coordinator pages see: an unsaved coordinator, so that no write can name it."""
    visitor = User(email=grant.admin_email, first_name=_("Support"), is_coordinator=True)
    visitor.support_access = grant
    return visitor


def access_for_request(request: HttpRequest) -> User | None:
    """The support visitor of this request: a session started from a link whose grant is
    still open, on this section's host; None otherwise (and a closed grant is forgotten)."""
    section = getattr(request, "section", None)
    grant_id = request.session.get(SESSION_KEY) if section is not None else None
    if grant_id is None:
        return None
    grant = SupportAccess.objects.active().filter(pk=grant_id, section=section).first()
    if grant is None:
        request.session.pop(SESSION_KEY, None)
        return None
    return support_visitor(grant)


def active_grants(section: Section):
    return SupportAccess.objects.active().filter(section=section)


def grants_in_scope(scope: Scope):
    return SupportAccess.objects.filter(scope.country_filter("section__country")).select_related(
        "section"
    )
