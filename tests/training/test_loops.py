"""Every loop mode and every model API train for real on a small dataset, driving one callback
list: checkpoints, early stopping, learning-rate reduction, CSV log, TensorBoard, LossHistory."""

import csv
import json
from pathlib import Path

import keras
import numpy as np
import pytest

from ticket_triage.training.run import train

pytestmark = pytest.mark.trains  # trains models: left out of make test-fast

LOOP_MODES = ("fit", "eager", "graph", "train_step")


def majority_share(prepared_dir, split="val"):
    """Accuracy of always answering the training split's most common department."""
    import pandas as pd

    train_labels = pd.read_parquet(Path(prepared_dir) / "train.parquet")["department"]
    labels = pd.read_parquet(Path(prepared_dir) / f"{split}.parquet")["department"]
    return float((labels == train_labels.value_counts().index[0]).mean())


def read_history(models_dir):
    with (Path(models_dir) / "history.csv").open() as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize("loop", LOOP_MODES)
def test_each_loop_mode_trains_and_writes_every_output(train_config, loop):
    cfg = train_config(f"loop={loop}")
    summary = train(cfg)
    models, reports = Path(cfg.paths.models_dir), Path(cfg.paths.reports_dir)
    assert summary["epochs_run"] == 2 and summary["loop"] == loop
    assert json.loads((reports / "train_metrics.json").read_text()) == summary
    # The whole run (validation, callbacks, tracing, the MLflow models) is slower than its steps.
    assert 0 < summary["run_tickets_per_second"] < summary["tickets_per_second"]
    final = summary["final"]
    for name in (
        "loss",
        "val_loss",
        "priority_rmse",
        "val_priority_rmse",
        "department_accuracy",
        "val_department_accuracy",
        "learning_rate",
    ):
        assert np.isfinite(final[name]), name
    # Two epochs on 480 tickets already beat answering the most common department.
    assert final["val_department_accuracy"] > majority_share(cfg.paths.prepared_dir) + 0.1
    rows = read_history(models)
    assert [row["epoch"] for row in rows] == ["0", "1"] and "val_priority_rmse" in rows[0]
    assert (models / "loss_history" / "epoch_002.png").stat().st_size > 1000
    assert list((models / "tensorboard" / "train").glob("events.out.tfevents.*"))
    assert list((models / "tensorboard" / "validation").glob("events.out.tfevents.*"))
    if loop == "graph":  # the traced tf.function step is the op-level graph TensorBoard shows
        from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

        events = EventAccumulator(str(models / "tensorboard" / "train"))
        events.Reload()
        assert events.Tags()["graph"]
    assert (models / "inspection" / "summary.txt").exists()


@pytest.mark.parametrize("model", ("sequential", "subclassed", "mixed"))
def test_each_model_api_trains(train_config, model):
    cfg = train_config(f"model={model}", "trainer.epochs=1")
    summary = train(cfg)
    assert np.isfinite(summary["final"]["val_loss"])
    accuracy = "val_accuracy" if model == "sequential" else "val_department_accuracy"
    assert summary["final"][accuracy] > majority_share(cfg.paths.prepared_dir)
    if model == "sequential":
        assert "val_priority_rmse" not in summary["final"]  # one head only


@pytest.mark.parametrize("loop", LOOP_MODES)
def test_checkpoint_loads_back_with_the_best_val_loss(train_config, loop):
    cfg = train_config(f"loop={loop}", "trainer.epochs=3")
    summary = train(cfg)
    loaded = keras.saving.load_model(Path(cfg.paths.models_dir) / "best.keras")
    from ticket_triage.inputs.pipeline import TicketData
    from ticket_triage.instantiate import build
    from ticket_triage.objectives import MetricSet

    data = TicketData.load(cfg.paths.prepared_dir, batch_size=32)
    metrics = MetricSet(build(cfg.trainer.objectives, heads=["priority", "department"]))
    for inputs, targets in data.dataset("val", metrics.objectives.heads):
        predictions = loaded(inputs, training=False)
        metrics.update(targets, predictions, metrics.loss(targets, predictions)[1])
    assert float(metrics.result()["loss"]) == pytest.approx(summary["best"]["val_loss"], rel=1e-4)


