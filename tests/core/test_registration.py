import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from clients import section_client
from core.accounts.models import User
from core.models import Profile, SectionSettings
from core.outbox.models import OutboxMessage
from core.outbox.services import relay
from portal_helpers import FailingOnceBackend, make_catalogue, registration_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def lille_client(lille_client):
    """Lille's default language is French; these tests read the English messages."""
    lille_client.cookies["django_language"] = "en"
    return lille_client


@pytest.fixture
def catalogue(lille, in_section):
    with in_section(lille):
        return make_catalogue()


def register(client, role, catalogue, callbacks, **overrides):
    place, hobbies = catalogue
    with callbacks(execute=True):
        return client.post(
            f"/register/{role}/", registration_data(role, place, hobbies, **overrides)
        )


def user_count(section, in_section) -> int:
    with in_section(section):
        return User.objects.count()


@pytest.mark.smoke
def test_an_incoming_student_registers_and_gets_a_verification_email(
    lille_client, lille, catalogue, in_section, django_capture_on_commit_callbacks
):
    response = register(lille_client, "incoming", catalogue, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert response["Location"] == "/register/done/"
    with in_section(lille):
        profile = Profile.objects.select_related("user").get(user__email="ana@example.org")
        assert profile.role == "incoming"
        assert profile.home_university == "Universidad de Granada"
        assert sorted(profile.languages.values_list("language", "level")) == [
            ("en", "fluent"),
            ("es", "native"),
        ]
        assert profile.hobbies.count() == 2
        assert profile.consent_version == SectionSettings.load().privacy_notice_version
        assert profile.consented_at is not None
        assert not profile.is_verified
        assert profile.user.check_password("una-clave-larga-2026")
    [message] = mail.outbox
    assert message.to == ["ana@example.org"]
    assert "ESN Lille" in message.subject
    # told to check the inbox, and not logged in until the address is verified
    assert "check your inbox" in lille_client.get("/register/done/").content.decode()
    assert lille_client.get("/account/")["Location"].startswith("/accounts/login/")


def test_a_local_buddy_registers_with_availability_and_capacity(
    lille_client, lille, catalogue, in_section, django_capture_on_commit_callbacks
):
    response = register(lille_client, "buddy", catalogue, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    with in_section(lille):
        profile = Profile.objects.get(user__email="ana@example.org")
    assert (profile.role, profile.capacity) == ("buddy", 2)
    assert profile.available_from == timezone.localdate()
    assert profile.arrival_date is None


def test_the_verification_link_verifies_once_and_bad_links_fail(
    lille_client, lille, catalogue, in_section, django_capture_on_commit_callbacks
):
    register(lille_client, "incoming", catalogue, django_capture_on_commit_callbacks)
    link = re.search(r"http\S+/verify/(\S+)/", mail.outbox[0].body)
    assert link.group(0).startswith(lille.portal_url)
    token = link.group(1)

    assert lille_client.get(f"/verify/{token[:-2]}xx/").status_code == 400
    response = lille_client.get(f"/verify/{token}/", follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/login/"
    assert "your email is verified" in response.content.decode()
    with in_section(lille):
        profile = Profile.objects.select_related("user").get()
        assert profile.is_verified
    student = section_client(lille, profile.user)
    assert "looking for a local buddy" in student.get("/account/").content.decode()


def test_a_link_for_another_section_does_not_verify(
    lille_client,
    paris_client,
    lille,
    paris,
    catalogue,
    in_section,
    django_capture_on_commit_callbacks,
):
    register(lille_client, "incoming", catalogue, django_capture_on_commit_callbacks)
    token = re.search(r"/verify/(\S+)/", mail.outbox[0].body).group(1)
    assert paris_client.get(f"/verify/{token}/").status_code == 400


def test_the_email_is_retried_when_the_mail_server_fails(
    settings, lille_client, lille, catalogue, in_section, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "portal_helpers.FailingOnceBackend"
    FailingOnceBackend.failures_left = 1
    response = register(lille_client, "incoming", catalogue, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    with in_section(lille):
        assert Profile.objects.filter(user__email="ana@example.org").exists()
    assert FailingOnceBackend.failures_left == 0
    assert mail.outbox == []
    with in_section(lille):
        row = OutboxMessage.objects.get(key__startswith="verify-email:")
        # retried minutes later (not in a tight loop), by the relay's next round
        assert row.status == "pending" and row.attempts == 1
        assert row.last_error == "SMTPException"
        assert row.next_attempt_at > timezone.now() + timedelta(seconds=50)
        relay()  # not due yet: nothing sent
        assert mail.outbox == []
        relay(now=timezone.now() + timedelta(minutes=2))
        row.refresh_from_db()
    assert row.status == "sent" and row.attempts == 2
    assert [message.to for message in mail.outbox] == [["ana@example.org"]]


def days(n: int) -> str:
    return str(timezone.localdate() + timedelta(days=n))


def years_ago(n: int, plus_days: int = 0) -> str:
    today = timezone.localdate()
    return str(today.replace(year=today.year - n) + timedelta(days=plus_days))


@pytest.mark.parametrize(
    ("role", "overrides", "field", "message"),
    [
        ("incoming", {"departure_date": days(20)}, "departure_date", "after your arrival"),
        (
            "incoming",
            {"arrival_date": days(400), "departure_date": days(500)},
            "arrival_date",
            "within the coming year",
        ),
        ("incoming", {"arrival_date": days(-400)}, "arrival_date", "too long ago"),
        ("incoming", {"arrival_date": "not a date"}, "arrival_date", "valid date"),
        ("incoming", {"birth_date": years_ago(15)}, "birth_date", "between 16 and 99"),
        (
            "incoming",
            {"birth_date": years_ago(100, plus_days=-1)},
            "birth_date",
            "between 16 and 99",
        ),
        ("buddy", {"capacity": "0"}, "capacity", "between 1 and 5"),
        ("buddy", {"capacity": "6"}, "capacity", "between 1 and 5"),
        (
            "buddy",
            {"available_until": days(-300), "available_from": days(-400)},
            "available_until",
            "already over",
        ),
        ("incoming", {"place_of_study": "999999"}, "place_of_study", "valid choice"),
        ("incoming", {"hobbies": ["999999"]}, "hobbies", "valid choice"),
        ("incoming", {"about": "x" * 1001}, "about", "at most 1000"),
        ("incoming", {"first_name": "x" * 151}, "first_name", "at most 150"),
        ("incoming", {"nationality": "XX"}, "nationality", "valid choice"),
        ("incoming", {"email": "not-an-email"}, "email", "valid email"),
        ("incoming", {"password": "12345678"}, "password", "too common"),
        ("incoming", {"consent": None}, "consent", "required"),
        ("incoming", {"home_university": ""}, "home_university", "required"),
    ],
)
def test_bad_input_gets_a_message_next_to_the_field_and_saves_nothing(
    lille_client,
    lille,
    catalogue,
    in_section,
    django_capture_on_commit_callbacks,
    role,
    overrides,
    field,
    message,
):
    before = user_count(lille, in_section)
    response = register(
        lille_client, role, catalogue, django_capture_on_commit_callbacks, **overrides
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert message in " ".join(errors[field]), errors
    assert f'id="id_{field}_error"' in response.content.decode()
    assert user_count(lille, in_section) == before
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("languages", "message"),
    [
        ({"languages-0-language": "", "languages-1-language": ""}, "at least one language"),
        ({"languages-1-language": "es"}, "Each language once"),
        ({"languages-0-language": "xx"}, "valid choice"),
    ],
)
def test_bad_languages_are_refused(
    lille_client,
    lille,
    catalogue,
    in_section,
    django_capture_on_commit_callbacks,
    languages,
    message,
):
    before = user_count(lille, in_section)
    response = register(
        lille_client, "incoming", catalogue, django_capture_on_commit_callbacks, **languages
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert user_count(lille, in_section) == before


def test_an_email_already_registered_here_creates_nothing_and_tells_its_owner(
    lille_client, lille, catalogue, in_section, django_capture_on_commit_callbacks
):
    with in_section(lille):
        owner = User.objects.create_user("ana@example.org", "whatever-pass-1")
    before = user_count(lille, in_section)
    response = register(
        lille_client,
        "incoming",
        catalogue,
        django_capture_on_commit_callbacks,
        email="ANA@Example.org",
    )
    # the same outcome as a new address (tests/core/test_enumeration.py compares them)
    assert response.status_code == 302
    assert response["Location"] == "/register/done/"
    assert user_count(lille, in_section) == before
    with in_section(lille):
        owner.refresh_from_db()
        assert owner.check_password("whatever-pass-1")  # unchanged
    [message] = mail.outbox
    assert message.to == ["ana@example.org"]
    # an account without a profile: in the section's language, French
    assert message.subject.startswith("Quelqu'un a essayé de s'inscrire")
    assert f"{lille.portal_url}/accounts/login/" in message.body
    assert f"{lille.portal_url}/accounts/password-reset/" in message.body


def test_html_in_text_fields_is_shown_escaped(
    lille_client, lille, catalogue, in_section, django_capture_on_commit_callbacks
):
    register(
        lille_client,
        "incoming",
        catalogue,
        django_capture_on_commit_callbacks,
        about="<script>alert('x')</script>",
        first_name="<b>Ana</b>",
    )
    with in_section(lille):
        user = User.objects.get(email="ana@example.org")
    page = section_client(lille, user).get("/account/").content.decode()
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "<b>Ana</b>" not in page


def test_a_closed_registration_says_so_and_takes_nothing(
    lille_client, lille, catalogue, in_section, django_capture_on_commit_callbacks
):
    with in_section(lille):
        SectionSettings.objects.update_or_create(pk=1, defaults={"registration_open": False})
    before = user_count(lille, in_section)
    page = lille_client.get("/register/incoming/")
    assert page.status_code == 403
    assert "Registration is closed" in page.content.decode()
    assert lille_client.get("/register/").status_code == 403
    response = register(lille_client, "incoming", catalogue, django_capture_on_commit_callbacks)
    assert response.status_code == 403
    assert user_count(lille, in_section) == before


def test_registration_attempts_are_throttled_per_client(lille_client, catalogue):
    place, hobbies = catalogue
    bad = registration_data("incoming", place, hobbies, email="nope")
    statuses = [lille_client.post("/register/incoming/", bad).status_code for _ in range(11)]
    assert statuses == [200] * 10 + [429]


def test_the_registration_pages_render(lille_client, catalogue):
    for path in ("/register/", "/register/incoming/", "/register/buddy/"):
        page = lille_client.get(path)
        assert page.status_code == 200
    buddy_page = lille_client.get("/register/buddy/").content.decode()
    assert 'name="capacity"' in buddy_page and 'name="arrival_date"' not in buddy_page
    assert "Université de Lille" in buddy_page


def test_the_verification_email_is_in_the_language_the_student_chose(
    lille_client, catalogue, django_capture_on_commit_callbacks
):
    register(lille_client, "incoming", catalogue, django_capture_on_commit_callbacks, language="fr")
    [message] = mail.outbox
    assert message.subject.startswith("Confirmez")
    assert "Confirmer mon adresse" in message.alternatives[0][0]
