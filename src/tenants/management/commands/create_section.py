from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from tenants.models import Section
from tenants.onboarding import SectionDetails, onboard_section


class Command(BaseCommand):
    help = (
        "Onboard a section: its schema, its domain <slug>.<BASE_DOMAIN> and its first coordinator."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("slug", help="lowercase letters and digits, e.g. lille")
        parser.add_argument("--name", required=True, help='e.g. "ESN Lille"')
        parser.add_argument("--city", required=True)
        parser.add_argument("--country", required=True, help="ISO 3166 code, e.g. FR")
        parser.add_argument("--coordinator-email", required=True)
        parser.add_argument("--contact-email", default="", help="defaults to the coordinator's")
        parser.add_argument("--kind", default=Section.Kind.ASSOCIATION, choices=Section.Kind.values)
        parser.add_argument("--language", default="en", help="the section's default language")
        parser.add_argument(
            "--plain-migrate",
            action="store_true",
            help="run the migrations instead of replaying their recorded SQL",
        )

    def handle(self, *args, **options) -> None:
        details = SectionDetails(
            slug=options["slug"],
            name=options["name"],
            city=options["city"],
            country=options["country"].upper(),
            coordinator_email=options["coordinator_email"],
            contact_email=options["contact_email"],
            kind=options["kind"],
            default_language=options["language"],
        )
        try:
            section = onboard_section(
                details, schema_method="migrate" if options["plain_migrate"] else "replay"
            )
        except ValidationError as error:
            lines = [
                f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items()
            ]
            raise CommandError("; ".join(lines)) from error
        self.stdout.write(
            self.style.SUCCESS(f"Section {section.name} is live at {section.portal_url}/ ")
            + f"(invitation sent to {details.coordinator_email})"
        )