@pytest.mark.parametrize("loop", LOOP_MODES)
def test_early_stopping_and_lr_reduction_act_in_every_mode(train_config, loop):
    # After epoch 1 nothing counts as an improvement (min_delta 10): the learning rate is halved
    # at the end of epoch 2 and training stops there, out of 6 epochs.
    cfg = train_config(
        f"loop={loop}",
        "trainer.epochs=6",
        "optimizer.learning_rate=0.002",
        "callbacks.early_stopping.patience=1",
        "callbacks.early_stopping.min_delta=10",
        "callbacks.reduce_lr.patience=0",
        "callbacks.reduce_lr.min_delta=10",
    )
    summary = train(cfg)
    assert summary["epochs_run"] == 2
    learning_rates = [float(row["learning_rate"]) for row in read_history(cfg.paths.models_dir)]
    assert learning_rates == pytest.approx([0.002, 0.002])  # logged as each epoch ends...
    assert summary["learning_rate_at_end"] == pytest.approx(0.001)  # ...then the real one halved


def test_loss_history_records_each_batch_not_the_running_mean(train_config):
    cfg = train_config(
        "loop=eager",
        "trainer.epochs=1",
        "optimizer=adam",
        "optimizer.learning_rate=0.0",
        "model.dropout=0.0",
    )
    train(cfg)
    with (Path(cfg.paths.models_dir) / "loss_history" / "per_batch_losses.csv").open() as handle:
        recorded = [float(row["loss"]) for row in csv.DictReader(handle)]
    # With a learning rate of 0 the weights never move: recompute each batch's loss directly.
    from ticket_triage.inputs.pipeline import TicketData
    from ticket_triage.instantiate import build
    from ticket_triage.objectives import MetricSet

    model = keras.saving.load_model(Path(cfg.paths.models_dir) / "best.keras")
    data = TicketData.load(cfg.paths.prepared_dir, batch_size=32, seed=cfg.seed)
    data.weigh_classes(cfg.trainer.class_weight)  # balanced by default: weighted losses
    metrics = MetricSet(build(cfg.trainer.objectives, heads=["priority", "department"]))
    batches = data.dataset("train", metrics.objectives.heads, epochs=1, weighted=True)
    expected = [
        float(metrics.loss(targets, model(inputs, training=True), (), weights)[0])
        for inputs, targets, weights in batches
    ]
    assert len(recorded) == len(expected) == data.steps("train")
    np.testing.assert_allclose(recorded, expected, rtol=1e-3)
    running_means = np.cumsum(expected) / np.arange(1, len(expected) + 1)
    assert np.abs(np.array(recorded) - running_means).max() > 1e-3


@pytest.fixture(scope="module")
def priority_only_dir(tmp_path_factory):
    """400 real Jira bug reports: one head (priority), no department, no tags."""
    from tests.conftest import REALDATA, compose_config
    from ticket_triage.data.prepare import prepare_dataset

    data_dir = tmp_path_factory.mktemp("jira") / "data"
    overrides = ["data=hadoop_jira", f"data.path={REALDATA}", "data.num_tickets=400"]
    prepare_dataset(compose_config("prepare", [f"paths.data_dir={data_dir}", *overrides]))
    return data_dir / "prepared"


def test_a_one_head_model_logs_the_same_names_in_every_loop(train_config, priority_only_dir):
    """fit() drops the head prefix for a single output; the other loops must name logs alike."""
    from ticket_triage.errors import ConfigError

    names = {}
    for loop in LOOP_MODES:
        cfg = train_config(f"loop={loop}", "trainer.epochs=1")
        cfg.paths.prepared_dir = str(priority_only_dir)
        names[loop] = sorted(train(cfg)["final"])
    assert "val_rmse" in names["fit"] and "val_priority_rmse" not in names["fit"]
    assert all(found == names["fit"] for found in names.values()), names
    cfg = train_config("optimized_metric=val_priority_rmse", "trainer.epochs=1")
    cfg.paths.prepared_dir = str(priority_only_dir)
    with pytest.raises(ConfigError, match="'val_priority_rmse' is not a metric of this run"):
        train(cfg)
