"""Deactivating a section closes its portal (every path, registrations refused) and keeps
its data; reactivating opens it again. Both are in the admins' audit log."""

import pytest
from django_tenants.utils import schema_context

from core.models import Profile
from factories import ProfileFactory
from network.models import AdminEvent

pytestmark = pytest.mark.django_db


def test_deactivation_closes_the_portal_and_keeps_the_data(
    fr_client, lille, lille_client, django_capture_on_commit_callbacks
):
    with schema_context("lille"):
        ProfileFactory()
    assert lille_client.get("/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = fr_client.post(f"/network/sections/{lille.pk}/active/", {"active": "0"})
    assert response.status_code == 302
    home = lille_client.get("/")
    assert home.status_code == 410
    assert "Le programme de parrainage de la section ESN Lille est fermé" in home.content.decode()
    registration = lille_client.post("/register/incoming/", {"email": "x@example.org"})
    assert registration.status_code == 410
    assert lille_client.get("/coordinator/").status_code == 410
    with schema_context("lille"):
        assert Profile.objects.count() == 1  # kept
    assert AdminEvent.objects.filter(action="section_deactivated", section=lille).exists()

    with django_capture_on_commit_callbacks(execute=True):
        fr_client.post(f"/network/sections/{lille.pk}/active/", {"active": "1"})
    assert lille_client.get("/").status_code == 200
    assert AdminEvent.objects.filter(action="section_reactivated", section=lille).exists()


def test_the_closed_page_is_in_french_too(lille, lille_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        lille.is_active = False
        lille.save()
    page = lille_client.get("/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "est fermé" in page


def test_admins_edit_a_section_and_manage_its_coordinators(fr_client, lille, mailoutbox):
    from core.accounts.models import User
    from core.models import AuditEvent

    response = fr_client.post(
        f"/network/sections/{lille.pk}/coordinators/", {"email": "second@lille.example.org"}
    )
    assert response.status_code == 302
    with schema_context("lille"):
        invited = User.objects.get(email="second@lille.example.org")
        assert invited.is_coordinator
        assert AuditEvent.objects.filter(action="network_coordinator_invited").exists()
    response = fr_client.post(f"/network/sections/{lille.pk}/coordinators/{invited.pk}/deactivate/")
    assert response.status_code == 302
    with schema_context("lille"):
        invited.refresh_from_db()
        assert not invited.is_active
    assert (
        fr_client.post(
            f"/network/sections/{lille.pk}/coordinators/", {"email": "second@lille.example.org"}
        ).status_code
        == 400
    )
