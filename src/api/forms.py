from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from api.models import ApiToken
from api.tokens import EXPIRY_DAYS


def expiry_choices() -> list[tuple[int, str]]:
    """Called when the form renders, so that the days are in the page's language."""
    return [(days, gettext("%(days)d days") % {"days": days}) for days in EXPIRY_DAYS]


class NewTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=80,
        help_text=_("What the token is for, e.g. “University import script”."),
    )
    scope = forms.ChoiceField(label=_("Access"), choices=ApiToken.Scope, initial="read")
    expiry_days = forms.TypedChoiceField(
        label=_("Expires after"),
        coerce=int,
        initial=90,
        choices=expiry_choices,
    )
