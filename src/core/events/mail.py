"""A coordinator's message as one student receives it: their language, their name, a way out."""

from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

from core.events import unsubscribe
from core.events.models import Message
from core.models import Profile
from core.notifications import section_link
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


@dataclass(frozen=True)
class RenderedMessage:
    language: str
    subject: str
    text: str
    html: str
    unsubscribe_link: str | None


def render(message: Message, profile: Profile, section: Section) -> RenderedMessage:
    language = language_for(message, profile, section)
    subject = fill(getattr(message, f"subject_{language}", ""), profile, section)
    body = fill(getattr(message, f"body_{language}", ""), profile, section)
    link = None
    if not message.essential:
        link = section_link(section, "events:unsubscribe", token=unsubscribe.make_token(profile))
    context = {"body": body, "unsubscribe_link": link, "section": section, "student": profile}
    with translation.override(language):
        text = render_to_string("events/email/message.txt", context)
        html = render_to_string("events/email/message.html", context)
    return RenderedMessage(language, " ".join(subject.split()), text, html, link)


def send(message: Message, profile: Profile, section: Section, connection=None) -> None:
    """Send one student their copy; raises what the mail server raises."""
    rendered = render(message, profile, section)
    headers = {}
    if rendered.unsubscribe_link:
        # RFC 8058: mail clients show an unsubscribe button that POSTs to the link.
        headers = {
            "List-Unsubscribe": f"<{rendered.unsubscribe_link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
    email = EmailMultiAlternatives(
        rendered.subject,
        rendered.text,
        None,
        [profile.user.email],
        connection=connection,
        headers=headers,
    )
    email.attach_alternative(rendered.html, "text/html")
    email.send()
