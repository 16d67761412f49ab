# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml requirements/constraints.txt 2>/dev/null | sha1sum | cut -c1-12)

.PHONY: run test lint messages bench-demo clean

run: $(STAMP)
	EFS_SECURE=$${EFS_SECURE:-0} $(BIN)/efs up

test: $(STAMP)
	$(BIN)/python scripts/check_python.py
	bash scripts/test.sh

lint: $(STAMP)
	bash scripts/test.sh --lint-only

# Extract UI strings (needs GNU gettext) and compile the Russian catalog.
messages: $(STAMP)
	cd src/efs && ../../$(BIN)/django-admin makemessages -l ru --no-location --no-obsolete --settings=efs.settings
	$(BIN)/python scripts/compile_messages.py

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -c requirements/constraints.txt -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .mypy_cache
