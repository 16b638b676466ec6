"""Writes of external sign-in: the handoff from the root domain to the section's host,
linking a provider account to a user, registration from a provider's details, and ESN board
members' coordinator requests."""

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django_tenants.utils import schema_context

from core import audit
from core.accounts.models import User, normalise_email
from core.models import Hobby, Profile
from core.names import plain_name
from core.outbox.services import send_email
from core.services import SpokenLanguage, register_student
from core.signin.emails import COORDINATOR_CONFIRMED, LINK_ACCOUNT
from core.signin.models import CoordinatorRequest, ExternalIdentity, PendingSignin, SigninSettings
from core.signin.providers import Claims, SigninFailed, Started
from core.signin.tokens import PENDING_MAX_AGE, handoff_code, read_handoff


def hand_off(claims: Claims, started: Started) -> str:
    """Keep the provider's answer in the section's schema; the one-time code its host redeems.

    Runs on the root domain, in the section's schema only for this write. The code carries
    the row's id, signed and bound to the schema: a Lille code means nothing on Paris.
    """
    with schema_context(started.schema), transaction.atomic():
        purge_pending()
        pending = PendingSignin.objects.create(
            provider=claims.provider,
            subject=claims.subject,
            email=normalise_email(claims.email),
            first_name=plain_name(claims.first_name)[:150],
            last_name=plain_name(claims.last_name)[:150],
            home_organization=claims.home_organization,
            student_identifiers=claims.student_identifiers,
            esn_section_code=claims.esn_section_code[:40],
            esn_roles=claims.esn_roles,
            next_path=started.next_path[:500],
        )
        return handoff_code(pending.pk)


def purge_pending() -> int:
    """Forget the sign-ins nobody finished (they hold a name and an address)."""
    old = PendingSignin.objects.filter(created_at__lt=timezone.now() - PENDING_MAX_AGE)
    return old.delete()[0]


def claim_handoff(code: str) -> PendingSignin:
    """The pending sign-in of a code of this section, once: a second use is refused."""
    pending_id = read_handoff(code)
    claimed = PendingSignin.objects.filter(pk=pending_id, claimed_at__isnull=True).update(
        claimed_at=timezone.now()
    )
    if claimed != 1:
        raise SigninFailed("expired")
    return PendingSignin.objects.get(pk=pending_id)


def pending_signin(pending_id: object) -> PendingSignin | None:
    """The claimed sign-in a browser's session points to, while it is young enough."""
    if not isinstance(pending_id, int):
        return None
    return PendingSignin.objects.filter(
        pk=pending_id,
        claimed_at__isnull=False,
        created_at__gte=timezone.now() - PENDING_MAX_AGE,
    ).first()


def identity_for(pending: PendingSignin) -> ExternalIdentity | None:
    return (
        ExternalIdentity.objects.filter(provider=pending.provider, subject=pending.subject)
        .select_related("user")
        .first()
    )


def signed_in(identity: ExternalIdentity, pending: PendingSignin) -> None:
    """A returning sign-in: refresh what the provider says now (ESI may change), forget the
    pending row. The account's email stays as it is, also when the provider's changed."""
    with transaction.atomic():
        identity.home_organization = pending.home_organization or identity.home_organization
        identity.student_identifiers = pending.student_identifiers or identity.student_identifiers
        identity.last_login_at = timezone.now()
        identity.save(update_fields=["home_organization", "student_identifiers", "last_login_at"])
        pending.delete()


