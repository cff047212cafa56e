# Two entry points for people: `make pipeline` and `make test`. Both set up first.
# PYTHON: the interpreter of the venv; by default the newest of python3.13, 3.12, 3.11 that runs.
PYTHON ?= $(firstword $(foreach v,3.13 3.12 3.11,$(shell python$(v) -c '' 2>/dev/null && echo python$(v))))
ifeq ($(PYTHON),)
$(error no python3.13, python3.12 or python3.11 on PATH: install one, or set PYTHON=...)
endif
VENV   ?= .venv
BIN    := $(abspath $(VENV))/bin
STAMP  := $(VENV)/.installed
# The optional compiled kernels of sparse training: one attempt per change of their sources;
# where they cannot be built, one warning and TensorFlow ops (TICKET_TRIAGE_KERNELS=off|require).
KERNELS := $(VENV)/.kernels-attempted
# The venv's tools (dvc, python) come first, so DVC stage commands run inside it.
RUN    := PATH="$(BIN):$$PATH"

.PHONY: setup pipeline test test-fast lint check-platforms benchmark tracking-server tracking-server-stop

setup: $(STAMP) $(KERNELS)

# hydra-ray-launcher goes in without its declared dependencies: 1.2.2 asks for cloudpickle<3 (used
# only by its AWS mode), which would downgrade what MLflow and joblib use; its local mode runs on
# the ray 2.x that pyproject.toml installs.
$(STAMP): pyproject.toml requirements/constraints.txt scripts/install-system-packages.sh
	@echo "setting up $(VENV) with $(PYTHON) ($$($(PYTHON) --version))"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c requirements/constraints.txt -e '.[dev,docs]'
	$(BIN)/pip install --quiet --no-deps -c requirements/constraints.txt hydra-ray-launcher
	scripts/install-system-packages.sh
	touch $(STAMP)

$(KERNELS): $(wildcard src/ticket_triage/kernels/*.cc src/ticket_triage/kernels/*.h) \
		scripts/build-kernels.sh $(STAMP)
	scripts/build-kernels.sh $(BIN)/python
	touch $(KERNELS)

pipeline: setup
	$(RUN) dvc repro

# Everything: what CI runs (CI=true there: a missing optional tool fails instead of skipping).
test: setup
	$(RUN) pytest -n 2 --dist loadfile

# The tests to run while working: no servers, no DVC repro, no training beyond a few steps.
test-fast: setup
	$(RUN) pytest -m "not slow and not trains"

# lint-imports: the layers and contracts of pyproject.toml's [tool.importlinter].
lint: setup
	$(RUN) ruff check . && $(RUN) ruff format --check . && $(RUN) lint-imports

# What this machine's CPU and Python cannot show: the kernels compile for other CPUs, and the
# pinned set resolves for Python 3.12, 3.13 and macOS arm64.
check-platforms: setup
	scripts/build-kernels.sh $(BIN)/python --check x86-64-v2 x86-64-v3 x86-64-v4 sapphirerapids znver4
	scripts/check-resolution.sh $(BIN)/uv

benchmark: setup
	$(RUN) python benchmarks/prepare_throughput.py

# The documentation site (mkdocs.yml, docs/): built into site/; any warning fails the build.
.PHONY: docs
docs: setup
	NO_MKDOCS_2_WARNING=1 $(RUN) mkdocs build --strict

# A team's MLflow: PostgreSQL store + artifacts in .tracking-server/, on 127.0.0.1. The last line
# printed is the MLFLOW_TRACKING_URI=... to export. Data survives a stop and a start.
tracking-server: setup
	$(RUN) python -m ticket_triage.tracking.team_server start

tracking-server-stop: setup
	$(RUN) python -m ticket_triage.tracking.team_server stop
