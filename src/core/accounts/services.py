from config.celery import enqueue_on_commit
from core.accounts.models import User
from core.accounts.tasks import send_coordinator_invitation, send_password_reset


def invite_coordinator(email: str, *, first_name: str = "", last_name: str = "") -> User:
    """Create a coordinator of the current section; they set their password from an email."""
    user = User.objects.create_user(
        email, first_name=first_name, last_name=last_name, is_coordinator=True
    )
    enqueue_on_commit(send_coordinator_invitation, user.pk)
    return user


def request_password_reset(email: str) -> None:
    """Email a reset link if this section has an active account for `email`.

    The caller says the same thing either way, so nobody learns who has an account.
    """
    user = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
    if user is not None:
        enqueue_on_commit(send_password_reset, user.pk)
