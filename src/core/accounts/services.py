from django.utils import timezone

from core.accounts.emails import COORDINATOR_INVITATION, PASSWORD_RESET
from core.accounts.models import User, normalise_email
from core.outbox.services import send_email
from core.signing import digest


def invite_coordinator(email: str, *, first_name: str = "", last_name: str = "") -> User:
    """Create a coordinator of the current section; they set their password from an email."""
    user = User.objects.create_user(
        email, first_name=first_name, last_name=last_name, is_coordinator=True
    )
    send_email(f"coordinator-invitation:{user.pk}", COORDINATOR_INVITATION, user=user.pk)
    return user


def request_password_reset(email: str) -> None:
    """Email a reset link if this section has an active account for `email`.

    The caller says the same thing either way, so nobody learns who has an account; and both
    take the same time: an unknown address writes an outbox row too (ids only: no account,
    keyed by a digest of the address), which the relay skips as no longer needed. So both
    run the same queries (the lookup, the row's get-or-create). One email a minute at most,
    however often the form is sent.
    """
    address = normalise_email(email)
    user = User.objects.filter(email=address, is_active=True).first()
    minute = f"{timezone.now():%Y%m%d%H%M}"
    if user is not None:
        send_email(f"password-reset:{user.pk}:{minute}", PASSWORD_RESET, user=user.pk)
    else:
        send_email(f"password-reset:none:{digest(address)}:{minute}", PASSWORD_RESET, user=None)
