import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from tenants.tasks import run_in_every_section

pytestmark = pytest.mark.django_db


def test_periodic_task_runs_once_in_each_active_section(lille, paris, in_section):
    for section in (lille, paris):
        with in_section(section):
            store = SessionStore()
            store.create()
            Session.objects.filter(session_key=store.session_key).update(
                expire_date=timezone.now() - timezone.timedelta(days=1)
            )
            SessionStore().create()  # still valid
    paris.is_active = False
    paris.save()

    assert run_in_every_section("core.tasks.clear_expired_sessions") == 1

    with in_section(lille):
        assert Session.objects.count() == 1
    with in_section(paris):
        assert Session.objects.count() == 2
