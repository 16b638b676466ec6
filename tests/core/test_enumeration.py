"""Nobody learns from the pages who has an account: registration and password reset answer
the same, and take the same path, for a known and an unknown address; the verification
email can be asked for again only so often."""

import re
import statistics
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clients import section_client
from core.accounts.models import User
from core.models import Profile
from core.outbox.models import OutboxMessage
from core.outbox.services import relay
from factories import ProfileFactory, UserFactory
from portal_helpers import make_catalogue, registration_data

pytestmark = pytest.mark.django_db

# what differs on every response: the form token, the style's nonce
PER_RESPONSE = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"|nonce="[^"]+"')


@pytest.fixture
def catalogue(lille, in_section):
    with in_section(lille):
        return make_catalogue()


def page_of(response) -> str:
    return PER_RESPONSE.sub("", response.content.decode())


# --- registration -------------------------------------------------------------------------------


def test_a_taken_address_and_a_new_one_get_the_same_answer(
    lille, catalogue, in_section, django_capture_on_commit_callbacks
):
    with in_section(lille):
        owner = UserFactory(email="taken@example.org")
    place, hobbies = catalogue
    answers = []
    for email in ("taken@example.org", "new@example.org"):
        client = section_client(lille)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                "/register/incoming/", registration_data("incoming", place, hobbies, email=email)
            )
        done = client.get(response["Location"])
        answers.append(
            (
                response.status_code,
                response["Location"],
                sorted(response.cookies),
                done.status_code,
                page_of(done),
                client.get("/account/")["Location"],  # logged in neither time
            )
        )
    assert answers[0] == answers[1]
    status, location, cookies, done_status, page, account = answers[0]
    assert (status, location, done_status) == (302, "/register/done/", 200)
    assert "sessionid" not in cookies and account.startswith("/accounts/login/")
    assert "check your inbox" in page
    # the owner is told, with the ways in; the new student gets the verification link
    by_address = {message.to[0]: message for message in mail.outbox}
    assert set(by_address) == {"taken@example.org", "new@example.org"}
    warning = by_address["taken@example.org"]
    assert warning.subject.startswith("Quelqu'un a essayé")  # no profile: Lille's language
    assert "/accounts/login/" in warning.body and "/accounts/password-reset/" in warning.body
    assert "/verify/" not in warning.body
    assert "/verify/" in by_address["new@example.org"].body
    with in_section(lille):
        assert User.objects.filter(email="taken@example.org").count() == 1
        assert not Profile.objects.filter(user=owner).exists()


def test_the_owner_is_told_once_a_minute_however_often_the_address_is_tried(
    lille, catalogue, in_section, django_capture_on_commit_callbacks
):
    with in_section(lille):
        owner = UserFactory(email="taken@example.org")
    place, hobbies = catalogue
    data = registration_data("incoming", place, hobbies, email="TAKEN@example.org")
    client = section_client(lille)
    with django_capture_on_commit_callbacks(execute=True):
        statuses = [client.post("/register/incoming/", data).status_code for _ in range(3)]
    assert statuses == [302] * 3
    with in_section(lille):
        [row] = OutboxMessage.objects.filter(key__startswith="registration-attempt:")
    assert row.key.startswith(f"registration-attempt:{owner.pk}:")
    assert row.args == {"user": owner.pk}  # ids only
    assert [message.to for message in mail.outbox] == [["taken@example.org"]]


def test_the_warning_is_in_the_owners_language(lille, in_section, catalogue):
    with in_section(lille):
        owner = ProfileFactory(user__email="taken@example.org", language="fr").user
    place, hobbies = catalogue
    data = registration_data("incoming", place, hobbies, email="taken@example.org")
    section_client(lille).post("/register/incoming/", data)
    with in_section(lille):
        relay()
    [message] = mail.outbox
    assert message.to == [owner.email]
    assert message.subject.startswith("Quelqu'un a essayé de s'inscrire")
    assert "Si c'était vous, connectez-vous" in message.body


# --- password reset ----------------------------------------------------------------------------


def shape(sql: str) -> str:
    """A query without its values: the same statement for another address or key."""
    return re.sub(r"'[^']*'|\b\d+\b|\"s\d+_x\d+\"", "?", sql)


def reset_queries(client, email: str) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.post("/accounts/password-reset/", {"email": email})
    assert response["Location"] == "/accounts/password-reset/sent/"
    return [shape(query["sql"]) for query in queries.captured_queries]


