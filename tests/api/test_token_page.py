"""The coordinators' API tokens page: a token is shown once, kept hashed, listed, revoked."""

import re

import pytest

from api.models import ApiToken
from core.models import AuditEvent

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r"bsk_[A-Za-z0-9_-]{43}")


def create(coordinator, **fields):
    data = {"name": "University import", "scope": "read_write", "expiry_days": "30", **fields}
    return coordinator.post("/coordinator/api-tokens/", data)


def test_a_new_token_is_shown_once_and_kept_only_as_a_hash(coordinator, lille, in_section):
    response = create(coordinator)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    secret = TOKEN.search(response.content.decode()).group()
    with in_section(lille):
        token = ApiToken.objects.get()
        assert secret not in str(list(ApiToken.objects.values()))
        assert token.digest != secret and len(token.digest) == 64
        assert token.scope == "read_write"
        assert round((token.expires_at - token.created_at).total_seconds() / 86400) == 30
        assert AuditEvent.objects.filter(action="api_token_created").count() == 1
    listed = coordinator.get("/coordinator/api-tokens/").content.decode()
    assert secret not in listed
    assert token.prefix in listed and "University import" in listed
    works = coordinator.get("/api/v1/tokens/", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert works.json()["results"][0]["current"] is True


def test_a_revoked_token_no_longer_opens_the_api(coordinator, lille, in_section):
    secret = TOKEN.search(create(coordinator).content.decode()).group()
    with in_section(lille):
        token = ApiToken.objects.get()
    assert coordinator.post(f"/coordinator/api-tokens/{token.pk}/revoke/").status_code == 302
    anonymous = coordinator.__class__(HTTP_HOST=lille.host)
    refused = anonymous.get("/api/v1/tokens/", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert refused.status_code == 401
    assert "Revoked" in coordinator.get("/coordinator/api-tokens/").content.decode()
    with in_section(lille):
        assert AuditEvent.objects.filter(action="api_token_revoked").count() == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": ""}, "name"),
        ({"scope": "admin"}, "scope"),
        ({"expiry_days": "9999"}, "expiry_days"),
    ],
)
def test_a_bad_request_for_a_token_is_a_form_error(coordinator, lille, in_section, fields, field):
    response = create(coordinator, **fields)
    assert response.status_code == 200
    assert not TOKEN.search(response.content.decode())
    assert list(response.context["form"].errors) == [field]
    with in_section(lille):
        assert not ApiToken.objects.exists()


def test_the_page_is_in_french_down_to_the_expiry_choices(lille, coordinator_user):
    from clients import section_client

    english = section_client(lille, coordinator_user, "en").get("/coordinator/api-tokens/")
    assert ">90 days<" in english.content.decode()  # first, so nothing was named in French
    page = section_client(lille, coordinator_user, "fr").get("/coordinator/api-tokens/")
    text = page.content.decode()
    assert "Nouveau jeton" in text
    assert ">90 jours<" in text and " days<" not in text
