# make run [ARGS="preview THIS OTHER"]   - the app (no ARGS: GUI on the bundled samples)
# make test [ARGS="-k name"]             - the test suite, with a throwaway PostgreSQL
# make check                              - every CI gate: lint, types, imports, tests + coverage
# make samples                            - rebuild resources/samples/*.db
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test samples lint typecheck imports coverage check clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip

# The editable install maps each package found at install time; reinstall when one appears.
$(STAMP): pyproject.toml $(wildcard core/__init__.py gui/__init__.py) | $(BIN)/python
	$(BIN)/python -m pip install -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/truce $(ARGS)

test: $(STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" bash scripts/run-tests.sh --durations=10 $(ARGS)

samples:
	$(PYTHON) scripts/build_samples.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# mypy and import-linter read their settings from pyproject.toml.
typecheck: $(STAMP)
	$(BIN)/mypy

imports: $(STAMP)
	$(BIN)/lint-imports

# The whole suite with coverage of core/; fails under the floor in pyproject.toml.
coverage: $(STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" bash scripts/run-tests.sh --durations=10 --cov=core --cov-report=term $(ARGS)

# What CI runs (`make -k check` reports every failing gate, not just the first).
check: lint typecheck imports coverage

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .hypothesis .ruff_cache
