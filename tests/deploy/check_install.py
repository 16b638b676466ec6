"""The image's steps without Docker (CI has no engine): build the wheel, install it
non-editable with its pinned dependencies into a clean virtualenv, collect the static files,
migrate a database of its own, onboard a section, start gunicorn as the image does (DEBUG off,
JSON logs, metrics behind a token) and check what it serves:

- a section's home page, in French too (the compiled catalogue was installed), with its
  hashed stylesheet, which WhiteNoise serves compressed and cached for ever;
- /healthz and /readyz; /metrics refused without the token, served with it;
- every line gunicorn's workers logged is JSON with the schema and a request id, and the
  email address put in a URL appears in none.

Run from the repository root after `make install` (which compiles the .mo files):
    .venv/bin/python tests/deploy/check_install.py
DATABASE_URL names the PostgreSQL server; the check makes a database of its own there
(buddysystem_install_<pid>) and drops it at the end.
"""

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from build_wheel import build_wheel  # tests/build_wheel.py

ROOT = Path(__file__).resolve().parents[2]
# One of its own per run: two CI runs on one PostgreSQL never share it.
DATABASE = f"buddysystem_install_{os.getpid()}"
EMAIL = "zephyrine.quill@example.org"
TOKEN = secrets.token_urlsafe(24)


def step(title: str) -> float:
    print(f"-- {title}", flush=True)
    return time.monotonic()


def run(*command: str, env: dict | None = None, cwd: Path | None = None, timeout: int = 600):
    subprocess.run(command, check=True, env=env, cwd=cwd, timeout=timeout)


def server_url(database: str) -> str:
    server = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    return urllib.parse.urlsplit(server)._replace(path=f"/{database}").geturl()


def recreate_database(create: bool = True) -> str:
    with psycopg.connect(server_url("postgres"), autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        if create:
            db.execute(f'CREATE DATABASE "{DATABASE}"')
    return server_url(DATABASE)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(port: int, path: str, host: str, **headers: str) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", headers={"Host": host, **headers}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - http://
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def wait_until_up(port: int, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"gunicorn exited with {server.returncode}")
        try:
            if get(port, "/healthz", "localhost")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    sys.exit("gunicorn did not answer /healthz within 60 s")


def check(condition: bool, what: str) -> None:
    if not condition:
        sys.exit(f"FAILED: {what}")
    print(f"   ok: {what}")


def main() -> None:
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="buddysystem-install-"))
    try:
        install_and_serve(work)
    finally:
        recreate_database(create=False)
        shutil.rmtree(work, ignore_errors=True)
    print(f"== install check passed in {time.monotonic() - started:.0f} s")


def install_and_serve(work: Path) -> None:
    venv = work / "venv"
    bin_ = venv / "bin"

    t = step("wheel (from the image's build context), clean virtualenv, non-editable install")
    wheel = build_wheel(work / "dist")
    run(sys.executable, "-m", "venv", str(venv))
    run(str(bin_ / "pip"), "install", "-q", "-c", str(ROOT / "constraints.txt"), f"{wheel}[server]")
    print(f"   {time.monotonic() - t:.0f} s")

    # Run from an empty folder: nothing of the checkout can be imported, as in the image.
    app_dir = work / "app"
    app_dir.mkdir()
    env = {
        "PATH": f"{bin_}:{os.environ['PATH']}",
        "HOME": str(work),
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": recreate_database(),
        "BASE_DOMAIN": "example.test",
        "SITE_SCHEME": "https",
        "STATIC_ROOT": str(app_dir / "staticfiles"),
        "MEDIA_ROOT": str(app_dir / "media"),
        "LOG_FORMAT": "json",
        "METRICS_TOKEN": TOKEN,
        "PROMETHEUS_MULTIPROC_DIR": str(work / "metrics"),
        "WEB_CONCURRENCY": "2",
        "TRUSTED_PROXIES": "1",
    }
    where = subprocess.run(
        [str(bin_ / "python"), "-c", "import config, sys; print(config.__file__, sys.prefix)"],
        env=env,
        cwd=app_dir,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    check(where[0].startswith(str(venv)), f"config imported from the install ({where[0]})")

    t = step("collectstatic, migrate_schemas, create_section, check --deploy")
    buddysystem = str(bin_ / "buddysystem")
    run(buddysystem, "collectstatic", "--noinput", "-v", "0", env=env, cwd=app_dir)
    run(buddysystem, "migrate_schemas", "--noinput", "-v", "0", env=env, cwd=app_dir)
    run(
        buddysystem, "create_section", "lyon", "--name", "ESN Lyon", "--city", "Lyon",
        "--country", "FR", "--coordinator-email", "lea@example.org",
        env=env, cwd=app_dir,
    )  # fmt: skip
    run(buddysystem, "check", "--deploy", "--fail-level", "WARNING", env=env, cwd=app_dir)
    print(f"   {time.monotonic() - t:.0f} s")

    logo = app_dir / "media" / "sections" / "lyon" / "0123abcd-logo.png"
    logo.parent.mkdir(parents=True)
    logo.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))

    step("gunicorn -c python:config.gunicorn config.wsgi (DEBUG off)")
    port = free_port()
    log_path = work / "gunicorn.log"
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            [str(bin_ / "gunicorn"), "-c", "python:config.gunicorn", "config.wsgi"],
            env={**env, "PORT": str(port)}, cwd=app_dir, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        wait_until_up(port, server)
        serve_checks(port)
    finally:
        server.terminate()
        server.wait(timeout=30)
    log_checks(log_path.read_text())


