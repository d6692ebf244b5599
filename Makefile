# EpiQR — two commands do all set-up: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
EPIQR := $(VENV)/bin/epiqr
PYTEST_ARGS ?=
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test test-sqlite test-postgres lint format bench demo clean messages

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install -q -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install -q -e '.[dev]'
	touch $(VENV)/.installed $@

run: $(VENV)/.installed
	$(EPIQR) migrate --noinput
	$(EPIQR) demo --if-empty
	$(EPIQR) runserver 127.0.0.1:8000

demo: $(VENV)/.installed
	$(EPIQR) migrate --noinput
	$(EPIQR) demo --if-empty

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check src tests bench tools
	$(VENV)/bin/ruff format --check src tests bench tools
	$(VENV)/bin/mypy  # the modules listed in pyproject.toml [tool.mypy] files

format: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check --fix src tests bench tools
	$(VENV)/bin/ruff format src tests bench tools

test-sqlite: $(VENV)/.installed-dev
	$(PY) -m pytest -q -p no:cacheprovider $(PYTEST_ARGS)

test-postgres: $(VENV)/.installed-dev
	$(PY) tools/with_postgres.py -- $(PY) -m pytest -q -p no:cacheprovider $(PYTEST_ARGS)

# The two halves run side by side (each is mostly one busy process); each one's output is printed whole
# when it ends. `make test-sqlite` or `make test-postgres` runs one alone.
test: lint
	$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres

messages: $(VENV)/.installed-dev
	cd src/epiqr && ../../$(EPIQR) makemessages -l vi --no-obsolete && ../../$(EPIQR) compilemessages

clean:
	rm -rf $(VENV) var/*.sqlite3* test-artifacts
