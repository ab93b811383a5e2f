# The two promises of the README: `make run` and `make test`.
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never
UV = $(shell bin/ensure-uv)
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000

.PHONY: install run test lint format bench e2e clean

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
	@echo ""
	DEBUG=true PORT=$(PORT) $(VENV)/bin/honcho -f Procfile.dev start

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
