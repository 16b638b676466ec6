"""The export forms: which columns, which rows, which separator."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.models import Profile
from matching.exports.selectors import PAIR_COLUMNS, STUDENT_COLUMNS

SEPARATORS = [(",", _("Comma (,)")), (";", _("Semicolon (;): Excel in French, German…"))]


class ExportForm(forms.Form):
    columns = forms.MultipleChoiceField(
        label=_("Columns"), widget=forms.CheckboxSelectMultiple, choices=()
    )
    separator = forms.ChoiceField(label=_("Separator"), choices=SEPARATORS, initial=",")

    column_list: list = []

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        choices = [(column.key, column.label) for column in self.column_list]
        self.fields["columns"].choices = choices
        self.fields["columns"].initial = [key for key, _label in choices]

    def ordered_columns(self) -> list[str]:
        """The chosen columns in the list's order, whatever order the browser sent."""
        chosen = set(self.cleaned_data["columns"])
        return [column.key for column in self.column_list if column.key in chosen]


class StudentExportForm(ExportForm):
    role = forms.ChoiceField(
        label=_("Role"), choices=[("", _("Both roles")), *Profile.Role.choices], required=False
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("Any status")), *Profile.Status.choices],
        required=False,
    )

    column_list = STUDENT_COLUMNS
    field_order = ("role", "status", "columns", "separator")


class PairExportForm(ExportForm):
    state = forms.ChoiceField(
        label=_("Pairs"),
        choices=[("active", _("Current pairs")), ("ended", _("Ended pairs")), ("", _("All"))],
        initial="active",
        required=False,
    )

    column_list = PAIR_COLUMNS
    field_order = ("state", "columns", "separator")
