"""The model registry and the served model, with a real training run, a SQLite store and a real
`mlflow models serve` process on 127.0.0.1."""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from mlflow import MlflowClient
from omegaconf import OmegaConf

from tests.conftest import compose_config
from tests.tracking.mlflow_server import free_port
from ticket_triage.registry.promotion import PromotionMetric
from ticket_triage.registry.register import register_and_promote, register_evaluated
from ticket_triage.tracking.predictions import MODEL_URI_TAG
from ticket_triage.tracking.runs import TrackedRun

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory, prepared_dir):
    """One tracked training run (fit, functional), evaluated and registered as the `evaluate`
    entry point does: its run and its metrics."""
    from ticket_triage.evaluation.report import evaluate
    from ticket_triage.training.run import train

    root = tmp_path_factory.mktemp("registry")
    paths = [
        f"paths.prepared_dir={prepared_dir}",
        f"paths.models_dir={root}/models",
        f"paths.reports_dir={root}/reports",
    ]
    train(
        compose_config(
            "train",
            [
                *paths,
                "loop.verbose=0",
                "trainer.epochs=3",
                f"tracking.uri=sqlite:///{root}/mlruns.db",
            ],
        )
    )
    cfg = compose_config("evaluate", paths)
    metrics = evaluate(cfg)
    register_evaluated(cfg, metrics)
    return TrackedRun.load(f"{root}/models"), metrics


def test_evaluate_registers_a_version_with_its_test_metrics(evaluated):
    run, metrics = evaluated
    client = MlflowClient(run.tracking_uri)
    (version,) = client.search_model_versions("name = 'ticket-triage'")
    assert version.run_id == run.run_id and version.source == run.model_uri
    assert float(version.tags["test_department_macro_f1"]) == pytest.approx(
        metrics["department"]["macro_f1"], abs=1e-6
    )
    assert float(version.tags["test_priority_rmse"]) == pytest.approx(
        metrics["priority"]["rmse"], abs=1e-6
    )
    # The default gate: department macro-F1 above the linear baseline's (no champion before).
    wins = metrics["department"]["macro_f1"] > metrics["linear_baseline"]["department"]["macro_f1"]
    aliases = client.get_registered_model("ticket-triage").aliases
    assert {alias: str(v) for alias, v in aliases.items()} == (
        {"champion": str(version.version)} if wins else {}
    )
    assert ("beats the linear baseline" if wins else "does not beat") in version.tags["promotion"]


def test_the_champion_alias_moves_only_to_a_better_model(evaluated):
    run, metrics = evaluated
    client = MlflowClient(run.tracking_uri)
    settings = OmegaConf.create({"registered_model_name": "gate", "champion_alias": "champion"})
    metric = PromotionMetric.choose("auto", ["priority", "department"])

    def candidate(macro_f1, baseline=0.85):
        scores = json.loads(json.dumps(metrics))
        scores["department"]["macro_f1"] = macro_f1
        scores["linear_baseline"]["department"]["macro_f1"] = baseline
        version, verdict = register_and_promote(run, scores, settings, metric)
        champion = client.get_registered_model("gate").aliases.get("champion")
        return version, verdict.promote, champion and str(champion)

    assert candidate(0.80) == ("1", False, None)  # below the linear baseline
    assert candidate(0.9123454) == ("2", True, "2")  # first one above it
    assert candidate(0.88) == ("3", False, "2")  # below the champion
    assert candidate(0.9123454) == ("4", False, "2")  # a tie keeps the champion, to the last digit
    assert candidate(0.95) == ("5", True, "5")
    reason = client.get_model_version("gate", "3").tags["promotion"]
    assert reason == "department_macro_f1 0.8800 does not beat the champion (0.9123)"


@pytest.fixture(scope="module")
def served(evaluated, tmp_path_factory):
    """`mlflow models serve` of a champion, on a free port; stopped by its process group."""
    run, metrics = evaluated
    settings = OmegaConf.create({"registered_model_name": "served", "champion_alias": "champion"})
    winner = json.loads(json.dumps(metrics))
    winner["department"]["macro_f1"] = 1.0
    register_and_promote(run, winner, settings, PromotionMetric("department_macro_f1", True))
    port = free_port()
    log = (tmp_path_factory.mktemp("serve") / "serve.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mlflow",
            "models",
            "serve",
            "-m",
            "models:/served@champion",
            "--env-manager",
            "local",
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
        ],
        env=dict(  # the server starts `uvicorn` from PATH: this interpreter's tools come first
            os.environ,
            MLFLOW_TRACKING_URI=run.tracking_uri,
            PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        ),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, process, log.name)
        yield url, run
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        log.close()


