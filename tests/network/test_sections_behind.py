"""The command that reports which sections lag behind the latest migration."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command("sections_behind", *args, stdout=out)
    return out.getvalue()


def test_up_to_date_sections_are_not_listed(lille, paris):
    assert run("--fail").strip().endswith("0 of 2 sections lag behind the latest migration.")


def test_a_section_missing_a_migration_is_named_with_it(lille, paris):
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM paris.django_migrations WHERE app = 'matching' AND name = "
            "(SELECT max(name) FROM paris.django_migrations WHERE app = 'matching')"
        )
    report = run()
    assert "paris: 1 missing (matching." in report
    assert "lille" not in report
    assert "1 of 2 sections lag behind" in report
    with pytest.raises(CommandError):
        run("--fail")
