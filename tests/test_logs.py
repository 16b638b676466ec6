"""No email address, name, birth date, token or signed link in any log line or Sentry event
(config.log, config.sentry): the pages and the outbox run for real, and every line they log,
at DEBUG, is read as the configured handler writes it."""

import copy
import io
import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path
from smtplib import SMTPRecipientsRefused
from types import SimpleNamespace

import pytest
import sentry_sdk
import sentry_sdk.transport
from celery.signals import after_setup_logger, after_setup_task_logger
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.core.servers.basehttp import WSGIRequestHandler
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.log import configure_logging

from config.log import RedactingFilter, redact
from config.sentry import before_breadcrumb, before_send, init_sentry
from core.accounts.models import User
from core.outbox.models import OutboxMessage
from core.outbox.services import relay
from matching.followup.tokens import checkin_token, survey_token
from portal_helpers import make_catalogue, registration_data

pytestmark = pytest.mark.django_db

FIRST, LAST = "Zéphyrine", "Quillfeather"
EMAIL = "zephyrine.quill+esn@example.org"
BIRTH_DATE = "2003-05-17"
PERSONAL = [
    FIRST,
    LAST,
    EMAIL,
    EMAIL.replace("@", "%40"),
    EMAIL.split("@")[0],
    BIRTH_DATE,
    "17/05/2003",
    "05/17/2003",
]
TOKEN = "eyJzIjoibGlsbGUiLCJ1IjoxMn0:1tQx3a:Xk3jJ9s_aB-c2dEfGhIjKlMnOp"
ANY_EMAIL = re.compile(r"[\w.+-]+(@|%40)[\w-]+\.[\w.-]+")


class RefusingBackend(EmailBackend):
    """A mail server that refuses every recipient, naming the address in its answer."""

    def send_messages(self, messages):
        address = messages[0].to[0]
        raise SMTPRecipientsRefused({address: (550, f"5.1.1 <{address}>: unknown".encode())})


@pytest.fixture
def logged(settings):
    """Everything logged during the test, at DEBUG, as settings.LOGGING's handlers write it
    (Django's own defaults first, as django.setup() configures them), into a buffer. A task
    publish may call django.setup() again: LOGGING_CONFIG None keeps this configuration."""
    stream = io.StringIO()
    config = copy.deepcopy(settings.LOGGING)
    config["handlers"]["console"]["stream"] = stream
    config["root"]["level"] = "DEBUG"
    config["loggers"]["django"]["level"] = "DEBUG"
    configure_logging("logging.config.dictConfig", config)
    settings.LOGGING_CONFIG = None
    yield stream
    configure_logging("logging.config.dictConfig", settings.LOGGING)


def assert_nothing_personal(text: str, tokens: list[str]) -> None:
    assert not ANY_EMAIL.search(text), ANY_EMAIL.search(text).group(0)
    for value in PERSONAL:
        assert value not in text, value
    for token in tokens:
        for start in range(len(token) - 11):
            assert token[start : start + 12] not in text, token


