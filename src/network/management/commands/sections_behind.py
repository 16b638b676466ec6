from django.core.management.base import BaseCommand, CommandError

from network.migrations_lag import lagging_sections


class Command(BaseCommand):
    help = (
        "List the sections whose schema lacks a migration of the tenant apps "
        "(run `migrate_schemas --executor=multiprocessing` to catch them up)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--fail", action="store_true", help="exit with status 1 when a section lags behind"
        )

    def handle(self, *args, fail: bool = False, **options) -> None:
        checked, lags = lagging_sections()
        for lag in lags:
            shown = ", ".join(lag.missing[:5]) + (" …" if len(lag.missing) > 5 else "")
            self.stdout.write(f"{lag.section.schema_name}: {len(lag.missing)} missing ({shown})")
        self.stdout.write(f"{len(lags)} of {checked} sections lag behind the latest migration.")
        if fail and lags:
            raise CommandError(f"{len(lags)} sections lag behind")
