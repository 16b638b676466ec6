"""Test clients on a section's host."""

from django.test import Client
from django_tenants.utils import schema_context


def section_client(section, user=None, language: str = "en") -> Client:
    """A client on `section`'s host, reading `language`, logged in as `user` when given."""
    client = Client(HTTP_HOST=section.host)
    client.cookies["django_language"] = language
    if user is not None:
        with schema_context(section.schema_name):
            client.force_login(user)
    return client