def test_password_reset_runs_the_same_queries_for_a_known_and_an_unknown_address(
    lille, in_section, monkeypatch
):
    monkeypatch.setattr("core.accounts.views.RESETS_PER_HOUR", 1000)
    with in_section(lille):
        user = UserFactory(email="known@example.org")
    client = section_client(lille)
    reset_queries(client, "first@example.org")  # the host's section, then cached
    known = reset_queries(client, "known@example.org")
    unknown = reset_queries(client, "nobody@example.org")
    assert known == unknown
    assert any("INSERT" in query and "outbox" in query for query in known)
    with in_section(lille):
        [known_row] = OutboxMessage.objects.filter(key__startswith=f"password-reset:{user.pk}:")
        unknown_rows = list(OutboxMessage.objects.filter(key__startswith="password-reset:none:"))
        assert len(unknown_rows) == 2  # first@ and nobody@, a row each
        # an unknown address's row holds no address, and the relay sends nothing for it
        for row in unknown_rows:
            assert row.args == {"user": None}
            assert "@" not in row.key and "nobody" not in row.key
        relay()
        statuses = {
            row.status for row in OutboxMessage.objects.filter(pk__in=[r.pk for r in unknown_rows])
        }
        known_row.refresh_from_db()
    assert statuses == {OutboxMessage.Status.SKIPPED}
    assert known_row.status == OutboxMessage.Status.SENT
    assert [message.to for message in mail.outbox] == [["known@example.org"]]


ROUNDS = 20


def test_password_reset_takes_as_long_for_a_known_and_an_unknown_address(
    lille, in_section, monkeypatch
):
    """Medians of ROUNDS requests each, interleaved (a load spike hits both), every request
    the first for its address this minute (each writes its row). Loose bounds: a loaded
    2-core machine is noisy, and what matters is that no step (hashing, a query) only one
    of them takes; the query-for-query test above is the exact check."""
    monkeypatch.setattr("core.accounts.views.RESETS_PER_HOUR", 1000)
    with in_section(lille):
        for n in range(ROUNDS + 1):
            UserFactory(email=f"known{n}@example.org")
    client = section_client(lille)
    client.post("/accounts/password-reset/", {"email": "known20@example.org"})  # warm up
    client.post("/accounts/password-reset/", {"email": "nobody20@example.org"})
    times = {"known": [], "unknown": []}
    for n in range(ROUNDS):
        for kind, email in (("known", f"known{n}@example.org"), ("unknown", f"nobody{n}@x.org")):
            start = time.perf_counter()
            client.post("/accounts/password-reset/", {"email": email})
            times[kind].append(time.perf_counter() - start)
    known, unknown = (statistics.median(times[kind]) for kind in ("known", "unknown"))
    print(f"password reset median: known {known * 1000:.1f} ms, unknown {unknown * 1000:.1f} ms")
    assert abs(known - unknown) < 0.020 or max(known, unknown) / min(known, unknown) < 1.5


# --- resend verification -----------------------------------------------------------------------


@pytest.fixture
def unverified(lille, in_section):
    with in_section(lille):
        return ProfileFactory(user__email="ana@example.org", email_verified_at=None)


def test_resending_is_throttled_per_client_address(lille, in_section, unverified):
    client = section_client(lille, unverified.user)
    statuses = [client.post("/verify/resend/").status_code for _ in range(6)]
    assert statuses == [302] * 5 + [429]
    assert "Too many attempts" in client.post("/verify/resend/").content.decode()
    # another client address still may
    other = section_client(lille, unverified.user)
    assert other.post("/verify/resend/", REMOTE_ADDR="203.0.113.9").status_code == 302


def test_resending_is_capped_per_account_per_day(lille, in_section, unverified):
    with in_section(lille):
        for minutes in range(5):
            OutboxMessage.objects.create(
                key=f"verify-email:{unverified.user_id}:19990101000{minutes}",
                kind=OutboxMessage.Kind.EMAIL,
                name="core.verify_email",
                args={"user": unverified.user_id},
            )
        before = OutboxMessage.objects.count()
    # from another client address each time: the per-account cap, not the client's throttle
    client = section_client(lille, unverified.user)
    response = client.post("/verify/resend/", REMOTE_ADDR="203.0.113.1", follow=True)
    assert response.status_code == 200
    assert "several links today" in response.content.decode()
    with in_section(lille):
        assert OutboxMessage.objects.count() == before
        # a day later the old ones no longer count
        OutboxMessage.objects.filter(key__startswith="verify-email:").update(
            created_at=timezone.now() - timedelta(days=1, minutes=1)
        )
    response = client.post("/verify/resend/", REMOTE_ADDR="203.0.113.2", follow=True)
    assert "We sent you a new link" in response.content.decode()
    with in_section(lille):
        assert OutboxMessage.objects.count() == before + 1


def test_a_taken_address_hashes_the_password_as_a_new_one_does(
    lille, catalogue, in_section, monkeypatch
):
    """The hashing is what takes time in production (PBKDF2's rounds; MD5 in the tests): a
    taken address must not answer faster for skipping it."""
    from django.contrib.auth.hashers import MD5PasswordHasher

    calls = []
    encode = MD5PasswordHasher.encode
    monkeypatch.setattr(
        MD5PasswordHasher,
        "encode",
        lambda self, *a, **kw: calls.append(1) or encode(self, *a, **kw),
    )
    with in_section(lille):
        UserFactory(email="taken@example.org")
    place, hobbies = catalogue
    hashed = []
    for email in ("taken@example.org", "new@example.org"):
        calls.clear()
        data = registration_data("incoming", place, hobbies, email=email)
        assert section_client(lille).post("/register/incoming/", data).status_code == 302
        hashed.append(len(calls))
    assert hashed == [1, 1]
