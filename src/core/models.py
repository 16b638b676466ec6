"""A section's programme participants and its settings (tenant schema)."""

from datetime import date

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from core.languages import SPOKEN_LANGUAGES, LanguageLevel
from core.translated import Shown, in_language, missing_languages, section_text_in

DEFAULT_PRIVACY_NOTICE = _(
    "We keep your profile to find you a buddy and to run the programme. Coordinators of this "
    "section see it; your buddy sees your name, email and the contact handles you choose to "
    "share, once a coordinator confirms your pair. You can download or delete your data at "
    "any time from your account. Profiles are erased some months after the end of the stay."
)


class SectionSettings(models.Model):
    """The section's own choices about its programme; one row per section schema."""

    registration_open = models.BooleanField(_("registration open"), default=True)
    anonymise_after_months = models.PositiveSmallIntegerField(
        _("erase profiles this many months after departure"),
        default=6,
        validators=[MinValueValidator(1), MaxValueValidator(36)],
    )
    # The notice per language code; none at all means the platform's standard notice, which
    # exists in every language (core.translated).
    privacy_notices = models.JSONField(_("privacy notice per language"), default=dict, blank=True)
    privacy_notice_version = models.CharField(
        _("privacy notice version"), max_length=20, default="1"
    )
    registration_opens_on = models.DateField(_("registration opens on"), null=True, blank=True)
    registration_closes_on = models.DateField(_("registration closes on"), null=True, blank=True)
    # The home page's welcome text per language code; the section's own text otherwise.
    welcome_texts = models.JSONField(_("welcome text per language"), default=dict, blank=True)
    pair_ends_days_after_stay = models.PositiveSmallIntegerField(
        _("days after an incoming student's departure before their pair ends"),
        default=7,
        validators=[MaxValueValidator(90)],
    )
    checkin_after_days = models.PositiveSmallIntegerField(
        _("days after a pair is confirmed before asking whether they met"),
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )

    OPEN, CLOSED, OPENING_SOON = "open", "closed", "opening_soon"

    class Meta:
        verbose_name = _("section settings")

    def __str__(self) -> str:
        return "section settings"

    @classmethod
    def load(cls) -> "SectionSettings":
        settings_row, _created = cls.objects.get_or_create(pk=1)
        return settings_row

    def privacy_notice(self, language: str, own_language: str) -> Shown:
        """The notice a visitor reading `language` is shown."""
        if not self.privacy_notices:
            with translation.override(language):
                return Shown(str(DEFAULT_PRIVACY_NOTICE), language, fallback=False)
        return in_language(self.privacy_notices, language, own_language)

    def privacy_notice_missing(self) -> list[str]:
        """The languages a section's own notice is not written in yet."""
        return missing_languages(self.privacy_notices) if self.privacy_notices else []

    def missing_for_registrations(self) -> list[str]:
        """What must exist before anyone can register: a place of study to choose (every
        profile names one) and the privacy notice in every language (nobody consents to a
        notice they cannot read)."""
        missing = []
        if not PlaceOfStudy.objects.filter(is_active=True).exists():
            missing.append("places_of_study")
        if self.privacy_notice_missing():
            missing.append("privacy_notice")
        return missing

    def registration_state(self, today: date) -> str:
        """OPENING_SOON until set up, else OPEN within the switch and the dates, else CLOSED."""
        if self.missing_for_registrations():
            return self.OPENING_SOON
        if (
            self.registration_open
            and (self.registration_opens_on is None or self.registration_opens_on <= today)
            and (self.registration_closes_on is None or today <= self.registration_closes_on)
        ):
            return self.OPEN
        return self.CLOSED

    def accepts_registrations(self, today: date) -> bool:
        return self.registration_state(today) == self.OPEN


class NamedInLanguages(models.Model):
    """A catalogue entry whose name the coordinators may give in other languages: `name` is
    the section's own; a name never translated (a proper noun) stands in every language."""

    translations = models.JSONField(_("name in other languages"), default=dict, blank=True)

    class Meta:
        abstract = True

    def name_in(self, language: str) -> str:
        """The name a student reading `language` sees; another language's, marked."""
        if not self.translations:
            return self.name
        shown = section_text_in(self.name, self.translations, language)
        if shown.fallback:
            return f"{shown.text} ({shown.language_name})"
        return shown.text


