"""Guides: coordinators write them; each student reads the published ones for their role."""

import pytest
from django.test import Client

from clients import section_client
from core.guides import selectors
from core.guides.models import Guide
from factories import ProfileFactory

pytestmark = pytest.mark.django_db


def make_guide(**fields) -> Guide:
    values = dict(
        title="Welcome", body="Hello", audience="everyone", language="all", published=True
    )
    return Guide.objects.create(**{**values, **fields})


@pytest.fixture
def incoming(lille, in_section):
    with in_section(lille):
        return ProfileFactory(user__email="ana@example.org")


@pytest.fixture
def buddy(lille, in_section):
    with in_section(lille):
        return ProfileFactory(buddy=True, user__email="lucas@example.org")


@pytest.fixture
def guides(lille, in_section) -> dict[str, Guide]:
    with in_section(lille):
        return {
            "incoming": make_guide(title="Your residence permit", audience="incoming", order=2),
            "buddies": make_guide(title="Welcoming your buddy", audience="buddies"),
            "everyone": make_guide(title="The city's transport", audience="everyone", order=1),
            "draft": make_guide(title="Not ready", audience="everyone", published=False),
            "french": make_guide(title="Ouvrir un compte", audience="incoming", language="fr"),
            "english": make_guide(title="Opening an account", audience="incoming", language="en"),
        }


# --- permissions ------------------------------------------------------------------------


def test_students_and_anonymous_cannot_create_edit_or_delete(incoming, guides, lille, in_section):
    guide = guides["everyone"]
    student = section_client(lille, incoming.user)
    anonymous = Client(HTTP_HOST=lille.host)
    for client in (student, anonymous):
        client.post("/coordinator/guides/new/", {"title": "Spam", "body": "x"})
        client.post(f"/coordinator/guides/{guide.pk}/edit/", {"title": "Hacked", "body": "x"})
        client.post(f"/coordinator/guides/{guide.pk}/delete/")
    assert student.get(f"/coordinator/guides/{guide.pk}/edit/").status_code == 403
    assert student.post(f"/coordinator/guides/{guide.pk}/delete/").status_code == 403
    with in_section(lille):
        assert Guide.objects.count() == len(guides)
        assert Guide.objects.get(pk=guide.pk).title == "The city's transport"


def test_lille_changes_nothing_of_paris(coordinator, lille, paris, in_section):
    with in_section(paris):
        paris_guide = make_guide(title="Paris only")
    with in_section(lille):
        Guide.objects.filter(pk=paris_guide.pk).delete()
    coordinator.post(f"/coordinator/guides/{paris_guide.pk}/delete/")
    assert "Paris only" not in coordinator.get("/coordinator/guides/").content.decode()
    with in_section(paris):
        assert Guide.objects.filter(pk=paris_guide.pk).exists()


def test_student_pages_need_a_student(guides, coordinator, lille):
    anonymous = Client(HTTP_HOST=lille.host)
    assert anonymous.get("/guides/")["Location"].startswith("/accounts/login/")
    guide = guides["everyone"]
    assert anonymous.get(f"/guides/{guide.pk}/")["Location"].startswith("/accounts/login/")
    # coordinators have no student profile: sent home
    assert coordinator.get("/guides/")["Location"] == "/"


# --- coordinator pages -----------------------------------------------------------------


def test_the_coordinator_lists_every_guide_drafts_included(coordinator, guides):
    page = coordinator.get("/coordinator/guides/").content.decode()
    for guide in guides.values():
        assert guide.title.replace("'", "&#x27;") in page
    assert "draft" in page


