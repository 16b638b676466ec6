"""What every endpoint shares: the error format, pages of lists, ETags, the rate limit,
idempotency keys, CSRF on sessions, the schema and its documentation."""

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import Client, override_settings
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory, force_authenticate
from rest_framework.views import APIView

from api.idempotency import idempotent
from core import audit
from core.models import AuditEvent
from core.throttling import memory_counters

pytestmark = pytest.mark.django_db


def test_an_unknown_path_under_the_api_is_a_json_404(lille_client, public_client):
    for client in (lille_client, public_client):
        response = client.get("/api/v1/no-such-thing/")
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
        assert response.json()["fields"] == {}


def test_a_post_to_no_endpoint_is_the_json_404_with_a_session_too(lille, coordinator_user):
    """Not Django's CSRF page: an id that is not a number (`/match-runs/x/...`) names no
    endpoint, whoever sends it."""
    from clients import section_client

    client = section_client(lille, coordinator_user)
    client.handler.enforce_csrf_checks = True
    response = client.post("/api/v1/match-runs/null/tell-waiting/", {})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_bad_filter_value_is_a_400_naming_the_field(public_client):
    response = public_client.get("/api/v1/sections/?kind=castle")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert list(body["fields"]) == ["kind"]


def test_a_wrong_method_has_the_error_format(public_client):
    response = public_client.post("/api/v1/sections/", {}, content_type="application/json")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_lists_come_in_pages_with_their_count(public_client, lille, paris):
    first = public_client.get("/api/v1/sections/?page_size=1").json()
    assert first["count"] == 2
    assert len(first["results"]) == 1
    second = public_client.get(first["next"].split("localhost", 1)[1]).json()
    assert {first["results"][0]["slug"], second["results"][0]["slug"]} == {"lille", "paris"}
    assert public_client.get("/api/v1/sections/?page=9").status_code == 404


def test_the_directory_filters_by_country_and_lists_the_open_sections(public_client, lille):
    rows = public_client.get("/api/v1/sections/?country=fr").json()["results"]
    assert [row["slug"] for row in rows] == ["lille", "paris"]
    assert rows[0]["url"] == lille.portal_url
    assert public_client.get("/api/v1/sections/?country=BE").json()["count"] == 0
    lille.is_active = False
    lille.save(update_fields=["is_active"])
    rows = public_client.get("/api/v1/sections/").json()["results"]
    assert [row["slug"] for row in rows] == ["paris"]


