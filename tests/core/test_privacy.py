"""Who sees what of a student: only themselves, and their confirmed buddy's contact."""

import pytest
from django.test import Client
from django.utils import timezone

from clients import section_client
from core.accounts.models import User
from factories import ProfileFactory
from matching.models import Pair

pytestmark = pytest.mark.django_db


@pytest.fixture
def ana_and_lucas(lille, in_section):
    with in_section(lille):
        ana = ProfileFactory(
            user__email="ana@example.org",
            user__first_name="Ana",
            about="Ana's secret story",
        )
        lucas = ProfileFactory(
            buddy=True,
            user__email="lucas@example.org",
            user__first_name="Lucas",
            about="Lucas's secret story",
        )
    return ana, lucas


def test_a_student_of_lille_cannot_log_in_on_paris(ana_and_lucas, paris):
    client = Client(HTTP_HOST=paris.host)
    response = client.post(
        "/accounts/login/", {"username": "ana@example.org", "password": "long-enough-pass"}
    )
    assert response.status_code == 200
    assert client.get("/account/").status_code == 302


def test_nothing_of_another_student_shows_by_id_or_url(ana_and_lucas, lille, in_section):
    ana, lucas = ana_and_lucas
    client = section_client(lille, ana.user)
    for path in (
        "/account/",
        f"/account/?id={lucas.pk}",
        f"/account/?user={lucas.user_id}",
        "/account/edit/",
        "/account/export/",
        f"/account/{lucas.pk}/",
        f"/profiles/{lucas.pk}/",
    ):
        page = client.get(path).content.decode()
        assert "lucas@example.org" not in page, path
        assert "Lucas" not in page, path


def test_the_buddys_contact_shows_only_while_a_confirmed_pair_exists(
    ana_and_lucas, lille, in_section
):
    ana, lucas = ana_and_lucas
    client = section_client(lille, ana.user)
    assert "lucas@example.org" not in client.get("/account/").content.decode()

    with in_section(lille):
        pair = Pair.objects.create(incoming=ana, buddy=lucas, confirmed_at=timezone.now())
    page = client.get("/account/").content.decode()
    assert "You have a buddy" in page
    assert "lucas@example.org" in page and "+33 6 00 00 00 00" in page and "@lucas.fr" in page
    assert "Lucas&#x27;s secret story" not in page and "secret story" not in page.replace(
        "Ana&#x27;s secret story", ""
    )
    buddy_page = section_client(lille, lucas.user).get("/account/").content.decode()
    assert "ana@example.org" in buddy_page and "You are matched" in buddy_page

    with in_section(lille):
        pair.ended_at = timezone.now()
        pair.save()
    assert "lucas@example.org" not in client.get("/account/").content.decode()


def test_a_buddy_who_hides_their_handles_shares_name_and_email_only(
    ana_and_lucas, lille, in_section
):
    ana, lucas = ana_and_lucas
    with in_section(lille):
        type(lucas).objects.filter(pk=lucas.pk).update(phone="", instagram="")
        Pair.objects.create(incoming=ana, buddy=lucas, confirmed_at=timezone.now())
    page = section_client(lille, ana.user).get("/account/").content.decode()
    assert "lucas@example.org" in page
    assert "Phone / WhatsApp" not in page and "Instagram" not in page.split("My profile")[0]


def test_the_same_email_in_two_sections_is_two_unrelated_accounts(lille, paris, in_section):
    with in_section(lille):
        in_lille = ProfileFactory(user__email="ana@example.org", faculty="Law")
    with in_section(paris):
        in_paris = ProfileFactory(user__email="ana@example.org", faculty="Physics")
    assert "Physics" not in section_client(lille, in_lille.user).get("/account/").content.decode()
    assert "Law" not in section_client(paris, in_paris.user).get("/account/").content.decode()
    section_client(lille, in_lille.user).post("/account/delete/", {"password": "long-enough-pass"})
    with in_section(lille):
        assert not User.objects.filter(email="ana@example.org").exists()
    with in_section(paris):
        assert User.objects.filter(email="ana@example.org").exists()


def test_a_session_of_lille_means_nothing_on_paris(ana_and_lucas, lille, paris, in_section):
    ana, _ = ana_and_lucas
    client = section_client(lille, ana.user)
    client.defaults["HTTP_HOST"] = paris.host
    assert client.get("/account/").status_code == 302
