"""GET/PUT/PATCH /api/v1/me/: the student's own profile, as the account page shows it and as
its edit form changes it.

A write goes through the web's ProfileForm and languages formset (the same fields, rules and
messages) and then the same service; the serializers below describe the JSON for the schema.
PATCH fills in what the body leaves out from the current profile, so that the form judges a
whole profile, as it does on the web page.
"""

from collections.abc import Mapping

from django.conf import settings
from django.utils.datastructures import MultiValueDict
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.permissions import IsStudent
from api.webforms import errors_of
from core import services
from core.forms import ProfileForm, SpokenLanguageFormSet
from core.languages import SPOKEN_LANGUAGES, LanguageLevel
from core.models import Profile

LANGUAGES_PREFIX = "languages"
FORM_FIELDS = ("first_name", "last_name", *ProfileForm.Meta.fields)


class ProfileLanguageSerializer(serializers.Serializer):
    language = serializers.ChoiceField(choices=SPOKEN_LANGUAGES)
    level = serializers.ChoiceField(choices=LanguageLevel.choices)


class NamedSerializer(serializers.Serializer):
    """A catalogue entry (a place of study, a hobby) named in the reader's language."""

    id = serializers.IntegerField()
    name = serializers.SerializerMethodField()

    def get_name(self, entry) -> str:
        return entry.name_in(get_language())


class ProfileSerializer(serializers.ModelSerializer):
    """What the account page shows of the student's own profile."""

    email = serializers.EmailField(source="user.email")
    first_name = serializers.CharField(source="user.first_name")
    last_name = serializers.CharField(source="user.last_name")
    nationality = serializers.CharField(source="nationality.code")
    place_of_study = NamedSerializer()
    hobbies = NamedSerializer(many=True)
    languages = ProfileLanguageSerializer(many=True)
    email_verified = serializers.BooleanField(source="is_verified")

    class Meta:
        model = Profile
        fields = [
            *("id", "email", "first_name", "last_name", "role", "status", "email_verified"),
            *ProfileForm.Meta.fields,
            "languages",
        ]


class ProfileUpdateSerializer(serializers.ModelSerializer):
    """The edit form's fields. The incoming students' (home university, arrival and departure)
    and the buddies' (availability, capacity) are required of their own role and ignored for
    the other, as on the web page. Place of study and hobbies are given by id."""

    first_name = serializers.CharField(max_length=150)
    last_name = serializers.CharField(max_length=150)
    nationality = serializers.CharField(help_text="A country code: ES, FR, …")
    place_of_study = serializers.IntegerField()
    hobbies = serializers.ListField(child=serializers.IntegerField(), required=False)
    language = serializers.ChoiceField(
        choices=settings.LANGUAGES, help_text="The language of the emails the student gets."
    )
    languages = ProfileLanguageSerializer(many=True, help_text="Between 1 and 8, each once.")

    class Meta:
        model = Profile
        fields = [*FORM_FIELDS, "languages"]

    def to_internal_value(self, data) -> dict:
        """The body checked by the web page's form and formset; their errors by field."""
        if not isinstance(data, Mapping):
            raise serializers.ValidationError({"non_field_errors": [_("Send a JSON object.")]})
        profile: Profile = self.instance
        if self.partial:
            data = {**current_input(profile), **data}
        form = ProfileForm(
            form_data(data), instance=Profile.objects.get(pk=profile.pk), role=profile.role
        )
        languages = SpokenLanguageFormSet(
            languages_data(data.get("languages")), prefix=LANGUAGES_PREFIX
        )
        errors = {} if form.is_valid() else errors_of(form)
        if not languages.is_valid():
            errors["languages"] = languages_errors(languages)
        if errors:
            raise serializers.ValidationError(errors)
        return {
            "first_name": form.cleaned_data["first_name"],
            "last_name": form.cleaned_data["last_name"],
            "profile_fields": form.profile_fields(),
            "hobbies": list(form.cleaned_data["hobbies"]),
            "languages": languages.spoken_languages(),
        }

    def update(self, profile: Profile, validated_data: dict) -> Profile:
        return services.update_profile(Profile.objects.get(pk=profile.pk), **validated_data)


