"""The invitation emailed to each imported student, as a kind the outbox sends by name."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.exchange.models import ImportedInvitation
from core.exchange.tokens import make_token
from core.outbox.emails import Email, EmailKind, register, render_email, section_link
from tenants.selectors import current_section

IMPORT_INVITATION_EMAIL = "exchange.invitation"


def _invitation(invitation: int) -> Email | None:
    found = ImportedInvitation.objects.filter(pk=invitation, used_at__isnull=True).first()
    if found is None:
        return None  # used or purged meanwhile
    section = current_section()
    return render_email(
        to=found.email,
        template="exchange/email/invitation",
        context={
            "first_name": found.first_name,
            "link": section_link(section, "exchange:complete", token=make_token(found)),
        },
        language=found.language,
        section=section,
    )


def _invitation_sent(invitation: int) -> None:
    ImportedInvitation.objects.filter(pk=invitation).update(sent_at=timezone.now())


register(
    EmailKind(
        IMPORT_INVITATION_EMAIL,
        _("Invitation of an imported student"),
        _invitation,
        sent=_invitation_sent,
    )
)
