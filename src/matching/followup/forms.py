from django import forms
from django.utils.translation import gettext_lazy as _

RATINGS = [(n, str(n)) for n in range(1, 6)]


class SurveyForm(forms.Form):
    rating = forms.IntegerField(
        label=_("How was the buddy programme for you? (1 = poor, 5 = excellent)"),
        min_value=1,
        max_value=5,
        widget=forms.RadioSelect(choices=RATINGS),
    )
    comment = forms.CharField(
        label=_("Anything to tell the coordinators? (optional)"),
        help_text=_("Your comment is shown to the coordinators without your name."),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
