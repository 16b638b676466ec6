from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.events import segments, selectors
from core.events.mail import MESSAGE_LANGUAGES
from core.events.models import Event, Message
from core.translated import other_languages

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs) -> None:
        super().__init__(format=DATETIME_FORMAT, **kwargs)


class EventForm(forms.ModelForm):
    """An event as coordinators write it; times are in the section's time zone."""

    capacity = forms.IntegerField(
        label=_("Places"),
        min_value=1,
        max_value=100000,
        help_text=_("How many students can come. When it is full, students join a waiting list."),
        error_messages={"min_value": _("An event needs at least one place.")},
    )

    class Meta:
        model = Event
        fields = (
            "title",
            "starts_at",
            "ends_at",
            "place",
            "capacity",
            "audience",
            "description",
            "published",
        )
        widgets = {
            "starts_at": DateTimeInput(),
            "ends_at": DateTimeInput(),
            "description": forms.Textarea(attrs={"rows": 6, "maxlength": 5000}),
        }
        field_classes = {"starts_at": forms.DateTimeField, "ends_at": forms.DateTimeField}

    def __init__(self, *args, own_language: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ("starts_at", "ends_at"):
            self.fields[name].input_formats = [DATETIME_FORMAT, "%Y-%m-%d %H:%M"]
        self.fields["ends_at"].help_text = _("Optional.")
        # The title and description in the other languages, after the section's own.
        self.other_languages = other_languages(own_language)
        saved = self.instance.translations
        fields = dict(self.fields)
        self.fields.clear()
        for name, field in fields.items():
            self.fields[name] = field
            for code, language in self.other_languages:
                if name == "title":
                    self.fields[f"title_{code}"] = forms.CharField(
                        label=_("Title (%(language)s)") % {"language": language},
                        max_length=150,
                        required=False,
                        initial=saved.get(code, {}).get("title", ""),
                    )
        for code, language in self.other_languages:
            self.fields[f"description_{code}"] = forms.CharField(
                label=_("Description (%(language)s)") % {"language": language},
                max_length=5000,
                required=False,
                initial=saved.get(code, {}).get("description", ""),
                widget=forms.Textarea(attrs={"rows": 4, "maxlength": 5000}),
            )

    def clean_starts_at(self):
        starts_at = self.cleaned_data["starts_at"]
        # the form shows minutes: the same minute as saved is no change
        saved = self.instance.starts_at
        changed = saved is None or starts_at != saved.replace(second=0, microsecond=0)
        if changed and starts_at <= timezone.now():
            raise ValidationError(_("The event cannot start in the past."))
        return starts_at

    def clean_capacity(self):
        capacity = self.cleaned_data["capacity"]
        if self.instance.pk is not None:
            taken = selectors.registered_count(self.instance)
            if capacity < taken:
                raise ValidationError(
                    ngettext(
                        "%(count)d student is already registered: keep at least that many places.",
                        "%(count)d students are already registered: keep at least that many "
                        "places.",
                        taken,
                    )
                    % {"count": taken}
                )
        return capacity

    def clean(self) -> dict:
        data = super().clean()
        starts_at, ends_at = data.get("starts_at"), data.get("ends_at")
        if starts_at and ends_at and ends_at <= starts_at:
            self.add_error("ends_at", _("The event must end after it starts."))
        translations = {}
        for code, _language in self.other_languages:
            texts = {
                part: data.pop(f"{part}_{code}", "").strip() for part in ("title", "description")
            }
            if any(texts.values()):
                translations[code] = texts
        data["translations"] = translations
        return data


class MessageForm(forms.Form):
    """A message to a segment of students, written in one or more languages."""

    segment = forms.ChoiceField(
        label=_("Send to"),
        choices=segments.choices,
        error_messages={"invalid_choice": _("Choose one of the listed groups of students.")},
    )
    month = forms.CharField(
        label=_("Arrival month"),
        required=False,
        max_length=7,
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "2026-03"}),
        help_text=_("For the incoming students arriving in a given month."),
    )
    event = forms.ModelChoiceField(
        label=_("Event"),
        required=False,
        queryset=Event.objects.order_by("-starts_at", "-pk"),
        help_text=_("For the students registered for an event."),
        error_messages={"invalid_choice": _("This event does not exist.")},
    )
    essential = forms.BooleanField(
        label=_("Essential message"),
        required=False,
        help_text=Message._meta.get_field("essential").help_text,
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        names = dict(settings.LANGUAGES)
        for code in MESSAGE_LANGUAGES:
            self.fields[f"subject_{code}"] = forms.CharField(
                label=_("Subject (%(language)s)") % {"language": names[code]},
                required=False,
                max_length=200,
            )
            self.fields[f"body_{code}"] = forms.CharField(
                label=_("Text (%(language)s)") % {"language": names[code]},
                required=False,
                max_length=20000,
                widget=forms.Textarea(attrs={"rows": 10}),
                help_text=_(
                    "{first_name} becomes the student's first name, {section} the section's "
                    "name, {portal} the address of the portal."
                ),
            )
        self.recipients: selectors.RecipientCount | None = None

    @classmethod
    def initial_for(cls, message: Message) -> dict:
        initial = {
            "segment": message.segment,
            "essential": message.essential,
            **{
                f"subject_{code}": getattr(message, f"subject_{code}") for code in MESSAGE_LANGUAGES
            },
            **{f"body_{code}": getattr(message, f"body_{code}") for code in MESSAGE_LANGUAGES},
        }
        parameter_kind = segments.SEGMENTS.get(message.segment)
        if parameter_kind and parameter_kind.parameter == segments.MONTH:
            initial["month"] = message.parameter
        elif parameter_kind and parameter_kind.parameter == segments.EVENT:
            initial["event"] = message.parameter
        return initial

    def clean(self):
        data = super().clean()
        self._clean_texts(data)
        segment = segments.SEGMENTS.get(data.get("segment", ""))
        if segment is None:
            return data
        parameter = ""
        if segment.parameter == segments.MONTH:
            try:
                parameter = segments.parse_month(data.get("month", "")).strftime("%Y-%m")
            except segments.SegmentError as error:
                self.add_error("month", str(error))
                return data
        elif segment.parameter == segments.EVENT:
            if data.get("event") is None:
                if "event" not in self.errors:
                    self.add_error("event", _("Choose an event."))
                return data
            parameter = str(data["event"].pk)
        data["parameter"] = parameter
        self.recipients = selectors.count_recipients(
            segment.key, parameter, data.get("essential", False)
        )
        if not self.recipients.segment_size:
            self.add_error(
                "segment",
                _("No student is in this group: there is nobody to send this message to."),
            )
        elif not self.recipients.deliverable:
            self.add_error(
                "segment",
                _(
                    "Every student in this group unsubscribed from news. Only an essential "
                    "message would reach them."
                ),
            )
        return data

    def _clean_texts(self, data: dict) -> None:
        written = 0
        for code in MESSAGE_LANGUAGES:
            subject = data.get(f"subject_{code}", "").strip()
            body = data.get(f"body_{code}", "").strip()
            data[f"subject_{code}"] = " ".join(subject.split())
            if subject and not body:
                self.add_error(f"body_{code}", _("Write the text that goes with this subject."))
            elif body and not subject:
                self.add_error(f"subject_{code}", _("Write a subject for this text."))
            elif subject and body:
                written += 1
        text_errors = [name for name in self.errors if name.startswith(("subject_", "body_"))]
        if not written and not text_errors:
            self.add_error(
                None,
                _(
                    "Write the message in at least one language: students whose language is "
                    "missing get the section's language, or the one you wrote."
                ),
            )

    def message_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "segment": data["segment"],
            "parameter": data.get("parameter", ""),
            "essential": data["essential"],
            **{f"subject_{code}": data[f"subject_{code}"] for code in MESSAGE_LANGUAGES},
            **{f"body_{code}": data[f"body_{code}"] for code in MESSAGE_LANGUAGES},
        }


# Starting texts a coordinator picks from (?template=key), written in every language.
TEMPLATES = {
    "more_buddies": (
        _("Can you welcome one more student?"),
        _(
            "Hello {first_name},\n\n"
            "More incoming students are waiting for a buddy than our local buddies have free "
            "places. If you can welcome one more student this semester, raise the number of "
            "students you can take in your profile: {portal}account/edit/\n\n"
            "Thank you for being a buddy!\n{section}"
        ),
    ),
}
# The starting text a segment suggests when the coordinator comes from a link to it.
SEGMENT_TEMPLATES = {"all_buddies": "more_buddies"}


def initial_from_query(query) -> dict:
    """A new message prefilled from the page's address: segment, its parameter, a template."""
    initial = {}
    segment = query.get("segment", "")
    if segment in segments.SEGMENTS:
        initial["segment"] = segment
    for name in ("month", "event"):
        if query.get(name):
            initial[name] = query.get(name)
    template = TEMPLATES.get(query.get("template") or SEGMENT_TEMPLATES.get(segment, ""))
    if template:
        subject, body = template
        for code in MESSAGE_LANGUAGES:
            with translation.override(code):
                initial[f"subject_{code}"] = str(subject)
                initial[f"body_{code}"] = str(body)
    return initial
