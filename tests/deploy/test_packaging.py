"""What the image is made of, read from the files themselves: the wheel holds every template,
static file and catalogue of the checkout (a new folder not declared in pyproject fails here);
the Dockerfile is multi-stage, non-root and installs the wheel; the compose file has every
service with a health check, secrets only from the env file, and a worker for the match runs'
queue. That the install then serves pages is tests/deploy/check_install.py (CI)."""

import re
import subprocess
import zipfile
from pathlib import Path

import pytest
import yaml

from build_wheel import build_wheel

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


@pytest.fixture(scope="module")
def wheel_files(tmp_path_factory) -> set[str]:
    with zipfile.ZipFile(build_wheel(tmp_path_factory.mktemp("dist"))) as wheel:
        return set(wheel.namelist())


def data_files_of_the_checkout() -> list[str]:
    tracked = subprocess.run(
        ["git", "ls-files", "src"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.split()
    compiled = [str(p.relative_to(ROOT)) for p in (ROOT / "src").rglob("*.mo")]
    return [f for f in tracked + compiled if not f.endswith(".py")]


def test_the_wheel_holds_every_template_static_file_and_catalogue(wheel_files):
    # data-files go to buddysystem-<version>.data/data/share/buddysystem/ in a wheel
    prefixes = {
        n.split("/share/buddysystem/")[0] for n in wheel_files if "/share/buddysystem/" in n
    }
    assert len(prefixes) == 1, "no share/buddysystem in the wheel: pyproject's data-files"
    data_prefix = prefixes.pop()
    missing = []
    for path in data_files_of_the_checkout():
        inside = path.removeprefix("src/")
        top = inside.split("/")[0]
        if top in ("templates", "static", "locale"):
            expected = f"{data_prefix}/share/buddysystem/{inside}"
        else:
            expected = inside  # package data: core/templates/... next to core/__init__.py
        if expected not in wheel_files:
            missing.append(path)
    assert not missing, f"not in the wheel (pyproject's package-data / data-files): {missing}"
    assert any(name.endswith("locale/fr/LC_MESSAGES/django.mo") for name in wheel_files), (
        "the compiled catalogue is not in the wheel: run make install (pybabel compile) first"
    )
    assert any(name.endswith("migrations/0001_initial.py") for name in wheel_files)


def test_the_wheel_is_installed_not_the_sources_and_the_image_runs_as_non_root():
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    stages = re.findall(r"^FROM (\S+)(?: AS (\w+))?", dockerfile, re.M)
    assert len(stages) >= 2 and all("slim" in image for image, _ in stages), stages
    assert " -e " not in dockerfile and "--editable" not in dockerfile
    assert "pip wheel" in dockerfile and "pybabel compile" in dockerfile
    runtime = dockerfile.split("AS runtime", 1)[1]
    assert "COPY src" not in runtime, "the runtime stage must not carry the sources"
    assert "collectstatic" in runtime
    users = re.findall(r"^USER (\S+)", runtime, re.M)
    assert users and users[-1] not in ("root", "0"), users
    assert "LOG_FORMAT=json" in runtime and "config.gunicorn" in runtime


def test_the_build_context_leaves_out_venv_data_and_secrets():
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    assert "*" in ignored, "everything is left out but what is listed"
    allowed = {line[1:] for line in ignored if line.startswith("!")}
    assert allowed <= {"pyproject.toml", "constraints.txt", "README.md", "src/"}, allowed


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())


def test_compose_has_every_service_with_a_health_check(compose):
    services = compose["services"]
    assert {"postgres", "redis", "migrate", "web", "worker", "worker-matching", "beat"} <= set(
        services
    )
    assert any("mailpit" in s.get("image", "") for s in services.values()), "a mail catcher"
    for name in ("postgres", "redis", "web", "worker", "worker-matching"):
        assert "test" in services[name].get("healthcheck", {}), name
    for name in ("web", "worker", "worker-matching", "beat"):
        needs = services[name]["depends_on"]
        assert needs["migrate"]["condition"] == "service_completed_successfully", name
    assert "migrate_schemas" in " ".join(services["migrate"]["command"])
    assert any(v.endswith(":/app/media") for v in services["web"]["volumes"]), "uploads kept"
    assert "postgres-data" in compose["volumes"] and "media" in compose["volumes"]


def test_match_runs_have_a_worker_of_their_own(compose):
    services = compose["services"]
    queue = services["web"]["environment"]["CELERY_MATCHING_QUEUE"]
    matching = services["worker-matching"]["command"]
    assert matching[matching.index("-Q") + 1] == queue
    other = services["worker"]["command"]
    assert queue not in other[other.index("-Q") + 1].split(",")


SECRET_NAMES = re.compile(r"(SECRET|PASSWORD|TOKEN|DSN|KEY)", re.I)


def test_no_secret_is_written_in_compose_only_in_the_env_file(compose):
    for name, service in compose["services"].items():
        environment = service.get("environment", {})
        for key, value in environment.items():
            assert not SECRET_NAMES.search(key), f"{name}: {key} belongs in deploy/.env"
            assert not re.search(r"://[^/@\s]+:[^/@\s]+@", str(value)), f"{name}: {key}"
    example = (DEPLOY / "env.example").read_text()
    for line in example.splitlines():
        key, _, value = line.partition("=")
        if SECRET_NAMES.search(key) and not line.startswith("#"):
            assert value == "", f"env.example: {key} must be left empty"
    assert ".env" in (DEPLOY / ".gitignore").read_text().split()
