"""The kinds of email the outbox sends, registered by name by the apps that own them.

A kind builds its email from ids when the relay sends it (so the email shows the rows as they
are then, in the recipient's language) or returns None when it is no longer needed (the pair
ended meanwhile). `sent`, `failed` (given the error's description too) and `retried` (a
coordinator tries a failed one again) run in the outbox's transaction, to mark the app's own
rows (a message's delivery, an event place's email).
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.functional import Promise

from tenants.models import Section


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    text: str
    html: str
    headers: dict[str, str] = field(default_factory=dict)

    def message(self, connection=None) -> EmailMultiAlternatives:
        # A subject is one line of plain text: a line break in a name must not break a send.
        subject = " ".join(self.subject.split())
        email = EmailMultiAlternatives(
            subject, self.text, None, [self.to], connection=connection, headers=self.headers
        )
        email.attach_alternative(self.html, "text/html")
        return email


@dataclass(frozen=True)
class EmailKind:
    name: str
    label: Promise | str
    build: Callable[..., Email | None]
    sent: Callable[..., None] | None = None
    failed: Callable[..., None] | None = None
    retried: Callable[..., None] | None = None


_KINDS: dict[str, EmailKind] = {}


def register(kind: EmailKind) -> None:
    _KINDS[kind.name] = kind


class UnknownEmailKind(LookupError):
    """No app registers this name (a kind renamed by a later release, say)."""


def kind(name: str) -> EmailKind:
    found = _KINDS.get(name)
    if found is None:
        raise UnknownEmailKind(name)
    return found


def callbacks_of(name: str) -> EmailKind | None:
    """The kind, for its callbacks; None when nothing registers the name any more."""
    return _KINDS.get(name)


def label(name: str) -> str:
    found = _KINDS.get(name)
    return str(found.label) if found else name


def section_link(section: Section, view_name: str, **kwargs) -> str:
    """An absolute link to a page of the section, for emails sent outside any request."""
    return section.portal_url + reverse(view_name, urlconf=settings.ROOT_URLCONF, kwargs=kwargs)


def render_email(
    *, to: str, template: str, context: dict, language: str, section: Section
) -> Email:
    """Render `<template>_subject.txt`, `.txt` and `.html` in `language`."""
    context = {**context, "section": section}
    with translation.override(language):
        subject = render_to_string(f"{template}_subject.txt", context).strip()
        text = render_to_string(f"{template}.txt", context)
        html = render_to_string(f"{template}.html", context)
    return Email(to=to, subject=subject, text=text, html=html)
