from smtplib import SMTPException

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from config.celery import app
from core.accounts.models import User
from tenants.models import Section
from tenants.selectors import current_section


def set_password_link(user: User, section: Section) -> str:
    path = reverse(
        "accounts:set_password",
        urlconf=settings.ROOT_URLCONF,
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return section.portal_url + path


@app.task(autoretry_for=(SMTPException, OSError), retry_backoff=True, max_retries=6)
def send_coordinator_invitation(user_id: int) -> None:
    """Email a new coordinator of this task's section a link to set their password."""
    user = User.objects.filter(pk=user_id, is_active=True, is_coordinator=True).first()
    if user is None or user.has_usable_password():
        return  # gone, or already accepted: nothing to send
    section = current_section()
    context = {"user": user, "section": section, "link": set_password_link(user, section)}
    with translation.override(section.default_language):
        subject = render_to_string("accounts/email/invitation_subject.txt", context).strip()
        body = render_to_string("accounts/email/invitation.txt", context)
        html = render_to_string("accounts/email/invitation.html", context)
    send_mail(subject, body, None, [user.email], html_message=html)
