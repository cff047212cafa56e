"""The whole pipeline under the real DVC in a fresh git clone: repro, no-op repro, the reports
commands, an experiment with -S (the subclassed model, through every stage), a queue of two
experiments, the default remote's round trip to a teammate's clone, and a committed dvc.lock
that matches the committed code."""

import json
import time

import pytest
import yaml
from mlflow import MlflowClient

from tests.project_copy import fresh_clone, git, run_in


@pytest.fixture(scope="module")
def clone(tmp_path_factory):
    """A fresh clone with a small, quick configuration committed as its baseline."""
    tmp = tmp_path_factory.mktemp("pipeline")
    clone = fresh_clone(tmp)
    params = yaml.safe_load((clone / "params.yaml").read_text())
    params["prepare"]["num_tickets"] = 1500
    params["train"]["epochs"] = 2
    (clone / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    git("commit", "-qam", "small pipeline for tests", cwd=clone)
    return clone


def env_for(clone):
    return {"MLFLOW_TRACKING_URI": f"sqlite:///{clone.parent}/mlruns.db"}


@pytest.mark.slow
def test_repro_runs_all_four_stages_then_nothing(clone):
    first = run_in(clone, "dvc", "repro", env=env_for(clone))
    for stage in ("prepare", "train", "evaluate", "extract_features"):
        assert f"Running stage '{stage}'" in first
    metrics = json.loads((clone / "reports/metrics.json").read_text())
    assert (
        metrics["department"]["accuracy"] > metrics["department"]["baseline_majority"]["accuracy"]
    )
    assert (clone / "data/features/test.parquet").exists()
    assert (clone / "models/serving.keras").exists()
    # The MLflow run of the train stage records params.yaml's knobs and conf/'s defaults.
    client = MlflowClient(env_for(clone)["MLFLOW_TRACKING_URI"])
    experiments = [experiment.experiment_id for experiment in client.search_experiments()]
    [logged] = [run.data.params for run in client.search_runs(experiments) if run.data.params]
    assert (logged["trainer.epochs"], logged["trainer.batch_size"]) == ("2", "64")
    assert float(logged["optimizer.learning_rate"]) == 1.5e-3  # rmsprop's own: params.yaml null
    assert logged["model.width"] == "128" and logged["model.name"] == "functional"

    started = time.monotonic()
    second = run_in(clone, "dvc", "repro", env=env_for(clone))
    assert "Data and pipelines are up to date" in second
    assert time.monotonic() - started < 30

    assert "extract_features" in run_in(clone, "dvc", "dag")
    shown = run_in(clone, "dvc", "metrics", "show", "--json")
    assert "department" in shown and "test_tickets" in shown
    run_in(clone, "dvc", "plots", "show", "-o", "plots_html")
    assert (clone / "plots_html" / "index.html").stat().st_size > 1000
    params = yaml.safe_load((clone / "params.yaml").read_text())
    params["train"]["learning_rate"] = 0.002
    (clone / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    assert "train.learning_rate" in run_in(clone, "dvc", "params", "diff")
    git("checkout", "params.yaml", cwd=clone)


@pytest.mark.slow
def test_experiments_with_set_params_and_a_queue(clone):
    run_in(clone, "dvc", "repro", env=env_for(clone))
    git("add", "-A", cwd=clone)
    git("commit", "-qm", "baseline results", cwd=clone)
    single = run_in(clone, "dvc", "exp", "run", "-S", "train.model=subclassed", env=env_for(clone))
    assert "Running stage 'train'" in single and "Running stage 'prepare'" not in single
    for stage in ("evaluate", "extract_features"):  # the stages after train load the model
        assert f"Running stage '{stage}'" in single
    run_in(
        clone,
        "dvc",
        "exp",
        "run",
        "--queue",
        "-S",
        "train.loop=eager,train_step",
        env=env_for(clone),
    )
    run_in(clone, "dvc", "queue", "start", "-j", "1", env=env_for(clone))
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline:
        status = run_in(clone, "dvc", "queue", "status")
        if "Queued" not in status and "Running" not in status:
            break
        time.sleep(5)
    assert status.count("Success") == 2, status
    shown = json.loads(run_in(clone, "dvc", "exp", "show", "--json"))
    runs = []
    for baseline in shown:
        for experiment in baseline.get("experiments") or []:
            for revision in experiment["revs"]:
                data = revision["data"]
                train = data["params"]["params.yaml"]["data"]["train"]
                runs.append((train["model"], train["loop"]))
                assert data["metrics"]["reports/metrics.json"]["data"]["test_tickets"] > 0
    # `dvc exp run` leaves its params in the workspace, so the queued runs are subclassed too.
    assert sorted(runs) == [
        ("subclassed", "eager"),
        ("subclassed", "fit"),
        ("subclassed", "train_step"),
    ]
    from mlflow import MlflowClient

    client = MlflowClient(env_for(clone)["MLFLOW_TRACKING_URI"])
    experiment = client.get_experiment_by_name("ticket-triage")
    tracked = {r.data.tags["loop"] for r in client.search_runs([experiment.experiment_id])}
    assert {"fit", "eager", "train_step"} <= tracked  # queued runs too: one store


def test_the_committed_lock_matches_the_code(tmp_path):
    """`dvc status` in a fresh clone reports missing outputs only, never a changed dependency."""
    clone = fresh_clone(tmp_path, with_lock=True)
    status = json.loads(run_in(clone, "dvc", "status", "--json"))
    changed = {
        stage: sorted(entry["changed deps"])
        for stage, entries in status.items()
        for entry in entries
        if isinstance(entry, dict) and "changed deps" in entry
    }
    code = ("src/", "pipelines/", "conf/", "params.yaml")
    stale = {stage: [p for p in paths if p.startswith(code)] for stage, paths in changed.items()}
    assert not any(stale.values()), f"regenerate dvc.lock (dvc repro) and commit it: {stale}"


@pytest.mark.slow
def test_a_teammate_pulls_the_results_instead_of_retraining(clone):
    run_in(clone, "dvc", "repro", env=env_for(clone))
    assert "pushed" in run_in(clone, "dvc", "push")
    git("add", "-A", cwd=clone)
    git("commit", "-qm", "results", "--allow-empty", cwd=clone)
    remote = clone.parent / "ticket-triage-dvc-remote"  # the default: beside the repository
    assert any(remote.rglob("*")), "nothing in the default remote"

    teammate = clone.parent / "teammate"
    git("clone", "-q", str(clone), str(teammate), cwd=clone.parent)
    assert not (teammate / "models").exists()
    run_in(teammate, "dvc", "pull")
    assert (teammate / "models" / "serving.keras").exists()
    assert "Data and pipelines are up to date" in run_in(teammate, "dvc", "repro")
