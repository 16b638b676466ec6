"""pytest plugin (`-p embedded_database` in pyproject's addopts): the environment the settings
need, set before pytest-django loads them.

- SECRET_KEY: the suite runs with DEBUG off, as in production, where the settings require a
  key; a test-only one is used unless the environment has one.
- DATABASE_URL: when it is not set, the embedded PostgreSQL in .data/ is started (or joined)
  and stopped when the last process using it exits. Subprocesses (the Celery worker of the
  tests) inherit both.
"""

import os

import pytest

from config.embedded_db import ensure_database_url


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config) -> None:
    os.environ.setdefault("SECRET_KEY", "insecure-key-for-the-test-suite-only")
    # no collectstatic before the tests: static files under their plain names (settings)
    os.environ.setdefault("STATIC_MANIFEST", "false")
    if early_config.known_args_namespace.help or early_config.known_args_namespace.version:
        return  # pytest --help / --version need no database
    ensure_database_url()
