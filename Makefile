# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=
# Compiled translations (git-ignored), rebuilt when their catalogue changes.
MO_FILES := $(patsubst %.po,%.mo,$(wildcard src/locale/*/LC_MESSAGES/django.po))

.PHONY: install run test e2e contract lint bench load worker beat migrate messages clean-data

# Reinstalled when the dependencies or their pinned versions change.
$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e ".[dev]"
	touch $@

install: $(VENV)/.installed $(MO_FILES)

%.mo: %.po $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -i $< -o $@

# Refresh the catalogues after changing texts (needs GNU gettext's xgettext), then translate.
messages: install
	$(BIN)/python manage.py makemessages -l fr --no-location -i ".venv/*" -i "tests/*" -i ".data/*" -i "src/matching/engine/*"

# Serves the platform with the demo sections on http://localhost:8000 (embedded database
# unless DATABASE_URL is set; Celery tasks run in-process unless REDIS_URL is set).
run: export DEBUG ?= true
run: install
	$(BIN)/python manage.py migrate_schemas --noinput -v 0
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py runserver 127.0.0.1:8000

migrate: export DEBUG ?= true
migrate: install
	$(BIN)/python manage.py migrate_schemas --noinput

test: install
	$(BIN)/pytest $(PYTEST_ARGS)

# The browser suite (tests/e2e), in a pytest run of its own: the story in Debian's Chromium
# (/usr/bin/chromium) against gunicorn, a Celery worker and Redis (REDIS_URL), on a database of
# its own (DATABASE_URL's name + _e2e, dropped first); prints where its screenshots are.
e2e: install
	$(BIN)/pytest tests/e2e $(PYTEST_ARGS)

# The API's contract (tests/contract), in a pytest run of its own on the same stack as e2e
# (database: DATABASE_URL's name + _contract): schemathesis on both hosts as a coordinator's
# token, a student's session and anonymous; a client generated from the schema.
contract: install
	$(BIN)/pytest tests/contract $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	cd src && ../$(BIN)/lint-imports ../pyproject.toml
	$(BIN)/check-jsonschema --builtin-schema vendor.compose-spec deploy/docker-compose.yml

bench: install
	set -e; for bench in tests/bench/bench_*.py; do echo "== $$bench"; $(BIN)/python $$bench; done

# gunicorn (2 workers) on 127.0.0.1:8099 under a bounded, headless locust run, on a database of
# its own (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/buddysystem_load, dropped first).
load: install
	$(BIN)/python tests/load/run.py

# With REDIS_URL set: the worker and the scheduler (run them as a non-root user).
worker: export DEBUG ?= true
worker: install
	$(BIN)/celery -A config worker -l INFO

beat: export DEBUG ?= true
beat: install
	$(BIN)/celery -A config beat -l INFO

# Stops nothing: stop `make run` first. Removes the embedded database and its data.
clean-data:
	rm -rf .data
