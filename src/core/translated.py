"""Content a section writes in each language it offers (the platform's languages): the
privacy notice, the names of places of study and hobbies, events. One rule for all of it: the
text in the reader's language, else the section's own, marked as not translated."""

from dataclasses import dataclass

from django.conf import settings
from django.utils import translation

from tenants.selectors import current_section


@dataclass(frozen=True)
class Shown:
    text: str
    language: str  # the language the text is written in
    fallback: bool  # True when it is not the language asked for

    @property
    def language_name(self) -> str:
        return translation.get_language_info(self.language)["name_local"]

    def __str__(self) -> str:
        return self.text


def offered_languages() -> list[str]:
    """The languages every section's content must exist in: the platform's."""
    return [code for code, _name in settings.LANGUAGES]


def in_language(texts: dict[str, str], language: str, own_language: str) -> Shown:
    """`texts` (by language code) in `language`, else in the section's `own_language`, else
    in whichever language it exists in."""
    if texts.get(language, "").strip():
        return Shown(texts[language], language, fallback=False)
    for code in (own_language, *offered_languages()):
        if texts.get(code, "").strip():
            return Shown(texts[code], code, fallback=True)
    return Shown("", language, fallback=False)


def other_languages(own_language: str) -> list[tuple[str, str]]:
    """The platform's languages (code, name) but the section's own: those content is
    translated into."""
    return [(code, name) for code, name in settings.LANGUAGES if code != own_language]


def section_text_in(own_text: str, translations: dict[str, str], language: str) -> Shown:
    """A text the section wrote in its own language, with its translations, in `language`."""
    own = current_section().default_language
    return in_language({**translations, own: own_text}, language, own)


def missing_languages(texts: dict[str, str]) -> list[str]:
    """The offered languages `texts` has no text for."""
    return [code for code in offered_languages() if not texts.get(code, "").strip()]
