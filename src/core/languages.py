"""The languages a student can say they speak, and how well."""

from django.conf.global_settings import LANGUAGES as DJANGO_LANGUAGES
from django.db import models
from django.utils.translation import gettext_lazy as _

# Django's list names each language once per regional variant; keep the base languages.
# The names are translated by Django's own catalogues.
SPOKEN_LANGUAGES = sorted(
    ((code, _(name)) for code, name in DJANGO_LANGUAGES if "-" not in code),
    key=lambda choice: str(choice[1]),
)


class LanguageLevel(models.TextChoices):
    BASIC = "basic", _("Basic")
    INTERMEDIATE = "intermediate", _("Intermediate")
    FLUENT = "fluent", _("Fluent")
    NATIVE = "native", _("Native")
