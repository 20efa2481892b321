# hubsync — the two commands of the README, plus helpers.
# `make run`  : set up everything and start the demo (web, worker, beat, Salesforce emulator).
# `make test` : set up what tests need and run the whole suite.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
EMULATOR_PORT ?= 8765
PUBSUB_PORT ?= 8766

export DEBUG ?= true
EMULATOR_URL ?= http://127.0.0.1:$(EMULATOR_PORT)

.PHONY: run test test-quick test-loaded test-prerequisites install migrate demo lint format bench bench-scale messages clean mutation soak test-emulator

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Re-install only when a dependency list changed. hubsync's dev extra brings the emulator
# (emulator/) and the Pub/Sub interface (pubsub-api/), the repository's own distributions;
# the second line makes them editable too, so a change to their sources needs no re-install.
LOCAL_DISTRIBUTIONS := emulator/pyproject.toml pubsub-api/pyproject.toml
$(STAMP): pyproject.toml $(LOCAL_DISTRIBUTIONS) | $(BIN)/python
	rm -rf hubsync.egg-info  # left by hubsync's former setuptools builds; it shadows this one
	$(BIN)/pip install --quiet -e '.[dev]'
	$(BIN)/pip install --quiet --no-deps -e ./pubsub-api -e ./emulator
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	SALESFORCE_EMULATOR_URL=$(EMULATOR_URL) $(BIN)/python manage.py demo_setup

run: demo
	@echo ""
	@echo "  hubsync:            http://$(HOST):$(PORT)/"
	@echo "  Salesforce settings: http://$(HOST):$(PORT)/integrations/salesforce/settings/"
	@echo "  demo login:          demo / demo-password-2024"
	@echo "  Salesforce emulator: $(EMULATOR_URL) (its demo org; credentials are pre-filled)"
	@echo ""
	HOST=$(HOST) WEB_PORT=$(PORT) EMULATOR_PORT=$(EMULATOR_PORT) SALESFORCE_EMULATOR_URL=$(EMULATOR_URL) \
		PUBSUB_PORT=$(PUBSUB_PORT) SALESFORCE_PUBSUB_URL=grpc://127.0.0.1:$(PUBSUB_PORT) \
		$(BIN)/honcho start -f Procfile

# The suite runs in parallel worker processes (pytest-xdist, one per core; TEST_WORKERS=1
# for one process): each has its own test database, emulator and broker queue, so they
# share nothing but the machine.
TEST_WORKERS ?= auto
QUICK := not browser and not celery_worker and not subprocess and not slow

# Two runs: hubsync's suite (tests/; PYTEST_ARGS), then the emulator's own (emulator/tests/:
# its own pytest configuration, no Django; EMULATOR_PYTEST_ARGS, paths relative to emulator/).
EMULATOR_PYTEST_ARGS ?=
test: test-prerequisites install test-clients-install
	$(BIN)/pytest -n $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS)
	cd emulator && ../$(BIN)/pytest -n $(TEST_WORKERS) --dist worksteal $(EMULATOR_PYTEST_ARGS)

# The edit-test loop: every test that needs no browser, no Celery worker and no other
# process (the emulator runs in-process), in parallel. Under a minute.
test-quick: install
	$(BIN)/pytest -n $(TEST_WORKERS) --dist worksteal -m "$(QUICK)" $(PYTEST_ARGS)
	cd emulator && ../$(BIN)/pytest -n $(TEST_WORKERS) --dist worksteal -m "not subprocess and not slow" $(EMULATOR_PYTEST_ARGS)

# The whole suite (as `make test`) with two CPU-bound processes running beside it for the
# whole run: what a busy machine or CI runner does to the tests (see .ci/loaded).
test-loaded: test-prerequisites install test-clients-install
	.ci/loaded $(BIN)/pytest -n $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS)
	.ci/loaded $(BIN)/pytest -c emulator/pyproject.toml --rootdir emulator emulator/tests \
		-n $(TEST_WORKERS) --dist worksteal $(EMULATOR_PYTEST_ARGS)

# The emulator as a product of its own: pip-installs it from its folder (with its pubsub
# and test extras) into a new venv under var/ that has no Django, and runs its tests there.
# Then a new venv with `pip install .` of hubsync alone: neither the emulator nor Werkzeug
# may be in it. Needs the package index (both venvs are new); about two minutes.
test-emulator:
	bash .ci/test-emulator

# What the tests need beyond Python packages: Debian's Chromium for tests/browser
# (Playwright drives /usr/bin/chromium; its own browser download is not used) and npm for
# the emulator's independent client (jsforce). Installed from the distribution's packages
# when this runs as root or with password-less sudo; otherwise make stops at once with
# one line saying what to install.
export CHROMIUM ?= /usr/bin/chromium
test-prerequisites:
	@if [ ! -x $(CHROMIUM) ]; then \
	  if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	    echo "installing Chromium (apt-get install chromium)"; \
	    apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  elif command -v apt-get >/dev/null && sudo -n true 2>/dev/null; then \
	    echo "installing Chromium (sudo apt-get install chromium)"; \
	    sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null; \
	  fi; \
	fi; \
	if [ ! -x $(CHROMIUM) ]; then \
	  echo "make test needs Chromium at $(CHROMIUM): install it (Debian/Ubuntu: sudo apt-get install chromium), or set CHROMIUM=/path/to/chromium"; \
	  exit 1; \
	fi; \
	if ! command -v npm >/dev/null; then \
	  echo "make test needs Node.js 18+ with npm (Debian/Ubuntu: sudo apt-get install nodejs npm)"; \
	  exit 1; \
	fi

