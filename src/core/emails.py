"""The student portal's emails (verification, a registration with a taken address), as kinds
the outbox sends by name."""

from django.utils.translation import gettext_lazy as _

from core.accounts.emails import active_account
from core.models import Profile
from core.outbox.emails import Email, EmailKind, register, render_email, section_link
from core.verification import make_token
from tenants.selectors import current_section

VERIFY_EMAIL = "core.verify_email"
REGISTRATION_ATTEMPT = "core.registration_attempt"


def _verification(user: int) -> Email | None:
    profile = Profile.objects.filter(user_id=user).select_related("user").first()
    if profile is None or profile.is_verified:
        return None
    section = current_section()
    return render_email(
        to=profile.user.email,
        template="core/email/verify",
        context={
            "first_name": profile.user.first_name,
            "link": section_link(section, "core:verify_email", token=make_token(profile.user)),
        },
        language=profile.language,
        section=section,
    )


def _registration_attempt(user: int) -> Email | None:
    """Someone registered with the address of an existing account: its owner is told, with
    the ways in (log in, reset the password); the page said the same as for a new address."""
    found = active_account(user)
    if found is None:
        return None
    account, section, language = found
    return render_email(
        to=account.email,
        template="core/email/registration_attempt",
        context={
            "first_name": account.first_name,
            "login_link": section_link(section, "accounts:login"),
            "reset_link": section_link(section, "accounts:password_reset"),
        },
        language=language,
        section=section,
    )


register(EmailKind(VERIFY_EMAIL, _("Email verification"), _verification))
register(
    EmailKind(
        REGISTRATION_ATTEMPT, _("Registration with an existing address"), _registration_attempt
    )
)
