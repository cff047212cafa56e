# Two entry points for people: `make pipeline` and `make test`. Both set up first.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(abspath $(VENV))/bin
STAMP  := $(VENV)/.installed
# The compiled kernels of sparse training (without a compiler, TensorFlow ops stand in).
KERNELS := src/ticket_triage/kernels/_kernels.so
# The venv's tools (dvc, python) come first, so DVC stage commands run inside it.
RUN    := PATH="$(BIN):$$PATH"

.PHONY: setup pipeline test lint benchmark tracking-server tracking-server-stop

setup: $(STAMP) $(KERNELS)

# hydra-ray-launcher goes in without its declared dependencies: 1.2.2 asks for cloudpickle<3 (used
# only by its AWS mode), which would downgrade what MLflow and joblib use; its local mode runs on
# the ray 2.x that pyproject.toml installs.
$(STAMP): pyproject.toml requirements/constraints.txt scripts/install-system-packages.sh
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c requirements/constraints.txt -e '.[dev,docs]'
	$(BIN)/pip install --quiet --no-deps -c requirements/constraints.txt hydra-ray-launcher
	scripts/install-system-packages.sh
	touch $(STAMP)

$(KERNELS): $(wildcard src/ticket_triage/kernels/*.cc) scripts/build-kernels.sh $(STAMP)
	scripts/build-kernels.sh $(BIN)/python

pipeline: setup
	$(RUN) dvc repro

test: setup
	$(RUN) pytest

lint: setup
	$(RUN) ruff check . && $(RUN) ruff format --check .

benchmark: setup
	$(RUN) python benchmarks/prepare_throughput.py

# The documentation site (mkdocs.yml, docs/): built into site/; any warning fails the build.
.PHONY: docs
docs: setup
	$(RUN) mkdocs build --strict

# A team's MLflow: PostgreSQL store + artifacts in .tracking-server/, on 127.0.0.1. The last line
# printed is the MLFLOW_TRACKING_URI=... to export. Data survives a stop and a start.
tracking-server: setup
	$(RUN) python -m ticket_triage.tracking.team_server start

tracking-server-stop: setup
	$(RUN) python -m ticket_triage.tracking.team_server stop
