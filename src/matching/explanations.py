"""A score in words: for the coordinator's review and for the students' emails."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from core.languages import SPOKEN_LANGUAGES
from core.models import Hobby, Profile
from matching.engine import policy as criteria

LANGUAGE_NAMES = dict(SPOKEN_LANGUAGES)

CRITERION_LABELS = {
    "shared_languages": gettext_lazy("Shared languages"),
    "shared_hobbies": gettext_lazy("Shared hobbies"),
    "same_place_of_study": gettext_lazy("Same place of study"),
    "same_faculty": gettext_lazy("Same faculty"),
    "age_difference": gettext_lazy("Close in age"),
    "arrival_in_availability": gettext_lazy("Arrival while the buddy is available"),
    "gender_preference": gettext_lazy("Gender preference met"),
    "nationality_diversity": gettext_lazy("Different nationalities"),
    "buddy_experience": gettext_lazy("Buddy's experience"),
    "early_arrival": gettext_lazy("Earliest arrivals first"),
}

CONSTRAINT_NAMES = {
    criteria.COMMON_LANGUAGE: gettext_lazy("no common language"),
    criteria.GENDER_PREFERENCE: gettext_lazy("gender preference not respected"),
    criteria.DATES_OVERLAP: gettext_lazy("the stay and the buddy's availability do not overlap"),
    criteria.SAME_PLACE_OF_STUDY: gettext_lazy("different places of study"),
    # why a student had no possible buddy at all (see selectors.students_without_candidates)
    "combination": gettext_lazy("several constraints together"),
    "no_buddy_available": gettext_lazy("no buddy has a free place"),
}


def constraint_name(key: str) -> str:
    return str(CONSTRAINT_NAMES.get(key, key))


def language_names(codes: list[str]) -> str:
    return ", ".join(str(LANGUAGE_NAMES.get(code, code)) for code in codes)


def reasons(details: dict, hobby_names: dict[str, str], *, for_buddy: bool = False) -> list[str]:
    """Why a pair was suggested, from the engine's facts behind its score. `for_buddy`: the
    words an offer tells the buddy (to them), without the age difference (the other student's
    age is not theirs to know) or their own experience."""
    sentences = []
    if details.get("shared_languages"):
        sentences.append(
            _("both speak %(languages)s")
            % {"languages": language_names(details["shared_languages"])}
        )
    hobbies = [hobby_names.get(h, h) for h in details.get("shared_hobbies", [])]
    if hobbies:
        sentences.append(
            ngettext(
                "1 shared hobby (%(hobbies)s)",
                "%(count)d shared hobbies (%(hobbies)s)",
                len(hobbies),
            )
            % {"count": len(hobbies), "hobbies": ", ".join(sorted(hobbies))}
        )
    if details.get("same_place_of_study"):
        sentences.append(_("same place of study"))
    if details.get("same_faculty"):
        sentences.append(_("same faculty"))
    if details.get("age_difference") is not None and not for_buddy:
        years = details["age_difference"]
        sentences.append(
            ngettext("%(years)d year apart", "%(years)d years apart", years) % {"years": years}
        )
    outside = details.get("days_outside_availability")
    if outside == 0:
        sentences.append(
            _("arrives while you are available")
            if for_buddy
            else _("arrives while the buddy is available")
        )
    elif outside is not None and for_buddy:
        sentences.append(
            ngettext(
                "arrives %(days)d day outside your availability",
                "arrives %(days)d days outside your availability",
                outside,
            )
            % {"days": outside}
        )
    elif outside is not None:
        sentences.append(
            ngettext(
                "arrives %(days)d day outside the buddy's availability",
                "arrives %(days)d days outside the buddy's availability",
                outside,
            )
            % {"days": outside}
        )
    if details.get("different_nationality"):
        sentences.append(_("different nationalities"))
    if details.get("buddy_experience") and not for_buddy:
        count = details["buddy_experience"]
        sentences.append(
            ngettext(
                "the buddy has welcomed %(count)d student before",
                "the buddy has welcomed %(count)d students before",
                count,
            )
            % {"count": count}
        )
    return sentences


# The facts behind a score that tell something of the incoming student, and the request field
# that must be shown for a buddy to read them; the others (age, the buddy's own experience)
# never are: a request shows no age, not even as years apart.
_FACT_SHOWN_WITH = {
    "shared_languages": "languages",
    "shared_hobbies": "hobbies",
    "same_place_of_study": "place_of_study",
    "same_faculty": "place_of_study",
    "days_outside_availability": "arrival_month",
    "different_nationality": "nationality",
}


def request_reasons(details: dict, hobby_names: dict[str, str], shown: frozenset) -> list[str]:
    """Why a request fits a buddy, in the words an offer tells the buddy, from the facts about
    what the section shows of the student only (`shown`: `RequestField` values)."""
    return reasons(
        {fact: value for fact, value in details.items() if _FACT_SHOWN_WITH.get(fact) in shown},
        hobby_names,
        for_buddy=True,
    )


def hobby_names() -> dict[str, str]:
    """Hobby ids as the engine knows them, to names."""
    return {str(pk): name for pk, name in Hobby.objects.values_list("pk", "name")}


def common_ground(incoming: Profile, buddy: Profile) -> list[str]:
    """What two students have in common, for their emails: nothing either did not choose to
    share (no age, no gender, no birth date)."""
    sentences = []
    languages = sorted(
        set(incoming.languages.values_list("language", flat=True))
        & set(buddy.languages.values_list("language", flat=True))
    )
    if languages:
        sentences.append(
            _("You both speak %(languages)s.") % {"languages": language_names(languages)}
        )
    hobbies = sorted(
        set(incoming.hobbies.values_list("name", flat=True))
        & set(buddy.hobbies.values_list("name", flat=True))
    )
    if hobbies:
        sentences.append(
            ngettext(
                "You share a hobby: %(hobbies)s.",
                "You share %(count)d hobbies: %(hobbies)s.",
                len(hobbies),
            )
            % {"count": len(hobbies), "hobbies": ", ".join(hobbies)}
        )
    if incoming.place_of_study_id == buddy.place_of_study_id:
        sentences.append(
            _("You both study at %(place)s.") % {"place": incoming.place_of_study.name}
        )
    return sentences
