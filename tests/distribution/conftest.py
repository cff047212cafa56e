"""Trainings of the four loop modes on one device, the reference the distributed ones must match.

Each training runs in a process of its own (``distribution.cpu_replicas`` splits the CPU only
before TensorFlow starts), on the small prepared dataset, without dropout (each replica would
draw its own masks) and with deterministic ops.
"""

import csv
import subprocess
import sys

import numpy as np
import pytest

from tests.conftest import ROOT

LOOPS = ("fit", "eager", "graph", "train_step")
EPOCHS = 2
# loop -> (relative tolerance of the logs, absolute tolerance of the weights) against one device.
# The replicas sum their parts of each batch's gradient where one device sums the whole batch,
# so float32 rounding differs (about 1e-7 relative per sum; measured after 2 epochs: 2e-7 in the
# logs, 1.2e-7 in the weights). ``fit`` uses Keras's own losses, which average each replica's
# tickets and divide by the replicas: that weighs the replicas' parts of the epoch's last,
# partial batch equally when they hold different numbers of tickets (475 training tickets, batch
# 64: 27 tickets split 14/13). The hand-written losses weigh each part by its tickets
# (``MetricSet``). Measured for ``fit``: 3e-3 relative in the logs, 8e-3 in the weights.
TOLERANCES = {"fit": (1e-2, 2e-2), "eager": (1e-4, 1e-5), "graph": (1e-4, 1e-5)}
TOLERANCES["train_step"] = TOLERANCES["graph"]


def training_overrides(prepared_dir, out):
    """What every training of these tests shares; ``out`` gets models/, reports/, backups."""
    return [
        f"paths.prepared_dir={prepared_dir}",
        f"paths.models_dir={out}/models",
        f"paths.reports_dir={out}/reports",
        f"trainer.epochs={EPOCHS}",
        "trainer.deterministic=true",
        "model.dropout=0",
        "loop.verbose=0",
        "callbacks.early_stopping.enabled=false",
        "trainer.sparse_inputs=false",  # the reference: dense inputs (one test sets true)
    ]


def sweep_of_loops(tmp_path, prepared_dir, *overrides, env=None):
    """Train every loop mode in one multirun; return loop -> its job's folder."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipelines.train",
            "-m",
            f"loop={','.join(LOOPS)}",
            f"hydra.sweep.dir={tmp_path}/multirun",
            *training_overrides(prepared_dir, tmp_path),
            *overrides,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1200,
        env=env,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return {loop: tmp_path / "multirun" / str(job) for job, loop in enumerate(LOOPS)}


def history(folder):
    """Epoch -> {column: value} of a job's CSV log, without the wall-clock throughput."""
    with open(folder / "models" / "history.csv") as handle:
        rows = list(csv.DictReader(handle))
    return [
        {name: float(value) for name, value in row.items() if name != "tickets_per_second"}
        for row in rows
    ]


def weights(folder):
    """The best checkpoint's weights, as arrays."""
    import keras

    import ticket_triage.models  # noqa: F401  (registers the models' classes)

    model = keras.saving.load_model(folder / "models" / "best.keras", safe_mode=True)
    return [np.asarray(w) for w in model.get_weights()]


def assert_same_training(folder, reference, loop):
    """Per-epoch logs and final weights within ``loop``'s tolerances of ``reference``'s."""
    rtol, atol = TOLERANCES[loop]
    got, expected = history(folder), history(reference)
    assert len(got) == len(expected) == EPOCHS
    for row, want in zip(got, expected, strict=True):
        assert row.keys() == want.keys()
        for name in want:
            assert row[name] == pytest.approx(want[name], rel=rtol, abs=1e-7), name
    differences = [
        np.max(np.abs(a - b)) for a, b in zip(weights(folder), weights(reference), strict=True)
    ]
    assert max(differences) <= atol, max(differences)


@pytest.fixture(scope="session")
def single_device(tmp_path_factory, prepared_dir):
    """loop -> the job folder of its training with ``distribution=none``."""
    return sweep_of_loops(tmp_path_factory.mktemp("single"), prepared_dir, "tracking=none")
