"""Every text of ours exists in French: the catalogue covers the sources, and pages show it."""

import io
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_python
from babel.messages.pofile import read_po
from django.test import Client
from django.utils.translation.template import templatize

from factories import ProfileFactory

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


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "fr"])
def test_every_page_renders_in_both_languages(language, lille, in_section):
    with in_section(lille):
        student = ProfileFactory()
    anonymous = Client(HTTP_HOST=lille.host)
    student_client = Client(HTTP_HOST=lille.host)
    with in_section(lille):
        student_client.force_login(student.user)
    public = Client(HTTP_HOST="localhost")
    pages = [
        (public, "/"),
        (Client(HTTP_HOST="nowhere.localhost"), "/"),
        (anonymous, "/"),
        (anonymous, "/register/"),
        (anonymous, "/register/incoming/"),
        (anonymous, "/register/buddy/"),
        (anonymous, "/privacy/"),
        (anonymous, "/accounts/login/"),
        (anonymous, "/accounts/password-reset/"),
        (anonymous, "/accounts/password-reset/sent/"),
        (anonymous, "/verify/bad-token/"),
        (anonymous, "/no-such-page/"),
        (student_client, "/account/"),
        (student_client, "/account/edit/"),
        (student_client, "/account/delete/"),
        (student_client, "/register/done/"),
    ]
    for client, path in pages:
        client.cookies["django_language"] = language
        response = client.get(path)
        assert response.status_code in (200, 400, 404), path
        page = response.content.decode()
        assert f'<html lang="{language}">' in page, path
        if language == "fr":
            assert english_texts_left_in(page) == [], path


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "date"), [("en", "May 17, 2003"), ("fr", "17 mai 2003")])
def test_dates_are_written_the_way_of_each_language(language, date, lille, in_section):
    with in_section(lille):
        student = ProfileFactory(birth_date="2003-05-17")
    client = Client(HTTP_HOST=lille.host)
    client.cookies["django_language"] = language
    with in_section(lille):
        client.force_login(student.user)
    assert date in client.get("/account/").content.decode()
