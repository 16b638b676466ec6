"""docs/operations.md lists every environment variable the code, the image, compose and the
chart read or set: a new one fails here until it is described."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
OPERATIONS = (ROOT / "docs" / "operations.md").read_text()

# env("NAME" / env.int("NAME" / env.email_url("NAME" / os.environ.get("NAME" / os.environ["NAME"]
READ = re.compile(
    r"""(?:\benv(?:\.\w+)?\(|os\.environ(?:\.get\(|\[))\s*["']([A-Z][A-Z0-9_]+)["']"""
)
# Set by the process itself, not by an operator.
INTERNAL = {"DJANGO_SETTINGS_MODULE", "XDG_RUNTIME_DIR"}


def documented() -> set[str]:
    return set(re.findall(r"`([A-Z][A-Z0-9_]+)`", OPERATIONS))


def read_by_the_code() -> set[str]:
    names = set()
    for path in (ROOT / "src").rglob("*.py"):
        names |= set(READ.findall(path.read_text()))
    return names - INTERNAL


def set_by_the_deployment() -> set[str]:
    names = set(
        re.findall(r"^\s+([A-Z][A-Z0-9_]+)=", (ROOT / "deploy" / "Dockerfile").read_text(), re.M)
    )
    names |= set(
        re.findall(r"^([A-Z][A-Z0-9_]+)=", (ROOT / "deploy" / "env.example").read_text(), re.M)
    )
    compose = yaml.safe_load((ROOT / "deploy" / "docker-compose.yml").read_text())
    names |= set(compose["x-app"]["environment"])
    values = yaml.safe_load((ROOT / "helm" / "buddysystem" / "values.yaml").read_text())
    names |= set(values["config"]) | set(values["secrets"])
    return (
        names
        - {
            "PATH",
            "PYTHONDONTWRITEBYTECODE",
            "PYTHONUNBUFFERED",
            "PIP_NO_CACHE_DIR",
            "PIP_DISABLE_PIP_VERSION_CHECK",
        }
        - INTERNAL
    )


def test_the_code_reads_what_the_scan_finds():
    found = read_by_the_code()
    assert {"SECRET_KEY", "DATABASE_URL", "EMAIL_URL", "WEB_CONCURRENCY", "METRICS_TOKEN"} <= found


def test_every_environment_variable_is_documented():
    missing = (read_by_the_code() | set_by_the_deployment()) - documented()
    assert not missing, f"not described in docs/operations.md: {sorted(missing)}"
