# The two promises of the README: `make run` and `make test`.
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never
UV = $(shell bin/ensure-uv)
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# One source of truth for absolute links (mail, feeds, webcal://): derived from PORT unless set.
# Exported so web, worker and beat agree (honcho gives each process its own PORT: 8000, 8100, 8200).
SITE_URL ?= http://127.0.0.1:$(PORT)
export SITE_URL

.PHONY: install run test lint format bench e2e clean import-charters import-seps

# `make import-seps PATH=...` would replace the shell's search path: say so instead of failing oddly.
ifeq ($(origin PATH),command line)
$(error PATH is the shell's search path; name the folder with DIR=..., e.g. make import-seps DIR=../spec/seps)
endif

install:
	@$(UV) sync --frozen --quiet

run: install
	@mkdir -p .dev/broker/queue .dev/broker/processed .dev/broker/control
	@$(PY) bin/ensure-db
	DEBUG=true $(PY) manage.py migrate --noinput
	DEBUG=true $(PY) manage.py seed_demo --if-empty
	@echo ""
	@echo "  Portal:  http://127.0.0.1:$(PORT)/      Admin: http://127.0.0.1:$(PORT)/admin/"
	@echo "  Sign in: lena@example.org (lead maintainer), marco@example.org (core maintainer),"
	@echo "           ana@example.org (member), mei@example.org (contributor)"
	@echo "  Password for all demo people: demo-portal-2026      Ctrl-C stops web, worker and beat."
	@echo "  Links in mail and calendar feeds: $(SITE_URL)   (SITE_URL=... to change)"
	@echo ""
	DEBUG=true PORT=$(PORT) $(VENV)/bin/honcho -f Procfile.dev start

# The community's files into the development database, with the same settings as `make run`
# (DEBUG=true, so no SECRET_KEY is needed). ARGS passes options: ARGS="--dry-run --format json".
import-charters import-seps: install
	@test -n "$(DIR)" || { echo "Usage: make $@ DIR=path/to/folder [ARGS=\"--dry-run --format json\"]" >&2; exit 2; }
	@$(PY) bin/ensure-db
	@DEBUG=true $(PY) manage.py migrate --noinput -v 0
	DEBUG=true $(PY) manage.py $(subst -,_,$@) "$(DIR)" $(ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/djlint templates --check
	$(VENV)/bin/djlint templates --lint
	$(VENV)/bin/lint-imports

format: install
	$(VENV)/bin/ruff format . && $(VENV)/bin/ruff check --fix .
	$(VENV)/bin/djlint templates --reformat --quiet || true

test: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/djlint templates --check
	$(VENV)/bin/djlint templates --lint
	$(VENV)/bin/lint-imports
	$(VENV)/bin/pytest $(PYTEST_ARGS)

e2e: install
	$(VENV)/bin/pytest tests/e2e $(PYTEST_ARGS)

bench: install
	$(PY) bin/bench.py

clean:
	rm -rf .dev .venv test-artifacts
