"""The sign-in emails: the link that confirms linking a provider account to an existing
account, and the news that a coordinator confirmed an ESN board member's coordinator role."""

from django.utils.translation import gettext_lazy as _

from core.accounts.emails import active_account
from core.outbox.emails import Email, EmailKind, register, render_email, section_link
from core.signin.models import PendingSignin
from core.signin.tokens import link_token

LINK_ACCOUNT = "signin.link_account"
COORDINATOR_CONFIRMED = "signin.coordinator_confirmed"


def _link_account(user: int, pending: int) -> Email | None:
    found = active_account(user)
    waiting = PendingSignin.objects.filter(pk=pending).first()
    if found is None or waiting is None:
        return None  # linked meanwhile by password, or too old and gone
    account, section, language = found
    return render_email(
        to=account.email,
        template="signin/email/link_account",
        context={
            "first_name": account.first_name,
            "provider": waiting.get_provider_display(),
            "link": section_link(section, "signin:link_confirm", token=link_token(user, pending)),
        },
        language=language,
        section=section,
    )


def _coordinator_confirmed(user: int) -> Email | None:
    found = active_account(user)
    if found is None or not found[0].is_coordinator:
        return None  # gone, or no longer a coordinator
    account, section, language = found
    return render_email(
        to=account.email,
        template="signin/email/coordinator_confirmed",
        context={
            "first_name": account.first_name,
            "link": section_link(section, "coordinator:dashboard"),
        },
        language=language,
        section=section,
    )


register(EmailKind(LINK_ACCOUNT, _("Confirm a sign-in method"), _link_account))
register(EmailKind(COORDINATOR_CONFIRMED, _("Coordinator role confirmed"), _coordinator_confirmed))
