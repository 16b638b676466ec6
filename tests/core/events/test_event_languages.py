"""An event's title and description in each language: coordinators write them, students read
theirs, and a missing translation falls back to the section's text, marked."""

import pytest

from clients import section_client
from core.events.models import Event
from factories import ProfileFactory
from portal_helpers import event_data

pytestmark = pytest.mark.django_db


def test_the_coordinator_writes_the_event_in_each_language(coordinator, lille, in_section):
    page = coordinator.get("/coordinator/events/new/").text
    assert 'name="title_en"' in page and 'name="description_en"' in page
    assert 'name="title_fr"' not in page  # Lille's own language is the title itself
    response = coordinator.post(
        "/coordinator/events/new/",
        event_data(title="Soirée crêpes", title_en=" Crêpe party ", description_en=""),
    )
    assert response.status_code == 302
    with in_section(lille):
        event = Event.objects.get(title="Soirée crêpes")
    assert event.translations == {"en": {"title": "Crêpe party", "description": ""}}
    edit = coordinator.get(f"/coordinator/events/{event.pk}/edit/").text
    assert 'value="Crêpe party"' in edit


def test_students_read_the_event_in_their_language(lille, in_section):
    with in_section(lille):
        Event.objects.create(
            title="Soirée crêpes",
            description="Crêpes et jeux.",
            translations={"en": {"title": "Crêpe party", "description": ""}},
            starts_at="2099-01-10T18:00:00Z",
            place="Maison des étudiants",
            capacity=20,
        )
        student = ProfileFactory()
    english = section_client(lille, student.user, language="en").get("/events/").text
    french = section_client(lille, student.user, language="fr").get("/events/").text
    assert "Crêpe party" in english and "Soirée crêpes" not in english
    assert "Crêpes et jeux." in english and "Not translated yet: shown in français." in english
    assert "Soirée crêpes" in french and "Crêpes et jeux." in french
    assert "Pas encore traduit" not in french
