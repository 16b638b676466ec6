from smtplib import SMTPException

from django.contrib.auth.tokens import default_token_generator
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from config.celery import app
from core.accounts.models import User
from core.notifications import section_link, send_templated_email
from tenants.models import Section
from tenants.selectors import current_section

# Mail servers fail now and then: retry with backoff for about an hour before giving up.
EMAIL_RETRY = dict(autoretry_for=(SMTPException, OSError), retry_backoff=True, max_retries=6)


def set_password_link(user: User, section: Section) -> str:
    return section_link(
        section,
        "accounts:set_password",
        uidb64=urlsafe_base64_encode(force_bytes(user.pk)),
        token=default_token_generator.make_token(user),
    )


@app.task(**EMAIL_RETRY)
def send_coordinator_invitation(user_id: int) -> None:
    """Email a new coordinator of this task's section a link to set their password."""
    user = User.objects.filter(pk=user_id, is_active=True, is_coordinator=True).first()
    if user is None or user.has_usable_password():
        return  # gone, or already accepted: nothing to send
    section = current_section()
    send_templated_email(
        to=user.email,
        template="accounts/email/invitation",
        context={"user": user, "link": set_password_link(user, section)},
        language=section.default_language,
        section=section,
    )


@app.task(**EMAIL_RETRY)
def send_password_reset(user_id: int) -> None:
    """Email a link to choose a new password (the link dies once the password changes)."""
    user = User.objects.filter(pk=user_id, is_active=True).select_related("profile").first()
    if user is None:
        return
    section = current_section()
    profile = getattr(user, "profile", None)
    send_templated_email(
        to=user.email,
        template="accounts/email/password_reset",
        context={"user": user, "link": set_password_link(user, section)},
        language=profile.language if profile else section.default_language,
        section=section,
    )
