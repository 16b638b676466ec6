"""Tasks of the CSV import; each runs in the section's schema it was sent from."""

from django.db import transaction
from django.utils import timezone

from config.celery import app
from core.accounts.tasks import EMAIL_RETRY
from core.exchange.models import ImportedInvitation
from core.exchange.tokens import make_token
from core.notifications import section_link, send_templated_email
from tenants.selectors import current_section


@app.task(**EMAIL_RETRY)
def send_import_invitations(batch_id: int) -> None:
    """Invite each student of a committed import to complete their profile, once.

    Each invitation is claimed (sent_at set) and emailed in one transaction: a failed send
    releases its claim for the retry, which skips the invitations already sent; a second
    task running at the same time skips the rows the first one holds.
    """
    section = current_section()
    pending = ImportedInvitation.objects.filter(
        batch_id=batch_id, sent_at__isnull=True, used_at__isnull=True
    ).values_list("pk", flat=True)
    for invitation_id in list(pending):
        with transaction.atomic():
            invitation = (
                ImportedInvitation.objects.select_for_update(skip_locked=True)
                .filter(pk=invitation_id, sent_at__isnull=True, used_at__isnull=True)
                .first()
            )
            if invitation is None:
                continue
            invitation.sent_at = timezone.now()
            invitation.save(update_fields=["sent_at"])
            send_templated_email(
                to=invitation.email,
                template="exchange/email/invitation",
                context={
                    "invitation": invitation,
                    "link": section_link(
                        section, "exchange:complete", token=make_token(invitation)
                    ),
                },
                language=section.default_language,
                section=section,
            )


@app.task
def purge_import_data() -> dict[str, int]:
    """Periodic, in every section: forget expired previews and expired invitations."""
    from core.exchange import services  # services enqueue this module's tasks

    return services.purge_import_data()