def test_a_read_the_client_already_has_is_answered_304(public_client):
    first = public_client.get("/api/v1/sections/")
    etag = first["ETag"]
    again = public_client.get("/api/v1/sections/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    changed = public_client.get("/api/v1/sections/?page_size=1", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200


def test_pages_outside_the_api_get_no_etag(lille_client):
    assert not lille_client.get("/").has_header("ETag")


@override_settings(API_REQUESTS_PER_MINUTE=3)
def test_callers_are_limited_per_minute_each_on_their_own(public_client, lille_client):
    for _ in range(3):
        assert public_client.get("/api/v1/sections/").status_code == 200
    refused = public_client.get("/api/v1/sections/")
    assert refused.status_code == 429
    assert refused.json()["code"] == "throttled"
    assert refused["Retry-After"]
    # another host counts apart (another schema), as another caller would
    assert lille_client.get("/api/v1/no-such-thing/").status_code == 404


@override_settings(API_REQUESTS_PER_MINUTE=2)
def test_the_limit_holds_while_redis_is_down(public_client):
    from config.health import cache_breaker

    memory_counters.clear()
    cache_breaker.failed(ConnectionError("Redis down (test)"))
    try:
        statuses = [public_client.get("/api/v1/sections/").status_code for _ in range(3)]
    finally:
        cache_breaker.reset()
        memory_counters.clear()
    assert statuses == [200, 200, 429]


def test_a_session_write_without_its_csrf_token_is_refused(lille, coordinator_user):
    from clients import section_client

    client = section_client(lille, coordinator_user)
    client.handler.enforce_csrf_checks = True
    response = client.post("/api/v1/tokens/", {}, content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["message"]


# --- idempotency keys ----------------------------------------------------------------------


class NoteSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=20)


class WriteOnce(APIView):
    """A write with a side effect (an audit line), as the emailing endpoints are."""

    @idempotent
    def post(self, request):
        serializer = NoteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        event = audit.record("test_write", request.user, text=serializer.data["text"])
        return Response({"event": event.pk}, status=status.HTTP_201_CREATED)


def post(user, body: dict, key: str | None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    request = APIRequestFactory().post("/api/v1/write/", body, format="json", **headers)
    force_authenticate(request, user=user)
    return WriteOnce.as_view()(request)


def test_a_write_sent_again_with_its_key_is_answered_again_and_done_once(
    lille, in_section, coordinator_user
):
    with in_section(lille):
        first = post(coordinator_user, {"text": "hello"}, "key-1")
        again = post(coordinator_user, {"text": "hello"}, "key-1")
        assert first.status_code == again.status_code == 201
        assert again.data == first.data
        assert again["Idempotent-Replayed"] == "true"
        assert AuditEvent.objects.filter(action="test_write").count() == 1
        other = post(coordinator_user, {"text": "hello"}, "key-2")
        assert other.data != first.data
        assert AuditEvent.objects.filter(action="test_write").count() == 2


def test_a_key_used_for_another_body_is_refused(lille, in_section, coordinator_user):
    with in_section(lille):
        post(coordinator_user, {"text": "hello"}, "key-1")
        refused = post(coordinator_user, {"text": "bye"}, "key-1")
        refused.render()
        assert refused.status_code == 422
        assert refused.data["code"] == "idempotency_key_reused"
        assert AuditEvent.objects.filter(action="test_write").count() == 1


def test_a_refused_write_keeps_no_answer_so_the_corrected_one_goes_through(
    lille, in_section, coordinator_user
):
    with in_section(lille):
        assert post(coordinator_user, {"text": "x" * 30}, "key-1").status_code == 400
        assert post(coordinator_user, {"text": "x" * 30}, "key-1").status_code == 400
        # the same key, the body corrected: the fingerprint differs, and nothing was kept
        assert post(coordinator_user, {"text": "short"}, "key-1").status_code == 201
        assert AuditEvent.objects.filter(action="test_write").count() == 1


def test_without_a_key_each_write_is_done(lille, in_section, coordinator_user):
    with in_section(lille):
        post(coordinator_user, {"text": "hello"}, None)
        post(coordinator_user, {"text": "hello"}, None)
        assert AuditEvent.objects.filter(action="test_write").count() == 2


def test_keys_belong_to_their_user(lille, in_section, coordinator_user):
    from factories import UserFactory

    with in_section(lille):
        colleague = UserFactory(is_coordinator=True)
        post(coordinator_user, {"text": "hello"}, "key-1")
        assert post(colleague, {"text": "hello"}, "key-1").status_code == 201
        assert AuditEvent.objects.filter(action="test_write").count() == 2


# --- the schema and its pages --------------------------------------------------------------


@pytest.mark.parametrize("urlconf", ["api.urls_section", "api.urls_public"])
def test_the_schema_generates_without_a_warning_and_validates(urlconf, tmp_path):
    """drf-spectacular's warnings (an unresolvable serializer, a guessed type) fail it."""
    target = tmp_path / "schema.yaml"
    call_command(
        "spectacular", "--fail-on-warn", "--validate", "--urlconf", urlconf, "--file", target
    )
    text = target.read_text()
    assert text.startswith("openapi: 3.1.0")
    assert "#/components/schemas/Error" in text


def test_every_operation_documents_the_error_format(lille_client):
    schema = lille_client.get("/api/v1/schema/?format=json").json()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for code in ("400", "401", "403", "404", "429"):
                assert code in operation["responses"], (path, method, code)
    assert schema["components"]["securitySchemes"]["apiToken"]["scheme"] == "bearer"


@pytest.mark.parametrize("host", ["localhost", "lille.localhost"])
def test_the_api_page_links_to_its_documentation_served_by_us(host):
    client = Client(HTTP_HOST=host)
    page = client.get("/api/").content.decode()
    assert 'href="/api/v1/docs/"' in page
    assert 'href="/api/v1/schema/"' in page
    docs = client.get("/api/v1/docs/").content.decode()
    assert "swagger-ui-bundle.js" in docs
    assert "//cdn" not in docs and "unpkg" not in docs
    assert finders.find("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")


def test_a_path_with_a_line_break_is_a_json_404_too(lille_client):
    response = lille_client.get("/api/v1/match-runs/%12%0A/proposals/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_refusal_is_json_even_when_csv_was_asked_for(coordinator):
    response = coordinator.get("/api/v1/coordinator/events/0/attendees/export/?format=csv")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "not_found"
