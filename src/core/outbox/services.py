"""Writing to the outbox and relaying it.

`send_email` and `start_task` write a row in the caller's transaction; once it commits, the
relay is kicked (a Celery task, or in-process without a broker). The relay claims due rows
one at a time with SELECT ... FOR UPDATE SKIP LOCKED, so two relays never take the same row,
sends it while holding the lock, and marks it in the same transaction: a row is sent once.
A failure is retried minutes later (config.celery.retry_delay) until MAX_ATTEMPTS, then the
row is failed and shown to the coordinators. The beat sweep relays every minute whatever a
kick missed (the broker was down at commit), so nothing written is lost.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from smtplib import (
    SMTPConnectError,
    SMTPException,
    SMTPRecipientsRefused,
    SMTPResponseException,
    SMTPServerDisconnected,
)

from django.core.mail import get_connection
from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from config.celery import MAX_ATTEMPTS, publish, retry_delay
from core.outbox import emails
from core.outbox.models import OutboxMessage

logger = logging.getLogger(__name__)

RELAY_TASK = "core.outbox.tasks.relay"
# Finished rows (ids only) are kept a year and a bit: long enough to answer "was it sent?"
# for a whole stay, short enough for the table not to grow for ever.
KEEP_FINISHED = timedelta(days=400)
BATCH = 200


def send_email(key: str, name: str, **args) -> OutboxMessage:
    """Send the email kind `name` (see core.outbox.emails) built from `args`, once per key."""
    return _write(key, OutboxMessage.Kind.EMAIL, name, args)


def send_emails(emails_to_send: Iterable[tuple[str, str, dict]]) -> None:
    """Many emails at once, as (key, kind name, args): one insert, keys already there kept."""
    rows = [
        OutboxMessage(key=key, kind=OutboxMessage.Kind.EMAIL, name=name, args=args)
        for key, name, args in emails_to_send
    ]
    OutboxMessage.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    kick_after_commit()


def start_task(key: str, task_name: str, *args) -> OutboxMessage:
    """Start the Celery task `task_name` with `args` after the commit, once per key."""
    return _write(key, OutboxMessage.Kind.TASK, task_name, {"args": list(args)})


def _write(key: str, kind: str, name: str, args: dict) -> OutboxMessage:
    row, _created = OutboxMessage.objects.get_or_create(
        key=key, defaults={"kind": kind, "name": name, "args": args}
    )
    kick_after_commit()
    return row


def kick_after_commit() -> None:
    """Relay this schema's outbox once the transaction commits (once per transaction)."""
    schema = connection.schema_name
    if connection.in_atomic_block and any(
        getattr(callback, "outbox_schema", None) == schema and not callback.ran
        for _savepoints, callback, _robust in connection.run_on_commit
    ):
        return

    def kick() -> None:
        kick.ran = True
        try:
            with schema_context(schema):
                publish(RELAY_TASK)
        except Exception as error:  # the broker is down: the beat sweep relays it later
            logger.warning(
                "outbox relay not kicked (%s); the sweep will send", type(error).__name__
            )

    kick.outbox_schema = schema
    kick.ran = False
    transaction.on_commit(kick)


@dataclass
class Relayed:
    sent: int = 0
    skipped: int = 0
    retried: int = 0
    failed: int = 0
    # emails not tried in this round because the mail server could not be reached
    deferred: int = 0


def relay(now=None, limit: int = BATCH) -> Relayed:
    """Send what is due in this schema's outbox, up to `limit` rows.

    Once the mail server cannot be reached (refused, hanging, gone), the other emails of the
    round are left due for the next sweep: a server that hangs costs one timeout per round,
    not one per row, and the tasks of the round still start."""
    report = Relayed()
    due = list(
        OutboxMessage.objects.due(now)
        .order_by("next_attempt_at", "pk")  # the longest waiting first
        .values_list("pk", "kind")[:limit]
    )
    claimed = 0
    mail = None
    try:
        for pk, kind in due:
            if kind == OutboxMessage.Kind.EMAIL and mail is UNREACHABLE:
                report.deferred += 1
                continue
            try:
                with transaction.atomic():
                    row = (
                        OutboxMessage.objects.select_for_update(skip_locked=True)
                        .filter(pk=pk)
                        .due(now)
                        .first()
                    )
                    if row is None:
                        continue  # another relay holds it or sent it
                    claimed += 1
                    if mail is None and row.kind == OutboxMessage.Kind.EMAIL:
                        mail = get_connection()
                    error = _attempt(row, mail, report, now or timezone.now())
                if row.kind == OutboxMessage.Kind.EMAIL and _server_unreachable(error):
                    mail.close()
                    mail = UNREACHABLE
            except Exception as error:  # one row must never hold up the others
                logger.error("outbox row %s not relayed: %s", pk, type(error).__name__)
    finally:
        if mail not in (None, UNREACHABLE):
            mail.close()
    if claimed == limit:
        kick_after_commit()  # a full batch: more may be due, in a round of its own
    return report


