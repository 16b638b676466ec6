"""The coordinator coordinator: permissions, dashboard, students, settings, team, audit log."""

import io
from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from clients import section_client
from core.accounts.models import User
from core.models import AuditEvent, CoordinatorNote, Hobby, PlaceOfStudy, Profile, SectionSettings
from factories import HobbyFactory, PlaceOfStudyFactory, ProfileFactory
from matching.followup.models import CheckIn
from matching.models import Pair
from tenants.models import Section

pytestmark = pytest.mark.django_db


def test_the_search_finds_nobody_of_paris(coordinator, paris, in_section):
    with in_section(paris):
        ProfileFactory(user__email="only-paris@example.org")
    page = coordinator.get("/coordinator/students/?search=only-paris").context["page"]
    assert list(page) == []


def test_the_dashboard_counts_and_warns(coordinator, lille, in_section):
    today = timezone.localdate()
    with in_section(lille):
        buddy = ProfileFactory(buddy=True, capacity=1)
        paired = ProfileFactory(arrival_date=today + timedelta(days=3))
        Pair.objects.create(incoming=paired, buddy=buddy, confirmed_at=timezone.now())
        soon = ProfileFactory(user__first_name="Soon", arrival_date=today + timedelta(days=5))
        ProfileFactory(arrival_date=today + timedelta(days=60))
        old = ProfileFactory(user__first_name="Silent", email_verified_at=None)
        Profile.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=8))
        pair = Pair.objects.get()
        CheckIn.objects.create(
            pair=pair, profile=paired, answer="new_buddy", answered_at=timezone.now()
        )
    page = coordinator.get("/coordinator/").content.decode()
    assert "Asked for a new buddy" in page
    assert f"{paired.user.get_full_name()} ↔ {buddy.user.get_full_name()}" in page
    assert "Not enough buddies" in page
    assert "2 incoming students are waiting, and buddies have 0 free places." in page
    assert "/coordinator/messages/new/?segment=all_buddies" in page
    assert f"/coordinator/students/{soon.pk}/" in page  # arriving within 14 days, no buddy
    assert f"/coordinator/students/{old.pk}/" in page  # unverified for a week
    counts = coordinator.get("/coordinator/").context["counts"]
    assert (counts["incoming"].registered, counts["incoming"].matched) == (4, 1)
    assert counts["incoming"].waiting == 2 and counts["buddy"].matched == 1


def test_arriving_soon_lists_only_arrivals_to_come(coordinator, lille, in_section):
    today = timezone.localdate()
    with in_section(lille):
        arrived = ProfileFactory(arrival_date=today - timedelta(days=2))
        today_arrival = ProfileFactory(arrival_date=today)
        soon = ProfileFactory(arrival_date=today + timedelta(days=14))
    listed = {p.pk for p in coordinator.get("/coordinator/").context["arriving_soon"]}
    assert listed == {today_arrival.pk, soon.pk} and arrived.pk not in listed


def test_the_dashboard_makes_as_many_queries_for_many_students(coordinator, lille, in_section):
    with in_section(lille):
        ProfileFactory.create_batch(3)
    coordinator.get("/coordinator/")  # the first request creates the session's rows
    with CaptureQueriesContext(connection) as few:
        coordinator.get("/coordinator/")
    with in_section(lille):
        ProfileFactory.create_batch(30)
        ProfileFactory.create_batch(10, buddy=True)
    with CaptureQueriesContext(connection) as many:
        coordinator.get("/coordinator/")
    assert len(many) == len(few)


def test_the_student_list_makes_as_many_queries_for_many_students(coordinator, lille, in_section):
    with in_section(lille):
        ProfileFactory.create_batch(3)
    coordinator.get("/coordinator/students/")
    with CaptureQueriesContext(connection) as few:
        coordinator.get("/coordinator/students/")
    with in_section(lille):
        ProfileFactory.create_batch(60)
    with CaptureQueriesContext(connection) as many:
        response = coordinator.get("/coordinator/students/?page=2")
    assert len(many) == len(few)
    assert response.context["page"].paginator.count == 63