# Every benchmark under bench/ (emulator and Celery worker as subprocesses; Redis as the
# broker when it answers), on PostgreSQL (the headline: production's database, started or
# found as .ci/run does, database hubsync_bench) and on SQLite (under var/bench/): prints
# each figure with its command and writes bench/RESULTS.md with both side by side. Not part
# of `make test`. About 15 minutes.
BENCH_DATABASE ?= hubsync_bench
BENCH_PG_URL ?= postgres://postgres@127.0.0.1:5432/$(BENCH_DATABASE)
bench: install
	bash .ci/postgres $(BENCH_DATABASE)
	$(BIN)/python bench/run_all.py --database-url $(BENCH_PG_URL) $(BENCH_ARGS)
	$(BIN)/python bench/run_all.py $(BENCH_ARGS)

# The scale benchmarks: PostgreSQL at 2,000,000 contacts (up to about 45 minutes).
bench-scale: install
	bash .ci/postgres $(BENCH_DATABASE)
	$(BIN)/python bench/run_all.py --scale --database-url $(BENCH_PG_URL) $(BENCH_ARGS)

# ruff, then the type checker over hubsync's packages ([tool.mypy] in pyproject.toml).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	cd emulator && ../$(BIN)/mypy  # the emulator, strict ([tool.mypy] in emulator/pyproject.toml)

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Re-extract and compile the German catalogue after changing user-facing text
# (needs GNU gettext; the compiled .mo is committed, so running hubsync does not).
messages: install
	$(BIN)/python manage.py makemessages -l de --ignore=.venv --ignore=var --ignore=staticfiles \
		--ignore=tests --ignore=bench --ignore=emulator --ignore=pubsub-api --ignore=mutants
	$(BIN)/python manage.py compilemessages --ignore=.venv

clean:
	rm -rf var/broker var/*.sqlite3* .pytest_cache

# Mutation score of the pure core (mappers, geo, metering, soql, errors, the back-off
# policy) against its fast unit tests only; writes bench/MUTATION.md. Not part of
# `make test`. About two minutes on 2 cores. The mutants live under mutants/ (ignored).
mutation: install
	rm -rf mutants
	start=$$(date +%s); $(BIN)/mutmut run --max-children 2 \
		&& $(BIN)/python bench/mutation_report.py --seconds $$(( $$(date +%s) - start ))

# The model test of the two-way sync (issue 29) for SOAK_MINUTES (default 30) with fresh
# seeds: random histories of edits, settings and faults on both sides, each checked against
# the reference model (tests/connector/sync/model/). A failure is shrunk and printed as a
# script of steps. Ends with the line `soak: <H> histories, <S> steps, <F> failures`;
# exit 0 only when F is 0. Not part of `make test` (which runs a fixed small budget).
# SOAK_BACKFILL=1: claims of one contact and Bulk jobs from one record, so that every push
# of more than one contact is a backfill (shared insert jobs, one read of the org's emails).
SOAK_MINUTES ?= 30
SOAK_SUMMARY := var/soak/summary.txt
soak: install
	@mkdir -p var/soak; rm -f $(SOAK_SUMMARY)
	@PYTHONUNBUFFERED=1 LOG_LEVEL=ERROR SOAK_MINUTES=$(SOAK_MINUTES) SOAK_SUMMARY=$(SOAK_SUMMARY) $(BIN)/pytest \
		tests/connector/sync/soak_sync_model.py -q -s -p no:cacheprovider \
		>var/soak/output.txt 2>&1; rc=$$?; \
	grep -v '^soak: ' var/soak/output.txt | tail -n 200; \
	if [ -s $(SOAK_SUMMARY) ]; then line=$$(cat $(SOAK_SUMMARY)); \
	else line="soak: 0 histories, 0 steps, 1 failures"; fi; \
	case "$$line" in *", 0 failures") [ $$rc -eq 0 ] || line="$${line%, 0 failures}, 1 failures";; esac; \
	echo "$$line"; case "$$line" in *", 0 failures") exit 0;; *) exit 1;; esac

# The independent Salesforce client of emulator/tests/clients/test_jsforce.py:
# jsforce from its lock file (Node.js 18+ and npm; the test runs `npm ci` itself if needed).
test-clients-install: test-prerequisites
	cd emulator/tests/clients/jsforce && npm ci --no-audit --no-fund --ignore-scripts
	cd tests/browser/axe && npm ci --no-audit --no-fund --ignore-scripts
