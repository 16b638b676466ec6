"""Writes of a section's students: registration, verification, account changes, leaving the
programme (withdrawal, deactivation, erasure), each path telling the apps above through
`core.hooks.student_left`."""

from dataclasses import dataclass
from datetime import date, timedelta

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from dateutil.relativedelta import relativedelta
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.hashers import make_password
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from core import audit
from core.accounts.models import User, normalise_email
from core.emails import REGISTRATION_ATTEMPT, VERIFY_EMAIL
from core.hooks import LeftBecause, student_left
from core.models import (
    AuditEvent,
    CoordinatorNote,
    Hobby,
    Profile,
    ProfileLanguage,
    SectionSettings,
)
from core.names import plain_name
from core.outbox.models import OutboxMessage
from core.outbox.services import send_email
from core.verification import user_for


class EmailTaken(Exception):
    """Another registration with this email committed first (two clicks, two tabs)."""


@dataclass(frozen=True)
class SpokenLanguage:
    language: str
    level: str


def register_student(
    *,
    email: str,
    password: str,
    first_name: str,
    last_name: str,
    profile_fields: dict,
    hobbies: list[Hobby],
    languages: list[SpokenLanguage],
    email_verified: bool = False,
) -> Profile:
    """Create the account and profile at once; the verification email follows the commit,
    unless the address is known to be the student's already (`email_verified`: they came
    from a link sent to it, or their identity provider vouches for it).

    Raises EmailTaken when a registration with this email committed first (the form checked,
    but two identical posts can both pass the check).
    """
    notice = SectionSettings.load()
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email, password, first_name=plain_name(first_name), last_name=plain_name(last_name)
            )
            profile = Profile.objects.create(
                user=user,
                consent_version=notice.privacy_notice_version,
                # the registration page showed the notice in the page's language
                consent_language=get_language(),
                consented_at=timezone.now(),
                email_verified_at=timezone.now() if email_verified else None,
                **profile_fields,
            )
            profile.hobbies.set(hobbies)
            replace_languages(profile, languages)
            if not email_verified:
                send_email(f"verify-email:{user.pk}", VERIFY_EMAIL, user=user.pk)
    except IntegrityError as error:
        if User.objects.filter(email=normalise_email(email)).exists():
            raise EmailTaken from error
        raise
    return profile


def register_or_tell_owner(*, email: str, password: str, **details) -> Profile | None:
    """The registration page's path: the same outcome whether or not the address is taken.

    A new address gets its account and verification email (register_student). A taken one
    gets nothing created; its owner is emailed that someone tried to register with it (once
    a minute at most), and the password is hashed all the same so that both take as long.
    None when the address was taken, also when an identical registration committed first.
    """
    owner = User.objects.filter(email=normalise_email(email)).first()
    if owner is None:
        try:
            return register_student(email=email, password=password, **details)
        except EmailTaken:
            return None  # an identical post (a double click) committed first: no email
    make_password(password)  # as long as create_user's hashing
    minute = f"{timezone.now():%Y%m%d%H%M}"
    send_email(f"registration-attempt:{owner.pk}:{minute}", REGISTRATION_ATTEMPT, user=owner.pk)
    return None


def replace_languages(profile: Profile, languages: list[SpokenLanguage]) -> None:
    profile.languages.all().delete()
    ProfileLanguage.objects.bulk_create(
        ProfileLanguage(profile=profile, language=spoken.language, level=spoken.level)
        for spoken in languages
    )


def update_profile(
    profile: Profile,
    *,
    first_name: str,
    last_name: str,
    profile_fields: dict,
    hobbies: list[Hobby],
    languages: list[SpokenLanguage],
) -> Profile:
    with transaction.atomic():
        User.objects.filter(pk=profile.user_id).update(
            first_name=plain_name(first_name), last_name=plain_name(last_name)
        )
        for field, value in profile_fields.items():
            setattr(profile, field, value)
        profile.save()
        profile.hobbies.set(hobbies)
        replace_languages(profile, languages)
    return profile


def verify_email(token: str) -> Profile | None:
    """Mark the email of the link's student verified; None for a bad or expired link."""
    user = user_for(token)
    profile = Profile.objects.filter(user=user).select_related("user").first() if user else None
    if profile is not None and profile.email_verified_at is None:
        profile.email_verified_at = timezone.now()
        profile.save(update_fields=["email_verified_at"])
    return profile


RESENDS_PER_DAY = 5


class TooManyResends(Exception):
    """The account asked for RESENDS_PER_DAY verification emails in the last 24 hours."""


def resend_verification(profile: Profile) -> None:
    """Another verification email; one a minute at most, however often the button is hit, and
    RESENDS_PER_DAY a day per account (counted in the outbox: a row per minute it wrote).

    Raises TooManyResends past the daily cap.
    """
    if profile.is_verified:
        return
    minute = f"{timezone.now():%Y%m%d%H%M}"
    key = f"verify-email:{profile.user_id}:{minute}"
    recent = OutboxMessage.objects.filter(
        key__startswith=f"verify-email:{profile.user_id}:",
        created_at__gte=timezone.now() - timedelta(days=1),
    )
    if not recent.filter(key=key).exists() and recent.count() >= RESENDS_PER_DAY:
        raise TooManyResends
    send_email(key, VERIFY_EMAIL, user=profile.user_id)


