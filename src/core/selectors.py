"""Reads of a section's students: what the account page shows, and their personal data."""

from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from core import hooks
from core.accounts.models import User
from core.models import AuditEvent, Profile


def account_panels(request, profile: Profile) -> list[SafeString]:
    """The account page's parts that other apps add (matching: the programme status)."""
    return [
        render_to_string(panel.template, {"profile": profile, **panel.context(profile)}, request)
        for panel in hooks.account_panels()
    ]


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
        "arrival_date": iso(profile.arrival_date),
        "departure_date": iso(profile.departure_date),
        "available_from": iso(profile.available_from),
        "available_until": iso(profile.available_until),
        "capacity": profile.capacity,
        "phone": profile.phone,
        "instagram": profile.instagram,
        "email_verified_at": iso(profile.email_verified_at),
        "privacy_notice_version_accepted": profile.consent_version,
        "privacy_notice_accepted_at": profile.consented_at.isoformat(),
        "registered_at": profile.created_at.isoformat(),
    }
    for section in hooks.personal_data_sections():
        data[section.key] = section.read(profile)
    data["exports"] = [
        event.at.isoformat()
        for event in AuditEvent.objects.filter(actor=user, action=AuditEvent.Action.DATA_EXPORTED)
    ]
    return data


def iso(value) -> str | None:
    return value.isoformat() if value else None
