"""A training killed with SIGKILL at any moment and run again ends exactly as if never killed.

For each loop mode, a real ``python -m pipelines.train`` is killed at two of these moments:
early (after the first backup), mid-epoch, right after an epoch end (its CSV row written, its
backup maybe not), and while a backup is being written; then the same command runs to the end.
With ``trainer.deterministic=true`` the best model's weights, ``history.csv`` (all but the
wall-clock throughput column) and the per-batch losses equal those of one uninterrupted run,
which the same sweep of all four loop modes made in one process.
"""

import signal
import subprocess
import sys

import keras
import numpy as np
import pandas as pd
import pytest

import ticket_triage.metrics
import ticket_triage.models  # noqa: F401 (registers the model classes)
from tests.conftest import ROOT, prepare_synthetic
from tests.resume.processes import (
    after_backup,
    after_epoch_end,
    backups,
    during_backup_write,
    run_training,
    signal_when,
    start_training,
)

LOOPS = ("fit", "eager", "graph", "train_step")
KILLS = {
    "fit": ("early", "during a backup write"),
    "eager": ("mid-epoch", "right after an epoch end"),
    "graph": ("early", "right after an epoch end"),
    "train_step": ("mid-epoch", "during a backup write"),
}
SETTINGS = (
    "tracking=none",
    "loop.verbose=0",
    "trainer.epochs=3",
    "trainer.batch_size=16",
    "model.width=16",
    "trainer.deterministic=true",
    "trainer.backup.every_n_batches=3",
)


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    return prepare_synthetic(tmp_path_factory.mktemp("resume") / "data", 600)


def overrides(prepared, root, loop):
    return [
        f"paths.prepared_dir={prepared}",
        f"paths.models_dir={root}/models",
        f"paths.reports_dir={root}/reports",
        f"hydra.run.dir={root}/hydra",
        f"loop={loop}",
        *SETTINGS,
    ]


@pytest.fixture(scope="module")
def uninterrupted(prepared, tmp_path_factory):
    """Loop mode -> the models folder of its uninterrupted run (one sweep, one process)."""
    sweep = tmp_path_factory.mktemp("uninterrupted")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipelines.train",
            "-m",
            f"paths.prepared_dir={prepared}",
            f"paths.models_dir={sweep}/models",
            f"hydra.sweep.dir={sweep}",
            f"loop={','.join(LOOPS)}",
            *SETTINGS,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return {loop: sweep / str(number) / "models" for number, loop in enumerate(LOOPS)}


def moment(kill, root):
    """When to kill, judged from the files training writes."""
    folder, latest = root / "models-backup", max(backups(root / "models-backup"), default=0)
    return {
        "early": after_backup(folder, 1),
        "mid-epoch": after_backup(folder, latest + 4),
        "right after an epoch end": after_epoch_end(root / "models" / "history.csv", 2),
        "during a backup write": during_backup_write(folder, latest + 1),
    }[kill]


@pytest.mark.slow
@pytest.mark.parametrize("loop", LOOPS)
def test_a_killed_training_resumes_to_the_same_end(loop, prepared, uninterrupted, tmp_path):
    args = overrides(prepared, tmp_path, loop)
    for kill in KILLS[loop]:
        process = start_training(*args, log_file=tmp_path / "killed.log")
        assert signal_when(process, moment(kill, tmp_path)) == -signal.SIGKILL, kill
        assert backups(tmp_path / "models-backup"), f"no complete backup after a kill {kill}"

    final = run_training(*args)
    assert final.returncode == 0, final.stderr[-3000:]
    assert "resuming from" in final.stdout + final.stderr
    assert not (tmp_path / "models-backup").exists()  # a finished training removes its backups

    expected, resumed = uninterrupted[loop], tmp_path / "models"
    for want, got in zip(weights(expected), weights(resumed), strict=True):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-6)
    pd.testing.assert_frame_equal(history(resumed), history(expected), rtol=0, atol=1e-6)
    pd.testing.assert_frame_equal(
        pd.read_csv(resumed / "loss_history" / "per_batch_losses.csv"),
        pd.read_csv(expected / "loss_history" / "per_batch_losses.csv"),
        rtol=0,
        atol=1e-6,
    )


def weights(models_dir):
    return keras.saving.load_model(models_dir / "best.keras").get_weights()


def history(models_dir):
    """The CSV log without its wall-clock column (throughput differs between any two runs)."""
    return pd.read_csv(models_dir / "history.csv").drop(columns="tickets_per_second")
