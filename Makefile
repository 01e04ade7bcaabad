# Citizen Service Portal — `make help` lists the targets.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SYSTEM_PACKAGES := chromium poppler-utils libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 softhsm2 libnss3-tools zbar-tools wrk openssl
SUDO := $(shell [ "$$(id -u)" = "0" ] || echo sudo)

.PHONY: help install system-packages axe demo test test-fast lint bench clean

help: ## list the documented targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 18

system-packages: ## install the Debian packages the tests need (Chromium, poppler, Pango)
	@missing=""; for p in $(SYSTEM_PACKAGES); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

# axe-core for the accessibility test, from the npm registry (no browser download); npm itself
# comes from Debian when the machine has none.
AXE := .cache/axe/node_modules/axe-core/axe.min.js

$(AXE):
	@command -v npm >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq npm; }
	npm install --no-save --no-audit --no-fund --prefix .cache/axe axe-core@4.14.1

axe: $(AXE) ## fetch axe-core for the browser accessibility test

install: system-packages $(STAMP) axe ## create .venv and install everything (Python and system)

demo: install ## run the portal with demo data on http://127.0.0.1:8000
	$(BIN)/portal demo

test: install ## run the whole test suite (SQLite; PostgreSQL too if PORTAL_TEST_DATABASE_URL is set)
	$(BIN)/pytest

test-fast: install ## the suite without browser and end-to-end tests
	$(BIN)/pytest -m "not browser and not e2e"

lint: install ## ruff check and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: install ## benchmarks: certificate render+sign, verification request rate, officer queue
	@dpkg -s wrk >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq wrk; }
	@$(BIN)/python -c "import locust" 2>/dev/null || $(BIN)/pip install -q -e '.[dev,bench]'
	$(BIN)/python bench/run.py  # certificates, verify, queue in turn; key=value figures last (queue: PORTAL_BENCH_DATABASE_URL, default .../bench)
	@echo "load benchmark (3-15 minutes, PostgreSQL): $(BIN)/python bench/run.py --only load"

clean: ## remove the virtualenv, caches and test output (keeps var/ data)
	rm -rf $(VENV) .pytest_cache .ruff_cache test-output
