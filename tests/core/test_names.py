"""Names are stored as one line of plain text (core.names.plain_name), whichever way they
come in: the registration page, the edit-profile page, a CSV import and the invited student's
page. A name goes into email headers (the buddy's first name is in the subject of the pair's
email): a line break kept there would make the send fail, so the emails that carry names are
sent here for real, through the outbox relay. And a name is text, not HTML: `O'Brien` is
`O'Brien` in an email's subject, never `O&#x27;Brien`.
"""

import csv
import io
import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from clients import section_client
from core.accounts.models import User
from core.exchange.importing import HEADER
from core.exchange.models import ImportBatch, ImportedInvitation
from core.models import Profile
from core.outbox.models import OutboxMessage
from core.outbox.services import relay
from factories import ProfileFactory
from matching.pairs import make_pair
from portal_helpers import make_catalogue, registration_data

pytestmark = pytest.mark.django_db

# (typed, stored): line breaks, tabs and other control or invisible format characters
# become spaces, runs of them one space; letters, accents and apostrophes stay.
NAMES = [
    pytest.param("Ana\nMaría", "Ana María", id="line feed"),
    pytest.param("Ana\r\nMaría", "Ana María", id="carriage return and line feed"),
    pytest.param("Ana\tMaría", "Ana María", id="tab"),
    pytest.param("Ana\x0bMaría\x0c", "Ana María", id="vertical tab and form feed"),
    pytest.param("Ana\x1b[31mMaría", "Ana [31mMaría", id="escape"),
    pytest.param("Ana\x85María", "Ana María", id="next line"),
    pytest.param("Ana\u2028María\u2029", "Ana María", id="line and paragraph separators"),
    pytest.param("Ana\u200bMaría\u202e", "Ana María", id="zero width space and bidi override"),
]
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u200b-\u200f\u202a-\u202e]")


@pytest.fixture
def catalogue(lille, in_section):
    with in_section(lille):
        return make_catalogue()


@pytest.fixture
def visitor(lille) -> Client:
    return section_client(lille)


def sent(section, in_section, key: str):
    """Relay the section's outbox; the email of row `key`, which must have gone out."""
    with in_section(section):
        relay()
        row = OutboxMessage.objects.get(key=key)
    assert (row.status, row.last_error) == (OutboxMessage.Status.SENT, ""), key
    return row


def email_to(address: str):
    [message] = [message for message in mail.outbox if message.to == [address]]
    assert CONTROL.search(message.subject) is None, message.subject
    message.message()  # the headers build: a line break in one raises BadHeaderError
    return message


def register(client: Client, catalogue, role: str = "incoming", **overrides):
    place, hobbies = catalogue
    return client.post(f"/register/{role}/", registration_data(role, place, hobbies, **overrides))


def verified(section, in_section, profile: Profile) -> Profile:
    """A profile registered through the page, its email verified (a pair needs it)."""
    with in_section(section):
        Profile.objects.filter(pk=profile.pk).update(email_verified_at=timezone.now())
        return Profile.objects.select_related("user").get(pk=profile.pk)


def pair_up(section, in_section, incoming: Profile, buddy: Profile):
    """Confirm the pair (both emails written) and relay them: the two emails, the incoming
    student's first."""
    with in_section(section):
        pair = make_pair(None, incoming, buddy)
    for student in (incoming, buddy):
        sent(section, in_section, f"pair-confirmed:{pair.pk}:{student.pk}")
    return email_to(incoming.user.email), email_to(buddy.user.email)


# --- registration page -------------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "stored"), NAMES)
def test_the_registration_page_stores_names_on_one_line_and_the_verification_email_goes(
    typed, stored, visitor, catalogue, lille, in_section
):
    response = register(visitor, catalogue, first_name=typed, last_name=f"García{typed[3:]}")
    assert response.status_code == 302, response.content.decode()[:2000]
    with in_section(lille):
        user = User.objects.get(email="ana@example.org")
    assert user.first_name == stored
    assert user.last_name == f"García{stored[3:]}"
    sent(lille, in_section, f"verify-email:{user.pk}")
    assert f"Hello {stored}," in email_to("ana@example.org").body


# --- edit-profile page, then the pair's emails -------------------------------------------------


