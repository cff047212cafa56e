"""``distribution=mirrored`` over 2 logical CPU devices trains what one device trains, in every
loop mode, and a backup it writes resumes (tolerances: ``conftest.TOLERANCES``).
"""

import signal

import pytest

from tests.distribution.conftest import (
    LOOPS,
    assert_same_training,
    sweep_of_loops,
    training_overrides,
)
from tests.resume.processes import after_backup, signal_when, start_training

MIRRORED = ("distribution=mirrored", "distribution.cpu_replicas=2")


@pytest.mark.slow
def test_every_loop_mode_trains_on_two_replicas_as_on_one_device(
    single_device, prepared_dir, tmp_path
):
    jobs = sweep_of_loops(tmp_path, prepared_dir, "tracking=none", *MIRRORED)
    for loop in LOOPS:
        log = (jobs[loop] / "train.log").read_text()
        assert "on 2 replica(s)" in log, loop
        assert "dense inputs" in log and "default thread(s) per op" in log, loop
        assert_same_training(jobs[loop], single_device[loop], loop)


@pytest.mark.slow
def test_a_backup_written_on_two_replicas_resumes(single_device, prepared_dir, tmp_path):
    overrides = [
        *training_overrides(prepared_dir, tmp_path),
        *MIRRORED,
        "loop=graph",
        "tracking=none",
        "trainer.backup.every_n_batches=3",
        f"hydra.run.dir={tmp_path}/run",
    ]
    backup_dir = tmp_path / "models-backup"
    first = start_training(*overrides, log_file=tmp_path / "first.log")
    assert signal_when(first, after_backup(backup_dir, 2), signal.SIGKILL) == -signal.SIGKILL
    second = start_training(*overrides, log_file=tmp_path / "second.log")
    assert second.wait(timeout=600) == 0, (tmp_path / "second.log").read_text()[-3000:]
    assert "resuming from" in (tmp_path / "second.log").read_text()
    assert "on 2 replica(s)" in (tmp_path / "second.log").read_text()
    assert_same_training(tmp_path, single_device["graph"], "graph")


@pytest.mark.slow
def test_sparse_inputs_train_on_two_replicas_as_dense_ones_on_one_device(
    single_device, prepared_dir, tmp_path
):
    """The replicas' sparse gradients (rows repeated across replicas) sum to the dense one."""
    dense = "trainer.sparse_inputs=false"
    overrides = [
        *(o for o in training_overrides(prepared_dir, tmp_path) if o != dense),
        *MIRRORED,
        "loop=graph",
        "tracking=none",
        "trainer.sparse_inputs=true",
        f"hydra.run.dir={tmp_path}/run",
    ]
    training = start_training(*overrides, log_file=tmp_path / "train.log")
    assert training.wait(timeout=600) == 0, (tmp_path / "train.log").read_text()[-3000:]
    log = (tmp_path / "train.log").read_text()
    assert "sparse inputs" in log and "on 2 replica(s)" in log
    assert "1 thread(s) per op" in log  # trainer.op_threads=auto, set as the process started
    assert_same_training(tmp_path, single_device["graph"], "graph")
