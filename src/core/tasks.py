from django.contrib.sessions.backends.db import SessionStore

from config.celery import app
from core.accounts.tasks import EMAIL_RETRY
from core.models import Profile
from core.notifications import section_link, send_templated_email
from core.verification import make_token
from tenants.selectors import current_section


@app.task
def clear_expired_sessions() -> None:
    """Delete the expired sessions of the section this task runs in."""
    SessionStore.clear_expired()


@app.task(**EMAIL_RETRY)
def send_verification_email(user_id: int) -> None:
    profile = Profile.objects.filter(user_id=user_id).select_related("user").first()
    if profile is None or profile.is_verified:
        return
    section = current_section()
    send_templated_email(
        to=profile.user.email,
        template="core/email/verify",
        context={
            "user": profile.user,
            "link": section_link(section, "core:verify_email", token=make_token(profile.user)),
        },
        language=profile.language,
        section=section,
    )


@app.task
def anonymise_departed_profiles() -> int:
    """Periodic, in every section: erase profiles whose stay ended long enough ago."""
    from core import services  # services enqueue this module's tasks: import at call time

    return services.anonymise_departed_profiles()
