"""The student portal's email (verification), as a kind the outbox sends by name."""

from django.utils.translation import gettext_lazy as _

from core.models import Profile
from core.outbox.emails import Email, EmailKind, register, render_email, section_link
from core.verification import make_token
from tenants.selectors import current_section

VERIFY_EMAIL = "core.verify_email"


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


register(EmailKind(VERIFY_EMAIL, _("Email verification"), _verification))
