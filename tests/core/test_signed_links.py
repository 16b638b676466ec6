"""Every signed link we email (core.signing): email verification, import invitation,
unsubscribe, check-in and survey.

- A link made in Lille does nothing in Paris, even where Paris has rows with the very same
  ids (and the same email, or the same invitation secret): only the section bound into the
  token tells them apart. The old bug: a Lille verification link verified the Paris account
  that had the same id and email.
- A link of one purpose is refused for every other purpose.
- A token carries no readable email address.
- A tampered token is refused.
- A verification link dies when the account's email changes.
"""

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.core import signing
from django.db import connection
from django.db.models import Max, Model
from django.test import Client
from django.utils import timezone

from core import verification
from core.accounts.models import User
from core.emails import VERIFY_EMAIL
from core.events import unsubscribe
from core.events.selectors import is_unsubscribed
from core.exchange import tokens as invitation_tokens
from core.exchange.models import ImportBatch, ImportedInvitation
from core.models import PlaceOfStudy, Profile
from core.outbox import emails as outbox_emails
from core.signing import digest, make_link_token
from factories import (
    ImportBatchFactory,
    PairFactory,
    PlaceOfStudyFactory,
    ProfileFactory,
    UserFactory,
)
from matching.followup import tokens as followup_tokens
from matching.followup.models import CheckIn, SurveyResponse
from matching.models import Pair
from portal_helpers import registration_data

pytestmark = pytest.mark.django_db

SAME_EMAIL = "ana@example.org"
INVITED_EMAIL = "olga@example.org"
SAME_INVITATION_SECRET = "the-same-secret-in-both-sections"


# --- two sections with rows of the same ids ------------------------------------------------


@dataclass
class World:
    """One section's rows that the links name; Lille and Paris get the same ids."""

    unverified: Profile  # registered, email not verified yet
    incoming: Profile  # paired, has a check-in and a survey waiting for an answer
    buddy: Profile
    pair: Pair
    checkin: CheckIn
    survey: SurveyResponse
    invitation: ImportedInvitation
    place_id: int


ID_MODELS = (User, Profile, Pair, CheckIn, SurveyResponse, ImportBatch, ImportedInvitation)


def free_ids(sections, in_section) -> dict[type[Model], int]:
    """For each model, an id above every row of every section (three in a row are free)."""
    ids = {}
    for model in ID_MODELS:
        highest = 0
        for section in sections:
            with in_section(section):
                highest = max(highest, model.objects.aggregate(top=Max("pk"))["top"] or 0)
        ids[model] = highest + 1
    return ids


def resync_sequences() -> None:
    """Rows were written with explicit ids: the next automatic id comes after them."""
    with connection.cursor() as cursor:
        for model in ID_MODELS:
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT MAX(id) FROM {table}))"
            )


def build_world(ids: dict[type[Model], int]) -> World:
    """The rows, in the connection's section, with the ids given."""
    today = timezone.localdate()
    place = PlaceOfStudyFactory()
    unverified = ProfileFactory(
        id=ids[Profile],
        user=UserFactory(id=ids[User], email=SAME_EMAIL, first_name="Ana"),
        email_verified_at=None,
    )
    incoming = ProfileFactory(
        id=ids[Profile] + 1, user=UserFactory(id=ids[User] + 1, email="ines@example.org")
    )
    buddy = ProfileFactory(
        buddy=True,
        id=ids[Profile] + 2,
        user=UserFactory(id=ids[User] + 2, email="lucas@example.org"),
    )
    pair = PairFactory(id=ids[Pair], incoming=incoming, buddy=buddy)
    checkin = CheckIn.objects.create(id=ids[CheckIn], pair=pair, profile=incoming)
    survey = SurveyResponse.objects.create(
        id=ids[SurveyResponse], pair=pair, profile=incoming, role="incoming"
    )
    batch = ImportBatchFactory(id=ids[ImportBatch], status=ImportBatch.Status.COMMITTED)
    invitation = ImportedInvitation.objects.create(
        id=ids[ImportedInvitation],
        batch=batch,
        email=INVITED_EMAIL,
        first_name="Olga",
        last_name="Ivanova",
        nationality="UA",
        arrival_date=today + timedelta(days=20),
        departure_date=today + timedelta(days=140),
        place_of_study=place,
        token=SAME_INVITATION_SECRET,
        sent_at=timezone.now(),
    )
    resync_sequences()
    return World(unverified, incoming, buddy, pair, checkin, survey, invitation, place.pk)


