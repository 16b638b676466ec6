"""Pages coordinators write for their section's students (tenant schema)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

ALL_LANGUAGES = "all"
# A guide is in one of the platform's languages, or for readers of all.
LANGUAGE_CHOICES = [*settings.LANGUAGES, (ALL_LANGUAGES, _("All languages"))]


class Guide(models.Model):
    """A page of advice (welcoming your buddy, administrative steps in the city...).

    The body is plain text: the pages show it escaped, with its line breaks and links.
    """

    class Audience(models.TextChoices):
        INCOMING = "incoming", _("Incoming international students")
        BUDDIES = "buddies", _("Local buddies")
        EVERYONE = "everyone", _("Everyone")

    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(
        _("text"),
        max_length=20000,
        help_text=_("Plain text: empty lines separate paragraphs, web addresses become links."),
    )
    audience = models.CharField(_("for"), max_length=10, choices=Audience)
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=LANGUAGE_CHOICES,
        default=ALL_LANGUAGES,
        help_text=_("Students see the guides in the language of their page, and those for all."),
    )
    published = models.BooleanField(
        _("published"), default=False, help_text=_("Only published guides are shown to students.")
    )
    order = models.PositiveSmallIntegerField(
        _("order"), default=0, help_text=_("Guides are listed from the lowest number.")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["order", "title", "pk"]
        verbose_name = _("guide")
        verbose_name_plural = _("guides")

    def __str__(self) -> str:
        return self.title
