"""Six identical registrations posted at the same time (a double click, a retrying browser):
one account, and every answer the same redirect to the "check your inbox" page, never a 500."""

from django.db import connection
from django_tenants.utils import schema_context

from clients import section_client
from core.accounts.models import User
from portal_helpers import make_catalogue, registration_data
from threads import at_once

POSTS = 6


def test_identical_registrations_at_once_make_one_account(committed_lille, django_db_blocker):
    with django_db_blocker.unblock():
        with schema_context("lille"):
            place, hobbies = make_catalogue()
        data = registration_data("incoming", place, hobbies, email="twice@example.org")

        def post() -> int:
            client = section_client(committed_lille)
            client.raise_request_exception = False  # a 500 is an answer here
            return client.post("/register/incoming/", data).status_code

        statuses = at_once([post] * POSTS)
        connection.set_schema_to_public()
        with schema_context("lille"):
            accounts = User.objects.filter(email__iexact="twice@example.org").count()
    assert accounts == 1
    # every one answered the same: the "check your inbox" page, whoever committed first
    assert statuses == [302] * POSTS