def test_students_filter_search_sort(coordinator, lille, in_section):
    with in_section(lille):
        cooking = HobbyFactory(name="Cooking")
        sciences = PlaceOfStudyFactory(name="Sciences Po")
        ana = ProfileFactory(
            user__first_name="Ana",
            user__last_name="Zed",
            nationality="ES",
            arrival_date=timezone.localdate() + timedelta(days=100),
            languages=["es", "de"],
        )
        ana.hobbies.add(cooking)
        ProfileFactory(
            user__first_name="Luca",
            user__last_name="Alpha",
            nationality="IT",
            place_of_study=sciences,
        )
        ProfileFactory(buddy=True, user__first_name="Léa", user__last_name="Buddy")

    def names(query: str) -> list[str]:
        page = coordinator.get(f"/coordinator/students/?{query}").context["page"]
        return [p.user.first_name for p in page]

    assert names("role=buddy") == ["Léa"]
    assert names("nationality=ES") == ["Ana"]
    assert names(f"place_of_study={sciences.pk}") == ["Luca"]
    assert names("language=de") == ["Ana"]
    assert names(f"hobby={cooking.pk}") == ["Ana"]
    month = ana.arrival_date.strftime("%Y-%m")
    assert names(f"arrival_month={month}") == ["Ana"]
    assert names("search=zed") == ["Ana"]
    assert names("sort=name&role=incoming") == ["Luca", "Ana"]
    assert names("state=matched") == []
    bad = coordinator.get("/coordinator/students/?arrival_month=notamonth&role=pirate")
    assert bad.status_code == 200  # bad filters are ignored with their error shown
    assert "errorlist" in bad.content.decode()


def test_the_student_page_notes_and_deactivation(coordinator, lille, in_section):
    with in_section(lille):
        student = ProfileFactory(user__first_name="Ana", about="Loves the sea")
        buddy = ProfileFactory(buddy=True)
        Pair.objects.create(incoming=student, buddy=buddy, confirmed_at=timezone.now())
    page = coordinator.get(f"/coordinator/students/{student.pk}/").content.decode()
    assert "Loves the sea" in page and buddy.user.get_full_name() in page
    coordinator.post(f"/coordinator/students/{student.pk}/", {"text": "Called her, all fine"})
    assert coordinator.post(f"/coordinator/students/{student.pk}/", {"text": ""}).status_code == 200
    assert (
        "Called her, all fine"
        in coordinator.get(f"/coordinator/students/{student.pk}/").content.decode()
    )
    coordinator.post(f"/coordinator/students/{student.pk}/active/")
    with in_section(lille):
        student.refresh_from_db()
        assert student.status == "deactivated"
        assert not Pair.objects.active().exists()
        assert CoordinatorNote.objects.count() == 1
        assert AuditEvent.objects.filter(action="profile_deactivated").exists()
    coordinator.post(f"/coordinator/students/{student.pk}/active/", {"active": "yes"})
    with in_section(lille):
        student.refresh_from_db()
        assert student.status == "active"
    # the student never sees the note
    student_page = section_client(lille, student.user).get("/account/").content.decode()
    assert "Called her" not in student_page


def png(size=(10, 10)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "red").save(buffer, "PNG")
    return buffer.getvalue()


