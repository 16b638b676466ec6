"""Clients of a section's coordinator API: their session, or a token of theirs."""

from django.test import Client
from django_tenants.utils import schema_context

from api import tokens
from clients import section_client


def token_client(section, user, scope: str = "read_write") -> Client:
    """A client that sends a new token of `user` (a coordinator of `section`), no session."""
    with schema_context(section.schema_name):
        _token, secret = tokens.create_token(user, name="Test script", scope=scope, expiry_days=7)
    return _with_token(section, secret)


def _with_token(section, secret: str) -> Client:
    client = section_client(section)
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    return client


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content[:800]
    return [row["id"] for row in response.json()["results"]]
