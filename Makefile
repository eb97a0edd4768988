# Prikbord: `make run` and `make test` on a fresh machine (Python 3.11+, npm).
# `make check` is what CI runs: lint, format, types, then the whole test suite.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 8000
DATA ?= ./data
WORKERS ?= 1

VENV := .venv
WEB := client/web
WEB_DEPS := $(WEB)/node_modules/.installed
WEB_BUILT := $(WEB)/dist/.built
# Everything the bundle is made from: all of client/web but its outputs and tests.
WEB_SOURCES := $(shell find $(WEB) \( -name node_modules -o -name dist -o -name test \) -prune \
	-o -type f -print 2>/dev/null)
HAVE_WEB := $(wildcard $(WEB)/package.json)
HAVE_NPM := $(shell command -v npm 2>/dev/null)

.PHONY: help .venv web run test check clean distclean

help:
	@echo "make run        serve on http://$(HOST):$(PORT) with data in $(DATA)"
	@echo "                (override: make run HOST=0.0.0.0 PORT=8080 DATA=/srv/prikbord WORKERS=4)"
	@echo "make test       the whole test suite (Python, then the web app's unit tests)"
	@echo "make check      ruff, mypy --strict, then make test (what CI runs)"
	@echo "make clean      remove build outputs and caches (never ./data)"
	@echo "make distclean  clean, and remove .venv and node_modules"

# The venv is rebuilt when pyproject.toml changes.
.venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -e '.[dev,bench]'
	touch $@

# The browser app, built by Vite into client/web/dist. Skipped, with a
# message, while there is no client/web/package.json or no npm.
ifeq ($(HAVE_WEB),)
web:
	@echo "web: no $(WEB)/package.json, nothing to build"
else ifeq ($(HAVE_NPM),)
web:
	@echo "web: npm not found, NOT building the browser app (install Node.js and npm," \
		"e.g. apt-get install nodejs npm)"
else
web: $(WEB_BUILT)
endif

$(WEB_DEPS): $(WEB)/package.json $(wildcard $(WEB)/package-lock.json)
	cd $(WEB) && if [ -f package-lock.json ]; then npm ci; else npm install; fi
	mkdir -p $(@D) && touch $@

$(WEB_BUILT): $(WEB_DEPS) $(WEB_SOURCES)
	cd $(WEB) && npm run build
	test -d $(@D) || { echo "web: npm run build made no $(@D)" >&2; exit 1; }
	touch $@

run: .venv web
	$(VENV)/bin/prikbord serve --data $(DATA) --host $(HOST) --port $(PORT) --workers $(WORKERS)

# The e2e tests drive a real Chromium and skip nothing; .ci/run installs it.
test: .venv web
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null \
		|| ls -d $${PLAYWRIGHT_BROWSERS_PATH:-$$HOME/.cache/ms-playwright}/chromium* \
			>/dev/null 2>&1 \
		|| echo "test: WARNING: no Chromium found; the e2e tests will fail" \
			"(apt-get install chromium)" >&2
	@command -v docker-compose >/dev/null \
		|| echo "test: WARNING: no docker-compose found; the compose checks will fail" \
			"(apt-get install docker-compose)" >&2
	$(VENV)/bin/pytest -q
ifneq ($(HAVE_WEB),)
ifeq ($(HAVE_NPM),)
	@echo "test: npm not found, cannot run the web unit tests" >&2; exit 1
else
	cd $(WEB) && npm test
endif
endif

check: .venv
	scripts/check

clean:
	rm -rf $(WEB)/dist build test-artifacts .pytest_cache .mypy_cache .ruff_cache .hypothesis
	find . -path ./$(VENV) -prune -o -path ./$(WEB)/node_modules -prune \
		-o -name __pycache__ -type d -print0 | xargs -0 rm -rf

distclean: clean
	rm -rf $(VENV) $(WEB)/node_modules *.egg-info
