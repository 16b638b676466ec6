import io
import warnings

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps

from config.uploads import TooLargeUpload
from core.models import SectionSettings
from core.translated import other_languages
from tenants.models import Section

MAX_LOGO_BYTES = 1024 * 1024  # also settings.UPLOAD_LIMITS["logo"], read while it arrives
MAX_LOGO_PIXELS = 4_000_000
LOGO_FORMATS = ("JPEG", "PNG", "WEBP")


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Add a private note"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 2000}),
        help_text=_("Only the section's coordinators see notes."),
    )


def reencoded_logo(content: bytes) -> bytes:
    """The logo as a PNG of its pixels only: no EXIF, GPS, ICC or text chunk survives.

    Its size is read from the header and checked before a pixel is decoded (Pillow's own
    bomb limit is process-wide, far higher, and only warns below twice that); a warning of
    Pillow's about a decompression bomb is a refusal too.
    """
    wrong_image = ValidationError(_("Use a PNG, JPEG or WebP image."), code="invalid_image")
    too_many_pixels = ValidationError(
        _("The logo has more than 4 megapixels: make it smaller, e.g. 2000 x 2000 pixels."),
        code="too_many_pixels",
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content), formats=LOGO_FORMATS) as image:
                width, height = image.size
                if image.format not in LOGO_FORMATS:
                    raise wrong_image
                if width < 1 or height < 1 or width * height > MAX_LOGO_PIXELS:
                    raise too_many_pixels
                image.load()
                image = ImageOps.exif_transpose(image)  # upright, as the camera meant it
                transparent = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
                mode = "RGBA" if transparent else "RGB"
                pixels = image.convert(mode)
                # A new image from the bare pixels: nothing of the upload's metadata follows.
                clean = Image.frombytes(mode, pixels.size, pixels.tobytes())
                output = io.BytesIO()
                clean.save(output, format="PNG")
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise too_many_pixels from error
    except Exception as error:  # Pillow has many ways to say a file is not a valid image
        raise wrong_image from error
    return output.getvalue()


class LogoField(forms.FileField):
    """An image every visitor's browser decodes: at most 1 MB and 4 megapixels, PNG, JPEG or
    WebP, stored re-encoded as PNG under a name of ours (tenants.models.logo_path), never the
    uploaded one. What arrives larger than 1 MB was not even read (config.uploads)."""

    widget = forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"})

    def to_python(self, data):
        upload = super().to_python(data)
        if upload is None:
            return None
        if isinstance(upload, TooLargeUpload) or upload.size > MAX_LOGO_BYTES:
            raise ValidationError(_("The logo is larger than 1 MB."), code="too_large")
        upload.seek(0)
        return ContentFile(reencoded_logo(upload.read()), name="logo.png")


class BrandingForm(forms.ModelForm):
    logo = LogoField(
        label=capfirst(Section._meta.get_field("logo").verbose_name),
        required=False,
        help_text=_("PNG, JPEG or WebP, at most 1 MB and 4 megapixels."),
    )

    class Meta:
        model = Section
        fields = ("primary_colour", "logo")
        widgets = {"primary_colour": forms.TextInput(attrs={"type": "color"})}

    def __init__(self, *args, welcome_texts: dict | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for code, name in settings.LANGUAGES:
            self.fields[f"welcome_{code}"] = forms.CharField(
                label=_("Welcome text (%(language)s)") % {"language": name},
                required=False,
                max_length=2000,
                initial=(welcome_texts or {}).get(code, ""),
                widget=forms.Textarea(attrs={"rows": 3}),
            )
        self.truncated = self.is_bound and isinstance(self.files.get("logo"), TooLargeUpload)
        if self.truncated:
            # The request was not read past the logo: the fields after it show what is saved,
            # not empty boxes that a second save would store.
            self.data = self.data.copy()
            for name, field in self.fields.items():
                if name != "logo" and name not in self.data:
                    initial = self.get_initial_for_field(field, name)
                    self.data[name] = "" if initial is None else initial

    def clean(self) -> dict:
        cleaned = super().clean()
        if self.truncated:
            raise ValidationError(
                _("Nothing was saved: choose a smaller logo, check the texts and save again."),
                code="truncated",
            )
        return cleaned

    def welcome_texts(self) -> dict:
        return {code: self.cleaned_data[f"welcome_{code}"] for code, _name in settings.LANGUAGES}

    def section_values(self) -> dict:
        values = {field: self.cleaned_data[field] for field in self.Meta.fields}
        if values["logo"] in (None, False):  # none uploaded, or "clear" ticked
            values["logo"] = ""
        return values


class ProgrammeForm(forms.ModelForm):
    class Meta:
        model = SectionSettings
        fields = (
            "registration_open",
            "registration_opens_on",
            "registration_closes_on",
            "privacy_notice_version",
            "anonymise_after_months",
            "checkin_after_days",
            "pair_ends_days_after_stay",
        )
        widgets = {
            "registration_opens_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "registration_closes_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        notices = self.instance.privacy_notices
        # after the registration fields, before the version
        fields = list(self.fields.items())
        self.fields.clear()
        for name, field in fields:
            if name == "privacy_notice_version":
                for code, language in settings.LANGUAGES:
                    self.fields[f"privacy_{code}"] = forms.CharField(
                        label=_("Privacy notice (%(language)s)") % {"language": language},
                        required=False,
                        max_length=20000,
                        initial=notices.get(code, ""),
                        help_text=_(
                            "Leave every language empty for the platform's standard notice."
                            " Registration stays closed until your own notice exists in"
                            " every language."
                        ),
                        widget=forms.Textarea(attrs={"rows": 6}),
                    )
            self.fields[name] = field

    def privacy_notices(self) -> dict:
        texts = {code: self.cleaned_data[f"privacy_{code}"] for code, _name in settings.LANGUAGES}
        return {code: text for code, text in texts.items() if text.strip()}

    def clean(self) -> dict:
        cleaned = super().clean()
        opens, closes = cleaned.get("registration_opens_on"), cleaned.get("registration_closes_on")
        if opens and closes and closes < opens:
            self.add_error("registration_closes_on", _("Registration must close after it opens."))
        return cleaned


class CatalogueEntryForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=60)


class TranslatedNamesForm(forms.Form):
    """A catalogue entry's names in the languages other than the section's own."""

    def __init__(self, *args, own_language: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for code, language in other_languages(own_language):
            self.fields[f"name_{code}"] = forms.CharField(
                label=language, max_length=60, required=False
            )

    def translations(self) -> dict:
        return {
            name.removeprefix("name_"): value.strip()
            for name, value in self.cleaned_data.items()
            if value.strip()
        }


class InviteCoordinatorForm(forms.Form):
    email = forms.EmailField(label=_("Email of the new coordinator"), max_length=254)
