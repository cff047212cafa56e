"""The run comparison table, read from a real MLflow store (a SQLite file)."""

import time

from mlflow import MlflowClient

from ticket_triage.tracking.compare import comparison_table, main


def make_run(client, experiment_id, name, tags, metrics, status="FINISHED"):
    run = client.create_run(experiment_id, run_name=name, tags=tags)
    client.log_param(run.info.run_id, "optimizer.learning_rate", "0.001")
    for key, value in metrics.items():
        client.log_metric(run.info.run_id, key, value)
    if status != "RUNNING":
        client.set_terminated(run.info.run_id, status)
    time.sleep(0.01)  # distinct start times: the table is newest first
    return run.info.run_id


def test_the_table_lists_finished_training_runs_newest_first(tmp_path, capsys):
    uri = f"sqlite:///{tmp_path}/mlruns.db"
    client = MlflowClient(uri)
    experiment = client.create_experiment("compare")
    make_run(
        client,
        experiment,
        "fit-run",
        {"loop": "fit", "model": "functional"},
        {"val_loss": 0.25, "val_department_accuracy": 0.9512, "tickets_per_second": 40123.4},
    )
    make_run(client, experiment, "sweep parent", {"sweep_parent": "true"}, {})
    make_run(
        client,
        experiment,
        "crashed",
        {"loop": "eager", "model": "mixed"},
        {"val_loss": 9.0},
        status="FAILED",
    )
    make_run(
        client,
        experiment,
        "still-running",
        {"loop": "graph", "model": "mixed"},
        {"val_loss": 8.0},
        status="RUNNING",
    )
    make_run(
        client, experiment, "graph-run", {"loop": "graph", "model": "subclassed"}, {"val_loss": 0.5}
    )

    lines = comparison_table("compare", uri).splitlines()
    assert lines[0] == (
        "| run | loop | model | learning rate | val loss | val department acc | tickets/s |"
    )
    assert lines[2] == "| graph-run | graph | subclassed | 0.001 | 0.5000 | - | - |"
    assert lines[3] == "| fit-run | fit | functional | 0.001 | 0.2500 | 0.9512 | 40,123 |"
    assert len(lines) == 4  # no parent, no failed or running run

    assert len(comparison_table("compare", uri, last=1).splitlines()) == 3
    main(["--experiment", "compare", "--uri", uri, "--last", "1"])
    assert "graph-run" in capsys.readouterr().out


def test_an_experiment_without_finished_runs_says_so(tmp_path):
    uri = f"sqlite:///{tmp_path}/mlruns.db"
    MlflowClient(uri).create_experiment("empty")
    assert comparison_table("empty", uri) == "no finished runs in experiment 'empty'"
