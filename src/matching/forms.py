from django import forms
from django.db.models import Value
from django.db.models.functions import Concat
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from django_countries.fields import CountryField

from core.ids import parse_id
from core.languages import SPOKEN_LANGUAGES
from core.models import Hobby, PlaceOfStudy, Profile
from matching.engine.policy import CRITERIA, DEFAULT_HARD, DEFAULT_WEIGHTS, HARD_CONSTRAINTS
from matching.explanations import CRITERION_LABELS
from matching.models import MatchingPolicy, Pair, RequestField
from matching.waiting import available_buddies, waiting_incoming

CONSTRAINT_LABELS = {
    "common_language": _("At least one common language"),
    "gender_preference": _("Respect a student's wish for a buddy of the same gender"),
    "dates_overlap": _("The stay overlaps the buddy's availability"),
    "same_place_of_study": _("Same place of study"),
}


class PolicyForm(forms.Form):
    """Who makes the pairs (the matching mode) and what buddies who choose see; then a weight
    from 0 to 100 per criterion, and which constraints are never broken."""

    matching_mode = forms.ChoiceField(
        label=_("Who makes the pairs"),
        choices=MatchingPolicy.MatchingMode.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "You can switch at any time: a change never touches the pairs already made. "
            "Whatever the mode, you can still make and end pairs by hand."
        ),
    )
    request_fields = forms.MultipleChoiceField(
        label=_("What a request shows buddies"),
        choices=RequestField.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "When buddies choose, each waiting incoming student is a request showing only "
            "what you tick here: never their email, surname or age."
        ),
    )
    pick_limit = forms.IntegerField(
        label=_("Requests a buddy may take per period"),
        min_value=1,
        max_value=20,
        help_text=_("A buddy never takes more students than the places they offer."),
    )
    pick_period_days = forms.IntegerField(
        label=_("Period (days)"),
        min_value=1,
        max_value=365,
        help_text=_("Picks older than this no longer count against the limit."),
    )
    mode = forms.ChoiceField(label=_("Goal"), choices=MatchingPolicy.Mode.choices)
    nationality_quota = forms.IntegerField(
        label=_("At most this many incoming students of one nationality per buddy"),
        required=False,
        min_value=1,
        max_value=5,
        help_text=_("Leave empty for no limit."),
    )
    offer_days = forms.IntegerField(
        label=_("Days a buddy has to answer an offer"),
        min_value=1,
        max_value=30,
        help_text=_(
            "Only when buddies accept or decline what the algorithm proposes: an offer not "
            "answered in this many days expires, and the student waits for another buddy."
        ),
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
        initial = {
            "mode": policy.mode,
            "nationality_quota": policy.nationality_quota,
            "offer_days": policy.offer_days,
            "matching_mode": policy.matching_mode,
            "request_fields": policy.request_fields,
            "pick_limit": policy.pick_limit,
            "pick_period_days": policy.pick_period_days,
        }
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
            "matching_mode": data["matching_mode"],
            # in the order of the choices, whatever the order of the boxes ticked
            "request_fields": [f for f in RequestField.values if f in data["request_fields"]],
            "pick_limit": data["pick_limit"],
            "pick_period_days": data["pick_period_days"],
            "mode": data["mode"],
            "nationality_quota": data["nationality_quota"],
            "offer_days": data["offer_days"],
            "weights": {key: data[f"weight_{key}"] for key in CRITERIA},
            "hard_constraints": {key: data[f"hard_{key}"] for key in HARD_CONSTRAINTS},
        }


class StudentChoiceField(forms.ModelChoiceField):
    """A student picked from search results: validated against every student it may be,
    but only the results are rendered (never thousands of options, never an email)."""

    widget = forms.RadioSelect

    def label_from_instance(self, profile: Profile) -> str:
        place = profile.place_of_study.name if profile.place_of_study else "—"
        return f"{profile.user.get_full_name()} ({profile.nationality.code}, {place})"

    def show(self, profiles) -> None:
        self.widget.choices = [(p.pk, self.label_from_instance(p)) for p in profiles]


