from django.utils import timezone

from core.accounts.emails import COORDINATOR_INVITATION, PASSWORD_RESET
from core.accounts.models import User, normalise_email
from core.outbox.services import send_email


def invite_coordinator(email: str, *, first_name: str = "", last_name: str = "") -> User:
    """Create a coordinator of the current section; they set their password from an email."""
    user = User.objects.create_user(
        email, first_name=first_name, last_name=last_name, is_coordinator=True
    )
    send_email(f"coordinator-invitation:{user.pk}", COORDINATOR_INVITATION, user=user.pk)
    return user


def request_password_reset(email: str) -> None:
    """Email a reset link if this section has an active account for `email`.

    The caller says the same thing either way, so nobody learns who has an account. One email
    a minute at most, however often the form is sent.
    """
    user = User.objects.filter(email=normalise_email(email), is_active=True).first()
    if user is not None:
        minute = f"{timezone.now():%Y%m%d%H%M}"
        send_email(f"password-reset:{user.pk}:{minute}", PASSWORD_RESET, user=user.pk)
