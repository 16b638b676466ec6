"""What leaves a request carries the section's schema: cache keys, the tasks it starts and
the files it stores, so that nothing written for Lille is read for Paris."""

import pytest
from celery.signals import before_task_publish
from django.apps import apps
from django.core.cache import cache
from django.db import connection, models
from django.test import RequestFactory
from django_tenants.utils import schema_context

from brokers import memory_broker
from config.celery import publish
from core.throttling import attempts_exceeded
from tenants.models import Section
from tenants.tasks import run_in_every_section

pytestmark = pytest.mark.django_db


def test_cache_keys_carry_the_schema(lille, paris):
    request = RequestFactory().post("/accounts/login/", REMOTE_ADDR="198.51.100.7")
    with schema_context("lille"):
        assert "lille" in cache.make_key("throttle:login:198.51.100.7")
        assert [attempts_exceeded(request, "login", 2, 60) for _ in range(3)] == [
            False,
            False,
            True,
        ]
        cache.set("shared-looking-key", "lille's")
    with schema_context("paris"):
        assert "paris" in cache.make_key("throttle:login:198.51.100.7")
        assert attempts_exceeded(request, "login", 2, 60) is False  # Paris counts apart
        assert cache.get("shared-looking-key") is None
    if hasattr(cache, "_cache") and hasattr(cache._cache, "get_client"):  # Redis, as in CI
        stored = {key.decode() for key in cache._cache.get_client().keys("*throttle:login*")}
        assert stored == {
            f"{schema}::1:throttle:login:198.51.100.7" for schema in ("lille", "paris")
        }


@pytest.fixture
def published():
    """The headers of every task published meanwhile, by task name."""
    sent: list[tuple[str, dict]] = []

    def record(sender=None, headers=None, **_kwargs) -> None:
        sent.append((sender, headers or {}))

    before_task_publish.connect(record)
    with memory_broker():
        yield sent
    before_task_publish.disconnect(record)


def test_a_task_started_in_a_section_carries_its_schema(lille, published):
    with schema_context("lille"):
        publish("core.outbox.tasks.relay")
    assert [(name, headers["_schema_name"]) for name, headers in published] == [
        ("core.outbox.tasks.relay", "lille")
    ]


def test_the_beat_fan_out_starts_one_task_per_active_section(lille, paris, published):
    Section.objects.filter(pk=paris.pk).update(is_active=False)
    connection.set_schema_to_public()
    assert run_in_every_section.run("core.outbox.tasks.relay") >= 1
    schemas = [headers["_schema_name"] for _name, headers in published]
    expected = set(
        Section.objects.filter(is_active=True)
        .exclude(schema_name="public")
        .values_list("schema_name", flat=True)
    )
    assert "lille" in schemas and "paris" not in schemas
    assert sorted(schemas) == sorted(expected)


def file_fields() -> list[tuple[type[models.Model], models.FileField]]:
    return [
        (model, field)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, models.FileField)
    ]


@pytest.mark.parametrize(
    ("model", "field"),
    file_fields(),
    ids=[f"{model.__name__}.{field.name}" for model, field in file_fields()],
)
def test_every_stored_file_goes_under_its_sections_schema(model, field, lille):
    """A file field of a section (the Section row itself) or of a section's schema stores
    under `sections/<schema>/`, with a name of ours whatever the uploaded name."""
    instance = lille if model is Section else model()
    with schema_context("lille"):
        name = field.generate_filename(instance, "../../paris/evil name.php")
    assert name.startswith("sections/lille/"), name
    assert ".." not in name and "paris" not in name and not name.endswith(".php"), name
