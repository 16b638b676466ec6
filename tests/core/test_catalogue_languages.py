"""Places of study and hobbies named in each language: a student reads them in theirs, a
missing translation falls back to the section's name, marked, and a name never translated
stands as it is."""

import pytest

from clients import section_client
from core.models import Hobby, PlaceOfStudy
from factories import ProfileFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(lille, in_section):
    with in_section(lille):
        place = PlaceOfStudy.objects.create(name="Université de Lille")
        hiking = Hobby.objects.create(name="Randonnée", translations={"en": "Hiking"})
        chess = Hobby.objects.create(name="Échecs", translations={"es": "Ajedrez"})
    return place, hiking, chess


def test_the_registration_form_names_them_in_the_readers_language(lille, catalogue):
    english = section_client(lille, language="en").get("/register/incoming/").text
    french = section_client(lille, language="fr").get("/register/incoming/").text
    assert "Hiking" in english and "Randonnée" not in english
    assert "Randonnée" in french and "Hiking" not in french
    assert "Université de Lille" in english  # never translated: the name itself, unmarked
    assert "Université de Lille (" not in english
    assert "Échecs (français)" in english  # translated, but not into English: marked


def test_the_coordinator_gives_the_names(lille, in_section, catalogue, coordinator):
    place, hiking, _chess = catalogue
    page = coordinator.get("/coordinator/settings/").text
    assert f'name="translate" value="{hiking.pk}"' in page and 'value="Hiking"' in page
    response = coordinator.post(
        "/coordinator/settings/hobbies/", {"translate": hiking.pk, "name_en": " Hiking trips "}
    )
    assert response.status_code == 302
    coordinator.post("/coordinator/settings/places/", {"translate": place.pk, "name_en": ""})
    with in_section(lille):
        assert Hobby.objects.get(pk=hiking.pk).translations == {"en": "Hiking trips"}
        assert PlaceOfStudy.objects.get(pk=place.pk).translations == {}
    too_long = coordinator.post(
        "/coordinator/settings/hobbies/", {"translate": hiking.pk, "name_en": "x" * 61}, follow=True
    )
    assert "at most 60 characters" in too_long.text


def test_the_account_page_shows_them_in_the_readers_language(lille, in_section, catalogue):
    _place, hiking, _chess = catalogue
    with in_section(lille):
        student = ProfileFactory()
        student.hobbies.set([hiking])
    assert "Hiking" in section_client(lille, student.user, language="en").get("/account/").text
    assert "Randonnée" in section_client(lille, student.user, language="fr").get("/account/").text
