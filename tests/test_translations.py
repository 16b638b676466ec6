"""Every text of ours exists in French: the catalogue covers the sources, and pages show it."""

import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from babel.messages.extract import extract_python
from babel.messages.pofile import read_po
from django.conf import settings
from django.test import Client
from django.urls import URLResolver, get_resolver, resolve
from django.utils import timezone
from django.utils.translation.template import templatize

from factories import (
    EventFactory,
    GuideFactory,
    ImportBatchFactory,
    MatchRunFactory,
    MessageFactory,
    PairFactory,
    ProfileFactory,
    ProposalFactory,
)

SRC = Path(__file__).resolve().parents[1] / "src"
CATALOGUE = SRC / "locale" / "fr" / "LC_MESSAGES" / "django.po"
KEYWORDS = {
    "_": None,
    "gettext": None,
    "gettext_lazy": None,
    "gettext_noop": None,
    "ngettext": (1, 2),
    "ngettext_lazy": (1, 2),
    "pgettext": ((1, "c"), 2),
    "pgettext_lazy": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
}
SKIPPED = ("migrations", "matching/engine")


def our_sources() -> list[Path]:
    files = [
        *SRC.rglob("*.py"),
        *SRC.rglob("templates/**/*.html"),
        *SRC.rglob("templates/**/*.txt"),
    ]
    return [f for f in files if not any(part in f.as_posix() for part in SKIPPED)]


def extracted_messages() -> set[tuple[str, str | None]]:
    """(msgid, context) of every translatable text in our code and templates."""
    messages = set()
    for path in our_sources():
        source = path.read_text()
        if path.suffix != ".py":
            source = templatize(source, origin=str(path))
        for _line, _func, message, _comments, *rest in extract_python(
            io.BytesIO(source.encode()), KEYWORDS, [], {}
        ):
            context = rest[0] if rest else None
            msgid = message[0] if isinstance(message, tuple) else message
            if msgid:
                messages.add((msgid, context))
    return messages


def french_catalogue():
    with CATALOGUE.open("rb") as po:
        return read_po(po)


def test_every_text_of_ours_has_a_french_translation():
    catalogue = french_catalogue()
    missing = []
    for msgid, context in sorted(extracted_messages(), key=str):
        entry = catalogue.get(msgid, context=context)
        strings = entry.string if entry else ""
        translated = all(strings) if isinstance(strings, tuple) else bool(strings)
        if entry is None or entry.fuzzy or not translated:
            missing.append(msgid)
    assert missing == [], f"{len(missing)} texts are not translated (run `make messages`)"


def test_the_extraction_finds_the_texts_of_templates_and_code():
    found = {msgid for msgid, _ in extracted_messages()}
    assert "Join the buddy programme" in found  # a template
    assert "Tell us at least one language you speak." in found  # Python code


def english_texts_left_in(page: str) -> list[str]:
    """Catalogue texts that show up untranslated in a page rendered in French."""
    return [
        message.id
        for message in french_catalogue()
        if isinstance(message.id, str)
        and len(message.id) > 15
        and "%(" not in message.id
        and message.string != message.id
        and re.search(rf"(?<!\w){re.escape(message.id)}(?!\w)", page)
    ]


def coordinator_url_names() -> set[str]:
    """The names of every URL under /coordinator/ of a section's host, from the resolver."""

    def walk(patterns, prefix: str, namespace: str):
        for entry in patterns:
            route = prefix + str(entry.pattern).removeprefix("^").removesuffix("$")
            if isinstance(entry, URLResolver):
                inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                yield from walk(entry.url_patterns, route, inner)
            elif route.startswith("coordinator/"):
                yield f"{namespace}{entry.name}"

    return set(walk(get_resolver(settings.ROOT_URLCONF).url_patterns, "", ""))


# Coordinator URLs that are no page to read: POST-only actions, a CSV download, and the
# fragment the new-pair form's search fetches (tests/matching/test_review.py reads it in French).
NOT_PAGES = {
    "coordinator:set_student_active",
    "coordinator:catalogue",
    "coordinator:deactivate_coordinator",
    "coordinator:retry_email",
    "coordinator:export_students",
    "coordinator:export_pairs",
    "matching:start_run",
    "matching:decide",
    "matching:find_student",
    "events:export_attendees",
    "events:send_message",
    "exchange:commit",
    "followup:handled",
    "offers:withdraw",
    "api_tokens:revoke",
    "support:enter",  # a network admin's support link: a redirect to the dashboard
}


