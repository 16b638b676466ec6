from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("events", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="event",
            name="translations",
            field=models.JSONField(blank=True, default=dict, verbose_name="in other languages"),
        ),
    ]
