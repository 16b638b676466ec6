"""A coordinator's message as one student receives it: their language, their name, a way out."""

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from core.events import unsubscribe
from core.events.models import Message
from core.models import Profile
from core.outbox.emails import Email, section_link
from tenants.models import Section

MESSAGE_LANGUAGES = [code for code, _name in settings.LANGUAGES]
# What a coordinator may write in a message; replaced for each student, nothing else is read.
PLACEHOLDERS = ("{first_name}", "{section}", "{portal}")


def written_languages(message: Message) -> list[str]:
    return [
        code
        for code in MESSAGE_LANGUAGES
        if getattr(message, f"subject_{code}", "").strip()
        and getattr(message, f"body_{code}", "").strip()
    ]


def language_for(message: Message, profile: Profile, section: Section) -> str:
    """The student's language if the message is written in it, else the section's, else any."""
    written = written_languages(message)
    for code in (profile.language, section.default_language):
        if code in written:
            return code
    return written[0] if written else profile.language


def fill(text: str, profile: Profile, section: Section) -> str:
    values = {
        "{first_name}": profile.user.first_name,
        "{section}": section.name,
        "{portal}": f"{section.portal_url}/",
    }
    for placeholder, value in values.items():
        text = text.replace(placeholder, value)
    return text


def email_for(message: Message, profile: Profile, section: Section) -> Email:
    """One student's copy, in their language if the message is written in it."""
    language = language_for(message, profile, section)
    subject = fill(getattr(message, f"subject_{language}", ""), profile, section)
    body = fill(getattr(message, f"body_{language}", ""), profile, section)
    link = None
    headers = {}
    if not message.essential:
        link = section_link(section, "events:unsubscribe", token=unsubscribe.make_token(profile))
        # RFC 8058: mail clients show an unsubscribe button that POSTs to the link.
        headers = {
            "List-Unsubscribe": f"<{link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
    context = {"body": body, "unsubscribe_link": link, "section": section}
    with translation.override(language):
        text = render_to_string("events/email/message.txt", context)
        html = render_to_string("events/email/message.html", context)
    return Email(to=profile.user.email, subject=subject, text=text, html=html, headers=headers)
