"""A sweep's parent run starts before its jobs and ends after them: FINISHED, FAILED or KILLED."""

import atexit
import os
import socket
import subprocess
import sys

import pytest
from mlflow import MlflowClient
from omegaconf import OmegaConf

from tests.conftest import ROOT, run_train_multirun
from ticket_triage.tracking.ending import END_TAG
from ticket_triage.tracking.runs import find_sweep_parent
from ticket_triage.tracking.sweep import ABORTED, SweepParentRun


def sweep_config(tracking_cfg, sweep_dir):
    return OmegaConf.create({"tracking": tracking_cfg, "hydra": {"sweep": {"dir": str(sweep_dir)}}})


def add_jobs(parent, *statuses):
    client = parent.client
    for status in statuses:
        tags = {"mlflow.parentRunId": parent.run_id}
        job = client.create_run(parent.experiment_id, tags=tags).info.run_id
        client.set_terminated(job, status)


def parent_end(parent):
    run = parent.client.get_run(parent.run_id)
    return run.info.status, run.data.tags.get(END_TAG)


@pytest.fixture
def sweep(tracking_cfg, tmp_path):
    """A started sweep callback; its exit hook is removed after the test."""
    callback, config = SweepParentRun(), sweep_config(tracking_cfg, tmp_path / "multirun")
    callback.on_multirun_start(config)
    yield callback, config
    atexit.unregister(callback.end_aborted)


def test_jobs_find_the_parent_started_before_them(sweep, tmp_path):
    callback, _ = sweep
    parent = callback.parent
    run = parent.client.get_run(parent.run_id)
    assert run.info.status == "RUNNING" and run.data.tags["sweep_parent"] == "true"
    owner = (run.data.tags["process_id"], run.data.tags["host"])
    assert owner == (str(os.getpid()), socket.gethostname())  # the launching process
    sweep_dir = str((tmp_path / "multirun").resolve())
    assert find_sweep_parent(parent.client, parent.experiment_id, sweep_dir) == parent.run_id


@pytest.mark.parametrize(
    ("jobs", "status", "reason"),
    [
        (("FINISHED", "FINISHED"), "FINISHED", None),
        (("FINISHED", "FAILED", "KILLED"), "FAILED", "2 of 3 jobs did not finish"),
    ],
)
def test_the_parent_ends_with_the_sweep(sweep, jobs, status, reason):
    callback, config = sweep
    add_jobs(callback.parent, *jobs)
    callback.on_multirun_end(config)
    assert parent_end(callback.parent) == (status, reason)


@pytest.mark.parametrize(
    ("jobs", "status"), [(("FINISHED", "FAILED"), "FAILED"), (("FINISHED", "KILLED"), "KILLED")]
)
def test_a_sweep_stopped_by_a_job_ends_its_parent_at_exit(sweep, jobs, status):
    callback, _ = sweep
    add_jobs(callback.parent, *jobs)
    callback.end_aborted()  # what the exit hook does when Hydra skips on_multirun_end
    assert parent_end(callback.parent) == (status, ABORTED)


def test_no_parent_without_tracking(tracking_cfg, tmp_path):
    callback = SweepParentRun()
    tracking_cfg.enabled = False
    callback.on_multirun_start(sweep_config(tracking_cfg, tmp_path))
    callback.on_multirun_end(sweep_config(tracking_cfg, tmp_path))
    assert callback.parent is None


def sweep_runs(db):
    """``(parent, jobs)`` of the one sweep in the store ``db``."""
    client = MlflowClient(db)
    runs = client.search_runs([client.get_experiment_by_name("ticket-triage").experiment_id])
    [parent] = [r for r in runs if r.data.tags.get("sweep_parent") == "true"]
    return parent, [r for r in runs if r.data.tags.get("mlflow.parentRunId") == parent.info.run_id]


def small_sweep(prepared_dir, tmp_path):
    return [
        f"paths.prepared_dir={prepared_dir}",
        "trainer.epochs=1",
        "trainer.batch_size=32",
        "model.width=16",
        "loop.verbose=0",
        f"tracking.uri=sqlite:///{tmp_path}/sweep.db",
        f"hydra.sweep.dir={tmp_path}/multirun",
    ]


@pytest.mark.slow
def test_a_two_job_multirun_finishes_its_parent(prepared_dir, tmp_path):
    run_train_multirun("seed=1,2", *small_sweep(prepared_dir, tmp_path))
    parent, jobs = sweep_runs(f"sqlite:///{tmp_path}/sweep.db")
    assert parent.info.status == "FINISHED" and END_TAG not in parent.data.tags
    assert sorted(r.data.params["seed"] for r in jobs) == ["1", "2"]
    assert {r.info.status for r in jobs} == {"FINISHED"}
    assert parent.info.end_time >= max(r.info.end_time for r in jobs)


@pytest.mark.slow
def test_a_multirun_with_a_failing_job_fails_its_parent(prepared_dir, tmp_path):
    sweep = ["callbacks.tensorboard.log_dir=tensorboard,..", *small_sweep(prepared_dir, tmp_path)]
    result = subprocess.run(
        [sys.executable, "-m", "pipelines.train", "-m", *sweep],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 2, result.stderr[-3000:]  # the second job's config mistake
    parent, jobs = sweep_runs(f"sqlite:///{tmp_path}/sweep.db")
    assert (parent.info.status, parent.data.tags[END_TAG]) == ("FAILED", ABORTED)
    assert [r.info.status for r in jobs] == ["FINISHED"]  # the first job trained
