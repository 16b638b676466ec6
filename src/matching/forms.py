from django import forms
from django.utils.translation import gettext_lazy as _

from core.models import Profile
from matching.engine.policy import CRITERIA, DEFAULT_HARD, DEFAULT_WEIGHTS, HARD_CONSTRAINTS
from matching.models import MatchingPolicy
from matching.waiting import available_buddies, waiting_incoming

CRITERION_LABELS = {
    "shared_languages": _("Shared languages"),
    "shared_hobbies": _("Shared hobbies"),
    "same_place_of_study": _("Same place of study"),
    "same_faculty": _("Same faculty"),
    "age_difference": _("Close in age"),
    "arrival_in_availability": _("Arrival while the buddy is available"),
    "gender_preference": _("Gender preference met"),
    "nationality_diversity": _("Different nationalities"),
    "buddy_experience": _("Buddy's experience"),
    "early_arrival": _("Earliest arrivals first"),
}
CONSTRAINT_LABELS = {
    "common_language": _("At least one common language"),
    "gender_preference": _("Respect a student's wish for a buddy of the same gender"),
    "dates_overlap": _("The stay overlaps the buddy's availability"),
    "same_place_of_study": _("Same place of study"),
}


class PolicyForm(forms.Form):
    """A weight from 0 to 100 per criterion, and which constraints are never broken."""

    mode = forms.ChoiceField(label=_("Goal"), choices=MatchingPolicy.Mode.choices)
    nationality_quota = forms.IntegerField(
        label=_("At most this many incoming students of one nationality per buddy"),
        required=False,
        min_value=1,
        max_value=5,
        help_text=_("Leave empty for no limit."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for key in CRITERIA:
            self.fields[f"weight_{key}"] = forms.IntegerField(
                label=CRITERION_LABELS[key], min_value=0, max_value=100
            )
        for key in HARD_CONSTRAINTS:
            self.fields[f"hard_{key}"] = forms.BooleanField(
                label=CONSTRAINT_LABELS[key], required=False
            )

    @staticmethod
    def initial_from(policy: MatchingPolicy) -> dict:
        initial = {"mode": policy.mode, "nationality_quota": policy.nationality_quota}
        initial |= {f"weight_{k}": policy.weights.get(k, DEFAULT_WEIGHTS[k]) for k in CRITERIA}
        initial |= {
            f"hard_{k}": policy.hard_constraints.get(k, DEFAULT_HARD[k]) for k in HARD_CONSTRAINTS
        }
        return initial

    def weight_fields(self) -> list:
        return [self[f"weight_{key}"] for key in CRITERIA]

    def constraint_fields(self) -> list:
        return [self[f"hard_{key}"] for key in HARD_CONSTRAINTS]

    def policy_values(self) -> dict:
        data = self.cleaned_data
        return {
            "mode": data["mode"],
            "nationality_quota": data["nationality_quota"],
            "weights": {key: data[f"weight_{key}"] for key in CRITERIA},
            "hard_constraints": {key: data[f"hard_{key}"] for key in HARD_CONSTRAINTS},
        }


class StudentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, profile: Profile) -> str:
        return f"{profile.user.get_full_name()} ({profile.nationality.code}, {profile.user.email})"


class ManualPairForm(forms.Form):
    incoming = StudentChoiceField(label=_("Incoming student"), queryset=Profile.objects.none())
    buddy = StudentChoiceField(label=_("Local buddy"), queryset=Profile.objects.none())
    accept_broken_constraints = forms.BooleanField(
        label=_("Make this pair although it breaks the hard constraints above"), required=False
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["incoming"].queryset = waiting_incoming().select_related("user")
        self.fields["buddy"].queryset = (
            available_buddies().filter(free_places__gt=0).select_related("user")
        )


class EndPairForm(forms.Form):
    reason = forms.CharField(label=_("Why does this pair end?"), max_length=200)


class ReviewFilterForm(forms.Form):
    SORTS = {
        "-score": _("Best score first"),
        "score": _("Lowest score first"),
        "incoming__arrival_date": _("Earliest arrival first"),
    }
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", _("All")),
            ("proposed", _("To decide")),
            ("confirmed", _("Confirmed")),
            ("rejected", _("Rejected")),
        ],
    )
    min_score = forms.IntegerField(label=_("Score at least"), required=False, min_value=0)
    search = forms.CharField(label=_("Name or email"), required=False, max_length=100)
    sort = forms.ChoiceField(label=_("Sort"), required=False, choices=list(SORTS.items()))
