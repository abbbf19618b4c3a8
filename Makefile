# Lückenlos: `make run` to try it, `make test` to check it. Nothing else needs to be installed by hand.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask
export FLASK_APP := wsgi.py
# Demo mode is explicit: the local mailbox at /mailbox, the demo data, a generated secret key.
DEMO := LUECKENLOS_DEMO=1
PORT := $(or $(FLASK_RUN_PORT),5000)

.PHONY: run test test-sqlite test-postgres lint check bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

run: export LUECKENLOS_DEMO := 1
run: export BASE_URL ?= http://127.0.0.1:$(PORT)
run: $(VENV)/.installed
	bash scripts/ensure-weasyprint.sh $(BIN)/python
	$(FLASK) db upgrade
	$(FLASK) demo
	@echo "Lückenlos läuft auf http://127.0.0.1:$(PORT) (beenden mit Strg+C)"
	$(FLASK) mail send --watch & mailer=$$!; $(FLASK) jobs run --watch & jobs=$$!; \
	trap 'kill $$mailer $$jobs 2>/dev/null' EXIT INT TERM; \
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

check: $(VENV)/.installed
	$(DEMO) $(FLASK) catalogue check

# Lint and types, once per CI run: `make test` runs them first, `make test-postgres` does not (the two
# passes run side by side in CI). ruff covers every Python file we write; mypy all but tests/ and setup.py
# (pytest functions and fixtures are unannotated, so default mypy would skip their bodies anyway).
LINT_PATHS := survey questionnaires analysis tests benchmarks scripts migrations wsgi.py gunicorn.conf.py setup.py
TYPED_PATHS := survey questionnaires analysis benchmarks scripts migrations wsgi.py gunicorn.conf.py
lint: $(VENV)/.installed-test
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/mypy $(TYPED_PATHS)

test: $(VENV)/.installed-test lint
	bash scripts/ensure-chromium.sh
	bash scripts/ensure-weasyprint.sh $(BIN)/python
	$(DEMO) $(FLASK) catalogue check
	bash scripts/pytest-strict.sh $(BIN)/pytest $(PYTEST_ARGS)

test-postgres: $(VENV)/.installed-test
	bash scripts/ensure-chromium.sh
	bash scripts/ensure-weasyprint.sh $(BIN)/python
	bash scripts/with-postgres.sh bash scripts/pytest-strict.sh $(BIN)/pytest $(PYTEST_ARGS)

bench: $(VENV)/.installed-test
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) instance .pytest_cache .mypy_cache .ruff_cache