@pytest.mark.parametrize(("typed", "stored"), NAMES)
def test_the_edit_page_stores_names_on_one_line_and_the_pair_emails_go(
    typed, stored, catalogue, lille, in_section
):
    place, _hobbies = catalogue
    with in_section(lille):
        incoming = ProfileFactory(user__first_name="Ines", user__email="ines@example.org")
        buddy = ProfileFactory(buddy=True, user__email="lucas@example.org", place_of_study=place)
    data = registration_data("buddy", place, [], first_name=typed, last_name=f"Martin{typed[3:]}")
    for field in ("email", "password", "consent"):
        data.pop(field)
    response = section_client(lille, buddy.user).post("/account/edit/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    with in_section(lille):
        buddy = Profile.objects.select_related("user").get(pk=buddy.pk)
    assert buddy.user.first_name == stored
    assert buddy.user.last_name == f"Martin{stored[3:]}"

    to_incoming, to_buddy = pair_up(lille, in_section, incoming, buddy)
    assert to_incoming.subject == f"Meet your buddy: {stored}"
    assert f"Hello {stored}," in to_buddy.body
    assert to_buddy.subject == "Meet your buddy: Ines"


def test_a_name_stored_with_a_line_break_before_the_rule_still_lets_the_pair_emails_go(
    lille, in_section
):
    """Rows written before names were made plain keep their line breaks: the email's subject
    is still one line."""
    with in_section(lille):
        incoming = ProfileFactory(user__first_name="Ines", user__email="ines@example.org")
        buddy = ProfileFactory(buddy=True, user__email="lucas@example.org")
        User.objects.filter(pk=buddy.user_id).update(first_name="Lu\r\ncas\tX")
        buddy = Profile.objects.select_related("user").get(pk=buddy.pk)
    to_incoming, _to_buddy = pair_up(lille, in_section, incoming, buddy)
    assert to_incoming.subject == "Meet your buddy: Lu cas X"


# --- a CSV import, then the invited student's page -----------------------------------------------


def csv_file(**values) -> SimpleUploadedFile:
    today = timezone.localdate()
    row = {
        "email": "olga@example.org",
        "first_name": "Olga",
        "last_name": "Ivanova",
        "nationality": "UA",
        "arrival_date": str(today + timedelta(days=30)),
        "departure_date": str(today + timedelta(days=150)),
        "place_of_study": "Université de Lille",
        "home_university": "KNU",
        "language": "",
    } | values
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    writer.writerow([row[name] for name in HEADER])
    return SimpleUploadedFile("students.csv", buffer.getvalue().encode(), content_type="text/csv")


@pytest.mark.parametrize(("typed", "stored"), NAMES)
def test_a_csv_import_stores_names_on_one_line_and_the_invitation_goes(
    typed, stored, coordinator, catalogue, lille, in_section
):
    upload = csv_file(first_name=typed, last_name=f"Ivanova{typed[3:]}")
    response = coordinator.post("/coordinator/import/", {"file": upload})
    assert response.status_code == 302, response.content.decode()[:2000]
    batch_id = int(response["Location"].rstrip("/").rsplit("/", 1)[1])
    with in_section(lille):
        batch = ImportBatch.objects.get(pk=batch_id)
    assert batch.errors == []
    [row] = batch.rows
    assert (row["first_name"], row["last_name"]) == (stored, f"Ivanova{stored[3:]}")
    assert stored in coordinator.get(response["Location"]).content.decode()

    assert coordinator.post(f"/coordinator/import/{batch_id}/commit/").status_code == 302
    with in_section(lille):
        invitation = ImportedInvitation.objects.get(batch_id=batch_id)
    assert (invitation.first_name, invitation.last_name) == (stored, f"Ivanova{stored[3:]}")
    sent(lille, in_section, f"import-invitation:{invitation.pk}")
    assert stored in email_to("olga@example.org").body


def test_the_invited_students_page_stores_names_on_one_line(
    coordinator, catalogue, lille, in_section
):
    place, _hobbies = catalogue
    response = coordinator.post("/coordinator/import/", {"file": csv_file()})
    batch_id = int(response["Location"].rstrip("/").rsplit("/", 1)[1])
    coordinator.post(f"/coordinator/import/{batch_id}/commit/")
    with in_section(lille):
        invitation = ImportedInvitation.objects.get(batch_id=batch_id)
    sent(lille, in_section, f"import-invitation:{invitation.pk}")
    [link] = re.findall(r"https?://\S+/invitation/\S+/", email_to("olga@example.org").body)
    data = registration_data("incoming", place, [], first_name="Olga\nMaria", last_name="Iva\tnova")
    data.pop("email")
    response = section_client(lille).post(urlsplit(link).path, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    with in_section(lille):
        user = User.objects.get(email="olga@example.org")
    assert (user.first_name, user.last_name) == ("Olga Maria", "Iva nova")


# --- O'Brien -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "subject"),
    [("en", "Meet your buddy: O'Brien"), ("fr", "Faites connaissance avec votre buddy : O'Brien")],
)
def test_an_apostrophe_stays_an_apostrophe_in_the_emails(
    language, subject, visitor, catalogue, lille, in_section
):
    response = register(visitor, catalogue, "buddy", first_name="O'Brien", last_name="O'Neill")
    assert response.status_code == 302
    with in_section(lille):
        buddy = Profile.objects.select_related("user").get(user__email="ana@example.org")
        incoming = ProfileFactory(language=language, user__email="ines@example.org")
    assert (buddy.user.first_name, buddy.user.last_name) == ("O'Brien", "O'Neill")
    sent(lille, in_section, f"verify-email:{buddy.user_id}")
    verification = email_to("ana@example.org")
    assert "Hello O'Brien," in verification.body
    mail.outbox.clear()

    to_incoming, to_buddy = pair_up(lille, in_section, incoming, verified(lille, in_section, buddy))
    assert to_incoming.subject == subject
    assert "&#x27;" not in to_incoming.subject and "&#39;" not in to_incoming.subject
    assert "O'Brien O'Neill" in to_incoming.body  # the buddy's contact, in the text part
    assert "&#x27;" not in to_incoming.body
    assert "Hello O'Brien," in to_buddy.body
