"""Emails to a section's people, rendered in the recipient's language."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from tenants.models import Section


def section_link(section: Section, view_name: str, **kwargs) -> str:
    """An absolute link to a page of the section, for emails sent outside any request."""
    return section.portal_url + reverse(view_name, urlconf=settings.ROOT_URLCONF, kwargs=kwargs)


def send_templated_email(
    *, to: str, template: str, context: dict, language: str, section: Section
) -> None:
    """Render `<template>_subject.txt`, `.txt` and `.html` in `language` and send them."""
    context = {**context, "section": section}
    with translation.override(language):
        subject = render_to_string(f"{template}_subject.txt", context).strip()
        text = render_to_string(f"{template}.txt", context)
        html = render_to_string(f"{template}.html", context)
    message = EmailMultiAlternatives(subject, text, None, [to])
    message.attach_alternative(html, "text/html")
    message.send()
