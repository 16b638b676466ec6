"""Tasks of events and messages; each runs in the section's schema it was sent from."""

from smtplib import SMTPException

from config.celery import app
from core.accounts.tasks import EMAIL_RETRY
from core.events import services


@app.task(bind=True, **EMAIL_RETRY)
def send_message(self, message_id: int) -> None:
    """Send a message to its recipients in batches; a retry sends only what is left.

    When the mail server still fails after the last retry, the deliveries left are marked
    failed so that the message does not stay "sending" for ever.
    """
    try:
        services.deliver_message(message_id)
    except (SMTPException, OSError) as error:
        if self.request.retries >= self.max_retries:
            services.give_up_message(message_id, f"{type(error).__name__}: {error}")
            return
        raise


@app.task(**EMAIL_RETRY)
def send_event_place_email(registration_id: int) -> None:
    services.send_event_place_email(registration_id)