def test_branding_with_logo_checks_and_welcome_texts(
    coordinator, lille, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    not_an_image = SimpleUploadedFile("logo.png", b"not an image", content_type="image/png")
    refused = coordinator.post(
        "/coordinator/settings/",
        {"form": "branding", "primary_colour": "#123456", "logo": not_an_image},
    )
    assert refused.status_code == 200 and "logo" in refused.context["branding"].errors
    too_big = SimpleUploadedFile("logo.png", png((4000, 4000)) + b"0" * 1_100_000)
    assert (
        "logo"
        in coordinator.post(
            "/coordinator/settings/",
            {"form": "branding", "primary_colour": "#123456", "logo": too_big},
        )
        .context["branding"]
        .errors
    )
    bad_colour = coordinator.post(
        "/coordinator/settings/", {"form": "branding", "primary_colour": "red"}
    )
    assert "primary_colour" in bad_colour.context["branding"].errors

    good = SimpleUploadedFile("logo.png", png(), content_type="image/png")
    with django_capture_on_commit_callbacks(execute=True):  # the cached section is dropped
        response = coordinator.post(
            "/coordinator/settings/",
            {
                "form": "branding",
                "primary_colour": "#123456",
                "logo": good,
                "welcome_en": "Welcome, friends",
                "welcome_fr": "Bienvenue, les amis",
            },
        )
    assert response.status_code == 302
    section = Section.objects.get(pk=lille.pk)
    assert section.primary_colour == "#123456" and section.logo.name.endswith("logo.png")
    home = coordinator.get("/").content.decode()
    assert "Welcome, friends" in home and "--primary: #123456" in home
    coordinator.cookies["django_language"] = "fr"
    assert "Bienvenue, les amis" in coordinator.get("/").content.decode()


def test_programme_settings_validate_and_apply(coordinator, lille, in_section):
    today = timezone.localdate()
    form = {
        "form": "programme",
        "registration_open": "on",
        "privacy_notice": "We care.",
        "privacy_notice_version": "2",
        "anonymise_after_months": "12",
        "checkin_after_days": "10",
        "pair_ends_days_after_stay": "5",
        "registration_opens_on": str(today + timedelta(days=10)),
        "registration_closes_on": str(today),
    }
    bad = coordinator.post("/coordinator/settings/", form)
    assert "Registration must close after it opens" in bad.content.decode()
    assert (
        coordinator.post(
            "/coordinator/settings/",
            {**form, "anonymise_after_months": "99", "registration_closes_on": ""},
        ).status_code
        == 200
    )
    ok = coordinator.post("/coordinator/settings/", {**form, "registration_closes_on": ""})
    assert ok.status_code == 302
    with in_section(lille):
        programme = SectionSettings.load()
    assert (programme.privacy_notice_version, programme.anonymise_after_months) == ("2", 12)
    assert programme.pair_ends_days_after_stay == 5
    # registration opens in ten days: closed today
    assert Client(HTTP_HOST=lille.host).get("/register/").status_code == 403


def test_places_and_hobbies_are_managed(coordinator, lille, in_section):
    coordinator.post("/coordinator/settings/places/", {"name": "IUT de Lille"})
    coordinator.post("/coordinator/settings/hobbies/", {"name": "Chess"})
    duplicate = coordinator.post("/coordinator/settings/hobbies/", {"name": "chess"}, follow=True)
    assert "already in the list" in duplicate.content.decode()
    assert coordinator.post("/coordinator/settings/hobbies/", {"name": ""}).status_code == 302
    with in_section(lille):
        place = PlaceOfStudy.objects.get(name="IUT de Lille")
        assert Hobby.objects.filter(name="Chess").count() == 1
    coordinator.post("/coordinator/settings/places/", {"switch_off": place.pk})
    with in_section(lille):
        place.refresh_from_db()
    assert place.is_active is False
    assert (
        "IUT de Lille"
        not in Client(HTTP_HOST=lille.host).get("/register/incoming/").content.decode()
    )
    assert coordinator.post("/coordinator/settings/pirates/", {"name": "x"}).status_code == 404


def test_co_coordinators_are_invited_and_the_last_one_stays(
    coordinator, coordinator_user, lille, in_section, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        coordinator.post("/coordinator/team/", {"email": "Second@Example.org"})
    assert [m.to for m in mail.outbox] == [["second@example.org"]]
    taken = coordinator.post("/coordinator/team/", {"email": "second@example.org"})
    assert "already has an account" in taken.content.decode()
    with in_section(lille):
        second = User.objects.get(email="second@example.org")
        assert second.is_coordinator
    coordinator.post(f"/coordinator/team/{second.pk}/deactivate/")
    last = coordinator.post(f"/coordinator/team/{coordinator_user.pk}/deactivate/", follow=True)
    assert "at least one active coordinator" in last.content.decode()
    with in_section(lille):
        assert list(User.objects.filter(is_coordinator=True, is_active=True)) == [coordinator_user]


def test_the_audit_log_lists_what_happened_in_words(coordinator, lille, in_section):
    with in_section(lille):
        student = ProfileFactory()
    coordinator.post(f"/coordinator/students/{student.pk}/active/")
    page = coordinator.get("/coordinator/audit/").content.decode()
    assert "Profile deactivated" in page
    assert "coordinator@lille.example.org" in page
    link = f'<a href="/coordinator/students/{student.pk}/">{student.pk}</a>'
    assert f"student: {link}" in page
    assert "{&#x27;" not in page and "{'" not in page  # no raw dictionary
