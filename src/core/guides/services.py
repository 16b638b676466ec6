"""Writes of the guides; coordinators only (the views check)."""

from core.guides.models import Guide

FIELDS = ("title", "body", "audience", "language", "published", "order")


def create_guide(**fields) -> Guide:
    return Guide.objects.create(**{name: fields[name] for name in FIELDS})


def update_guide(guide: Guide, **fields) -> Guide:
    for name in FIELDS:
        setattr(guide, name, fields[name])
    guide.save()
    return guide


def delete_guide(guide: Guide) -> None:
    guide.delete()
