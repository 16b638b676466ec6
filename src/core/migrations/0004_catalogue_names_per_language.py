from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("core", "0003_privacy_notice_per_language")]

    operations = [
        migrations.AddField(
            model_name=model,
            name="translations",
            field=models.JSONField(
                blank=True, default=dict, verbose_name="name in other languages"
            ),
        )
        for model in ("placeofstudy", "hobby")
    ]
