"""What the matching endpoints share: the students as the review shows them, and the web
pages' forms used as the API's filters and validation (one rule, one place)."""

from django import forms
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions, serializers

from core.models import Profile

TAGS = ["matching"]


class StudentFactsSerializer(serializers.Serializer):
    """A student as the matching pages show them: name, nationality, place of study, dates.

    No email, phone or birth date: the coordinator opens the student's own page for those.
    """

    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(source="user.get_full_name", read_only=True)
    role = serializers.ChoiceField(choices=Profile.Role.choices, read_only=True)
    nationality = serializers.CharField(source="nationality.code", read_only=True)
    place_of_study = serializers.CharField(
        source="place_of_study.name", read_only=True, allow_null=True, default=None
    )
    arrival_date = serializers.DateField(read_only=True, allow_null=True)
    departure_date = serializers.DateField(read_only=True, allow_null=True)
    available_from = serializers.DateField(read_only=True, allow_null=True)
    available_until = serializers.DateField(read_only=True, allow_null=True)


def bound_form(form_class: type[forms.Form], data, **kwargs) -> forms.Form:
    """The web page's form bound to the request's data; its errors are the API's 400."""
    form = form_class(data, **kwargs)
    if not form.is_valid():
        raise exceptions.ValidationError(form_errors(form))
    return form


def form_errors(form: forms.Form) -> dict[str, list[str]]:
    return {
        ("non_field_errors" if name == "__all__" else name): list(messages)
        for name, messages in form.errors.items()
    }


_FIELD_TYPES = {
    forms.IntegerField: OpenApiTypes.INT,
    forms.ModelChoiceField: OpenApiTypes.INT,
    forms.BooleanField: OpenApiTypes.BOOL,
}


def form_parameters(form_class: type[forms.Form]) -> list[OpenApiParameter]:
    """A filter form's fields as documented query parameters (choices as enums)."""
    parameters = []
    for name, field in form_class().fields.items():
        kind = next(
            (t for cls, t in _FIELD_TYPES.items() if isinstance(field, cls)), OpenApiTypes.STR
        )
        choices = getattr(field, "choices", None)
        enum = None
        if choices is not None and not isinstance(field, forms.ModelChoiceField):
            enum = [str(value) for value, _label in choices if value != ""]
        parameters.append(
            OpenApiParameter(
                name, kind, OpenApiParameter.QUERY, description=str(field.label), enum=enum
            )
        )
    return parameters