def coordinator_pages(section, in_section, coordinator_user) -> list[str]:
    """Every coordinator page that answers GET, with rows to show on each."""
    from api.tokens import create_token
    from core import audit
    from core.emails import VERIFY_EMAIL
    from core.outbox.models import OutboxMessage
    from matching import actions
    from matching.followup.models import CheckIn, SurveyResponse
    from matching.models import Offer

    with in_section(section):
        incoming = ProfileFactory()
        buddy = ProfileFactory(buddy=True)
        pair = PairFactory(buddy=buddy)
        CheckIn.objects.create(
            pair=pair, profile=pair.incoming, answer="new_buddy", answered_at=timezone.now()
        )
        SurveyResponse.objects.create(
            pair=pair,
            profile=pair.incoming,
            role="incoming",
            rating=4,
            comment="We met every week.",
            answered_at=timezone.now(),
        )
        run = MatchRunFactory(incoming_count=1, buddy_count=1, matched=1)
        ProposalFactory(run=run, incoming=incoming, buddy=buddy)
        event = EventFactory()
        message = MessageFactory()
        guide = GuideFactory()
        batch = ImportBatchFactory()
        OutboxMessage.objects.create(
            key="translations-failed-email",
            kind=OutboxMessage.Kind.EMAIL,
            name=VERIFY_EMAIL,
            status=OutboxMessage.Status.FAILED,
            attempts=5,
            last_error="SMTPDataError 554",
        )
        audit.record(actions.PAIR_CONFIRMED, coordinator_user, pair=pair.pk)
        create_token(coordinator_user, name="University import", scope="read", expiry_days=30)
        Offer.objects.create(
            incoming=ProfileFactory(),
            buddy=buddy,
            expires_at=timezone.now() + timedelta(days=3),
            details={"shared_languages": ["en"]},
        )
        Offer.objects.create(
            incoming=ProfileFactory(),
            buddy=ProfileFactory(buddy=True),
            status="declined",
            decline_reason="Away that month",
            expires_at=timezone.now(),
        )
    return [
        "/coordinator/",
        "/coordinator/students/",
        f"/coordinator/students/{incoming.pk}/",
        "/coordinator/settings/",
        "/coordinator/team/",
        "/coordinator/audit/",
        "/coordinator/api-tokens/",
        "/coordinator/export/",
        "/coordinator/import/",
        f"/coordinator/import/{batch.pk}/",
        "/coordinator/matching/",
        f"/coordinator/matching/runs/{run.pk}/",
        "/coordinator/matching/pairs/",
        "/coordinator/matching/pairs/new/",
        f"/coordinator/matching/pairs/new/?incoming_q={incoming.user.last_name}",
        f"/coordinator/matching/pairs/{pair.pk}/end/",
        "/coordinator/matching/waiting/",
        "/coordinator/matching/settings/",
        "/coordinator/matching/offers/",
        "/coordinator/matching/offers/?status=pending",
        "/coordinator/events/",
        "/coordinator/events/new/",
        f"/coordinator/events/{event.pk}/",
        f"/coordinator/events/{event.pk}/edit/",
        "/coordinator/messages/",
        "/coordinator/messages/new/",
        f"/coordinator/messages/{message.pk}/",
        f"/coordinator/messages/{message.pk}/edit/",
        "/coordinator/guides/",
        "/coordinator/guides/new/",
        f"/coordinator/guides/{guide.pk}/edit/",
        f"/coordinator/guides/{guide.pk}/delete/",
        "/coordinator/follow-up/",
        "/coordinator/follow-up/surveys/",
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "fr"])
def test_every_page_renders_in_both_languages(language, lille, in_section, coordinator_user):
    with in_section(lille):
        student = ProfileFactory()
    anonymous = Client(HTTP_HOST=lille.host)
    student_client = Client(HTTP_HOST=lille.host)
    with in_section(lille):
        student_client.force_login(student.user)
    coordinator_client = Client(HTTP_HOST=lille.host)
    with in_section(lille):
        coordinator_client.force_login(coordinator_user)
    public = Client(HTTP_HOST="localhost")
    pages = [
        (public, "/", 200),
        (Client(HTTP_HOST="nowhere.localhost"), "/", 404),
        (anonymous, "/", 200),
        (anonymous, "/register/", 200),
        (anonymous, "/register/incoming/", 200),
        (anonymous, "/register/buddy/", 200),
        (anonymous, "/privacy/", 200),
        (anonymous, "/accounts/login/", 200),
        (anonymous, "/accounts/password-reset/", 200),
        (anonymous, "/accounts/password-reset/sent/", 200),
        (anonymous, "/verify/bad-token/", 400),
        (anonymous, "/no-such-page/", 404),
        (student_client, "/account/", 200),
        (student_client, "/account/edit/", 200),
        (student_client, "/account/delete/", 200),
        (student_client, "/register/done/", 200),
        *(
            (coordinator_client, path, 200)
            for path in coordinator_pages(lille, in_section, coordinator_user)
        ),
    ]
    for client, path, status in pages:
        client.cookies["django_language"] = language
        response = client.get(path)
        assert response.status_code == status, path
        page = response.content.decode()
        assert f'<html lang="{language}">' in page, path
        if language == "fr":
            assert english_texts_left_in(page) == [], path


@pytest.mark.django_db
def test_the_french_pass_reads_every_coordinator_page(lille, in_section, coordinator_user):
    """A coordinator URL that answers GET is in the pass above, or listed as no page."""
    paths = coordinator_pages(lille, in_section, coordinator_user)
    read = {resolve(path.split("?")[0]).view_name for path in paths}
    assert read.isdisjoint(NOT_PAGES)
    assert sorted(coordinator_url_names() - read - NOT_PAGES) == [], "pages left out"
    assert sorted((read | NOT_PAGES) - coordinator_url_names()) == [], "URLs that are gone"


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "date"), [("en", "17 May 2003"), ("fr", "17 mai 2003")])
def test_dates_are_written_the_way_of_each_language(language, date, lille, in_section):
    with in_section(lille):
        student = ProfileFactory(birth_date="2003-05-17")
    client = Client(HTTP_HOST=lille.host)
    client.cookies["django_language"] = language
    with in_section(lille):
        client.force_login(student.user)
    assert date in client.get("/account/").content.decode()
