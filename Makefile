# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test install install-dev check bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .

install-dev: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'

run: install
	$(BIN)/supportbot serve

test: install-dev
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

check: install
	$(BIN)/supportbot kb check

bench: install-dev
	$(BIN)/python benchmarks/clinc150.py --data ../shared/datasets/clinc150/data_full.json --json

clean:
	rm -rf $(VENV) data .pytest_cache