def test_no_personal_data_or_token_in_any_log_line(
    logged,
    settings,
    lille,
    lille_client,
    coordinator,
    in_section,
    django_capture_on_commit_callbacks,
):
    lille_client.cookies["django_language"] = "en"
    with in_section(lille):
        place, hobbies = make_catalogue()
    data = registration_data(
        "incoming", place, hobbies, first_name=FIRST, last_name=LAST, email=EMAIL
    ) | {"birth_date": BIRTH_DATE}
    tokens = []

    # a registration, and its verification link: followed once valid, once forged
    with django_capture_on_commit_callbacks(execute=True):
        assert lille_client.post("/register/incoming/", data).status_code == 302
    token = re.search(r"/verify/(\S+)/", mail.outbox[-1].body).group(1)
    forged = token[:-2] + "xx"
    tokens += [token, forged]
    assert lille_client.get(f"/verify/{forged}/").status_code == 400
    assert lille_client.get(f"/verify/{token}/").status_code == 302

    # a password reset asked for; its email refused by the mail server, naming the address
    settings.EMAIL_BACKEND = f"{RefusingBackend.__module__}.{RefusingBackend.__qualname__}"
    with django_capture_on_commit_callbacks(execute=False):
        response = lille_client.post("/accounts/password-reset/", {"email": EMAIL})
    assert response.status_code == 302
    with in_section(lille):
        report = relay()
        assert report.failed + report.retried == 1
        assert OutboxMessage.objects.exclude(last_error="").exists()
        user = User.objects.get(email=EMAIL)
        uid = urlsafe_base64_encode(force_bytes(user.pk))
        reset_token = default_token_generator.make_token(user)
    # a reset link followed
    tokens.append(reset_token)
    lille_client.get(f"/accounts/set-password/{uid}/{reset_token}/", follow=True)
    lille_client.get(f"/accounts/set-password/{uid}/{reset_token[:-3]}abc/")

    # a coordinator's search by email, by name
    for query in (EMAIL, LAST):
        assert coordinator.get("/coordinator/students/", {"search": query}).status_code == 200

    # follow-up links of no pair: refused
    with in_section(lille):
        links = [("checkin", checkin_token(999999, 999999, "good")), ("survey",)]
        links[1] += (survey_token(999999, 999999),)
    for prefix, link in links:
        tokens.append(link)
        status = lille_client.get(f"/{prefix}/{link}/", {"search": EMAIL}).status_code
        assert 400 <= status < 500
    assert lille_client.get(f"/unsubscribe/{token}/").status_code >= 400
    assert lille_client.get(f"/invitation/{token}/").status_code >= 400

    # the runserver access log's line of such a request
    server = SimpleNamespace(request=None, log_date_time_string=lambda: "01/Dec/2026 08:00:00")
    for status in ("200", "404"):
        line = f"GET /verify/{token}/?search={EMAIL.replace('@', '%40')} HTTP/1.1"
        WSGIRequestHandler.log_message(server, '"%s" %s %s', line, status, "0")

    # an exception whose message names the address, logged with its traceback
    try:
        raise SMTPRecipientsRefused({EMAIL: (550, b"unknown")})
    except SMTPRecipientsRefused:
        logging.getLogger("core.outbox").exception("sending to %s failed", EMAIL)

    text = logged.getvalue()
    assert_nothing_personal(text, tokens)
    # the lines are there, redacted
    assert "django.request Bad Request: /verify/…/" in text
    assert "/checkin/…/" in text and "/survey/…/" in text
    assert '"GET /verify/…/?search=… HTTP/1.1" 404 0' in text
    assert "outbox " in text and "SMTPRecipientsRefused 550" in text
    assert "Traceback (most recent call last)" in text
    assert "sending to <email> failed" in text


def test_every_handler_redacts(logged):
    """Those of settings.LOGGING, and those Django's defaults had put on its loggers."""
    loggers = [logging.getLogger()] + [
        logger
        for name, logger in logging.Logger.manager.loggerDict.items()
        if isinstance(logger, logging.Logger) and name.startswith(("django", "py.warnings"))
    ]
    handlers = [handler for logger in loggers for handler in logger.handlers]
    assert handlers
    for handler in handlers:
        if type(handler).__module__.startswith("_pytest"):
            continue
        assert any(isinstance(f, RedactingFilter) for f in handler.filters), handler


@pytest.mark.parametrize("signal", [after_setup_logger, after_setup_task_logger])
def test_the_handlers_celery_sets_up_redact_too(signal):
    logger = logging.Logger("celery-test")
    stream = io.StringIO()
    logger.addHandler(logging.StreamHandler(stream))
    signal.send(sender=None, logger=logger, loglevel=logging.INFO, logfile=None, format="")
    logger.warning("task failed for %s", EMAIL)
    assert stream.getvalue() == "task failed for <email>\n"


@pytest.mark.parametrize(
    "text",
    [
        "Not Found: /verify/eyJzIjoibGlsbGUiLCJ1IjoxMn0:1tQx3a:Xk3jJ9s_aB-c2dE/",
        "GET /accounts/set-password/MTI/cj1z9f-3b4a7f2d8c9e0b1a2c3d4/ HTTP/1.1",
        "/coordinator/students/?search=ana%40example.org&page=2",
        "/coordinator/students/?Ana+Garc%C3%ADa",
        'Signature "Xk3jJ9s_aB-c2dEfGhIjKlMnOp012345" does not match',
    ],
)
def test_redact_removes_tokens_and_queries(text):
    out = redact(text)
    for secret in ("eyJzIjoi", "cj1z9f-3b4a", "ana", "Ana", "Xk3jJ9s"):
        assert secret not in out, out
    assert "…" in out


@pytest.mark.parametrize(
    "text",
    [
        "outbox waiting-list:42 attempt 1 failed: SMTPRecipientsRefused 550",
        "Task core.outbox.tasks.relay[3f2a9b8c-1d2e-4f5a-8b9c-0d1e2f3a4b5c] succeeded in"
        " 0.3520605499998055s: {'sent': 1}",
        "GET /verify/resend/ HTTP/1.1",
        "GET /accounts/set-password/done/ HTTP/1.1",
        "GET /coordinator/follow-up/surveys/ HTTP/1.1",
    ],
)
def test_redact_keeps_what_names_nobody(text):
    assert redact(text) == text


