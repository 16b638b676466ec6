from django.db import migrations


class Migration(migrations.Migration):
    """Empty, so that the onboarding measured is the platform's own."""

    initial = True
    dependencies = []
    operations = []
