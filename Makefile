# The two commands of the README: `make run` and `make test`. Everything else is a helper.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_TICKETS ?= 600

.PHONY: run test lint format messages compile-messages clean-venv

$(BIN)/python:
	@py=$$(scripts/find-python) || exit 1; \
	echo "Creating $(VENV) with $$py"; \
	"$$py" -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.dev-installed: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $@

run: $(VENV)/.installed
	$(BIN)/escala migrate --noinput
	$(BIN)/escala demo --if-empty --tickets $(DEMO_TICKETS)
	$(BIN)/escala sla_rebuild --defaults --if-empty
	$(BIN)/escala reports_rebuild --missing
	DEBUG=$${DEBUG:-true} $(BIN)/escala serve --host $(HOST) --port $(PORT)

test: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/escala makemigrations --check --dry-run >/dev/null || \
		(echo "Model changes without a migration: run '$(BIN)/escala makemigrations'"; exit 1)
	ESCALA_TEST_DB_NAME=$${ESCALA_TEST_DB_NAME:-test_escala_$$(date +%s)_$$$$} $(BIN)/pytest $(PYTEST_ARGS)

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.dev-installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Rebuild every catalogue (one per app, plus escala/locale for the shared templates) after
# changing strings; fill in the Spanish, then `make compile-messages`.
# The shared catalogue leaves out the apps that keep their own (it would copy all their strings).
messages: $(VENV)/.installed
	@ignores=""; for dir in escala/*/; do \
		if [ -d "$$dir/locale" ]; then \
			(cd "$$dir" && $(CURDIR)/$(BIN)/escala makemessages -l es -l en --no-obsolete >/dev/null); \
			ignores="$$ignores --ignore=$$(basename $$dir)"; \
		fi; \
	done; \
	cd escala && $(CURDIR)/$(BIN)/escala makemessages -l es -l en --no-obsolete $$ignores >/dev/null

compile-messages: $(VENV)/.installed
	@for dir in escala/*/ escala/; do \
		if [ -d "$$dir/locale" ]; then (cd "$$dir" && $(CURDIR)/$(BIN)/escala compilemessages >/dev/null); fi; \
	done

clean-venv:
	rm -rf $(VENV)
