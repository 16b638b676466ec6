"""Reads of the student portal: a student's programme status and their personal data."""

from dataclasses import dataclass, field

from core.accounts.models import User
from core.events.models import EventRegistration, MessagePreference
from core.models import AuditEvent, Profile
from matching.followup.models import CheckIn, SurveyResponse
from matching.models import Pair
from matching.selectors import active_pairs_of, is_on_waiting_list


@dataclass(frozen=True)
class BuddyContact:
    """What a confirmed pair discloses of the other student, and nothing more."""

    name: str
    email: str
    phone: str
    instagram: str


@dataclass(frozen=True)
class ProgrammeStatus:
    state: str  # "unverified", "waiting", "waiting_list", "matched" or "withdrawn"
    buddies: list[BuddyContact] = field(default_factory=list)


def programme_status(profile: Profile) -> ProgrammeStatus:
    if profile.status == Profile.Status.WITHDRAWN:
        return ProgrammeStatus("withdrawn")
    if not profile.is_verified:
        return ProgrammeStatus("unverified")
    others = [
        pair.buddy if profile.is_incoming else pair.incoming for pair in active_pairs_of(profile)
    ]
    contacts = [
        BuddyContact(other.user.get_full_name(), other.user.email, other.phone, other.instagram)
        for other in others
        if other is not None
    ]
    if contacts:
        return ProgrammeStatus("matched", contacts)
    return ProgrammeStatus("waiting_list" if is_on_waiting_list(profile) else "waiting")


def personal_data(user: User) -> dict:
    """Everything the section holds about a student, for their GDPR download."""
    data: dict = {
        "account": {
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
        }
    }
    profile = Profile.objects.filter(user=user).select_related("place_of_study").first()
    if profile is None:
        return data
    data["profile"] = {
        "role": profile.role,
        "status": profile.status,
        "language": profile.language,
        "birth_date": profile.birth_date.isoformat(),
        "gender": profile.gender,
        "nationality": profile.nationality.code,
        "place_of_study": profile.place_of_study.name,
        "faculty": profile.faculty,
        "study_level": profile.study_level,
        "hobbies": sorted(profile.hobbies.values_list("name", flat=True)),
        "languages": [
            {"language": spoken.language, "level": spoken.level}
            for spoken in profile.languages.all()
        ],
        "preferred_buddy_gender": profile.preferred_buddy_gender,
        "about": profile.about,
        "home_university": profile.home_university,
        "arrival_date": _iso(profile.arrival_date),
        "departure_date": _iso(profile.departure_date),
        "available_from": _iso(profile.available_from),
        "available_until": _iso(profile.available_until),
        "capacity": profile.capacity,
        "phone": profile.phone,
        "instagram": profile.instagram,
        "email_verified_at": _iso(profile.email_verified_at),
        "privacy_notice_version_accepted": profile.consent_version,
        "privacy_notice_accepted_at": profile.consented_at.isoformat(),
        "registered_at": profile.created_at.isoformat(),
    }
    data["pairs"] = [
        {
            "confirmed_at": pair.confirmed_at.isoformat(),
            "ended_at": _iso(pair.ended_at),
            "end_reason": pair.end_reason,
        }
        for pair in Pair.objects.of(profile).order_by("confirmed_at")
    ]
    data["events"] = [
        {"event": r.event.title, "starts_at": r.event.starts_at.isoformat(), "status": r.status}
        for r in EventRegistration.objects.filter(profile=profile).select_related("event")
    ]
    preference = MessagePreference.objects.filter(profile=profile).first()
    data["unsubscribed_from_messages_at"] = _iso(preference.unsubscribed_at if preference else None)
    data["check_ins"] = [
        {"sent_at": _iso(c.sent_at), "answer": c.answer, "answered_at": _iso(c.answered_at)}
        for c in CheckIn.objects.filter(profile=profile)
    ]
    data["surveys"] = [
        {"rating": r.rating, "comment": r.comment, "answered_at": _iso(r.answered_at)}
        for r in SurveyResponse.objects.filter(profile=profile)
    ]
    data["exports"] = [
        event.at.isoformat()
        for event in AuditEvent.objects.filter(actor=user, action=AuditEvent.Action.DATA_EXPORTED)
    ]
    return data


def _iso(value) -> str | None:
    return value.isoformat() if value else None