def _leave(profile: Profile, status: str, reason: LeftBecause, actor: User | None) -> None:
    profile.status = status
    profile.save(update_fields=["status", "updated_at"])
    student_left.send(sender=Profile, profile=profile, reason=reason, actor=actor)


def withdraw(profile: Profile) -> None:
    """Leave the programme: out of matching, and the current pairs end."""
    with transaction.atomic():
        _leave(profile, Profile.Status.WITHDRAWN, LeftBecause.WITHDREW, profile.user)


class NotWithdrawn(ValidationError):
    """Only a student who left the programme themselves may come back by themselves: one the
    coordinators deactivated asks them."""


def rejoin(profile: Profile) -> None:
    """Back in the programme after withdrawing; nothing to do for a student already in it."""
    if profile.status == Profile.Status.DEACTIVATED:
        raise NotWithdrawn(
            _("The coordinators have taken your profile out of the programme: write to them.")
        )
    if profile.status == Profile.Status.WITHDRAWN:
        profile.status = Profile.Status.ACTIVE
        profile.save(update_fields=["status", "updated_at"])


NOTE_ADDED = "note_added"


def add_note(author: User, profile: Profile, text: str) -> CoordinatorNote:
    """A coordinator's private note about a student (students never see notes)."""
    note = CoordinatorNote.objects.create(profile=profile, author=author, text=text.strip())
    audit.record(NOTE_ADDED, author, profile=profile.pk)
    return note


def deactivate_profile(coordinator: User, profile: Profile) -> None:
    """A coordinator takes a student out of the programme: out of matching, pairs ended."""
    with transaction.atomic():
        _leave(profile, Profile.Status.DEACTIVATED, LeftBecause.DEACTIVATED, coordinator)
        audit.record(AuditEvent.Action.PROFILE_DEACTIVATED, coordinator, profile=profile.pk)


def reactivate_profile(coordinator: User, profile: Profile) -> None:
    with transaction.atomic():
        profile.status = Profile.Status.ACTIVE
        profile.save(update_fields=["status", "updated_at"])
        audit.record(AuditEvent.Action.PROFILE_REACTIVATED, coordinator, profile=profile.pk)


def erase_student(user: User, *, action: str, sessions: dict[str, list[str]] | None = None) -> None:
    """Remove the account and profile; pairs stay as anonymous history for the statistics.

    What goes with them: the login attempts and logs of their email (axes), their sessions
    (on every device), and, through `student_left`'s receivers, what other apps hold of
    them (matching forgets them in the runs' snapshots). `sessions` (user id -> session
    keys, from `sessions_by_user`) spares a batch one read of every session per student.
    """
    profile = Profile.objects.filter(user=user).first()
    role = profile.role if profile else "none"
    reason = (
        LeftBecause.STAY_ENDED
        if action == AuditEvent.Action.PROFILE_ANONYMISED
        else LeftBecause.ACCOUNT_DELETED
    )
    session_keys = (sessions if sessions is not None else sessions_by_user()).get(str(user.pk), [])
    with transaction.atomic():
        if profile is not None:
            student_left.send(sender=Profile, profile=profile, reason=reason, actor=None)
        for model in (AccessAttempt, AccessLog, AccessFailureLog):
            model.objects.filter(username__iexact=user.email).delete()
        Session.objects.filter(session_key__in=session_keys).delete()
        user.delete()  # the profile, its languages and hobbies go with it
        AuditEvent.objects.create(action=action, details={"role": role})


def sessions_by_user() -> dict[str, list[str]]:
    """The section's sessions by the id of the user logged in with them, read in chunks."""
    store = SessionStore()
    found: dict[str, list[str]] = {}
    rows = Session.objects.values_list("session_key", "session_data").iterator(chunk_size=2000)
    for key, data in rows:
        user_id = store.decode(data).get(SESSION_KEY)  # {} when it cannot be read
        if user_id is not None:
            found.setdefault(str(user_id), []).append(key)
    return found


def record_export(user: User) -> None:
    AuditEvent.objects.create(action=AuditEvent.Action.DATA_EXPORTED, actor=user)


def anonymise_departed_profiles(today: date | None = None) -> int:
    """Erase the students whose stay ended more than the section's delay ago."""
    months = SectionSettings.load().anonymise_after_months
    cutoff = (today or timezone.localdate()) - relativedelta(months=months)
    departed = Profile.objects.filter(
        role=Profile.Role.INCOMING, departure_date__lt=cutoff
    ) | Profile.objects.filter(role=Profile.Role.BUDDY, available_until__lt=cutoff)
    erased, sessions = 0, None
    for profile in departed.select_related("user"):
        if sessions is None:  # one read of the sessions for the whole batch
            sessions = sessions_by_user()
        erase_student(profile.user, action=AuditEvent.Action.PROFILE_ANONYMISED, sessions=sessions)
        erased += 1
    return erased
