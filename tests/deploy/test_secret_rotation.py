"""Rotating SECRET_KEY with SECRET_KEY_FALLBACKS (docs/operations.md): what was signed with the
previous key still checks; without the fallback it does not."""

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.test import override_settings

from core.accounts.models import User
from core.signing import LinkRefused, make_link_token, read_link_token

pytestmark = pytest.mark.django_db

OLD, NEW = "old-key-" + "o" * 60, "new-key-" + "n" * 60


def test_links_and_password_resets_survive_a_rotation_with_the_fallback(lille, in_section):
    with in_section(lille):
        user = User.objects.create_user(email="rotation@example.org", password="x" * 12)
        with override_settings(SECRET_KEY=OLD, SECRET_KEY_FALLBACKS=[]):
            link = make_link_token("checkin", p=1)
            reset = default_token_generator.make_token(user)
        with override_settings(SECRET_KEY=NEW, SECRET_KEY_FALLBACKS=[OLD]):
            assert read_link_token("checkin", link) == {"p": 1}
            assert default_token_generator.check_token(user, reset)
        with override_settings(SECRET_KEY=NEW, SECRET_KEY_FALLBACKS=[]):
            with pytest.raises(LinkRefused):
                read_link_token("checkin", link)
            assert not default_token_generator.check_token(user, reset)
