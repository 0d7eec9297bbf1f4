# make run [ARGS="preview THIS OTHER"]   - the app (no ARGS: GUI on the bundled samples)
# make test [ARGS="-k name"]             - the test suite, with a throwaway PostgreSQL
# make samples                            - rebuild resources/samples/*.db
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test samples lint clean

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
	PATH="$(CURDIR)/$(BIN):$$PATH" bash scripts/run-tests.sh $(ARGS)

samples:
	$(PYTHON) scripts/build_samples.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .hypothesis .ruff_cache
