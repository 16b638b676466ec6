"""The accounts' emails (coordinator invitation, password reset), sent by the outbox by name."""

from django.contrib.auth.tokens import default_token_generator
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _

from core.accounts.models import User
from core.outbox.emails import Email, EmailKind, register, render_email, section_link
from tenants.models import Section
from tenants.selectors import current_section

COORDINATOR_INVITATION = "accounts.coordinator_invitation"
PASSWORD_RESET = "accounts.password_reset"  # noqa: S105 - an email's name


def set_password_link(user: User, section: Section) -> str:
    return section_link(
        section,
        "accounts:set_password",
        uidb64=urlsafe_base64_encode(force_bytes(user.pk)),
        token=default_token_generator.make_token(user),
    )


def _coordinator_invitation(user: int) -> Email | None:
    invited = User.objects.filter(pk=user, is_active=True, is_coordinator=True).first()
    if invited is None or invited.has_usable_password():
        return None  # gone, or already accepted
    section = current_section()
    return render_email(
        to=invited.email,
        template="accounts/email/invitation",
        context={"first_name": invited.first_name, "link": set_password_link(invited, section)},
        language=section.default_language,
        section=section,
    )


def active_account(user: int) -> tuple[User, Section, str] | None:
    """An active account of this section, the section, and the language its emails go in:
    the student's own, else the section's (a coordinator has no profile)."""
    account = User.objects.filter(pk=user, is_active=True).select_related("profile").first()
    if account is None:
        return None
    section = current_section()
    profile = getattr(account, "profile", None)
    return account, section, profile.language if profile else section.default_language


def _password_reset(user: int) -> Email | None:
    found = active_account(user)
    if found is None:
        return None
    account, section, language = found
    return render_email(
        to=account.email,
        template="accounts/email/password_reset",
        context={"first_name": account.first_name, "link": set_password_link(account, section)},
        language=language,
        section=section,
    )


register(EmailKind(COORDINATOR_INVITATION, _("Coordinator invitation"), _coordinator_invitation))
register(EmailKind(PASSWORD_RESET, _("Password reset"), _password_reset))
