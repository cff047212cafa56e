# Two entry points for people: `make pipeline` and `make test`. Both set up first.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(abspath $(VENV))/bin
STAMP  := $(VENV)/.installed
# The venv's tools (dvc, python) come first, so DVC stage commands run inside it.
RUN    := PATH="$(BIN):$$PATH"

.PHONY: setup pipeline test lint benchmark

setup: $(STAMP)

$(STAMP): pyproject.toml requirements/constraints.txt scripts/install-system-packages.sh
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c requirements/constraints.txt -e '.[dev]'
	scripts/install-system-packages.sh
	touch $(STAMP)

pipeline: setup
	$(RUN) dvc repro

test: setup
	$(RUN) pytest

lint: setup
	$(RUN) ruff check . && $(RUN) ruff format --check .

benchmark: setup
	$(RUN) python benchmarks/prepare_throughput.py
