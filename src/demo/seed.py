"""Demo data for `make run`: two sections with a coordinator and students each, and a
platform admin.

Seeding is idempotent: what exists is left as it is, so running it twice changes nothing.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django_tenants.utils import schema_context

from core.accounts.models import User
from core.readiness import refresh_directory_mark
from demo.students import seed_demo_students
from tenants.models import Section, site_url
from tenants.onboarding import SectionDetails, onboard_section

DEMO_PASSWORD = "buddy-demo-2026"  # noqa: S105 - demo data, printed by make run


@dataclass(frozen=True)
class DemoLogin:
    url: str
    email: str


DEMO_SECTIONS = (
    SectionDetails(
        slug="lille",
        name="ESN Lille",
        city="Lille",
        country="FR",
        coordinator_email="coordinator@lille.example.org",
        default_language="fr",
    ),
    SectionDetails(
        slug="paris",
        name="ESN Paris",
        city="Paris",
        country="FR",
        coordinator_email="coordinator@paris.example.org",
        default_language="en",
    ),
)
DEMO_ADMIN_EMAIL = "admin@example.org"


def seed_demo(sections: tuple[SectionDetails, ...] = DEMO_SECTIONS) -> list[DemoLogin]:
    """Create what is missing of the demo and return the logins to print."""
    logins = [DemoLogin(url=f"{site_url(settings.BASE_DOMAIN)}/admin/", email=DEMO_ADMIN_EMAIL)]
    if not User.objects.filter(email=DEMO_ADMIN_EMAIL).exists():
        User.objects.create_superuser(DEMO_ADMIN_EMAIL, DEMO_PASSWORD)
    for details in sections:
        section = Section.objects.filter(schema_name=details.slug).first()
        if section is None:
            with transaction.atomic():
                section = onboard_section(details)
                with schema_context(section.schema_name):
                    coordinator = User.objects.get(email=details.coordinator_email)
                    coordinator.set_password(DEMO_PASSWORD)
                    coordinator.save(update_fields=["password"])
        with schema_context(section.schema_name):
            seed_demo_students(section.city, f"{section.schema_name}.example.org")
            refresh_directory_mark()  # its places of study exist now
        logins.append(DemoLogin(url=f"{section.portal_url}/", email=details.coordinator_email))
    return logins
