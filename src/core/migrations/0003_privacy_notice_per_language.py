"""The privacy notice becomes one text per language. A section that kept the platform's
standard notice (in any language) gets none of its own, so that every reader sees the standard
one in their language; a section's own notice is kept as written in the section's language."""

from django.db import migrations, models
from django.utils import translation

STANDARD_NOTICE = (
    "We keep your profile to find you a buddy and to run the programme. Coordinators of this "
    "section see it; your buddy sees your name, email and the contact handles you choose to "
    "share, once a coordinator confirms your pair. You can download or delete your data at "
    "any time from your account. Profiles are erased some months after the end of the stay."
)


def per_language(apps, schema_editor):
    SectionSettings = apps.get_model("core", "SectionSettings")
    Section = apps.get_model("tenants", "Section")
    schema = schema_editor.connection.schema_name
    section = Section.objects.filter(schema_name=schema).first()
    own_language = section.default_language if section else "en"
    standard = set()
    for code in ("en", "fr"):
        with translation.override(code):
            standard.add(translation.gettext(STANDARD_NOTICE))
    for row in SectionSettings.objects.all():
        text = row.privacy_notice.strip()
        row.privacy_notices = {} if not text or text in standard else {own_language: text}
        row.save(update_fields=["privacy_notices"])


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_pair_ends_after_stay"),
        ("tenants", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="sectionsettings",
            name="privacy_notices",
            field=models.JSONField(
                blank=True, default=dict, verbose_name="privacy notice per language"
            ),
        ),
        migrations.AddField(
            model_name="profile",
            name="consent_language",
            field=models.CharField(
                blank=True, max_length=8, verbose_name="language of the privacy notice accepted"
            ),
        ),
        migrations.RunPython(per_language, migrations.RunPython.noop),
        migrations.RemoveField(model_name="sectionsettings", name="privacy_notice"),
    ]
