# fundapp: set-up, demo, tests, benchmark. See README.md.
#
#   make demo    install, load a demo county into an SQLite file, serve it on 127.0.0.1:8000
#   make test    install, run the whole test suite (SQLite; PostgreSQL when DATABASE_URL says so)
#
# Every target installs what it needs first and is safe to run again: system packages only when
# one is missing (as root; otherwise we print which), pip only when pyproject.toml changed.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
# The demo keeps its own SQLite file, whatever DATABASE_URL the shell has.
DEMO_DATABASE_URL ?= sqlite:///$(CURDIR)/.demo/db.sqlite3
DEMO_ADDR ?= 127.0.0.1:8000
# The address printed on receipts (QR code, /r/<code>): the demo server's own unless set.
DEMO_PUBLIC_BASE_URL = $(or $(PUBLIC_BASE_URL),http://$(DEMO_ADDR))
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/postgres
PYTEST_ARGS ?=
BENCH_ARGS ?=
# Directories that hold no catalogue of ours.
MSG_IGNORE := --ignore=.venv --ignore=staticfiles --ignore=node_modules --ignore=.demo

.PHONY: help install system-packages python-env compilemessages collectstatic demo serve test lint \
	bench messages clean distclean

help:
	@echo "make demo       install, load the demo data, serve on http://$(DEMO_ADDR)/"
	@echo "make serve      install, check --deploy, migrate, serve with gunicorn (production; docs/deploy.md)"
	@echo "make test       install, run the whole test suite (DATABASE_URL=postgres://... for PostgreSQL)"
	@echo "make install    system packages (as root), .venv, compiled catalogues, static files"
	@echo "make lint       ruff check + ruff format --check + lint-imports (layers)"
	@echo "make bench      ledger benchmark against PostgreSQL (DATABASE_URL; BENCH_ARGS=--quick)"
	@echo "make messages   update the zh_Hans and en catalogues (makemessages)"
	@echo "make clean      remove generated files and the demo database (distclean: also .venv)"

# Run in order (not as prerequisites), so that `make -j` cannot reorder them.
install:
	@$(MAKE) --no-print-directory system-packages
	@$(MAKE) --no-print-directory python-env
	@$(MAKE) --no-print-directory compilemessages
	@$(MAKE) --no-print-directory collectstatic

system-packages:
	@PYTHON=$(PYTHON) bash scripts/system-packages.sh

python-env:
	@PYTHON=$(PYTHON) VENV=$(VENV) bash scripts/python-env.sh dev

compilemessages:
	@if command -v msgfmt >/dev/null 2>&1; then \
		DEBUG=1 $(MANAGE) compilemessages $(MSG_IGNORE) -v0 && echo "messages: compiled"; \
	else \
		echo "messages: msgfmt is missing (Debian package gettext): catalogues not compiled," \
			"pages show the English source strings"; \
	fi

# Outside DEBUG whitenoise serves the hashed, compressed copies named by staticfiles.json (the
# manifest), and a page naming a file missing from it answers 500: collect with the production
# storage (STATIC_MANIFEST=1) so a DEBUG-off server works right after `make install`. DEBUG
# itself serves from the apps' folders. The first run compresses every file (a minute or two).
collectstatic:
	@DEBUG=1 STATIC_MANIFEST=1 $(MANAGE) collectstatic --noinput -v0 && echo "static files: collected"

# The demo signs its PDFs with a self-signed certificate of its own (common/pdfsign.py).
DEMO_ENV = DEBUG=1 DATABASE_URL=$(DEMO_DATABASE_URL) PUBLIC_BASE_URL=$(DEMO_PUBLIC_BASE_URL) \
	PDF_SIGNING_KEY_FILE=$(CURDIR)/.demo/signing/pdf-signing-key.pem \
	PDF_SIGNING_CERT_FILE=$(CURDIR)/.demo/signing/pdf-signing-cert.pem

demo: install
	@mkdir -p .demo
	@echo "demo: database $(DEMO_DATABASE_URL)"
	@DEBUG=1 DATABASE_URL=$(DEMO_DATABASE_URL) $(MANAGE) migrate --noinput -v0
	@DEBUG=1 $(MANAGE) make_signing_cert .demo/signing --if-missing >/dev/null
	@$(DEMO_ENV) $(MANAGE) load_demo
	@echo
	@echo "Serving the demo on http://$(DEMO_ADDR)/  (log in with a user above; Ctrl-C stops it)"
	@# The scheduled jobs (close ended notices, overdue reminders, the daily ledger verification,
	@# ...) run beside the server, in their own process, and stop with it: no cron, no broker
	@# (fundapp/scheduler.py).
	@$(DEMO_ENV) $(MANAGE) run_scheduler & scheduler=$$!; \
		trap 'kill $$scheduler 2>/dev/null || true' EXIT; \
		$(DEMO_ENV) $(MANAGE) runserver $(DEMO_ADDR)

# Production serving (docs/deploy.md): the settings come from the environment (or .env): DEBUG
# off, SECRET_KEY and the other keys, DATABASE_URL, REDIS_URL; BIND and WEB_CONCURRENCY for
# gunicorn (deploy/gunicorn.conf.py). Refuses to start when `check --deploy` finds an error.
serve: install
	$(MANAGE) check --deploy --fail-level ERROR
	$(MANAGE) migrate --noinput
	exec $(VENV)/bin/gunicorn -c deploy/gunicorn.conf.py fundapp.wsgi

# DATABASE_URL from the environment passes through: unset means SQLite in memory. A test that
# runs for 5 minutes gets every thread's stack printed (faulthandler), so a hang names itself.
# The suite runs in TEST_WORKERS processes (pytest-xdist; each has its own test database,
# pytest-django names it after the worker), a test file at a time on one worker (loadfile), in
# the order tests/conftest.py gives (the slowest files first, so no worker is left with one at
# the end). TEST_WORKERS=0 runs it in this process.
TEST_WORKERS ?= 2
ifeq ($(TEST_WORKERS),0)
XDIST_ARGS :=
else
XDIST_ARGS := -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder
endif

test: install
	@echo "tests: database $${DATABASE_URL:-SQLite (default)}, $(TEST_WORKERS) worker processes"
	DEBUG=1 $(PY) -m pytest -q -p no:cacheprovider -o faulthandler_timeout=300 $(XDIST_ARGS) \
		$(PYTEST_ARGS)

lint: python-env
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

bench: python-env
	$(VENV)/bin/pip install --quiet -e ".[dev,bench]" 2>&1 | \
		{ grep -v "^WARNING: Location 'file://.*' is ignored" || true; }
	DATABASE_URL=$${DATABASE_URL:-$(BENCH_DATABASE_URL)} PYTHONPATH=$(CURDIR) \
		$(VENV)/bin/python bench/ledger.py $(BENCH_ARGS)

messages: python-env
	DEBUG=1 $(MANAGE) makemessages -l zh_Hans -l en $(MSG_IGNORE) --ignore=bench
	@$(MAKE) --no-print-directory compilemessages

clean:
	rm -rf staticfiles .demo .pytest_cache .ruff_cache .hypothesis build ./*.egg-info
	find . -path ./.venv -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
	find locale -name '*.mo' -delete 2>/dev/null || true

distclean: clean
	rm -rf $(VENV)
