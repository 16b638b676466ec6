"""The web pages' own forms, read by the API: it accepts and refuses exactly what the pages do.

A serializer checks a body's types (and documents it); the page's form then applies the rules
(an event cannot start in the past, a message needs a text in one language...). Its errors are
the same 400 as any other, field by field (`non_field_errors` for the form's own).
"""

from django import forms
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions, serializers


def errors_of(form: forms.Form) -> dict[str, list[str]]:
    return {
        ("non_field_errors" if name == "__all__" else name): [str(error) for error in errors]
        for name, errors in form.errors.items()
    }


def one_of(values) -> str:
    """The refusal of a query parameter's value that is none of its choices."""
    return _("Choose one of: %(choices)s.") % {"choices": ", ".join(values)}


def cleaned(form: forms.Form) -> dict:
    """The form's cleaned data, or a 400 with its errors."""
    if not form.is_valid():
        raise exceptions.ValidationError(errors_of(form))
    return form.cleaned_data


def query_parameters(form_class: type[forms.Form], **descriptions: str) -> list[OpenApiParameter]:
    """A filter form's fields as the query parameters of a list (for the schema)."""
    parameters = []
    for name, field in form_class().fields.items():
        kind, enum, many = OpenApiTypes.STR, None, False
        if isinstance(field, forms.ModelMultipleChoiceField | forms.ModelChoiceField):
            kind = OpenApiTypes.INT
            many = isinstance(field, forms.ModelMultipleChoiceField)
        elif isinstance(field, forms.ChoiceField):
            enum = [str(value) for value, _label in field.choices if value != ""]
            many = isinstance(field, forms.MultipleChoiceField)
        elif isinstance(field, forms.IntegerField):
            kind = OpenApiTypes.INT
        elif isinstance(field, forms.BooleanField):
            kind = OpenApiTypes.BOOL
        parameters.append(
            OpenApiParameter(
                name,
                kind,
                OpenApiParameter.QUERY,
                required=False,
                enum=enum,
                many=many,
                description=descriptions.get(name) or str(field.label or ""),
            )
        )
    return parameters


def body_serializer(form_class: type[forms.Form], name: str) -> type[serializers.Serializer]:
    """A serializer of a form's choice fields, for a body the form then checks: it documents
    the choices and refuses what is not a string (or a list of them)."""
    fields = {}
    for field_name, field in form_class().fields.items():
        # "" is a choice of its own on a page ("All"): here, allowed as blank
        values = [(str(value), label) for value, label in field.choices if value != ""]
        help_text = str(field.help_text or field.label or "")
        if isinstance(field, forms.MultipleChoiceField):
            fields[field_name] = serializers.ListField(
                child=serializers.ChoiceField(choices=values), required=False, help_text=help_text
            )
        else:
            fields[field_name] = serializers.ChoiceField(
                choices=values, required=False, allow_blank=True, help_text=help_text
            )
    return type(name, (serializers.Serializer,), fields)
