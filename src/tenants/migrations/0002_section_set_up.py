from django.db import migrations, models


def existing_sections_are_set_up(apps, schema_editor):
    # they opened before the checklist existed
    apps.get_model("tenants", "Section").objects.update(set_up=True)


class Migration(migrations.Migration):
    dependencies = [("tenants", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="section",
            name="set_up",
            field=models.BooleanField(default=False, verbose_name="set up"),
        ),
        migrations.RunPython(existing_sections_are_set_up, migrations.RunPython.noop),
    ]