def test_sentry_events_and_breadcrumbs_are_redacted():
    token = "eyJzIjoibGlsbGUiLCJ1IjoxMn0:1tQx3a:Xk3jJ9s_aB-c2dEfGhIjKlMnOp"
    ids = {"event_id": "9ec79c33ec9942ab8353589fcb2e04dc", "sdk": {"version": "2.75.0"}}
    trace = {"trace_id": "771a43a4192642f0b136d5159a501700", "span_id": "a1b2c3d4e5f60718"}
    event = ids | {
        "contexts": {"trace": trace},
        "message": f"no mail for {EMAIL}",
        "logentry": {"message": "Not Found: %s", "params": [f"/checkin/{token}/"]},
        "exception": {
            "values": [
                {
                    "type": "SMTPRecipientsRefused",
                    "value": f"{{'{EMAIL}': (550, b'5.1.1 <{EMAIL}> unknown')}}",
                    "stacktrace": {"frames": [{"function": "send", "vars": {"to": EMAIL}}]},
                }
            ]
        },
        "request": {
            "url": f"https://lille.example.org/verify/{token}/",
            "query_string": f"search={EMAIL.replace('@', '%40')}&page=2",
            "method": "POST",
            "data": {"first_name": FIRST, "last_name": LAST, "birth_date": BIRTH_DATE},
            "cookies": {"sessionid": "abc"},
            "headers": {"Referer": f"https://lille.example.org/survey/{token}/?x={LAST}"},
        },
        "extra": {"args": [EMAIL, f"/checkin/{token}/"]},
        "breadcrumbs": {
            "values": [{"message": f"GET /unsubscribe/{token}/", "data": {"to": EMAIL}}]
        },
    }
    sent = before_send(copy.deepcopy(event), {})
    text = repr(sent)
    assert_nothing_personal(text, [token])
    assert "data" not in sent["request"] and "cookies" not in sent["request"]
    assert sent["request"]["query_string"] == "search=…&page=…"
    assert sent["request"]["url"] == "https://lille.example.org/verify/…/"
    assert sent["exception"]["values"][0]["type"] == "SMTPRecipientsRefused"
    assert sent["contexts"]["trace"] == trace and ids.items() <= sent.items()

    crumb = {"category": "httplib", "data": {"url": f"/invitation/{token}/", "http.query": "a=b"}}
    assert before_breadcrumb(crumb, {}) == {
        "category": "httplib",
        "data": {"url": "/invitation/…/", "http.query": "a=…"},
    }


def test_what_the_sentry_client_sends_is_redacted(lille, in_section):
    """Through the SDK, as init_sentry sets it up: a log line's breadcrumb, an error logged
    with the exception whose message names the address, a signed link in both."""
    with in_section(lille):
        link = f"/survey/{survey_token(1, 2)}/"
    sent = []

    class Captured(sentry_sdk.transport.Transport):
        def capture_envelope(self, envelope):
            sent.extend(item.get_bytes().decode() for item in envelope.items)

    try:
        init_sentry("https://public@sentry.example.invalid/1", environment="test")
        sentry_sdk.get_client().transport = Captured()
        logger = logging.getLogger("core.outbox")
        logger.warning("Not Found: %s?search=%s", link, EMAIL)
        try:
            raise SMTPRecipientsRefused({EMAIL: (550, f"<{EMAIL}> unknown".encode())})
        except SMTPRecipientsRefused:
            logger.exception("sending %s to %s failed", link, EMAIL)
        sentry_sdk.flush()
    finally:
        sentry_sdk.init(dsn=None)
    text = "\n".join(sent)
    [event] = [json.loads(item) for item in sent if '"exception"' in item]
    assert event["logentry"]["formatted"] == "sending /survey/…/ to <email> failed"
    assert event["exception"]["values"][0]["value"] == "{'<email>': (550, b'<<email>> unknown')}"
    [crumb] = event["breadcrumbs"]["values"]
    assert crumb["message"] == "Not Found: /survey/…/?search=…"
    assert_nothing_personal(text, [link.split("/")[2]])


def test_a_celery_worker_s_log_handlers_redact():
    """A worker sets logging up as Django does, then Celery replaces the root logger's
    handlers with its own and gives the task logger one (as `celery worker` does): in a
    fresh interpreter, since that setup is for a whole process."""
    code = (
        "import django, logging; django.setup();"
        "from config.celery import app;"
        "app.log.setup_logging_subsystem(loglevel='INFO', colorize=False);"
        f"logging.getLogger('x').warning('for %s at /checkin/%s/', {EMAIL!r}, {TOKEN!r});"
        f"logging.getLogger('celery.task').warning('task for %s', {EMAIL!r})"
    )
    base = {name: os.environ[name] for name in ("PATH", "HOME") if name in os.environ}
    env = base | {"DEBUG": "true", "DJANGO_SETTINGS_MODULE": "config.settings"}
    env |= {"DATABASE_URL": os.environ.get("DATABASE_URL", "postgres://u@127.0.0.1/x")}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parents[1] / "src",
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "for <email> at /checkin/…/" in result.stderr
    assert "task for <email>" in result.stderr
    assert_nothing_personal(result.stderr, [TOKEN])
