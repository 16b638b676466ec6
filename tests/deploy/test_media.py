"""Logos are served with DEBUG off (config.media), cached for ever, and nothing outside
MEDIA_ROOT is."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


@pytest.fixture
def media(settings, tmp_path):
    settings.DEBUG = False
    settings.MEDIA_ROOT = str(tmp_path / "media")
    logo = tmp_path / "media" / "sections" / "lille" / "0123abcd-logo.png"
    logo.parent.mkdir(parents=True)
    logo.write_bytes(PNG)
    (tmp_path / "secret.txt").write_text("outside MEDIA_ROOT")
    return tmp_path


@pytest.mark.parametrize("host", ["lille.localhost", "localhost"])
def test_a_logo_is_served_with_debug_off_and_cached_for_ever(media, host):
    response = Client(HTTP_HOST=host).get("/media/sections/lille/0123abcd-logo.png")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PNG
    assert response["Content-Type"] == "image/png"
    assert "immutable" in response["Cache-Control"]
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    "path",
    [
        "/media/sections/lille/missing.png",
        "/media/../secret.txt",
        "/media/%2e%2e/secret.txt",
        "/media/sections/../../secret.txt",
        "/media/sections/",
    ],
)
def test_nothing_else_is(media, path):
    response = Client(HTTP_HOST="lille.localhost").get(path)
    # 400: django.views.static.serve refuses a path that leaves MEDIA_ROOT (SuspiciousFileOperation)
    assert response.status_code in (400, 404)
    assert b"outside MEDIA_ROOT" not in response.content


def test_uploads_cannot_be_posted_there(media):
    assert Client(HTTP_HOST="lille.localhost").post("/media/sections/x.png").status_code == 405
