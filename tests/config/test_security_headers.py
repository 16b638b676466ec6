"""Headers and production settings: a strict Content-Security-Policy on every page, HSTS, static
files served by WhiteNoise with DEBUG off, and `check --deploy` clean with production settings."""

import json
import os
import re
import secrets
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client, override_settings

from clients import section_client
from section_urls import entry_for, section_routes
from test_bad_input import fill, world  # noqa: F401 - a fixture

PROJECT_DIR = Path(__file__).resolve().parents[2]
SRC_DIR = PROJECT_DIR / "src"

pytestmark = pytest.mark.django_db


class Inline(HTMLParser):
    """What a page holds that a CSP without 'unsafe-inline' refuses unless it has a nonce."""

    def __init__(self) -> None:
        super().__init__()
        self.style_nonces: list[str | None] = []
        self.inline_scripts = 0
        self.style_attributes: list[str] = []
        self.handlers: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        attrs = dict(attrs)
        if tag == "style":
            self.style_nonces.append(attrs.get("nonce"))
        if tag == "script" and not attrs.get("src") and attrs.get("type") != "application/json":
            self.inline_scripts += 1
        if "style" in attrs:
            self.style_attributes.append(tag)
        self.handlers += [name for name in attrs if name.startswith("on")]


def policy_of(response) -> dict[str, list[str]]:
    header = response.get("Content-Security-Policy")
    assert header, f"no Content-Security-Policy on {response.request['PATH_INFO']}"
    directives = (part.split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in directives}


def assert_strict(response) -> None:
    path = response.request["PATH_INFO"]
    policy = policy_of(response)
    assert "'unsafe-inline'" not in response["Content-Security-Policy"], path
    assert policy["default-src"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    allowed = [v.removeprefix("'nonce-").removesuffix("'") for v in policy["style-src"][1:]]
    assert policy["style-src"][0] == "'self'"
    page = Inline()
    page.feed(response.content.decode())
    assert page.inline_scripts == 0, path
    assert page.style_attributes == [], path
    assert page.handlers == [], path
    for nonce in page.style_nonces:
        assert nonce is not None and nonce in allowed, f"{path}: <style> nonce {nonce}"


@pytest.mark.parametrize("who", ["coordinator", "student", "visitor"])
def test_every_page_of_a_section_has_a_strict_policy(world, lille, who):  # noqa: F811
    user = {"coordinator": world.coordinator, "student": world.student, "visitor": None}[who]
    client = section_client(lille, user)
    seen = 0
    for route in section_routes():
        if entry_for(route).who != who or route.name in ("accounts:logout", "core:delete_account"):
            continue
        response = client.get(fill(route, world))
        if "text/html" in response.get("Content-Type", ""):
            assert_strict(response)
            seen += 1
    assert seen


def test_the_section_colour_comes_in_the_one_nonced_style(lille, lille_client, in_section):
    with in_section(lille):
        lille.primary_colour = "#aa3300"
        lille.save()
    response = lille_client.get("/")
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    assert f'<style nonce="{nonce}">:root {{ --primary: #aa3300; }}</style>' in response.text
    assert_strict(response)
    # Another request, another nonce.
    assert nonce not in lille_client.get("/")["Content-Security-Policy"]


def test_the_public_site_and_the_error_pages_have_the_policy(public_client, lille_client):
    assert_strict(public_client.get("/"))
    missing = lille_client.get("/no-such-page/")
    assert missing.status_code == 404
    assert_strict(missing)
    unknown = Client(HTTP_HOST="nowhere.localhost").get("/")
    assert unknown.status_code == 404
    assert_strict(unknown)


STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.IGNORECASE)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
STYLE_TAG = re.compile(r"<style(?P<attrs>[^>]*)>", re.IGNORECASE)


def served_templates() -> list[Path]:
    """Every HTML template of the project, except the emails (not served pages)."""
    found = [p for p in SRC_DIR.rglob("templates/**/*.html") if "email" not in p.parts]
    assert len(found) > 50
    return found


def test_no_served_template_has_a_style_attribute_or_an_inline_script():
    problems = []
    for path in served_templates():
        text = path.read_text()
        name = path.relative_to(SRC_DIR)
        problems += [f"{name}: style attribute" for _ in STYLE_ATTRIBUTE.finditer(text)]
        problems += [f"{name}: inline script" for _ in INLINE_SCRIPT.finditer(text)]
        problems += [f"{name}: event handler" for _ in HANDLER.finditer(text)]
        problems += [
            f"{name}: <style> without the nonce"
            for tag in STYLE_TAG.finditer(text)
            if "request.csp_nonce" not in tag["attrs"]
        ]
    assert problems == []


def test_hsts_on_secure_requests_for_the_subdomains_too(lille_client):
    with override_settings(SECURE_HSTS_SECONDS=31_536_000):
        response = lille_client.get("/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" not in lille_client.get("/")  # plain http: never


def test_static_files_are_served_with_debug_off_from_collectstatic(tmp_path, lille):
    manifest = {
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}
    }
    with override_settings(
        DEBUG=False,
        STATIC_ROOT=tmp_path,
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            **manifest,
        },
        WHITENOISE_USE_FINDERS=False,
        WHITENOISE_AUTOREFRESH=False,
    ):
        call_command("collectstatic", interactive=False, verbosity=0)
        client = section_client(lille)  # a new client: WhiteNoise reads STATIC_ROOT at start
        page = client.get("/").text  # the pages link to collectstatic's hashed names
        stylesheet = re.search(r'href="(/static/css/base\.[0-9a-f]{12}\.css)"', page).group(1)
        script = re.search(r'src="(/static/js/language\.[0-9a-f]{12}\.js)"', page).group(1)
        css = client.get(stylesheet)
        assert css.status_code == 200
        assert css["Content-Type"].startswith("text/css")
        assert "immutable" in css["Cache-Control"]
        assert b"--primary" in b"".join(css.streaming_content)
        assert client.get(script).status_code == 200
        admin_css = client.get("/static/admin/css/base.css", HTTP_ACCEPT_ENCODING="gzip")
        assert admin_css.status_code == 200
        assert admin_css["Content-Encoding"] == "gzip"


def test_check_deploy_is_clean_with_production_settings():
    """What .ci/run runs: DEBUG unset, a long random key, https, a real domain."""
    base = {name: os.environ[name] for name in ("PATH", "HOME") if name in os.environ}
    env = {
        **base,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "SITE_SCHEME": "https",
        "BASE_DOMAIN": "example.org",
        "DATABASE_URL": os.environ["DATABASE_URL"],
    }
    code = (
        "import django, json; django.setup(); from django.conf import settings as s;"
        "from django.core.management import call_command;"
        "call_command('check', deploy=True, fail_level='WARNING');"
        "print(json.dumps([s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS,"
        "s.SECURE_SSL_REDIRECT, s.STORAGES['staticfiles']['BACKEND']]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=SRC_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout + result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [
        365 * 24 * 3600,
        True,
        False,
        "whitenoise.storage.CompressedManifestStaticFilesStorage",
    ]
