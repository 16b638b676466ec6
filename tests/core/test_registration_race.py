"""Six identical registrations posted at the same time (a double click, a retrying browser):
one account, and every answer the same redirect to the "check your inbox" page, never a 500."""

import threading

from django.db import connection
from django_tenants.utils import schema_context

from clients import section_client
from core.accounts.models import User
from portal_helpers import make_catalogue, registration_data

POSTS = 6


def test_identical_registrations_at_once_make_one_account(committed_lille, django_db_blocker):
    with django_db_blocker.unblock():
        with schema_context("lille"):
            place, hobbies = make_catalogue()
        data = registration_data("incoming", place, hobbies, email="twice@example.org")
        start = threading.Barrier(POSTS)
        statuses, errors = [], []

        def post() -> None:
            client = section_client(committed_lille)
            client.raise_request_exception = False
            try:
                start.wait(timeout=10)
                statuses.append(client.post("/register/incoming/", data).status_code)
            except Exception as error:
                errors.append(error)
            finally:
                connection.close()

        threads = [threading.Thread(target=post) for _ in range(POSTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        connection.set_schema_to_public()
        with schema_context("lille"):
            accounts = User.objects.filter(email__iexact="twice@example.org").count()
    assert errors == []
    assert accounts == 1
    # every one answered the same: the "check your inbox" page, whoever committed first
    assert statuses == [302] * POSTS