@pytest.fixture
def worlds(lille, paris, in_section) -> tuple[World, World]:
    """Lille's rows and Paris's, id for id (emails and the invitation secret alike)."""
    ids = free_ids((lille, paris), in_section)
    with in_section(lille):
        in_lille = build_world(ids)
    with in_section(paris):
        in_paris = build_world(ids)
    assert in_lille.unverified.user.pk == in_paris.unverified.user.pk
    assert in_lille.unverified.user.email == in_paris.unverified.user.email
    assert in_lille.pair.pk == in_paris.pair.pk
    assert in_lille.invitation.pk == in_paris.invitation.pk
    return in_lille, in_paris


# --- the links ------------------------------------------------------------------------------


def _completion(world: World) -> dict:
    """The invited student's form, filled in."""
    data = registration_data("incoming", PlaceOfStudy(pk=world.place_id), [])
    data.pop("email")
    return data


@dataclass(frozen=True)
class Link:
    """One kind of signed link, from its maker to its page.

    `make`: the real token of the world's row. `payload`: the values its reader needs, for the
    purpose test. `accepts`: the reader, in the current section. `use`: the click (or the form
    sent) on the page, `works` and `refused` its statuses. `done`: whether the click did its
    work on the section's row (read in the current section).
    """

    purpose: str
    path: str
    make: Callable[[World], str]
    payload: Callable[[World], dict]
    accepts: Callable[[str], bool]
    method: str
    body: Callable[[World], dict]
    works: int
    refused: int
    done: Callable[[World], bool]
    emails: Callable[[World], list[str]]


def _invitation_accepted(token: str) -> bool:
    try:
        invitation_tokens.read_token(token)
    except invitation_tokens.InvitationRefused:
        return False
    return True


LINKS = {
    "verification": Link(
        purpose=verification.PURPOSE,
        path="/verify/{}/",
        make=lambda w: verification.make_token(w.unverified.user),
        payload=lambda w: {"u": w.unverified.user.pk, "e": digest(w.unverified.user.email)},
        accepts=lambda token: verification.user_for(token) is not None,
        method="get",
        body=lambda w: {},
        works=302,
        refused=400,
        done=lambda w: Profile.objects.get(pk=w.unverified.pk).is_verified,
        emails=lambda w: [w.unverified.user.email],
    ),
    "invitation": Link(
        purpose=invitation_tokens.PURPOSE,
        path="/invitation/{}/",
        make=lambda w: invitation_tokens.make_token(w.invitation),
        payload=lambda w: {"i": w.invitation.pk, "t": w.invitation.token},
        accepts=_invitation_accepted,
        method="post",
        body=_completion,
        works=302,
        refused=400,
        done=lambda w: (
            ImportedInvitation.objects.get(pk=w.invitation.pk).used_at is not None
            or User.objects.filter(email=INVITED_EMAIL).exists()
        ),
        emails=lambda w: [w.invitation.email],
    ),
    "unsubscribe": Link(
        purpose=unsubscribe.PURPOSE,
        path="/unsubscribe/{}/",
        make=lambda w: unsubscribe.make_token(w.incoming),
        payload=lambda w: {"p": w.incoming.pk},
        accepts=lambda token: unsubscribe.profile_for(token) is not None,
        method="post",
        body=lambda w: {},
        works=200,
        refused=400,
        done=lambda w: is_unsubscribed(w.incoming),
        emails=lambda w: [w.incoming.user.email],
    ),
    "check-in": Link(
        purpose=followup_tokens.CHECKIN,
        path="/checkin/{}/",
        make=lambda w: followup_tokens.checkin_token(w.pair.pk, w.incoming.pk, "met"),
        payload=lambda w: {"p": w.pair.pk, "u": w.incoming.pk, "a": "met"},
        accepts=lambda token: followup_tokens.read_checkin_token(token) is not None,
        method="post",
        body=lambda w: {},
        works=200,
        refused=404,
        done=lambda w: CheckIn.objects.get(pk=w.checkin.pk).answer != "",
        emails=lambda w: [w.incoming.user.email, w.buddy.user.email],
    ),
    "survey": Link(
        purpose=followup_tokens.SURVEY,
        path="/survey/{}/",
        make=lambda w: followup_tokens.survey_token(w.pair.pk, w.incoming.pk),
        payload=lambda w: {"p": w.pair.pk, "u": w.incoming.pk},
        accepts=lambda token: followup_tokens.read_survey_token(token) is not None,
        method="post",
        body=lambda w: {"rating": "5", "comment": "Great buddy."},
        works=302,
        refused=404,
        done=lambda w: SurveyResponse.objects.get(pk=w.survey.pk).answered_at is not None,
        emails=lambda w: [w.incoming.user.email, w.buddy.user.email],
    ),
}
NAMES = list(LINKS)