class ManualPairForm(forms.Form):
    incoming = StudentChoiceField(label=_("Incoming student"), queryset=Profile.objects.none())
    buddy = StudentChoiceField(label=_("Local buddy"), queryset=Profile.objects.none())
    accept_broken_constraints = forms.BooleanField(
        label=_("Make this pair although it breaks the hard constraints above"), required=False
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["incoming"].queryset = waiting_incoming().select_related(
            "user", "place_of_study"
        )
        self.fields["buddy"].queryset = (
            available_buddies().filter(free_places__gt=0).select_related("user", "place_of_study")
        )
        for name in ("incoming", "buddy"):
            self.fields[name].show([])

    def show_results(self, role: str, term: str, limit: int = 20) -> None:
        """Offer the students of `role` whose name contains `term`, and the one chosen."""
        field = self.fields[role]
        found = list(search_students(field.queryset, term)[:limit]) if term else []
        chosen = parse_id(self.data.get(role)) if self.is_bound else None
        if chosen and chosen not in {p.pk for p in found}:
            found = list(field.queryset.filter(pk=chosen)) + found
        field.show(found)


def search_students(profiles, term: str):
    """Students whose first name, last name or full name contains `term` (not the email)."""
    full_name = Concat("user__first_name", Value(" "), "user__last_name")
    return (
        profiles.annotate(full_name=full_name)
        .filter(full_name__icontains=term)
        .order_by("user__last_name", "user__first_name", "pk")
    )


class StudentSearchForm(forms.Form):
    """The search boxes of the new-pair form; with htmx they search as one types."""

    incoming_q = forms.CharField(
        label=_("Find an incoming student"), required=False, max_length=100
    )
    buddy_q = forms.CharField(label=_("Find a local buddy"), required=False, max_length=100)

    def __init__(self, *args, search_urls: dict[str, str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for role in ("incoming", "buddy"):
            self.fields[f"{role}_q"].widget = forms.TextInput(
                attrs={
                    "type": "search",
                    "autocomplete": "off",
                    "hx-get": search_urls[role],
                    "hx-trigger": "input changed delay:300ms, search",
                    "hx-target": f"#{role}-choices",
                    "hx-include": "this",
                }
            )

    def term(self, role: str) -> str:
        return self.cleaned_data.get(f"{role}_q", "").strip() if self.is_valid() else ""


class PairSearchForm(forms.Form):
    q = forms.CharField(label=_("Name"), required=False, max_length=100)
    origin = forms.ChoiceField(
        label=_("Made how"), choices=[("", _("Any way")), *Pair.Origin.choices], required=False
    )

    def term(self) -> str:
        return self.cleaned_data["q"].strip() if self.is_valid() else ""

    def chosen_origin(self) -> str:
        return self.cleaned_data["origin"] if self.is_valid() else ""


class EndPairForm(forms.Form):
    reason = forms.CharField(label=_("Why does this pair end?"), max_length=200)


class ReviewFilterForm(forms.Form):
    SORTS = {
        "-score": _("Best score first"),
        "score": _("Lowest score first"),
        "incoming__arrival_date": _("Earliest arrival first"),
        "incoming__user__last_name": _("Incoming student's name"),
        "buddy__user__last_name": _("Buddy's name"),
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
    min_score = forms.IntegerField(
        label=_("Score at least (0-100)"), required=False, min_value=0, max_value=100
    )
    search = forms.CharField(label=_("Name"), required=False, max_length=100)
    nationality = CountryField(blank=True).formfield(label=_("Nationality"), required=False)
    place_of_study = forms.ModelChoiceField(
        label=_("Place of study"), required=False, queryset=PlaceOfStudy.objects.all()
    )
    sort = forms.ChoiceField(label=_("Sort"), required=False, choices=list(SORTS.items()))


class StudentFilterForm(forms.Form):
    STATES = [
        ("", _("All")),
        ("unverified", _("Email not verified")),
        ("waiting", _("Waiting for a buddy")),
        ("matched", _("Matched")),
        (Profile.Status.WITHDRAWN, _("Withdrawn")),
        (Profile.Status.DEACTIVATED, _("Deactivated")),
    ]
    SORTS = [
        ("-registered", _("Newest first")),
        ("name", _("Name")),
        ("arrival", _("Arrival")),
    ]
    search = forms.CharField(label=_("Name or email"), required=False, max_length=100)
    role = forms.ChoiceField(
        label=_("Role"), required=False, choices=[("", _("All")), *Profile.Role.choices]
    )
    state = forms.ChoiceField(label=_("Status"), required=False, choices=STATES)
    nationality = forms.ChoiceField(
        label=_("Nationality"), required=False, choices=[("", _("All")), *countries]
    )
    place_of_study = forms.ModelChoiceField(
        label=_("Place of study"), required=False, queryset=PlaceOfStudy.objects.all()
    )
    arrival_month = forms.DateField(
        label=_("Arrival month"),
        required=False,
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )
    language = forms.ChoiceField(
        label=_("Speaks"), required=False, choices=[("", _("All")), *SPOKEN_LANGUAGES]
    )
    hobby = forms.ModelChoiceField(label=_("Hobby"), required=False, queryset=Hobby.objects.all())
    sort = forms.ChoiceField(label=_("Sort"), required=False, choices=SORTS)
