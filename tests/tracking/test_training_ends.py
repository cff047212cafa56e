"""A training run that raises or is signalled still ends in MLflow: FAILED or KILLED."""

import signal

import pytest
from mlflow import MlflowClient

from tests.tracking.training_process import start_training, wait_for_epochs
from ticket_triage.callbacks.throughput import Throughput
from ticket_triage.tracking.ending import END_TAG
from ticket_triage.tracking.runs import TrackedRun
from ticket_triage.training.run import train

pytestmark = pytest.mark.trains  # trains models: left out of make test-fast


@pytest.mark.parametrize(
    ("loop", "error", "status", "reason"),
    [
        ("fit", RuntimeError("disk full"), "FAILED", "RuntimeError: disk full"),
        ("eager", KeyboardInterrupt(), "KILLED", "KeyboardInterrupt"),
    ],
)
def test_training_that_raises_ends_its_run(
    train_config, store_uri, monkeypatch, loop, error, status, reason
):
    def second_epoch_fails(self, epoch, logs=None):
        if epoch == 1:
            raise error

    monkeypatch.setattr(Throughput, "on_epoch_end", second_epoch_fails)
    cfg = train_config(f"loop={loop}", "tracking=mlflow", f"tracking.uri={store_uri}")
    with pytest.raises(type(error)):
        train(cfg)
    run = TrackedRun.load(cfg.paths.models_dir)
    info = MlflowClient(store_uri).get_run(run.run_id)
    assert (info.info.status, info.data.tags[END_TAG]) == (status, reason)
    assert [m.step for m in MlflowClient(store_uri).get_metric_history(run.run_id, "loss")] == [0]


@pytest.mark.slow
def test_sigterm_kills_the_run_and_exits_cleanly(prepared_dir, store_uri, tmp_path):
    process = start_training(prepared_dir, tmp_path, store_uri)
    wait_for_epochs(process, tmp_path, 1)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=120) == 128 + signal.SIGTERM
    stderr = (tmp_path / "stderr.txt").read_text()
    assert "Traceback" not in stderr, stderr[-3000:]
    run = TrackedRun.load(tmp_path / "models")
    info = MlflowClient(store_uri).get_run(run.run_id)
    assert (info.info.status, info.data.tags[END_TAG]) == ("KILLED", "SIGTERM")
    epochs = len((tmp_path / "models" / "history.csv").read_text().splitlines()) - 1
    assert 1 <= epochs < 2000  # stopped mid-training
