"""The MLflow callback in every loop mode, against a SQLite store and a real `mlflow server`."""

import json
import logging
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from mlflow import MlflowClient

from tests.conftest import ROOT, require_tool, run_train_multirun
from tests.tracking.mlflow_server import MlflowServer, free_port
from ticket_triage.errors import TrackingUnavailable
from ticket_triage.tracking.runs import TrackedRun
from ticket_triage.training.run import train

pytestmark = pytest.mark.trains  # trains models: left out of make test-fast

LOOP_MODES = ("fit", "eager", "graph", "train_step")
ARTIFACTS = ROOT / "test-artifacts"


def tracked_run(cfg):
    run = TrackedRun.load(cfg.paths.models_dir)
    return run, MlflowClient(run.tracking_uri)


def artifact_paths(client, run_id, path=None):
    found = []
    for entry in client.list_artifacts(run_id, path):
        found.extend(artifact_paths(client, run_id, entry.path) if entry.is_dir else [entry.path])
    return found


def assert_run_complete(cfg, summary, loop):
    run, client = tracked_run(cfg)
    data = client.get_run(run.run_id)
    assert data.info.status == "FINISHED"
    params = data.data.params
    assert params["loop.name"] == loop and params["model.name"] == "functional"
    assert params["optimizer.learning_rate"] == str(cfg.optimizer.learning_rate)
    tags = data.data.tags
    assert tags["loop"] == loop and len(tags["data_version"]) == 16 and tags["git_commit"]
    for metric in (
        "priority_rmse",
        "val_priority_rmse",
        "val_department_accuracy",
        "learning_rate",
        "loss",
        "val_loss",
    ):
        history = client.get_metric_history(run.run_id, metric)
        assert [point.step for point in history] == [0, 1], metric
    rmse = client.get_metric_history(run.run_id, "val_priority_rmse")[-1].value
    assert rmse == pytest.approx(summary["final"]["val_priority_rmse"], rel=1e-6)
    artifacts = artifact_paths(client, run.run_id)
    for expected in (
        "checkpoints/best.keras",
        "config.yaml",
        "history.csv",
        "loss_history/epoch_002.png",
        "inspection/summary.txt",
    ):
        assert expected in artifacts, expected
    assert any(path.startswith("tensorboard/train/events.out.tfevents") for path in artifacts)
    return run


LABELED = (
    "import json, sys, mlflow, pandas as pd\n"
    "model = mlflow.pyfunc.load_model(sys.argv[1])\n"
    "out = model.predict(pd.DataFrame({'title': ['Charged twice', 'App crashes'],\n"
    "    'body': ['Refund the duplicate payment', 'Error 500 on login'],\n"
    "    'tags': ['billing', 'bug,API']}))\n"
    "print(out.to_json(orient='split'))\n"
)


