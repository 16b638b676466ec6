"""The email that confirms linking a provider account to an existing account."""

from django.utils.translation import gettext_lazy as _

from core.accounts.emails import active_account
from core.outbox.emails import Email, EmailKind, register, render_email, section_link
from core.signin.models import PendingSignin
from core.signin.tokens import link_token

LINK_ACCOUNT = "signin.link_account"


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


register(EmailKind(LINK_ACCOUNT, _("Confirm a sign-in method"), _link_account))
