from django.db import models


class Checkin(models.Model):
    """Stands for a model a later release adds to every section."""

    pair_reference = models.CharField(max_length=40, db_index=True)
    met = models.BooleanField(default=False)
    answered_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return self.pair_reference
