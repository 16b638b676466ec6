"""The guides API: what a student reads (/api/v1/guides/, chosen as the guides pages choose
them), and the coordinators' (/api/v1/coordinator/guides/: the guide page's form, change,
delete; students unaffected)."""

import pytest

from clients import section_client
from core.guides.models import Guide
from factories import GuideFactory, ProfileFactory

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


# --- students ---------------------------------------------------------------------------


@pytest.fixture
def guides(lille, in_section):
    with in_section(lille):
        return {
            "all": GuideFactory(title="Your first week", order=1),
            "english": GuideFactory(title="Opening a bank account", language="en", order=2),
            "french": GuideFactory(title="Ouvrir un compte", language="fr", order=3),
            "incoming": GuideFactory(title="Visa", audience=Guide.Audience.INCOMING, order=4),
            "buddies": GuideFactory(title="Hosting", audience=Guide.Audience.BUDDIES, order=5),
            "draft": GuideFactory(title="Draft", published=False, order=6),
        }


@pytest.fixture
def incoming(lille, in_section):
    with in_section(lille):
        return ProfileFactory()


def titles(response) -> list[str]:
    return [guide["title"] for guide in response.json()["results"]]


def test_a_student_lists_their_roles_published_guides_in_the_pages_language(
    lille, incoming, guides
):
    english = section_client(lille, incoming.user, language="en")
    assert titles(english.get("/api/v1/guides/")) == [
        "Your first week",
        "Opening a bank account",
        "Visa",
    ]
    french = section_client(lille, incoming.user, language="fr")
    assert titles(french.get("/api/v1/guides/")) == ["Your first week", "Ouvrir un compte", "Visa"]
    assert "body" not in english.get("/api/v1/guides/").json()["results"][0]


def test_a_buddy_reads_the_buddies_guides_not_the_incoming_students(lille, in_section, guides):
    with in_section(lille):
        buddy = ProfileFactory(buddy=True)
    client = section_client(lille, buddy.user)
    assert titles(client.get("/api/v1/guides/")) == [
        "Your first week",
        "Opening a bank account",
        "Hosting",
    ]
    assert client.get(f"/api/v1/guides/{guides['incoming'].pk}/").status_code == 404


def test_a_guide_is_read_whole_in_any_language_but_not_a_draft(lille, incoming, guides):
    client = section_client(lille, incoming.user, language="en")
    response = client.get(f"/api/v1/guides/{guides['french'].pk}/")  # as its page shows it
    assert response.status_code == 200
    assert response.json()["body"] == "Open a bank account.\n\nGet a transport card."
    draft = client.get(f"/api/v1/guides/{guides['draft'].pk}/")
    assert draft.status_code == 404 and "Draft" not in draft.text


def test_a_coordinator_has_no_students_guide_list(coordinator, guides):
    assert coordinator.get("/api/v1/guides/").status_code == 403
