# govhall — the README's two commands, and the benchmarks.
#   make run    demo hall on http://127.0.0.1:8000 (SQLite under var/)
#   make test   the whole suite on SQLite, then on PostgreSQL when reachable
#   make bench  benchmarks, as ratios measured in the same run
#   make load   the load test (locust against gunicorn), next to its floor
#   make fuzz   the long runs of the concurrency, crash, rollup and API-schema tests

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
HOST   ?= 127.0.0.1
PORT   ?= 8000
PYTEST_ARGS ?=

.PHONY: run test test-sqlite test-postgres test-other-day fuzz bench load install install-dev clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# The demo runs with DEBUG off, as production does: the site's own Chinese
# error pages, never Django's debug pages (`manage.py runserver` on its own
# stays in development, DEBUG on). Safe values for a demo on this machine: a
# secret key made once per checkout under var/, cookies over plain HTTP, the
# static files collected for WhiteNoise, readable log lines (not production's
# JSON). Each can be overridden from the
# environment (GOVHALL_DEBUG=1 make run: the debug pages).
# The task worker runs beside the server and stops with it; it runs the
# supervision scan every GOVHALL_SUPERVISE_INTERVAL_SECONDS (lights change live).
DEMO_VAR := $(or $(GOVHALL_VAR_DIR),var)
run: export GOVHALL_DEBUG ?= 0
ifndef GOVHALL_SECRET_KEY
run: export GOVHALL_SECRET_KEY_FILE ?= $(abspath $(DEMO_VAR))/secret_key
endif
run: export GOVHALL_PUBLIC_URL ?= http://$(HOST):$(PORT)
run: export GOVHALL_ALLOWED_HOSTS ?= 127.0.0.1,localhost,[::1],$(HOST)
run: export GOVHALL_SECURE_COOKIES ?= 0
run: export GOVHALL_LOG_FORMAT ?= text

$(DEMO_VAR)/secret_key: | $(VENV)/.installed
	mkdir -p $(@D)
	umask 077 && $(PY) -c "import secrets; print(secrets.token_urlsafe(50))" > $@

run: install $(DEMO_VAR)/secret_key
	$(PY) manage.py migrate --noinput -v 0
	$(PY) manage.py collectstatic --noinput -v 0
	$(PY) manage.py demo
	@echo ""
	@echo "govhall: http://$(HOST):$(PORT)/  (Ctrl-C to stop; the task worker writes to $(DEMO_VAR)/worker.log)"
	$(VENV)/bin/govhall worker --no-startup-delay --interval 0.5 >> $(DEMO_VAR)/worker.log 2>&1 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver $(HOST):$(PORT) --noreload

# PostgreSQL: GOVHALL_TEST_POSTGRES_URL, or a server answering on the local
# default (postgres://postgres@127.0.0.1:5432/test); skipped with a message
# when neither is there.
test: test-sqlite test-postgres

test-sqlite: install-dev
	@echo "== tests on SQLite =="
	env -u GOVHALL_DATABASE_URL $(PY) -m pytest $(PYTEST_ARGS)

test-postgres: install-dev
	@url="$${GOVHALL_TEST_POSTGRES_URL:-$$($(PY) scripts/pg_probe.py)}"; \
	if [ -z "$$url" ]; then echo "== PostgreSQL not reachable: PostgreSQL run skipped (set GOVHALL_TEST_POSTGRES_URL) =="; \
	else echo "== tests on PostgreSQL =="; GOVHALL_DATABASE_URL="$$url" $(PY) -m pytest $(PYTEST_ARGS); fi

# The suite must not depend on the real date: run it once on another day
# (the clock still ticks from there). CI does, after `make test`.
OTHER_DAY ?= 2025-06-10
test-other-day: install-dev
	@echo "== tests on SQLite, today being $(OTHER_DAY) =="
	env -u GOVHALL_DATABASE_URL GOVHALL_TEST_TODAY=$(OTHER_DAY) $(PY) -m pytest $(PYTEST_ARGS)

# The long runs of the bounded tests, on both databases: more workers racing
# on the same cases, a longer run killed with SIGKILL, more generated
# histories for the rollups, more generated requests against the API's schema
# (docs/operations.md, docs/indicators.md). About half an hour.
FUZZ_ARGS ?= govhall/cases/tests/test_concurrency.py govhall/cases/tests/test_crash.py govhall/stats/tests/test_rollup.py govhall/api/tests/test_schema_fuzz.py
fuzz: export GOVHALL_RACE_WORKERS ?= 12
fuzz: export GOVHALL_CRASH_APPLICATIONS ?= 60
fuzz: export GOVHALL_PROPERTY_EXAMPLES ?= 300
fuzz: export FUZZ_EXAMPLES ?= 100
fuzz: install-dev
	$(MAKE) test PYTEST_ARGS="$(FUZZ_ARGS)"

bench: install-dev
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	$(PY) bench/run.py

# The hall's load test (docs/performance.md, "Load"): gunicorn, the task
# worker and locust on 127.0.0.1, on PostgreSQL (a throwaway database on the
# local server) and on SQLite, each next to its floor; about 5 min per
# database (LOAD_SECONDS=60 each, LOAD_DATABASES="postgresql sqlite").
load: install-dev
	$(PY) -m pip install --quiet -e '.[dev,load]'
	$(PY) load/run.py

clean:
	rm -rf $(VENV) var .pytest_cache .hypothesis
