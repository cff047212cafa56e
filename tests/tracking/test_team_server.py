"""The team tracking server, for real: PostgreSQL and ``mlflow server`` started and stopped by
the test (by process id), an 8-job parallel sweep (joblib launcher) against it, the MLflow UI it
serves rendered in headless Chromium, and its data after a restart of both."""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from mlflow import MlflowClient

from tests.conftest import ROOT, require_tool
from tests.tracking.test_mlflow_tracking import chromium
from ticket_triage.tracking import team_server

JOBS = 8


@pytest.fixture(scope="module")
def server():
    """``(folder, uri)`` of a server of the test's own; stopped, and checked stopped, after."""
    require_tool("pg_ctl", "PostgreSQL is the team server's store")
    require_tool("chromium", "renders the MLflow UI")
    folder = Path(tempfile.mkdtemp(prefix="team-server-"))  # PostgreSQL's user must reach it
    folder.chmod(0o755)
    try:
        uri = team_server.start(folder)
        yield folder, uri
    finally:
        team_server.stop(folder)
    assert team_server.status(folder) == {"uri": uri, "mlflow": False, "postgres": False}
    shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.slow
def test_a_parallel_sweep_loses_nothing_and_survives_a_restart(server, prepared_dir, tmp_path):
    folder, uri = server
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipelines.train",
            "-m",
            "hydra/launcher=joblib",
            f"hydra.launcher.n_jobs={JOBS}",
            f"hydra.sweep.dir={tmp_path}/multirun",
            f"paths.prepared_dir={prepared_dir}",
            f"paths.models_dir={tmp_path}/models",
            "trainer.epochs=2",
            "trainer.batch_size=32",
            "model.width=16",
            "loop.verbose=0",
            "callbacks.early_stopping.enabled=false",
            f"seed={','.join(str(seed) for seed in range(1, JOBS + 1))}",
        ],
        cwd=ROOT,
        env=dict(os.environ, MLFLOW_TRACKING_URI=uri),
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    parent, jobs = sweep(uri)
    assert parent.info.status == "FINISHED"
    assert sorted(int(job.data.params["seed"]) for job in jobs) == list(range(1, JOBS + 1))
    client = MlflowClient(uri)
    for job in jobs:
        assert job.info.status == "FINISHED"
        for name in ("loss", "val_loss", "learning_rate"):
            steps = [m.step for m in client.get_metric_history(job.info.run_id, name)]
            assert sorted(steps) == [0, 1], why(job, name, tmp_path / "multirun", folder)
        artifacts = {a.path for a in client.list_artifacts(job.info.run_id)}
        assert {"history.csv", "checkpoints", "config.yaml"} <= artifacts
    models = client.search_logged_models(experiment_ids=[parent.info.experiment_id])
    by_run = {(m.source_run_id, m.name) for m in models}
    assert by_run == {(job.info.run_id, name) for job in jobs for name in ("model", "keras_model")}

    experiment_page = f"{uri}/#/experiments/{parent.info.experiment_id}/runs"
    assert parent.info.run_name in chromium(tmp_path, "--dump-dom", experiment_page)
    parent_page = chromium(tmp_path, "--dump-dom", f"{experiment_page}/{parent.info.run_id}")
    assert all(job.info.run_name in parent_page for job in jobs), "child runs missing in the UI"

    team_server.stop(folder)
    assert not any(team_server.status(folder)[part] for part in ("mlflow", "postgres"))
    assert team_server.start(folder) == uri  # same port, same data
    again_parent, again_jobs = sweep(uri)
    assert again_parent.info.run_id == parent.info.run_id
    assert {job.info.run_id for job in again_jobs} == {job.info.run_id for job in jobs}
    history = client.get_metric_history(jobs[0].info.run_id, "val_loss")
    assert [m.step for m in history] == [0, 1]


def why(job, metric, sweep_dir, folder):
    """What a failed check needs to be understood: the job's log and the server's log."""
    job_logs = "\n".join(
        log.read_text()[-1500:]
        for log in sweep_dir.glob("*/*.log")
        if job.info.run_id in log.read_text()
    )
    server_log = (folder / "mlflow.log").read_text()[-3000:]
    return f"{job.info.run_name}: {metric}\n--- job log\n{job_logs}\n--- server log\n{server_log}"


def sweep(uri):
    """``(parent, jobs)`` of the one sweep on the server."""
    client = MlflowClient(uri)
    experiment = client.get_experiment_by_name("ticket-triage").experiment_id
    runs = client.search_runs([experiment])
    [parent] = [r for r in runs if r.data.tags.get("sweep_parent") == "true"]
    return parent, [r for r in runs if r.data.tags.get("mlflow.parentRunId") == parent.info.run_id]
