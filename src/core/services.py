"""Writes of the student portal: registration, verification, account changes, erasure."""

from dataclasses import dataclass
from datetime import date

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone

from config.celery import enqueue_on_commit
from core.accounts.models import User
from core.models import AuditEvent, Hobby, Profile, ProfileLanguage, SectionSettings
from core.tasks import send_verification_email
from core.verification import read_token
from matching.services import end_pairs_of


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
) -> Profile:
    """Create the account and profile at once; the verification email follows the commit."""
    notice = SectionSettings.load()
    with transaction.atomic():
        user = User.objects.create_user(
            email, password, first_name=first_name.strip(), last_name=last_name.strip()
        )
        profile = Profile.objects.create(
            user=user,
            consent_version=notice.privacy_notice_version,
            consented_at=timezone.now(),
            **profile_fields,
        )
        profile.hobbies.set(hobbies)
        replace_languages(profile, languages)
        enqueue_on_commit(send_verification_email, user.pk)
    return profile


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
            first_name=first_name.strip(), last_name=last_name.strip()
        )
        for field, value in profile_fields.items():
            setattr(profile, field, value)
        profile.save()
        profile.hobbies.set(hobbies)
        replace_languages(profile, languages)
    return profile


def verify_email(token: str) -> Profile | None:
    """Mark the email of the token's student verified; None for a bad or expired token."""
    signed = read_token(token)
    if signed is None:
        return None
    user_id, email = signed
    profile = (
        Profile.objects.filter(user_id=user_id, user__email=email).select_related("user").first()
    )
    if profile is not None and profile.email_verified_at is None:
        profile.email_verified_at = timezone.now()
        profile.save(update_fields=["email_verified_at"])
    return profile


def resend_verification(profile: Profile) -> None:
    if not profile.is_verified:
        enqueue_on_commit(send_verification_email, profile.user_id)


def withdraw(profile: Profile) -> None:
    """Leave the matching pool, and end the current pairs so the others can be re-matched."""
    with transaction.atomic():
        profile.status = Profile.Status.WITHDRAWN
        profile.save(update_fields=["status", "updated_at"])
        end_pairs_of(profile, reason="withdrawn")


def rejoin(profile: Profile) -> None:
    profile.status = Profile.Status.ACTIVE
    profile.save(update_fields=["status", "updated_at"])


def erase_student(user: User, *, action: str) -> None:
    """Remove the account and profile; pairs stay as anonymous history for the statistics."""
    profile = Profile.objects.filter(user=user).first()
    role = profile.role if profile else "none"
    with transaction.atomic():
        if profile is not None:
            end_pairs_of(profile, reason="erased")
        user.delete()  # the profile, its languages and hobbies go with it
        AuditEvent.objects.create(action=action, details={"role": role})


def record_export(user: User) -> None:
    AuditEvent.objects.create(action=AuditEvent.Action.DATA_EXPORTED, actor=user)


def anonymise_departed_profiles(today: date | None = None) -> int:
    """Erase the students whose stay ended more than the section's delay ago."""
    months = SectionSettings.load().anonymise_after_months
    cutoff = (today or timezone.localdate()) - relativedelta(months=months)
    departed = Profile.objects.filter(
        role=Profile.Role.INCOMING, departure_date__lt=cutoff
    ) | Profile.objects.filter(role=Profile.Role.BUDDY, available_until__lt=cutoff)
    erased = 0
    for profile in departed.select_related("user"):
        erase_student(profile.user, action=AuditEvent.Action.PROFILE_ANONYMISED)
        erased += 1
    return erased