# The mail connection of a round once the server could not be reached.
UNREACHABLE = object()


def _server_unreachable(error: Exception | None) -> bool:
    """A failure of the connection itself, not of one message: every other email of the
    round would fail the same way. (SMTPException is an OSError; socket errors and timeouts
    are the other OSErrors.)"""
    if isinstance(error, SMTPServerDisconnected | SMTPConnectError):
        return True
    return isinstance(error, OSError) and not isinstance(error, SMTPException)


def _attempt(row: OutboxMessage, mail, report: Relayed, now) -> Exception | None:
    """Deliver one claimed row and record the outcome; the error if it failed."""
    try:
        with transaction.atomic():
            delivered = _deliver(row, mail)
    except Exception as error:
        _failed_attempt(row, error, report, now)
        return error
    row.status = OutboxMessage.Status.SENT if delivered else OutboxMessage.Status.SKIPPED
    row.finished_at = timezone.now()
    row.attempts += 1
    row.save(update_fields=["status", "finished_at", "attempts"])
    if delivered:
        report.sent += 1
    else:
        report.skipped += 1
    return None


def _deliver(row: OutboxMessage, mail) -> bool:
    """Send the row's email or start its task; False when the email is no longer needed."""
    if row.kind == OutboxMessage.Kind.TASK:
        publish(row.name, *row.args.get("args", []))
        return True
    kind = emails.kind(row.name)
    email = kind.build(**row.args)
    if email is None:
        return False
    email.message(connection=mail).send()
    if kind.sent is not None:
        kind.sent(**row.args)
    return True


def _failed_attempt(row: OutboxMessage, error: Exception, report: Relayed, now) -> None:
    row.attempts += 1
    row.last_error = _describe(error)
    if row.attempts >= MAX_ATTEMPTS or _permanent(error):
        row.status = OutboxMessage.Status.FAILED
        row.finished_at = timezone.now()
        failed = _hook(row, "failed")
        if failed is not None:
            failed(error=row.last_error, **row.args)
        report.failed += 1
    else:
        row.next_attempt_at = now + retry_delay(row.attempts)
        report.retried += 1
    row.save(update_fields=["attempts", "last_error", "status", "finished_at", "next_attempt_at"])
    # the key names ids only; the error's text may hold an address, so only its type is logged
    logger.warning("outbox %s attempt %d failed: %s", row.key, row.attempts, row.last_error)


def _permanent(error: Exception) -> bool:
    """The mail server refused the address itself for good (5xx): trying again cannot help.
    A 4xx refusal (greylisting, a full mailbox) is retried like any other failure."""
    if not isinstance(error, SMTPRecipientsRefused) or not error.recipients:
        return False
    return all(500 <= code < 600 for code, _text in error.recipients.values())


def _hook(row: OutboxMessage, name: str):
    """An email kind's `failed` or `retried` callback, if its kind is still registered."""
    if row.kind != OutboxMessage.Kind.EMAIL:
        return None
    return getattr(emails.callbacks_of(row.name), name, None)


def _describe(error: Exception) -> str:
    """The error's type and the mail server's code: never its text (it may hold an address)."""
    if isinstance(error, SMTPResponseException):
        return f"{type(error).__name__} {error.smtp_code}"
    if isinstance(error, SMTPRecipientsRefused):
        codes = sorted({code for code, _text in error.recipients.values()})
        return f"{type(error).__name__} {' '.join(map(str, codes))}"
    return type(error).__name__


def retry_failed(pk: int) -> bool:
    """A coordinator asks to try a failed row again (after fixing an address, say)."""
    with transaction.atomic():
        row = (
            OutboxMessage.objects.select_for_update()
            .filter(pk=pk, status=OutboxMessage.Status.FAILED)
            .first()
        )
        if row is None:
            return False
        row.status, row.attempts, row.next_attempt_at = (
            OutboxMessage.Status.PENDING,
            0,
            timezone.now(),
        )
        row.finished_at = None
        row.save(update_fields=["status", "attempts", "next_attempt_at", "finished_at"])
        retried = _hook(row, "retried")
        if retried is not None:
            retried(**row.args)
        kick_after_commit()
    return True


def purge_finished(now=None) -> int:
    """Forget the rows sent, skipped or failed more than KEEP_FINISHED ago; pending ones stay."""
    cutoff = (now or timezone.now()) - KEEP_FINISHED
    deleted, _by_model = (
        OutboxMessage.objects.exclude(status=OutboxMessage.Status.PENDING)
        .filter(finished_at__lt=cutoff)
        .delete()
    )
    return deleted
