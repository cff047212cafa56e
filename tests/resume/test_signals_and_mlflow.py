"""SIGTERM backs up and stops; the next run continues the same MLflow run, whatever stopped it.

One training (``graph`` loop, real SQLite MLflow store) is stopped by SIGTERM mid-epoch, refused
a resume under another learning rate, killed by SIGKILL after an epoch, and run to its end. It
must stay one MLflow run, FINISHED, with each epoch's and each logged batch's metrics exactly
once.
"""

import json
import math
import signal

import pandas as pd
import pytest
from mlflow import MlflowClient

from tests.resume.processes import (
    after_backup,
    after_epoch_end,
    backups,
    run_training,
    signal_when,
)
from tests.resume.processes import start_training as start
from ticket_triage.tracking.ending import END_TAG

pytestmark = pytest.mark.trains  # trains models: left out of make test-fast

EPOCHS, BATCH, LOG_EVERY = 3, 16, 4


@pytest.mark.slow
def test_signals_and_crashes_leave_one_finished_mlflow_run(prepared_dir, tmp_path):
    uri = f"sqlite:///{tmp_path}/mlruns.db"
    args = [
        f"paths.prepared_dir={prepared_dir}",
        f"paths.models_dir={tmp_path}/models",
        f"paths.reports_dir={tmp_path}/reports",
        f"hydra.run.dir={tmp_path}/hydra",
        f"tracking.uri={uri}",
        f"tracking.log_every_n_batches={LOG_EVERY}",
        "loop=graph",
        "loop.verbose=0",
        f"trainer.epochs={EPOCHS}",
        f"trainer.batch_size={BATCH}",
        "model.width=16",
        "callbacks.early_stopping.enabled=false",
        "trainer.backup.every_n_batches=3",
    ]
    folder, log = tmp_path / "models-backup", tmp_path / "train.log"
    client = MlflowClient(uri)

    stopped = start(*args, log_file=log)
    assert signal_when(stopped, after_backup(folder, 2), signal.SIGTERM) == 128 + signal.SIGTERM
    run_id = json.loads((tmp_path / "models" / "mlflow_run.json").read_text())["run_id"]
    run = client.get_run(run_id)
    assert (run.info.status, run.data.tags[END_TAG]) == ("KILLED", "SIGTERM")
    assert "SIGTERM received: stopping after this batch" in log.read_text()
    assert "Traceback" not in log.read_text()

    refused = run_training(*args, "optimizer.learning_rate=0.5")
    assert refused.returncode == 2
    (message,) = [line for line in refused.stderr.splitlines() if line.startswith("error:")]
    assert "optimizer.learning_rate (0.0015 there, 0.5 now)" in message
    assert backups(folder)  # nothing lost by the refusal

    killed = start(*args, log_file=log)
    assert signal_when(killed, after_epoch_end(tmp_path / "models" / "history.csv", 2)) == -9
    assert client.get_run(run_id).info.status == "RUNNING"  # a SIGKILL leaves no word

    final = run_training(*args)
    assert final.returncode == 0, final.stderr[-3000:]
    assert json.loads((tmp_path / "models" / "mlflow_run.json").read_text())["run_id"] == run_id
    (only,) = client.search_runs([run.info.experiment_id])
    assert only.info.run_id == run_id and only.info.status == "FINISHED"
    assert END_TAG not in only.data.tags
    for name in ("loss", "val_loss", "learning_rate", "department_accuracy"):
        steps = [m.step for m in client.get_metric_history(run_id, name)]
        assert sorted(steps) == list(range(EPOCHS)), name
    steps_per_epoch = math.ceil(len(pd.read_parquet(prepared_dir / "train.parquet")) / BATCH)
    logged_batches = sorted(m.step for m in client.get_metric_history(run_id, "batch_loss"))
    assert logged_batches == [
        epoch * steps_per_epoch + batch
        for epoch in range(EPOCHS)
        for batch in range(steps_per_epoch)
        if (batch + 1) % LOG_EVERY == 0
    ]
    assert not folder.exists()
