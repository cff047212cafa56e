"""Runs into the same models folder each log their own TensorBoard and LossHistory files only."""

from pathlib import Path

import pytest
from mlflow import MlflowClient

from ticket_triage.callbacks.factory import fresh_folder
from ticket_triage.errors import ConfigError
from ticket_triage.tracking.runs import TrackedRun
from ticket_triage.training.run import train

pytestmark = pytest.mark.trains  # trains models: left out of make test-fast


def logged(client, run_id, folder):
    """Artifact paths under ``folder``, relative to it."""
    found = []
    for entry in client.list_artifacts(run_id, folder):
        if entry.is_dir:
            inside = logged(client, run_id, entry.path)
            found += [f"{Path(entry.path).name}/{path}" for path in inside]
        else:
            found.append(Path(entry.path).name)
    return sorted(found)


def local(folder):
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file())


def test_a_second_run_logs_only_its_own_logs(train_config, store_uri):
    client = MlflowClient(store_uri)
    first = train_config("tracking=mlflow", f"tracking.uri={store_uri}", "trainer.epochs=3")
    train(first)
    first_run = TrackedRun.load(first.paths.models_dir).run_id
    first_events = logged(client, first_run, "tensorboard")

    second = train_config("tracking=mlflow", f"tracking.uri={store_uri}", "trainer.epochs=1")
    train(second)
    second_run = TrackedRun.load(second.paths.models_dir).run_id
    models = Path(second.paths.models_dir)
    assert second.paths.models_dir == first.paths.models_dir and second_run != first_run

    events = logged(client, second_run, "tensorboard")
    assert [path.split("/")[0] for path in events] == ["train", "validation"]  # one file each
    assert events == local(models / "tensorboard")  # what `tensorboard --logdir` shows
    assert not set(events) & set(first_events)
    plots = logged(client, second_run, "loss_history")
    assert plots == ["epoch_001.png", "per_batch_losses.csv"]  # not the first run's epochs 2-3
    assert plots == local(models / "loss_history")


@pytest.mark.parametrize("dirname", [".", "..", "../elsewhere"])
def test_only_a_subfolder_of_the_models_folder_is_emptied(tmp_path, dirname):
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "best.keras").write_text("keep me")
    with pytest.raises(ConfigError, match="must be a subfolder"):
        fresh_folder(tmp_path / "models", dirname)
    assert (tmp_path / "models" / "best.keras").read_text() == "keep me"
