"""Shared fixtures: the real Hydra config composed from conf/, and small prepared datasets."""

import glob
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir

from ticket_triage import params  # noqa: F401  (the ${params:...} resolver conf/ uses)

ROOT = Path(__file__).resolve().parents[1]
CONF = ROOT / "conf"
REALDATA = ROOT.parent / "shared" / "realdata" / "hadoop_bugs.csv"


def require_tool(name, purpose):
    """Skip the test where the optional program ``name`` is missing, naming it and what it is
    for; fail instead under CI (``CI=true``), whose set-up installs every one of them.

    Example:
        >>> require_tool("sh", "a shell")  # present: nothing happens
    """
    found = shutil.which(name) or glob.glob(f"/usr/lib/postgresql/*/bin/{name}")
    if found:
        return
    message = f"{name} is not installed ({purpose}; make setup installs it as root)"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{message}: required under CI")
    pytest.skip(message)


def compose_config(config_name, overrides=(), return_hydra_config=False):
    """Compose ``conf/<config_name>.yaml`` with overrides, exactly as the entry point would."""
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        return compose(config_name, list(overrides), return_hydra_config=return_hydra_config)


@pytest.fixture
def prepare_config(tmp_path):
    """A function composing the prepare config with outputs under ``tmp_path``."""

    def make(*overrides):
        return compose_config("prepare", [f"paths.data_dir={tmp_path}/data", *overrides])

    return make


def prepare_synthetic(data_dir, num_tickets):
    """Run the real `prepare` stage on synthetic tickets; return the prepared folder."""
    from ticket_triage.data.prepare import prepare_dataset

    prepare_dataset(
        compose_config("prepare", [f"paths.data_dir={data_dir}", f"data.num_tickets={num_tickets}"])
    )
    return Path(data_dir) / "prepared"


@pytest.fixture(scope="session")
def prepared_dir(tmp_path_factory):
    """A small prepared synthetic dataset (600 tickets), shared by the training tests."""
    return prepare_synthetic(tmp_path_factory.mktemp("small") / "data", 600)


@pytest.fixture(params=["compiled", "tensorflow ops"])
def kernel_path(request, monkeypatch):
    """Run a test with the compiled kernels of sparse training (``make setup`` built them), then
    with the TensorFlow ops that stand in for them where they are not built."""
    from ticket_triage import kernels  # imports TensorFlow: only in the tests that ask

    if request.param == "tensorflow ops":
        monkeypatch.setattr(kernels, "compiled", lambda: None)
    elif kernels.compiled() is None:
        require_tool("compiled kernels", "scripts/build-kernels.sh did not build them")
    return request.param


@pytest.fixture
def train_config(tmp_path, prepared_dir):
    """A function composing the train config on the small dataset, writing under ``tmp_path``."""

    def make(*overrides):
        return compose_config(
            "train",
            [
                f"paths.prepared_dir={prepared_dir}",
                f"paths.models_dir={tmp_path}/models",
                f"paths.reports_dir={tmp_path}/reports",
                "loop.verbose=0",
                "trainer.epochs=2",
                "trainer.batch_size=32",
                "model.width=16",
                *([] if any(o.startswith("tracking=") for o in overrides) else ["tracking=none"]),
                *overrides,
            ],
        )

    return make


def run_train_multirun(*overrides, timeout=900):
    """``python -m pipelines.train -m <overrides>`` in a real subprocess; its combined output."""
    result = subprocess.run(
        [sys.executable, "-m", "pipelines.train", "-m", *overrides],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return result.stdout + result.stderr
