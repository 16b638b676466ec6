"""A new section opens when it can work: the setup checklist, "opening soon", the privacy
notice in every language (and consent recording which one was read)."""

import pytest

from clients import section_client
from core.models import PlaceOfStudy, Profile, SectionSettings
from portal_helpers import make_catalogue, registration_data
from tenants.models import Section

pytestmark = pytest.mark.django_db


def set_notices(section, in_section, notices: dict) -> None:
    with in_section(section):
        programme = SectionSettings.load()
        programme.privacy_notices = notices
        programme.save()


def test_without_a_place_of_study_the_portal_is_opening_soon(lille, in_section):
    with in_section(lille):
        PlaceOfStudy.objects.update(is_active=False)
    client = section_client(lille)
    assert "Opening soon" in client.get("/").text
    for path in ("/register/", "/register/incoming/", "/register/buddy/"):
        response = client.get(path)
        assert response.status_code == 403 and "Opening soon" in response.text, path


def test_the_standard_notice_is_shown_in_every_language_and_consent_records_it(
    lille, in_section, django_capture_on_commit_callbacks
):
    set_notices(lille, in_section, {})
    english = section_client(lille, language="en").get("/privacy/").text
    french = section_client(lille, language="fr").get("/privacy/").text
    assert "We keep your profile to find you a buddy" in english
    assert "Nous conservons votre profil" in french and "Not translated" not in english
    with in_section(lille):
        place, hobbies = make_catalogue()
    client = section_client(lille, language="en")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/register/incoming/", registration_data("incoming", place, hobbies))
    assert response.status_code == 302
    with in_section(lille):
        profile = Profile.objects.get(user__email="ana@example.org")
    assert (profile.consent_version, profile.consent_language) == ("1", "en")


def test_a_notice_missing_a_language_keeps_registration_closed(lille, in_section):
    with in_section(lille):
        make_catalogue()
    set_notices(lille, in_section, {"fr": "Nos règles de confidentialité."})
    english = section_client(lille, language="en")
    assert english.get("/register/incoming/").status_code == 403
    page = english.get("/privacy/").text
    assert "Nos règles de confidentialité." in page
    assert "Not translated yet: shown in français." in page
    set_notices(lille, in_section, {"fr": "Nos règles.", "en": "Our rules."})
    assert english.get("/register/incoming/").status_code == 200
    assert "Our rules." in english.get("/privacy/").text


def test_the_checklist_leads_the_coordinator_and_marks_the_directory(
    lille, in_section, coordinator, public_client
):
    Section.objects.filter(pk=lille.pk).update(set_up=False)
    with in_section(lille):
        PlaceOfStudy.objects.update(is_active=False)
    dashboard = coordinator.get("/coordinator/").text
    assert "Set up your programme" in dashboard
    assert "refuses registrations until the required steps are done" in dashboard
    assert ">Lille · opening soon<" in public_client.get("/").text

    response = coordinator.post("/coordinator/settings/places/", {"name": "Université de Lille"})
    assert response.status_code == 302
    assert Section.objects.get(pk=lille.pk).set_up
    assert "refuses registrations until" not in coordinator.get("/coordinator/").text
    assert ">Lille<" in public_client.get("/").text


def test_the_coordinator_writes_the_notice_per_language(lille, in_section, coordinator):
    page = coordinator.get("/coordinator/settings/").text
    assert 'name="privacy_en"' in page and 'name="privacy_fr"' in page
    with in_section(lille):
        programme = SectionSettings.load()
    data = {
        "form": "programme",
        "privacy_en": "Our own rules.",
        "privacy_fr": "",
        "privacy_notice_version": "2",
        "anonymise_after_months": programme.anonymise_after_months,
        "checkin_after_days": programme.checkin_after_days,
        "pair_ends_days_after_stay": programme.pair_ends_days_after_stay,
        "registration_open": "on",
    }
    assert coordinator.post("/coordinator/settings/", data).status_code == 302
    with in_section(lille):
        programme = SectionSettings.load()
        assert programme.privacy_notices == {"en": "Our own rules."}
        assert programme.privacy_notice_missing() == ["fr"]