def click(section, link: Link, world: World, token: str):
    client = Client(HTTP_HOST=section.host)
    client.cookies["django_language"] = "en"
    url = link.path.format(token)
    if link.method == "post":
        return client.post(url, link.body(world))
    return client.get(url)


def payload_of(token: str) -> dict:
    """What anyone holding the link can read: the token's first part, base64-decoded."""
    payload = token.split(":")[0]
    assert not payload.startswith("."), "a compressed payload: decompress it to read it"
    return json.loads(signing.b64_decode(payload.encode()))


def with_payload(token: str, **changes) -> str:
    """The token with its readable part changed, and its timestamp and signature kept."""
    _payload, timestamp, signature = token.split(":")
    values = {**payload_of(token), **changes}
    encoded = signing.b64_encode(json.dumps(values, separators=(",", ":")).encode()).decode()
    return f"{encoded}:{timestamp}:{signature}"


# --- a Lille link in Paris -----------------------------------------------------------------


def test_a_lille_verification_link_does_not_verify_the_paris_account_with_the_same_id_and_email(
    worlds, lille, paris, in_section
):
    """The old bug, step by step: the link of the email Lille sends, opened on Paris's host."""
    in_lille, in_paris = worlds
    with in_section(lille):
        email = outbox_emails.kind(VERIFY_EMAIL).build(user=in_lille.unverified.user.pk)
    assert email.to == SAME_EMAIL
    link = re.search(r"https?://(\S+?)/verify/(\S+)/", email.text)
    assert link.group(1).startswith(lille.host)  # the email points to Lille
    token = link.group(2)

    response = Client(HTTP_HOST=paris.host).get(f"/verify/{token}/")
    assert response.status_code == 400
    with in_section(paris):
        account = Profile.objects.get(user__email=SAME_EMAIL)
        assert account.user.pk == in_lille.unverified.user.pk
        assert not account.is_verified
    with in_section(lille):
        assert not Profile.objects.get(pk=in_lille.unverified.pk).is_verified

    # in Lille, the same link verifies Lille's account, and Paris's stays unverified
    assert Client(HTTP_HOST=lille.host).get(f"/verify/{token}/").status_code == 302
    with in_section(lille):
        assert Profile.objects.get(pk=in_lille.unverified.pk).is_verified
    with in_section(paris):
        assert not Profile.objects.get(pk=in_paris.unverified.pk).is_verified