def serve_checks(port: int) -> None:
    host = "lyon.example.test"
    status, headers, body = get(port, "/", host)
    page = body.decode()
    check(status == 200 and "ESN Lyon" in page, "the section's home page answers 200")
    check(headers.get("X-Request-ID", "") != "", "the answer carries X-Request-ID")
    styles = re.findall(r'href="(/static/[^"]+\.css)"', page)
    check(bool(styles) and all(re.search(r"\.[0-9a-f]{12}\.css$", s) for s in styles),
          f"stylesheets linked by their hashed names ({styles})")  # fmt: skip
    status, headers, body = get(port, styles[0], host, **{"Accept-Encoding": "gzip"})
    check(status == 200 and len(body) > 0, f"WhiteNoise serves {styles[0]}")
    check("max-age=315360000" in headers.get("Cache-Control", ""), "cached for ever")
    check(headers.get("Content-Encoding") == "gzip", "compressed")
    status, _, body = get(port, "/", host, Cookie="django_language=fr")
    check(status == 200 and 'lang="fr"' in body.decode(), "French page (compiled catalogue)")
    check("Se connecter" in body.decode() or "Connexion" in body.decode(), "French text")
    status, headers, _ = get(port, "/media/sections/lyon/0123abcd-logo.png", host)
    check(status == 200 and headers.get("Content-Type") == "image/png", "an uploaded logo")
    check(get(port, "/healthz", "10.0.0.7")[0] == 200, "/healthz on a pod IP")
    status, _, body = get(port, "/readyz", "10.0.0.7")
    check(status == 200 and json.loads(body)["checks"]["database"], "/readyz: database ok")
    check(get(port, "/metrics", host)[0] == 401, "/metrics refused without the token")
    status, _, body = get(port, f"/{EMAIL}/?search={EMAIL}", host)
    check(status == 404, "a page that does not exist: 404")
    status, _, body = get(port, "/metrics", "10.0.0.7", Authorization=f"Bearer {TOKEN}")
    text = body.decode()
    check(status == 200 and 'view="core:home"' in text, "/metrics with the token: by view")
    check("buddysystem_outbox_pending_total" in text, "/metrics: the outbox backlog")


def log_checks(text: str) -> None:
    lines = [line for line in text.splitlines() if line.strip()]
    plain = [line for line in lines if not line.startswith("{")]
    check(not plain, f"every line is JSON, gunicorn's own too ({plain[:3]})")
    parsed = [json.loads(line) for line in lines if line.startswith("{")]
    check(any(p["logger"] == "gunicorn.error" for p in parsed), "gunicorn's lines are JSON")
    check(bool(parsed), f"{len(parsed)} JSON log lines")
    check(all({"schema", "request_id", "message"} <= set(p) for p in parsed), "schema, id")
    not_found = [p for p in parsed if p["message"].startswith("Not Found:")]
    check(bool(not_found) and not_found[0]["schema"] == "lyon", "the 404 logged in its schema")
    check(not_found[0]["request_id"] not in ("", "-"), "with its request id")
    check(EMAIL not in text, "no email address in any line")


if __name__ == "__main__":
    main()
