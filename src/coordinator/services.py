"""Writes of the coordinator coordinator: the section's settings and team."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core import audit
from core.accounts.models import User, normalise_email
from core.accounts.services import invite_coordinator
from core.models import Hobby, PlaceOfStudy, SectionSettings
from core.readiness import refresh_directory_mark
from tenants.models import Section

SETTINGS_CHANGED = "settings_changed"
COORDINATOR_INVITED = "coordinator_invited"
COORDINATOR_DEACTIVATED = "coordinator_deactivated"


def update_branding(coordinator: User, section: Section, values: dict, welcome_texts: dict) -> None:
    """The section's colour and logo (public schema) and its welcome texts (section schema).

    A replaced or removed logo file is deleted once the change is committed.
    """
    old_logo = Section.objects.filter(pk=section.pk).values_list("logo", flat=True).first()
    with transaction.atomic():
        for field, value in values.items():
            setattr(section, field, value)
        section.save(update_fields=list(values))
        programme = SectionSettings.load()
        programme.welcome_texts = {
            code: text for code, text in welcome_texts.items() if text.strip()
        }
        programme.save(update_fields=["welcome_texts"])
        audit.record(SETTINGS_CHANGED, coordinator, part="branding", fields=sorted(values))
        if old_logo and old_logo != section.logo.name:
            storage = section.logo.storage
            transaction.on_commit(lambda: storage.delete(old_logo))


def update_programme(coordinator: User, values: dict) -> SectionSettings:
    with transaction.atomic():
        programme = SectionSettings.load()
        for field, value in values.items():
            setattr(programme, field, value)
        programme.full_clean()
        programme.save()
        audit.record(SETTINGS_CHANGED, coordinator, part="programme", fields=sorted(values))
        refresh_directory_mark()
    return programme


def save_catalogue_entry(
    coordinator: User, model: type[PlaceOfStudy] | type[Hobby], name: str
) -> None:
    """Add a place of study or hobby, or bring back one that was switched off."""
    name = name.strip()
    entry = model.objects.filter(name__iexact=name).first()
    if entry is None:
        model.objects.create(name=name)
    elif not entry.is_active:
        entry.is_active = True
        entry.save(update_fields=["is_active"])
    else:
        raise ValidationError(_("“%(name)s” is already in the list.") % {"name": name})
    audit.record(SETTINGS_CHANGED, coordinator, part=model._meta.model_name, added=1)
    refresh_directory_mark()


def translate_catalogue_entry(
    coordinator: User, entry: PlaceOfStudy | Hobby, translations: dict[str, str]
) -> None:
    """Its names in other languages; none given means its name stands in every language."""
    entry.translations = translations
    entry.save(update_fields=["translations"])
    audit.record(SETTINGS_CHANGED, coordinator, part=entry._meta.model_name, translated=entry.pk)


def switch_off_catalogue_entry(coordinator: User, entry: PlaceOfStudy | Hobby) -> None:
    """Hide it from the forms; students who chose it keep it."""
    entry.is_active = False
    entry.save(update_fields=["is_active"])
    audit.record(SETTINGS_CHANGED, coordinator, part=entry._meta.model_name, switched_off=entry.pk)
    refresh_directory_mark()


def invite_co_coordinator(coordinator: User, email: str) -> User:
    email = normalise_email(email)
    if User.objects.filter(email=email).exists():
        raise ValidationError(_("This email already has an account in this section."))
    with transaction.atomic():
        invited = invite_coordinator(email)
        audit.record(COORDINATOR_INVITED, coordinator, coordinator_id=invited.pk)
    return invited


def deactivate_coordinator(coordinator: User, other: User) -> None:
    """Switch a coordinator's account off; the last active coordinator always stays."""
    with transaction.atomic():
        active = list(User.objects.select_for_update().filter(is_coordinator=True, is_active=True))
        if other not in active:
            return
        if len(active) == 1:
            raise ValidationError(_("The section needs at least one active coordinator."))
        other.is_active = False
        other.save(update_fields=["is_active"])
        audit.record(COORDINATOR_DEACTIVATED, coordinator, coordinator_id=other.pk)
