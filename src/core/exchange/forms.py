from pathlib import Path

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from core.exchange.importing import decode
from core.exchange.models import ImportedInvitation
from core.forms import RegistrationForm
from core.models import Profile

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
UPLOAD_EXTENSIONS = {".csv", ".txt"}
# What browsers send for a CSV file: Windows with Excel installed says it is an Excel file,
# some systems know no type for it. The content is checked to be text in any case.
UPLOAD_TYPES = {
    "text/csv",
    "text/plain",
    "application/csv",
    "application/vnd.ms-excel",
    "application/octet-stream",
    "",
}


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file of incoming students"),
        help_text=_("At most 2 MB, encoded in UTF-8 (or as Excel saves it)."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv,text/plain"}),
    )

    def clean_file(self) -> UploadedFile:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise ValidationError(_("The file is larger than 2 MB."))
        extension = Path(upload.name or "").suffix.lower()
        content_type = (upload.content_type or "").split(";")[0].strip().lower()
        if extension not in UPLOAD_EXTENSIONS or content_type not in UPLOAD_TYPES:
            raise ValidationError(
                _("Upload a .csv file. In your spreadsheet, use “Save as” and choose CSV.")
            )
        self.content = b"".join(upload.chunks())
        if decode(self.content) is None:
            raise ValidationError(
                _("This file is not text. In your spreadsheet, use “Save as” and choose CSV.")
            )
        return upload


class CompletionForm(RegistrationForm):
    """The registration form of an invited student: the email is the one we wrote to."""

    def __init__(self, *args, invitation: ImportedInvitation, **kwargs) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"] = {
            **kwargs["initial"],
            "email": invitation.email,
            "first_name": invitation.first_name,
            "last_name": invitation.last_name,
            "nationality": invitation.nationality.code,
            "arrival_date": invitation.arrival_date,
            "departure_date": invitation.departure_date,
            "place_of_study": invitation.place_of_study_id,
            "home_university": invitation.home_university,
        }
        super().__init__(*args, role=Profile.Role.INCOMING, **kwargs)
        self.fields["email"].disabled = True
        self.fields["email"].help_text = _("The address we sent your invitation to.")