def assert_model_predicts(run, prepared_dir, in_subprocess=False):
    """The run's labeled model answers with department names, probabilities and a priority band;
    its raw Keras model answers with arrays, as before."""
    import mlflow
    import pandas as pd

    assert run.model_uri and run.model_uri.startswith("models:/")
    env = dict(os.environ, MLFLOW_TRACKING_URI=run.tracking_uri)
    if in_subprocess:  # a fresh interpreter: the package must come with the model
        env["PYTHONPATH"] = ""
        result = subprocess.run(
            [sys.executable, "-c", LABELED, run.model_uri],
            env=env,
            cwd="/",
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        split = json.loads(result.stdout.strip().splitlines()[-1])
        out = pd.DataFrame(split["data"], columns=split["columns"])
    else:
        mlflow.set_tracking_uri(run.tracking_uri)
        out = mlflow.pyfunc.load_model(run.model_uri).predict(
            pd.DataFrame(
                {
                    "title": ["Charged twice", "App crashes"],
                    "body": ["Refund the duplicate payment", "Error 500 on login"],
                }  # tags are optional
            )
        )
    departments = (Path(prepared_dir) / "departments.txt").read_text().split()
    assert len(out) == 2 and set(out["department"]) <= set(departments)
    probabilities = out[[f"probability_{name}" for name in departments]].to_numpy()
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(out["department_probability"], probabilities.max(axis=1))
    assert out["priority"].between(0, 1).all()
    assert set(out["priority_band"]) <= {"low", "normal", "high", "urgent"}

    if not in_subprocess:
        keras_model = mlflow.pyfunc.load_model(f"runs:/{run.run_id}/keras_model")
        arrays = keras_model.predict(
            pd.DataFrame({"title": ["Charged twice"], "text_body": ["Refund"], "tags": ["x"]})
        )
        assert {k: v.shape for k, v in arrays.items()} == {"priority": (1, 1), "department": (1, 4)}


def assert_datasets_logged(run, prepared_dir):
    """The run's page lists the three splits: name, the file's MD5 as digest, source, rows."""
    import pandas as pd

    from ticket_triage.tracking.datasets import file_md5

    inputs = MlflowClient(run.tracking_uri).get_run(run.run_id).inputs.dataset_inputs
    logged = {entry.dataset.name: entry for entry in inputs}
    assert set(logged) == {"train", "val", "test"}
    for name, entry in logged.items():
        path = Path(prepared_dir, f"{name}.parquet").resolve()
        assert entry.dataset.digest == file_md5(path)
        assert json.loads(entry.dataset.source)["uri"] == str(path)
        assert json.loads(entry.dataset.profile)["num_rows"] == len(pd.read_parquet(path))
        assert {tag.key: tag.value for tag in entry.tags}["mlflow.data.context"] == name


@pytest.mark.parametrize("loop", LOOP_MODES)
def test_callback_records_everything_in_every_loop_mode(train_config, tmp_path, loop):
    cfg = train_config(
        f"loop={loop}", "tracking=mlflow", f"tracking.uri=sqlite:///{tmp_path}/mlruns.db"
    )
    summary = train(cfg)
    run = assert_run_complete(cfg, summary, loop)
    assert_model_predicts(run, cfg.paths.prepared_dir, in_subprocess=loop == "fit")
    assert_datasets_logged(run, cfg.paths.prepared_dir)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with MlflowServer(tmp_path_factory.mktemp("mlflow-server")) as url:
        yield url


@pytest.mark.slow
def test_against_a_real_server(train_config, server):
    cfg = train_config("loop=graph", "tracking=mlflow", f"tracking.uri={server}")
    summary = train(cfg)
    run = assert_run_complete(cfg, summary, "graph")
    assert run.tracking_uri == server
    assert_model_predicts(run, cfg.paths.prepared_dir)


@pytest.mark.slow
def test_ui_shows_the_runs_and_the_rmse_metric(train_config, server, tmp_path):
    cfg = train_config("tracking=mlflow", f"tracking.uri={server}", "tracking.experiment=ui-check")
    train(cfg)
    run, _ = tracked_run(cfg)
    ARTIFACTS.mkdir(exist_ok=True)
    experiment_page = f"{server}/#/experiments/{run.experiment_id}"
    run_page = f"{experiment_page}/runs/{run.run_id}"
    screenshot = ARTIFACTS / "mlflow-ui-run.png"
    chromium(tmp_path, f"--screenshot={screenshot}", run_page)
    assert screenshot.read_bytes().startswith(b"\x89PNG") and screenshot.stat().st_size > 20_000
    runs_page = f"{experiment_page}/runs"
    chromium(tmp_path, f"--screenshot={ARTIFACTS / 'mlflow-ui-runs.png'}", runs_page)
    assert "functional-fit" in chromium(tmp_path, "--dump-dom", runs_page)  # the runs table
    dom = chromium(tmp_path, "--dump-dom", run_page)
    assert "functional-fit" in dom  # the run's name
    assert "val_priority_rmse" in dom and "priority_rmse" in dom


def chromium(tmp_path, action, url):
    require_tool("chromium", "renders the MLflow UI")
    result = subprocess.run(
        [
            "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'chromium'}",
            "--window-size=1400,1000",
            "--virtual-time-budget=30000",
            action,
            url,
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


@pytest.mark.slow
def test_server_gone_mid_run_costs_a_warning_not_the_training(train_config, tmp_path, caplog):
    doomed = MlflowServer(tmp_path / "doomed")
    with doomed as url:
        cfg = train_config(
            "tracking=mlflow",
            f"tracking.uri={url}",
            "trainer.epochs=4",
            "callbacks.early_stopping.enabled=false",
        )
        history = Path(cfg.paths.models_dir) / "history.csv"

        def stop_server_after_the_first_epoch():
            while not (history.exists() and len(history.read_text().splitlines()) >= 2):
                time.sleep(0.05)
            doomed.stop()

        killer = threading.Thread(target=stop_server_after_the_first_epoch, daemon=True)
        killer.start()
        with caplog.at_level(logging.WARNING):
            summary = train(cfg)
        killer.join(timeout=60)
    assert summary["epochs_run"] == 4
    assert (Path(cfg.paths.models_dir) / "best.keras").exists()
    assert len(history.read_text().splitlines()) == 5
    warnings = [r for r in caplog.records if "MLflow logging failed" in r.getMessage()]
    assert len(warnings) == 1


def test_unreachable_server_stops_before_training(train_config):
    url = f"http://127.0.0.1:{free_port()}"
    cfg = train_config("tracking=mlflow", f"tracking.uri={url}")
    with pytest.raises(TrackingUnavailable, match=f"{url} is unreachable"):
        train(cfg)
    assert not (Path(cfg.paths.models_dir) / "history.csv").exists()


def test_unreachable_server_is_a_warning_when_tracking_is_optional(train_config, caplog):
    cfg = train_config(
        "tracking=mlflow",
        f"tracking.uri=http://127.0.0.1:{free_port()}",
        "tracking.optional=true",
        "trainer.epochs=1",
    )
    with caplog.at_level(logging.WARNING):
        summary = train(cfg)
    assert summary["epochs_run"] == 1
    assert any("without tracking" in r.getMessage() for r in caplog.records)


@pytest.mark.slow
def test_parallel_sweep_loses_no_run_or_metric(prepared_dir, tmp_path):
    db = tmp_path / "sweep.db"
    run_train_multirun(
        "hydra/launcher=joblib",
        "hydra.launcher.n_jobs=4",
        "seed=1,2,3,4",
        f"paths.prepared_dir={prepared_dir}",
        "trainer.epochs=2",
        "trainer.batch_size=32",
        "model.width=16",
        "loop.verbose=0",
        f"tracking.uri=sqlite:///{db}",
        f"hydra.sweep.dir={tmp_path}/multirun",
    )
    client = MlflowClient(f"sqlite:///{db}")
    experiment = client.get_experiment_by_name("ticket-triage")
    runs = client.search_runs([experiment.experiment_id])
    parents = [r for r in runs if r.data.tags.get("sweep_parent") == "true"]
    children = [r for r in runs if "mlflow.parentRunId" in r.data.tags]
    assert len(parents) == 1 and len(children) == 4
    assert parents[0].info.status == "FINISHED"  # ended by the launcher, after every job
    assert {r.data.tags["mlflow.parentRunId"] for r in children} == {parents[0].info.run_id}
    assert sorted(r.data.params["seed"] for r in children) == ["1", "2", "3", "4"]
    for child in children:
        assert child.info.status == "FINISHED"
        for metric in ("loss", "val_loss", "priority_rmse", "val_priority_rmse"):
            assert len(client.get_metric_history(child.info.run_id, metric)) == 2
    for job in range(4):  # each job kept its own models
        assert (tmp_path / "multirun" / str(job) / "models" / "best.keras").exists()


def test_batch_metrics_every_n_batches(train_config, tmp_path):
    cfg = train_config(
        "loop=eager",
        "tracking=mlflow",
        f"tracking.uri=sqlite:///{tmp_path}/m.db",
        "tracking.log_every_n_batches=5",
    )
    train(cfg)
    run, client = tracked_run(cfg)
    steps = [point.step for point in client.get_metric_history(run.run_id, "batch_loss")]
    train_size = json.loads((Path(cfg.paths.prepared_dir) / "report.json").read_text())
    per_epoch = -(-train_size["splits"]["train"] // 32)  # batches per epoch
    assert steps == [4, 9, 14, per_epoch + 4, per_epoch + 9, per_epoch + 14]
