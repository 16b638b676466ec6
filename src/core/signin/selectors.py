"""Reads of external sign-in."""

from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import QuerySet
from django_tenants.utils import schema_context

from core.accounts.models import User
from core.signin.models import CoordinatorRequest, ExternalIdentity, Provider, SigninSettings
from core.signin.providers import Started, is_configured
from tenants.models import Section
from tenants.selectors import section_for_host

BOARD_ROLE_MARK = "board"  # Local.regularBoardMember, Local.boardMember...


def offered_providers() -> list[str]:
    """The sign-in methods this section's portal shows: chosen by it, configured by us."""
    chosen = SigninSettings.load()
    return [
        provider
        for provider in Provider.values
        if chosen.offers(provider) and is_configured(provider)
    ]


def started_for(next_url: str) -> tuple[Section, Started] | None:
    """Where a login asked from `next_url` returns: an active section of ours, and a path on
    its host. None for any other address (an open redirect else)."""
    try:
        parts = urlsplit(next_url)
        port = parts.port  # a port that is not a number raises here
    except ValueError:
        return None
    if parts.scheme != settings.SITE_SCHEME or not parts.hostname:
        return None
    if (port and str(port) != str(settings.SITE_PORT)) or parts.username:
        return None
    section = section_for_host(parts.hostname)
    if section is None or not section.is_active:
        return None
    path = parts.path or "/"
    if not path.startswith("/") or path.startswith("//") or "\\" in path:
        return None
    return section, Started(schema=section.schema_name, next_path=path)


def offered_in(section: Section, provider: str) -> bool:
    with schema_context(section.schema_name):
        return provider in offered_providers()


def section_by_schema(schema: str) -> Section | None:
    return Section.objects.filter(schema_name=schema, is_active=True).first()


def identities_of(user: User) -> QuerySet[ExternalIdentity]:
    return ExternalIdentity.objects.filter(user=user).order_by("provider")


def account_panel(profile) -> dict:
    """The student's account page: the sign-in services linked, those they may link."""
    identities = list(identities_of(profile.user))
    linked = [identity.provider for identity in identities]
    offered = [provider for provider in offered_providers() if provider not in linked]
    return {"identities": identities, "linked": linked, "offered": offered}


def personal_data(profile) -> list[dict]:
    """The student's download: the provider accounts linked to them, what they told us."""
    return [
        {
            "provider": identity.provider,
            "subject": identity.subject,
            "home_institution": identity.home_organization,
            "european_student_identifiers": identity.student_identifiers,
            "linked_at": identity.linked_at.isoformat(),
            "last_sign_in": identity.last_login_at.isoformat() if identity.last_login_at else None,
        }
        for identity in identities_of(profile.user)
    ]


def is_board_member(section_code: str, roles: list[str]) -> bool:
    """An ESN Account of this section (its code as the section configured it) with a board
    role: the one who may ask for the coordinator role."""
    ours = SigninSettings.load().esn_section_code.strip().upper()
    return (
        bool(ours)
        and section_code.strip().upper() == ours
        and any(role.startswith("Local.") and BOARD_ROLE_MARK in role.lower() for role in roles)
    )


def open_coordinator_requests() -> QuerySet[CoordinatorRequest]:
    return CoordinatorRequest.objects.filter(status=CoordinatorRequest.Status.OPEN).select_related(
        "user"
    )
