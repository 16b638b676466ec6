"""The browser suite's fixtures: the platform on loopback (stack.py), Chromium, the page checks.

`make e2e` runs it, in a pytest invocation of its own (`pytest tests/e2e`): it commits to a
database of its own, so the rest of the suite never collects it."""

import functools
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from e2e.browser import CHROMIUM, CHROMIUM_ARGS, Checks
from e2e.stack import Stack

E2E_DIR = Path(__file__).resolve().parent


@functools.cache
def artefacts() -> Path:
    """The run's folder of screenshots, emails and server logs (CI keeps it)."""
    return Path(tempfile.mkdtemp(prefix="buddysystem-e2e-"))


def pytest_ignore_collect(collection_path, config):
    """Collected only when the command line names this folder (or a file in it)."""
    asked = [Path(arg.split("::")[0]).resolve() for arg in config.args]
    if not any(path == E2E_DIR or E2E_DIR in path.parents for path in asked):
        return True
    return None


def pytest_terminal_summary(terminalreporter):
    if artefacts.cache_info().currsize:
        terminalreporter.write_line(f"e2e artefacts (screenshots, emails, logs): {artefacts()}")


@pytest.fixture
def fresh_cache():
    """The suite's own empties the cache after each test, which here is the live platform's
    Redis (and broker): nothing of it is this process's to clear."""
    yield


@pytest.fixture(scope="session")
def stack():
    platform = Stack(work=artefacts())
    platform.start()
    yield platform
    platform.stop()


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def checks():
    folder = artefacts() / "screenshots"
    folder.mkdir()
    return Checks(folder)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A step that fails leaves a screenshot of what each person of the story saw."""
    report = yield
    story = item.funcargs.get("story") if hasattr(item, "funcargs") else None
    if report.when == "call" and report.failed and story is not None:
        folder = artefacts() / "failures" / item.name
        folder.mkdir(parents=True, exist_ok=True)
        for name, person in story.people.items():
            if not person.page.is_closed():
                person.page.screenshot(path=folder / f"{name}.png", full_page=True)
        report.sections.append(("e2e", f"what each person saw: {folder}"))
    return report