def current_input(profile: Profile) -> dict:
    """The profile as a PUT body would give it: what a PATCH leaves out stays as it is."""
    user = profile.user
    data = {"first_name": user.first_name, "last_name": user.last_name}
    for name in ProfileForm.Meta.fields:
        data[name] = getattr(profile, name)
    data["nationality"] = profile.nationality.code
    data["place_of_study"] = profile.place_of_study_id
    data["hobbies"] = list(profile.hobbies.values_list("pk", flat=True))
    data["languages"] = list(profile.languages.values("language", "level"))
    return data


def form_data(data: Mapping) -> MultiValueDict:
    """A JSON body as the form reads a posted one: null is an empty field, a list a choice of
    several (hobbies), anything else its text."""
    posted = MultiValueDict()
    for name in FORM_FIELDS:
        value = data.get(name)
        if isinstance(value, list):
            posted.setlist(name, [str(item) for item in value])
        elif value is not None:
            posted[name] = value if hasattr(value, "isoformat") else str(value)
    return posted


def languages_data(rows) -> dict:
    """The languages list as the formset's posted rows (each row a {"language", "level"})."""
    rows = rows if isinstance(rows, list) else []
    posted = {
        f"{LANGUAGES_PREFIX}-TOTAL_FORMS": str(len(rows)),
        f"{LANGUAGES_PREFIX}-INITIAL_FORMS": "0",
    }
    for index, row in enumerate(rows):
        row = row if isinstance(row, Mapping) else {}
        for part in ("language", "level"):
            posted[f"{LANGUAGES_PREFIX}-{index}-{part}"] = str(row.get(part) or "")
    return posted


def languages_errors(languages) -> list:
    """The rows' errors (one object per row) or the list's own (none given, twice the same)."""
    if any(languages.errors):
        return [dict(row) for row in languages.errors]
    return list(languages.non_form_errors())


class ProfileOptionsSerializer(serializers.Serializer):
    places_of_study = NamedSerializer(many=True)
    hobbies = NamedSerializer(many=True)


@extend_schema(tags=["me"])
class ProfileOptions(APIView):
    """The section's own choices of the profile (its places of study and hobbies, by id): what
    the edit form offers; the other choices are in the schema."""

    permission_classes = [IsStudent]

    @extend_schema(
        summary="The places of study and hobbies my profile may name",
        responses=ProfileOptionsSerializer,
    )
    def get(self, request: Request) -> Response:
        profile = Profile.objects.get(user=request.user)
        fields = ProfileForm(role=profile.role).fields
        offered = {
            "places_of_study": fields["place_of_study"].queryset.order_by("name", "pk"),
            "hobbies": fields["hobbies"].queryset.order_by("name", "pk"),
        }
        return Response(ProfileOptionsSerializer(offered).data)


@extend_schema(tags=["me"])
class MyProfile(generics.RetrieveUpdateAPIView):
    permission_classes = [IsStudent]

    def get_object(self) -> Profile:
        return (
            Profile.objects.select_related("user", "place_of_study")
            .prefetch_related("hobbies", "languages")
            .get(user=self.request.user)
        )

    def get_serializer_class(self):
        if self.request.method in ("PUT", "PATCH"):
            return ProfileUpdateSerializer
        return ProfileSerializer

    @extend_schema(summary="My profile", responses=ProfileSerializer)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(summary="Change my profile (all of it)", responses=ProfileSerializer)
    def put(self, request, *args, **kwargs):
        return super().put(request, *args, **kwargs)

    @extend_schema(summary="Change parts of my profile", responses=ProfileSerializer)
    def patch(self, request, *args, **kwargs):
        return super().patch(request, *args, **kwargs)

    def update(self, request, *args, **kwargs) -> Response:
        partial = kwargs.pop("partial", False)
        serializer = self.get_serializer(self.get_object(), data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        serializer.save()
        # the answer is the profile as saved, in the shape GET gives
        return Response(
            ProfileSerializer(self.get_object(), context=self.get_serializer_context()).data
        )
