from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("benchapp", "0001_initial")]

    operations = [
        migrations.CreateModel(
            name="Checkin",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("pair_reference", models.CharField(db_index=True, max_length=40)),
                ("met", models.BooleanField(default=False)),
                ("answered_at", models.DateTimeField(null=True)),
            ],
        ),
    ]