def link(user: User, pending: PendingSignin) -> ExternalIdentity:
    """Link the provider account to `user` (who proved it is theirs) and forget the pending
    row. SigninFailed("linked") when the provider account belongs to someone else, or the
    user has another account of this provider."""
    taken = ExternalIdentity.objects.filter(
        Q(provider=pending.provider, subject=pending.subject)
        | Q(provider=pending.provider, user=user)
    )
    try:
        with transaction.atomic():
            if taken.exclude(user=user, subject=pending.subject).exists():
                raise SigninFailed("linked")
            identity, _created = ExternalIdentity.objects.get_or_create(
                provider=pending.provider,
                subject=pending.subject,
                user=user,
                defaults={
                    "home_organization": pending.home_organization,
                    "student_identifiers": pending.student_identifiers,
                },
            )
            identity.last_login_at = timezone.now()
            identity.save(update_fields=["last_login_at"])
            pending.delete()
    except IntegrityError as error:  # the same link committed by another request first
        raise SigninFailed("linked") from error
    return identity


def email_link(user: User, pending: PendingSignin) -> None:
    """Email the account's owner a link that confirms the linking (once a pending sign-in)."""
    send_email(f"signin-link:{pending.pk}", LINK_ACCOUNT, user=user.pk, pending=pending.pk)


def register(
    pending: PendingSignin,
    *,
    password: str | None,
    first_name: str,
    last_name: str,
    profile_fields: dict,
    hobbies: list[Hobby],
    languages: list[SpokenLanguage],
) -> Profile:
    """Registration with the provider's verified email: the portal's own registration
    (core.services.register_student, its rules and its transaction), the email marked
    verified, the provider account linked. Raises core.services.EmailTaken when the address
    got an account meanwhile."""
    with transaction.atomic():
        profile = register_student(
            email=pending.email,
            password=password,
            first_name=first_name,
            last_name=last_name,
            profile_fields=profile_fields,
            hobbies=hobbies,
            languages=languages,
            email_verified=True,
        )
        link(profile.user, pending)
    return profile


def ask_coordinator_role(user: User, roles: list[str]) -> CoordinatorRequest:
    """An ESN board member asks; an existing coordinator decides (one open request each)."""
    with transaction.atomic():
        found = CoordinatorRequest.objects.filter(user=user, status=CoordinatorRequest.Status.OPEN)
        return found.first() or CoordinatorRequest.objects.create(user=user, esn_roles=roles)


def register_coordinator_candidate(pending: PendingSignin) -> User:
    """A board member with no account here: an account without profile or password (they sign
    in with ESN Accounts), linked, with its coordinator request."""
    with transaction.atomic():
        user = User.objects.create_user(
            pending.email, first_name=pending.first_name, last_name=pending.last_name
        )
        roles = list(pending.esn_roles)
        link(user, pending)
        ask_coordinator_role(user, roles)
    return user


def decide_coordinator_request(
    actor: User, request_id: int, *, confirm: bool
) -> CoordinatorRequest:
    """Confirm (the user becomes a coordinator, and is told by email) or decline an open
    request, once."""
    with transaction.atomic():
        found = (
            CoordinatorRequest.objects.select_for_update()
            .filter(pk=request_id, status=CoordinatorRequest.Status.OPEN, user__is_active=True)
            .first()
        )
        if found is None:
            raise CoordinatorRequest.DoesNotExist
        found.status = (
            CoordinatorRequest.Status.CONFIRMED if confirm else CoordinatorRequest.Status.DECLINED
        )
        found.decided_at, found.decided_by = timezone.now(), actor
        found.save(update_fields=["status", "decided_at", "decided_by"])
        if confirm:
            User.objects.filter(pk=found.user_id).update(is_coordinator=True)
            send_email(
                f"coordinator-confirmed:{found.pk}", COORDINATOR_CONFIRMED, user=found.user_id
            )
        audit.record(
            "coordinator_request_confirmed" if confirm else "coordinator_request_declined",
            actor,
            request=found.pk,
        )
    return found


def update_settings(actor: User, *, myacademicid: bool, esn: bool, esn_section_code: str) -> None:
    with transaction.atomic():
        SigninSettings.load()
        SigninSettings.objects.filter(pk=1).update(
            myacademicid=myacademicid, esn=esn, esn_section_code=esn_section_code.strip().upper()
        )
        audit.record("signin_settings_changed", actor, myacademicid=myacademicid, esn=esn)
