# `make run` serves the API with a Celery worker and beat; `make test` runs the suite.
# Both work on a fresh machine: SQLite and a file-system broker unless DATABASE_URL,
# CELERY_BROKER_URL and REDIS_URL point at PostgreSQL and Redis.
# `make bench` (not part of `make test`) measures the API and the trend sweep on PostgreSQL
# and Redis, and writes bench/results.json and bench/results.md (bench/README.md).

VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000

.PHONY: install run test bench clean

$(VENV)/installed: requirements.txt requirements-dev.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/installed

run: export DEBUG ?= 1
# The development server starts a thread per request: a connection kept past it is left open.
run: export DB_CONN_MAX_AGE ?= 0
run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable
	$(PY) manage.py load_guidance
	WEB_PORT=$(PORT) PATH="$(abspath $(VENV))/bin:$$PATH" $(VENV)/bin/honcho start

test: export SECRET_KEY ?= test-only-secret-key
test: install
	$(VENV)/bin/pytest

# Its own database and Redis databases (BENCH_DATABASE_URL, BENCH_REDIS_URL, BENCH_BROKER_URL).
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
bench: install
	@command -v wrk >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq wrk; }
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) var staticfiles
