"""/api/v1/guides/…: the guides a student reads, chosen as the guides pages choose them."""

import pytest

from clients import section_client
from core.guides.models import Guide
from factories import GuideFactory, ProfileFactory

pytestmark = pytest.mark.django_db


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


def test_a_coordinator_reads_guides_on_their_pages_not_here(coordinator, guides):
    assert coordinator.get("/api/v1/guides/").status_code == 403
