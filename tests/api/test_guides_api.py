"""The coordinators' guides API: the guide page's form, change, delete; students unaffected."""

import pytest

from core.guides.models import Guide
from factories import GuideFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/coordinator/guides/"


def test_a_guide_is_written_with_the_models_defaults(lille, coordinator, in_section):
    response = coordinator.post(
        URL,
        {"title": "Your first week", "body": "Open a bank account.", "audience": "incoming"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["language"], body["published"], body["order"]) == ("all", False, 0)
    with in_section(lille):
        assert Guide.objects.get(pk=body["id"]).title == "Your first week"


def test_what_the_form_refuses_is_a_400(lille, coordinator, in_section):
    response = coordinator.post(
        URL,
        {"title": "", "body": "x", "audience": "teachers", "language": "de", "order": -1},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"title", "audience", "language", "order"}
    with in_section(lille):
        assert not Guide.objects.exists()


def test_a_guide_changes_and_is_deleted(lille, paris, coordinator, in_section):
    with in_section(lille):
        guide = GuideFactory(published=False)
    with in_section(paris):
        theirs = GuideFactory(title="Paris guide")
    response = coordinator.patch(
        f"{URL}{guide.pk}/", {"published": True, "order": 3}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["title"] == "Your first week"  # kept
    with in_section(lille):
        guide.refresh_from_db()
        assert (guide.published, guide.order) == (True, 3)
    listed = coordinator.get(URL).json()["results"]
    assert [g["id"] for g in listed] == [guide.pk]
    assert coordinator.delete(f"{URL}{theirs.pk}/").status_code == 404
    assert coordinator.delete(f"{URL}{guide.pk}/").status_code == 204
    with in_section(lille):
        assert not Guide.objects.exists()
    with in_section(paris):
        assert Guide.objects.filter(pk=theirs.pk).exists()
