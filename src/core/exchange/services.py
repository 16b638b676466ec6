"""Writes of the roster import: from preview to commit, and the invited students' profiles."""

from datetime import date
from enum import StrEnum

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from core import audit
from core.accounts.models import User
from core.exchange import importing
from core.exchange.emails import IMPORT_INVITATION_EMAIL
from core.exchange.models import INVITATION_VALID_FOR, ImportBatch, ImportedInvitation
from core.exchange.tokens import InvitationRefused
from core.models import Hobby, Profile
from core.outbox.services import send_emails
from core.services import SpokenLanguage, register_student

IMPORTED = "students_imported"


def preview_import(actor: User, content: bytes) -> ImportBatch:
    """Check a file and keep its rows and problems for the preview and the commit."""
    report = importing.parse(content)
    return ImportBatch.objects.create(
        created_by=actor, rows=report.rows, errors=report.errors, row_count=report.row_count
    )


class Outcome(StrEnum):
    IMPORTED = "imported"
    ALREADY_IMPORTED = "already_imported"
    HAS_ERRORS = "has_errors"
    EXPIRED = "expired"
    CHANGED = "changed"  # new problems appeared since the preview: see the batch's errors


def commit_import(actor: User, batch_id: int) -> Outcome:
    """Invite every row of a previewed batch, or none; a second commit does nothing."""
    with transaction.atomic():
        # one import commits at a time in a section: two files cannot invite one email twice
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtext(%s))",
                [f"exchange.import:{connection.schema_name}"],
            )
        batch = ImportBatch.objects.select_for_update().get(pk=batch_id)
        if batch.status == ImportBatch.Status.COMMITTED:
            return Outcome.ALREADY_IMPORTED
        if batch.errors or not batch.rows:
            return Outcome.HAS_ERRORS
        if batch.is_expired:
            return Outcome.EXPIRED
        problems = importing.recheck(batch.rows)
        if problems:
            batch.errors = problems
            batch.save(update_fields=["errors"])
            return Outcome.CHANGED
        invitations = ImportedInvitation.objects.bulk_create(
            ImportedInvitation(
                batch=batch,
                email=row["email"],
                first_name=row["first_name"],
                last_name=row["last_name"],
                nationality=row["nationality"],
                arrival_date=date.fromisoformat(row["arrival_date"]),
                departure_date=date.fromisoformat(row["departure_date"]),
                place_of_study_id=row["place_of_study"],
                home_university=row["home_university"],
                language=row.get("language", "en"),  # rows previewed before the column
            )
            for row in batch.rows
        )
        # the invitations hold the rows now: the batch keeps only its counts
        batch.status = ImportBatch.Status.COMMITTED
        batch.committed_at = timezone.now()
        batch.committed_by = actor
        batch.rows = []
        batch.save(update_fields=["status", "committed_at", "committed_by", "rows"])
        audit.record(IMPORTED, actor, batch=batch.pk, rows=batch.row_count)
        send_emails(
            (f"import-invitation:{i.pk}", IMPORT_INVITATION_EMAIL, {"invitation": i.pk})
            for i in invitations
        )
    return Outcome.IMPORTED


def complete_invitation(
    invitation: ImportedInvitation,
    *,
    password: str,
    first_name: str,
    last_name: str,
    profile_fields: dict,
    hobbies: list[Hobby],
    languages: list[SpokenLanguage],
) -> Profile:
    """Create the invited student's account and profile, email verified (they came from
    the link sent to it), and close the invitation."""
    with transaction.atomic():
        locked = ImportedInvitation.objects.select_for_update().get(pk=invitation.pk)
        if locked.used_at is not None:
            raise InvitationRefused("used")
        profile = register_student(
            email=locked.email,
            password=password,
            first_name=first_name,
            last_name=last_name,
            profile_fields=profile_fields,
            hobbies=hobbies,
            languages=languages,
            email_verified=True,
        )
        now = timezone.now()
        # the profile has the data now: keep only that the invitation was used
        locked.used_at = now
        locked.email = locked.first_name = locked.last_name = locked.home_university = ""
        locked.save(
            update_fields=["used_at", "email", "first_name", "last_name", "home_university"]
        )
        ImportBatch.objects.filter(pk=locked.batch_id).update(
            completed_count=F("completed_count") + 1
        )
    return profile


def purge_import_data(now=None) -> dict[str, int]:
    """Forget what imports no longer need: previews never committed (their rows hold
    personal data) and invitations whose link has expired."""
    now = now or timezone.now()
    previews, _ = ImportBatch.objects.filter(
        status=ImportBatch.Status.PREVIEWED, expires_at__lte=now
    ).delete()
    invitations, _ = ImportedInvitation.objects.filter(
        created_at__lte=now - INVITATION_VALID_FOR
    ).delete()
    return {"previews": previews, "invitations": invitations}
