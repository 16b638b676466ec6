"""Reads of a section's students: what the account page shows, and their personal data."""

from django.db.models import Q
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from core import hooks
from core.accounts.models import User
from core.models import AuditEvent, CoordinatorNote, Profile
from core.outbox import emails as outbox_emails
from core.outbox.models import OutboxMessage


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
        "note_for_buddy": profile.note_for_buddy,
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
        "privacy_notice_language_accepted": profile.consent_language,
        "privacy_notice_accepted_at": profile.consented_at.isoformat(),
        "registered_at": profile.created_at.isoformat(),
    }
    # What the coordinators wrote about the student; who wrote it is the coordinator's own.
    data["coordinator_notes"] = [
        {"written_at": note.created_at.isoformat(), "text": note.text}
        for note in CoordinatorNote.objects.filter(profile=profile).order_by("created_at", "pk")
    ]
    data["emails"] = emails_to(profile)
    for section in hooks.personal_data_sections():
        data[section.key] = section.read(profile)
    data["exports"] = [
        event.at.isoformat()
        for event in AuditEvent.objects.filter(actor=user, action=AuditEvent.Action.DATA_EXPORTED)
    ]
    return data


def emails_to(profile: Profile) -> list[dict]:
    """The outbox's emails addressed to the student: which ones, when, and what became of them.

    Rows hold ids only (`{"user": 3}`, `{"pair": 8, "profile": 5}`, `{"delivery": 12}`); each
    app says which of its ids are the student's (core.hooks.register_outbox_reference)."""
    references = {"user": [profile.user_id], "profile": [profile.pk]}
    for reference in hooks.outbox_references():
        references.setdefault(reference.arg, []).extend(reference.values(profile))
    mine = Q()
    for arg, values in references.items():
        if values:
            mine |= Q(**{f"args__{arg}__in": list(values)})
    if not mine:
        return []
    rows = OutboxMessage.objects.filter(mine, kind=OutboxMessage.Kind.EMAIL).order_by(
        "created_at", "pk"
    )
    return [
        {
            "email": outbox_emails.label(row.name),
            "written_at": row.created_at.isoformat(),
            "status": row.status,
            "finished_at": iso(row.finished_at),
        }
        for row in rows
    ]


def iso(value) -> str | None:
    return value.isoformat() if value else None