def wait_until_up(url, process, log_file, timeout=180):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = Path(log_file).read_text()[-3000:]
            raise RuntimeError(f"mlflow models serve exited: {output}")
        try:
            with urllib.request.urlopen(f"{url}/ping", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(1)
    raise RuntimeError(f"mlflow models serve did not answer /ping in {timeout} s")


def post(url, body, content_type="application/json"):
    """``(status, parsed JSON answer)`` of ``POST /invocations``."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(
        f"{url}/invocations", data=data, headers={"Content-Type": content_type}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


TICKETS = pd.DataFrame(
    {
        "title": ["Charged twice this month", "App freezes on startup"],
        "body": ["Please refund the duplicate payment.", "Error 500 on login since the update."],
        "tags": ["billing,refund", "bug"],
    }
)


def answers(payload):
    return pd.DataFrame(payload["predictions"])


def check_labeled(frame, departments):
    assert set(frame["department"]) <= set(departments)
    probabilities = frame[[f"probability_{name}" for name in departments]].to_numpy()
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(frame["department_probability"], probabilities.max(axis=1))
    assert frame["priority"].between(0, 1).all()
    assert set(frame["route"]) <= {"auto", "review"}  # the calibrated review route


def test_the_served_champion_answers_with_department_names(served, prepared_dir):
    import mlflow

    url, run = served
    departments = (prepared_dir / "departments.txt").read_text().split()
    status, split = post(url, {"dataframe_split": TICKETS.to_dict(orient="split", index=False)})
    assert status == 200, split
    by_split = answers(split)
    check_labeled(by_split, departments)

    mlflow.set_tracking_uri(run.tracking_uri)  # the same answers as the model in-process
    local = mlflow.pyfunc.load_model("models:/served@champion").predict(TICKETS)
    assert by_split["department"].tolist() == local["department"].tolist()
    np.testing.assert_allclose(by_split["priority"], local["priority"], atol=1e-5)

    status, records = post(url, {"dataframe_records": [{"title": "Refund", "body": "Charged"}]})
    assert status == 200, records  # tags may be omitted
    check_labeled(answers(records), departments)

    assert "explanation" not in by_split  # off unless asked: it costs a backward pass
    asked = {"dataframe_split": TICKETS.to_dict(orient="split", index=False)}
    status, explained = post(url, {**asked, "params": {"explain": True}})
    assert status == 200, explained
    explained = answers(explained)
    assert explained["department"].tolist() == by_split["department"].tolist()
    assert explained["explanation"].str.len().gt(0).all()

    status, from_csv = post(url, TICKETS.to_csv(index=False).encode(), "text/csv")
    assert status == 200, from_csv
    assert answers(from_csv)["department"].tolist() == by_split["department"].tolist()


def test_a_malformed_request_gets_a_4xx_and_the_server_keeps_serving(served):
    url, _ = served
    status, answer = post(url, {"dataframe_split": {"columns": ["subject"], "data": [["x"]]}})
    assert 400 <= status < 500
    assert "title" in answer["message"] and "body" in answer["message"]
    status, answer = post(url, b"{not json")
    assert 400 <= status < 500 and answer["message"]
    status, answer = post(url, {"dataframe_records": [{"title": "Refund", "body": "Twice"}]})
    assert status == 200 and len(answer["predictions"]) == 1


def test_predict_takes_the_champion_from_the_registry(served, prepared_dir, tmp_path):
    """`predict.model_uri=models:/...@champion` triages with the registered model."""
    from ticket_triage.triage.bulk import triage_export

    _, run = served
    tickets = pd.read_parquet(prepared_dir / "test.parquet").head(30)
    tickets.assign(tags=tickets["tags"].map(",".join)).to_parquet(tmp_path / "export.parquet")
    report = triage_export(
        compose_config(
            "predict",
            [
                "data=csv",
                f"data.path={tmp_path}/export.parquet",
                f"predict.output={tmp_path}/triaged.parquet",
                "predict.model_uri=models:/served@champion",
                f"predict.tracking_uri={run.tracking_uri}",
            ],
        )
    )
    assert report["model"] == "models:/served@champion" and report["rows_predicted"] == 30
    triaged = pd.read_parquet(tmp_path / "triaged.parquet")
    departments = (prepared_dir / "departments.txt").read_text().split()
    assert triaged["ticket_id"].tolist() == tickets["ticket_id"].tolist()
    assert set(triaged["department"]) <= set(departments)
    client = MlflowClient(run.tracking_uri)
    logged = client.search_runs(
        [client.get_run(run.run_id).info.experiment_id],
        f"tags.`{MODEL_URI_TAG}` = 'models:/served@champion'",
    )
    assert len(logged) == 1  # the export's drift, beside the run that trained the model
    assert logged[0].data.metrics["rows_predicted"] == 30
    assert logged[0].data.metrics["drift_oov_rate"] == report["drift"]["oov_rate"]