@pytest.mark.parametrize("name", NAMES)
def test_a_lille_link_does_nothing_in_paris_where_the_same_ids_exist(
    name, worlds, lille, paris, in_section
):
    link = LINKS[name]
    in_lille, in_paris = worlds
    with in_section(lille):
        token = link.make(in_lille)
    with in_section(paris):
        assert not link.accepts(token)
    assert click(paris, link, in_paris, token).status_code == link.refused
    with in_section(paris):
        assert not link.done(in_paris)
    with in_section(lille):
        assert not link.done(in_lille)
    # the control: in Lille, the link does its work
    assert click(lille, link, in_lille, token).status_code == link.works
    with in_section(lille):
        assert link.done(in_lille)
    with in_section(paris):
        assert not link.done(in_paris)


# --- one purpose, one link -----------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_the_values_of_a_link_signed_for_another_purpose_are_refused(
    name, worlds, lille, in_section
):
    """Each reader gets exactly the values it wants, signed for every other purpose: only
    its own purpose opens it."""
    link = LINKS[name]
    in_lille, _in_paris = worlds
    with in_section(lille):
        values = link.payload(in_lille)
        assert link.accepts(make_link_token(link.purpose, **values))
        for other in LINKS.values():
            if other.purpose != link.purpose:
                assert not link.accepts(make_link_token(other.purpose, **values)), other.purpose


@pytest.mark.parametrize("name", NAMES)
def test_a_real_link_of_one_kind_is_refused_by_the_pages_of_the_others(
    name, worlds, lille, in_section
):
    link = LINKS[name]
    in_lille, _in_paris = worlds
    for other_name, other in LINKS.items():
        if other_name == name:
            continue
        with in_section(lille):
            token = other.make(in_lille)
        assert click(lille, link, in_lille, token).status_code == link.refused, other_name
        with in_section(lille):
            assert not link.done(in_lille), other_name


# --- what a token shows, and what changing it does ------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_a_token_carries_no_readable_email_address(name, worlds, lille, in_section):
    link = LINKS[name]
    in_lille, _in_paris = worlds
    with in_section(lille):
        token = link.make(in_lille)
    readable = json.dumps(payload_of(token))
    for address in link.emails(in_lille):
        assert address not in readable
        assert address.split("@")[0] not in readable
    assert "@" not in readable
    assert payload_of(token)["s"] == "lille"  # what is readable: ids and the section


@pytest.mark.parametrize("name", NAMES)
def test_a_tampered_token_is_refused(name, worlds, lille, in_section):
    link = LINKS[name]
    in_lille, _in_paris = worlds
    with in_section(lille):
        token = link.make(in_lille)
        changed_ids = {
            key: value + 1 for key, value in payload_of(token).items() if isinstance(value, int)
        }
        forged = [
            with_payload(token, **changed_ids),  # another row's ids, the signature kept
            with_payload(token, s="paris"),  # another section claimed
            token[:-1] + ("A" if token[-1] != "A" else "B"),  # the signature changed
            token.split(":")[0],  # the signature cut off
        ]
        if "a" in payload_of(token):
            forged.append(with_payload(token, a="new_buddy"))  # another answer
        for bad in forged:
            assert not link.accepts(bad), bad
    for bad in forged:
        assert click(lille, link, in_lille, bad).status_code == link.refused, bad
    with in_section(lille):
        assert not link.done(in_lille)


# --- verification links and the email ----------------------------------------------------------


def test_a_verification_link_dies_when_the_email_changes(worlds, lille, in_section):
    in_lille, _in_paris = worlds
    user = in_lille.unverified.user
    with in_section(lille):
        token = verification.make_token(user)
        User.objects.filter(pk=user.pk).update(email="ana.new@example.org")
    response = Client(HTTP_HOST=lille.host).get(f"/verify/{token}/")
    assert response.status_code == 400
    with in_section(lille):
        assert not Profile.objects.get(pk=in_lille.unverified.pk).is_verified
        # a link made for the new address works
        fresh = verification.make_token(User.objects.get(pk=user.pk))
    assert Client(HTTP_HOST=lille.host).get(f"/verify/{fresh}/").status_code == 302
    with in_section(lille):
        assert Profile.objects.get(pk=in_lille.unverified.pk).is_verified