class PlaceOfStudy(NamedInLanguages):
    """An institution or campus of the section's city, managed by coordinators."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("place of study")
        verbose_name_plural = _("places of study")

    def __str__(self) -> str:
        return self.name


class Hobby(NamedInLanguages):
    """A tag of the section's hobby and interest list."""

    name = models.CharField(_("name"), max_length=60, unique=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("hobby")
        verbose_name_plural = _("hobbies")

    def __str__(self) -> str:
        return self.name


class Profile(models.Model):
    """A student taking part in the buddy programme, as incoming student or local buddy."""

    class Role(models.TextChoices):
        INCOMING = "incoming", _("Incoming international student")
        BUDDY = "buddy", _("Local buddy")

    class Gender(models.TextChoices):
        WOMAN = "woman", _("Woman")
        MAN = "man", _("Man")
        NON_BINARY = "non_binary", _("Non-binary")
        UNDISCLOSED = "undisclosed", _("Prefer not to say")

    class BuddyGender(models.TextChoices):
        ANY = "any", _("No preference")
        SAME = "same", _("Same gender as me")

    class StudyLevel(models.TextChoices):
        BACHELOR = "bachelor", _("Bachelor")
        MASTER = "master", _("Master")
        DOCTORATE = "doctorate", _("Doctorate")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Taking part")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        DEACTIVATED = "deactivated", _("Deactivated by a coordinator")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role)
    status = models.CharField(_("status"), max_length=12, choices=Status, default=Status.ACTIVE)
    language = models.CharField(
        _("language for emails"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    birth_date = models.DateField(_("birth date"))
    gender = models.CharField(_("gender"), max_length=12, choices=Gender)
    nationality = CountryField(_("nationality"))
    place_of_study = models.ForeignKey(
        PlaceOfStudy, on_delete=models.PROTECT, verbose_name=_("place of study")
    )
    faculty = models.CharField(_("faculty or field of study"), max_length=120)
    study_level = models.CharField(_("study level"), max_length=10, choices=StudyLevel)
    hobbies = models.ManyToManyField(Hobby, blank=True, verbose_name=_("hobbies and interests"))
    preferred_buddy_gender = models.CharField(
        _("preferred buddy gender"), max_length=4, choices=BuddyGender, default=BuddyGender.ANY
    )
    about = models.TextField(_("about me"), max_length=1000, blank=True)
    # incoming students: shown to buddies choosing from requests, where the section allows it
    note_for_buddy = models.TextField(_("a note for your future buddy"), max_length=500, blank=True)
    # incoming students
    home_university = models.CharField(_("home university"), max_length=150, blank=True)
    arrival_date = models.DateField(_("arrival date"), null=True, blank=True)
    departure_date = models.DateField(_("departure date"), null=True, blank=True)
    # local buddies
    available_from = models.DateField(_("available from"), null=True, blank=True)
    available_until = models.DateField(_("available until"), null=True, blank=True)
    capacity = models.PositiveSmallIntegerField(
        _("how many incoming students I can take"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    # shared with the buddy once a pair is confirmed
    phone = models.CharField(_("phone / WhatsApp"), max_length=40, blank=True)
    instagram = models.CharField(_("Instagram"), max_length=60, blank=True)

    email_verified_at = models.DateTimeField(_("email verified at"), null=True, blank=True)
    consent_version = models.CharField(_("privacy notice version accepted"), max_length=20)
    consent_language = models.CharField(
        _("language of the privacy notice accepted"), max_length=8, blank=True
    )
    consented_at = models.DateTimeField(_("privacy notice accepted at"))
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["role", "status"], name="core_profile_role_status")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(capacity__isnull=True) | models.Q(capacity__range=(1, 5)),
                name="core_profile_capacity_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} #{self.pk}"

    @property
    def is_incoming(self) -> bool:
        return self.role == self.Role.INCOMING

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def stay_ends(self) -> date | None:
        """When the student's part in the programme ends: departure, or end of availability."""
        return self.departure_date if self.is_incoming else self.available_until


class ProfileLanguage(models.Model):
    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="languages")
    language = models.CharField(_("language"), max_length=8, choices=SPOKEN_LANGUAGES)
    level = models.CharField(_("level"), max_length=12, choices=LanguageLevel)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "language"], name="core_profile_language_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.language} ({self.level})"


class AuditEvent(models.Model):
    """Something that happened to the programme's data, without personal data in it."""

    class Action(models.TextChoices):
        ACCOUNT_DELETED = "account_deleted", _("Account deleted by the student")
        PROFILE_ANONYMISED = "profile_anonymised", _("Profile erased after the stay")
        DATA_EXPORTED = "data_exported", _("Personal data downloaded by the student")
        PROFILE_DEACTIVATED = "profile_deactivated", _("Profile deactivated")
        PROFILE_REACTIVATED = "profile_reactivated", _("Profile reactivated")

    at = models.DateTimeField(_("time"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    # Free text, not choices: every app records its own actions (see core.audit).
    action = models.CharField(_("action"), max_length=60)
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"


class CoordinatorNote(models.Model):
    """A private note of the coordinators about a student; students never see it."""

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(_("note"), max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"note #{self.pk}"
