from django import forms

from core.guides.models import Guide
from core.guides.services import FIELDS


class GuideForm(forms.ModelForm):
    class Meta:
        model = Guide
        fields = FIELDS
        widgets = {
            "body": forms.Textarea(attrs={"rows": 16, "maxlength": 20000}),
            "order": forms.NumberInput(attrs={"min": 0, "max": 32767}),
        }