def test_create_edit_and_delete_a_guide(coordinator, lille, in_section):
    response = coordinator.post(
        "/coordinator/guides/new/",
        {
            "title": "Finding a flat",
            "body": "Look at the CROUS first.\n\nThen the private market.",
            "audience": "incoming",
            "language": "en",
            "order": "3",
            "published": "on",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/coordinator/guides/"
    with in_section(lille):
        guide = Guide.objects.get()
    assert (guide.title, guide.audience, guide.language, guide.order, guide.published) == (
        "Finding a flat",
        "incoming",
        "en",
        3,
        True,
    )
    edit_page = coordinator.get(f"/coordinator/guides/{guide.pk}/edit/").content.decode()
    assert "Finding a flat" in edit_page
    response = coordinator.post(
        f"/coordinator/guides/{guide.pk}/edit/",
        {
            "title": "Finding a room",
            "body": "CROUS.",
            "audience": "everyone",
            "language": "all",
            "order": "0",
        },
    )
    assert response.status_code == 302
    with in_section(lille):
        guide.refresh_from_db()
    assert (guide.title, guide.audience, guide.published) == ("Finding a room", "everyone", False)
    # delete asks first (GET changes nothing), then deletes on POST
    confirm = coordinator.get(f"/coordinator/guides/{guide.pk}/delete/")
    assert "Finding a room" in confirm.content.decode()
    with in_section(lille):
        assert Guide.objects.filter(pk=guide.pk).exists()
    response = coordinator.post(f"/coordinator/guides/{guide.pk}/delete/")
    assert response["Location"] == "/coordinator/guides/"
    with in_section(lille):
        assert not Guide.objects.exists()


def test_bad_input_shows_form_errors_and_saves_nothing(coordinator, lille, in_section):
    response = coordinator.post(
        "/coordinator/guides/new/",
        {"title": "", "body": "", "audience": "aliens", "language": "de", "order": "-1"},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"title", "body", "audience", "language", "order"}
    assert "Please correct the fields marked below." in response.content.decode()
    with in_section(lille):
        assert not Guide.objects.exists()


def test_editing_with_bad_input_keeps_the_guide(coordinator, guides, lille, in_section):
    guide = guides["incoming"]
    response = coordinator.post(
        f"/coordinator/guides/{guide.pk}/edit/",
        {"title": "x" * 201, "body": "", "audience": "incoming", "language": "all", "order": "1"},
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"title", "body"}
    with in_section(lille):
        assert Guide.objects.get(pk=guide.pk).title == "Your residence permit"


# --- student pages ----------------------------------------------------------------------


def test_an_incoming_student_sees_the_published_guides_of_their_role_and_language(
    incoming, guides, lille, in_section
):
    student = section_client(lille, incoming.user)
    response = student.get("/guides/")
    titles = [guide.title for guide in response.context["guides"]]
    # ordered by `order`, then title; English page: the English and the all-language ones
    assert titles == ["Opening an account", "The city's transport", "Your residence permit"]
    french = section_client(lille, incoming.user, language="fr")
    titles = [guide.title for guide in french.get("/guides/").context["guides"]]
    assert titles == ["Ouvrir un compte", "The city's transport", "Your residence permit"]


def test_a_buddy_sees_only_the_buddies_and_everyone_guides(buddy, guides, lille, in_section):
    student = section_client(lille, buddy.user)
    titles = [guide.title for guide in student.get("/guides/").context["guides"]]
    assert titles == ["Welcoming your buddy", "The city's transport"]  # by order, then title


def test_a_student_cannot_open_another_roles_or_an_unpublished_guide_by_id(
    incoming, buddy, guides, lille, in_section
):
    ana = section_client(lille, incoming.user)
    lucas = section_client(lille, buddy.user)
    assert ana.get(f"/guides/{guides['incoming'].pk}/").status_code == 200
    assert ana.get(f"/guides/{guides['buddies'].pk}/").status_code == 404
    assert ana.get(f"/guides/{guides['draft'].pk}/").status_code == 404
    assert lucas.get(f"/guides/{guides['buddies'].pk}/").status_code == 200
    assert lucas.get(f"/guides/{guides['incoming'].pk}/").status_code == 404
    assert lucas.get(f"/guides/{guides['everyone'].pk}/").status_code == 200
    assert lucas.get("/guides/999999/").status_code == 404


def test_a_paris_guide_is_not_found_on_lille(incoming, lille, paris, in_section):
    with in_section(paris):
        paris_guide = make_guide(title="Paris only")
    with in_section(lille):
        Guide.objects.filter(pk=paris_guide.pk).delete()
    ana = section_client(lille, incoming.user)
    assert ana.get(f"/guides/{paris_guide.pk}/").status_code == 404


def test_the_body_is_plain_text_with_paragraphs_and_links_never_html(incoming, lille, in_section):
    with in_section(lille):
        guide = make_guide(
            title="<b>Bold</b> title",
            body="First <script>alert(1)</script> line\nsecond line\n\n"
            "See https://www.service-public.fr for the forms.",
        )
    page = section_client(lille, incoming.user).get(f"/guides/{guide.pk}/")
    html = page.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>Bold</b>" not in html and "&lt;b&gt;Bold&lt;/b&gt; title" in html
    assert "line<br>second line</p>" in html
    assert '<a href="https://www.service-public.fr" rel="nofollow">' in html


def test_the_menus_offer_the_guides(coordinator, incoming, lille, in_section):
    assert 'href="/coordinator/guides/"' in coordinator.get("/coordinator/guides/").content.decode()
    student = section_client(lille, incoming.user)
    assert 'href="/guides/"' in student.get("/account/").content.decode()


# --- rules without HTTP -----------------------------------------------------------------


def test_selectors_filter_by_role_publication_and_language(
    incoming, buddy, guides, lille, in_section
):
    with in_section(lille):
        assert set(selectors.visible_to(incoming)) == {
            guides["incoming"],
            guides["everyone"],
            guides["french"],
            guides["english"],
        }
        assert set(selectors.visible_to(buddy)) == {guides["buddies"], guides["everyone"]}
        assert guides["french"] not in selectors.guides_for(incoming, "en")
        assert guides["french"] in selectors.guides_for(incoming, "fr")
        assert guides["everyone"] in selectors.guides_for(incoming, "fr")
