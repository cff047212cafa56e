"""A run whose process died without ending it is marked FAILED by the next training run."""

import json
import os
import signal
import socket
import subprocess
import sys

import pytest
from mlflow import MlflowClient

from tests.tracking.training_process import start_training, wait_for_epochs
from ticket_triage.tracking.ending import END_TAG
from ticket_triage.tracking.orphans import REASON, end_orphaned_runs
from ticket_triage.tracking.runs import TrackedRun, open_experiment
from ticket_triage.training.run import train

pytestmark = pytest.mark.trains  # trains models: left out of make test-fast


def dead_pid():
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return str(process.pid)


def test_only_runs_of_dead_processes_on_this_host_are_ended(tracking_cfg):
    client, _, experiment_id = open_experiment(tracking_cfg)
    here, gone = socket.gethostname(), dead_pid()

    def run(process_id, host, finished=False):
        tags = {"process_id": process_id, "host": host}
        run_id = client.create_run(experiment_id, tags=tags).info.run_id
        if finished:
            client.set_terminated(run_id, "FINISHED")
        return run_id

    orphan = run(gone, here)
    untouched = [
        run(str(os.getpid()), here),  # a live process, like a parallel sweep job
        run(gone, "another-host"),  # its pid means nothing here
        run(gone, here, finished=True),  # it ended itself
        client.create_run(experiment_id).info.run_id,  # no owner recorded
    ]
    statuses = [client.get_run(run_id).info.status for run_id in untouched]

    assert end_orphaned_runs(client, experiment_id) == [orphan]

    info = client.get_run(orphan)
    assert info.info.status == "FAILED" and info.data.tags[END_TAG] == REASON
    assert [client.get_run(run_id).info.status for run_id in untouched] == statuses


@pytest.mark.slow
def test_a_sigkilled_run_is_failed_by_the_next_run(prepared_dir, tmp_path, train_config):
    db = f"sqlite:///{tmp_path}/mlruns.db"
    first = start_training(prepared_dir, tmp_path / "first", db)
    wait_for_epochs(first, tmp_path / "first", 1)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=60)
    killed = TrackedRun.load(tmp_path / "first" / "models")
    client = MlflowClient(db)
    tags = client.get_run(killed.run_id).data.tags
    assert client.get_run(killed.run_id).info.status == "RUNNING"
    assert (tags["process_id"], tags["host"]) == (str(first.pid), socket.gethostname())

    cfg = train_config("tracking=mlflow", f"tracking.uri={db}", "trainer.epochs=1")
    train(cfg)

    info = client.get_run(killed.run_id)
    assert info.info.status == "FAILED" and info.data.tags[END_TAG] == REASON
    next_run = json.loads((tmp_path / "models" / "mlflow_run.json").read_text())["run_id"]
    assert client.get_run(next_run).info.status == "FINISHED"
