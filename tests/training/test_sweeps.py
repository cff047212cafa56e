"""Hydra sweeps: an Optuna search landing in MLflow, and a misspelt metric failing loudly."""

import pytest
from mlflow import MlflowClient

from tests.conftest import run_train_multirun
from ticket_triage.errors import ConfigError
from ticket_triage.training.run import train


@pytest.mark.slow
def test_optuna_search_of_two_trials_lands_in_mlflow(prepared_dir, tmp_path):
    db = tmp_path / "optuna.db"
    output = run_train_multirun(
        "hparams_search=optuna",
        "hydra.sweeper.n_trials=2",
        "optimized_metric=val_priority_rmse",
        f"paths.prepared_dir={prepared_dir}",
        "trainer.epochs=1",
        "loop.verbose=0",
        f"tracking.uri=sqlite:///{db}",
        f"hydra.sweep.dir={tmp_path}/multirun",
        timeout=600,
    )
    assert "Best value:" in output
    client = MlflowClient(f"sqlite:///{db}")
    runs = client.search_runs([client.get_experiment_by_name("ticket-triage").experiment_id])
    trials = [r for r in runs if "mlflow.parentRunId" in r.data.tags]
    assert len(trials) == 2
    assert len({r.data.params["optimizer.learning_rate"] for r in trials}) == 2  # searched
    assert all("val_priority_rmse" in r.data.metrics for r in trials)


def test_misspelt_optimized_metric_fails_before_training(train_config):
    cfg = train_config("optimized_metric=val_los")
    with pytest.raises(ConfigError, match=r"'val_los' is not a metric of this run.*val_loss"):
        train(cfg)
