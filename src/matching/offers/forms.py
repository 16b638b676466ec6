from django import forms
from django.utils.translation import gettext_lazy as _

from matching.models import Offer


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Why not? (optional, only the coordinators read it)"),
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class OfferFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *Offer.Status.choices]
    )
