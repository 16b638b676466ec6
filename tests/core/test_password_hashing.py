"""Passwords are stored with Argon2id at OWASP's minimum; older hashes still log in and are
re-hashed. (The rest of the suite hashes with MD5, for speed: these tests put the project's
hashers back.)"""

import pytest
from django.contrib.auth.hashers import check_password, make_password
from django.test import override_settings

import config.settings as project
from clients import section_client
from factories import ProfileFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def project_hashers():
    with override_settings(PASSWORD_HASHERS=project.PASSWORD_HASHERS):
        yield


def test_a_new_password_is_hashed_with_argon2id_at_owasp_parameters(project_hashers):
    stored = make_password("long-enough-pass")
    assert stored.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert check_password("long-enough-pass", stored)
    assert not check_password("long-enough-pasS", stored)


def test_a_pbkdf2_password_logs_in_and_is_rehashed(project_hashers, lille, in_section):
    old = make_password("long-enough-pass", hasher="pbkdf2_sha256")
    with in_section(lille):
        profile = ProfileFactory()
        profile.user.password = old
        profile.user.save(update_fields=["password"])
    client = section_client(lille)
    response = client.post(
        "/accounts/login/", {"username": profile.user.email, "password": "long-enough-pass"}
    )
    assert response.status_code == 302
    with in_section(lille):
        profile.user.refresh_from_db()
    assert profile.user.password.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
