# The three commands: `make run`, `make test`, `make bench`. Each sets itself up first;
# stamp files make a repeated setup instant and redo only what changed.

VENV    := .venv
BIN     := $(VENV)/bin
PYTHON  ?= python3
ASSETS  := crm/static/vendor/.copied
ARGS    ?=
SCALE   ?= S
BACKEND ?= postgresql

.PHONY: run test bench setup

# The embedded demo: administrators are not held to two-factor set-up unless asked for
# (production keeps CRM_ADMIN_MFA_REQUIRED on by default).
run: setup
	CRM_ADMIN_MFA_REQUIRED=$${CRM_ADMIN_MFA_REQUIRED:-0} $(BIN)/crm run $(ARGS)

test: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/crm makemigrations --check --dry-run
	$(BIN)/lint-imports
	CRM_TESTING=1 $(BIN)/mypy
	CRM_TESTING=1 $(BIN)/pytest $(ARGS)

# Scale S on PostgreSQL by default; `make bench SCALE=M`, `make bench BACKEND=sqlite`.
# Reports only (never fails on a missed target); see bench/README.md.
bench: setup
	$(BIN)/python -m bench.run --scale $(SCALE) --backend $(BACKEND) $(BENCH_ARGS)

setup: $(VENV)/.installed-crm $(ASSETS)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed-deps: requirements.lock | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	touch $@

$(VENV)/.installed-crm: pyproject.toml $(VENV)/.installed-deps
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

$(ASSETS): node_modules/.package-lock.json scripts/copy_assets.mjs
	node scripts/copy_assets.mjs
	touch $@
