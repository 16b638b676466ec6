"""A new section's setup checklist: what its coordinators do before the portal opens.

The required steps are those without which registering cannot work or would not be fair
(SectionSettings.missing_for_registrations); until they are done the portal says "opening
soon" and refuses registrations, and the directory on the root domain marks the section.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from core.models import Hobby, SectionSettings
from core.translated import missing_languages
from tenants.selectors import current_section


@dataclass(frozen=True)
class Step:
    name: str
    label: str
    done: bool
    required: bool


def setup_checklist() -> list[Step]:
    programme = SectionSettings.load()
    missing = programme.missing_for_registrations()
    return [
        Step(
            "places_of_study",
            _("Add the places of study students choose from"),
            "places_of_study" not in missing,
            required=True,
        ),
        Step(
            "privacy_notice",
            _("Write the privacy notice in every language, or keep the standard one"),
            "privacy_notice" not in missing,
            required=True,
        ),
        Step(
            "hobbies",
            _("Add hobbies and interests (they help matching)"),
            Hobby.objects.filter(is_active=True).exists(),
            required=False,
        ),
        Step(
            "welcome_text",
            _("Write the home page's welcome text in every language"),
            not missing_languages(programme.welcome_texts),
            required=False,
        ),
        Step(
            "registration_dates",
            _("Set the registration dates"),
            bool(programme.registration_opens_on or programme.registration_closes_on),
            required=False,
        ),
    ]


def refresh_directory_mark() -> bool:
    """Record on the section's public row whether its required steps are done (the
    directory reads it without opening every section's schema); True when they are."""
    ready = not SectionSettings.load().missing_for_registrations()
    section = current_section()
    if section is not None and section.set_up != ready:
        type(section).objects.filter(pk=section.pk).update(set_up=ready)
    return ready
