"""evaluate and extract_features on small real runs: numbers that agree with the files, figures,
features for every ticket, the difficulty head, and data that lacks some labels."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from mlflow import MlflowClient
from sklearn import metrics as sk

from tests.conftest import compose_config, prepare_synthetic
from ticket_triage.data.prepare import prepare_dataset
from ticket_triage.evaluation.report import evaluate
from ticket_triage.features.extract import extract_features
from ticket_triage.registry.register import register_evaluated
from ticket_triage.tracking.runs import TrackedRun
from ticket_triage.training.run import train
from ticket_triage.training.trained import load_trained

pytestmark = pytest.mark.trains  # trains models: left out of make test-fast


def stage_config(name, paths, *overrides):
    return compose_config(
        name, [f"{key}={value}" for key, value in paths.items()] + list(overrides)
    )


@pytest.fixture(scope="module")
def medium_prepared_dir(tmp_path_factory):
    """3,000 tickets: enough test tickets (about 300) for the difficulty head to be judged."""
    return prepare_synthetic(tmp_path_factory.mktemp("medium") / "data", 3000)


@pytest.fixture(scope="module")
def trained(tmp_path_factory, medium_prepared_dir):
    """A functional model trained 4 epochs on 3,000 tickets, tracked in a SQLite store."""
    root = tmp_path_factory.mktemp("trained")
    paths = {
        "paths.prepared_dir": medium_prepared_dir,
        "paths.models_dir": root / "models",
        "paths.reports_dir": root / "reports",
        "paths.features_dir": root / "features",
    }
    train(
        stage_config(
            "train",
            paths,
            "loop.verbose=0",
            "trainer.epochs=4",
            "trainer.batch_size=32",
            "model.width=32",
            f"tracking.uri=sqlite:///{root}/mlruns.db",
        )
    )
    return paths


def test_evaluate_reports_metrics_that_agree_with_its_plot_data(trained):
    metrics = evaluate(stage_config("evaluate", trained))
    reports = Path(trained["paths.reports_dir"])
    assert json.loads((reports / "metrics.json").read_text()) == metrics
    priority = pd.read_csv(reports / "plots" / "priority.csv")
    rmse = np.sqrt(np.mean((priority["true"] - priority["predicted"]) ** 2))
    assert metrics["priority"]["rmse"] == pytest.approx(rmse, abs=1e-4)
    assert metrics["priority"]["rmse"] < metrics["priority"]["baseline_mean_priority"]["rmse"]
    confusion = pd.read_csv(reports / "plots" / "confusion.csv")
    assert len(confusion) == metrics["test_tickets"]
    actual, predicted = confusion["actual"], confusion["predicted"]
    present = sorted(set(actual) | set(predicted))
    department = metrics["department"]
    assert department["accuracy"] == round(sk.accuracy_score(actual, predicted), 4)
    for average in ("macro", "weighted"):
        f1 = sk.f1_score(actual, predicted, labels=present, average=average, zero_division=0)
        assert department[f"{average}_f1"] == round(f1, 4)
    assert department["accuracy"] > department["baseline_majority"]["accuracy"]

    linear = metrics["linear_baseline"]
    assert set(linear) == {"department", "priority"}
    assert set(linear["department"]) == {"accuracy", "macro_f1", "weighted_f1"}
    assert set(linear["priority"]) == {"rmse", "mae"}
    numbers = [
        *(department[key] for key in linear["department"]),
        *linear["department"].values(),
        *(metrics["priority"][key] for key in linear["priority"]),
        *linear["priority"].values(),
    ]
    assert all(0 <= value <= 1 for value in numbers)
    # The linear baseline learns the synthetic tickets far better than the trivial ones.
    assert linear["department"]["accuracy"] > department["baseline_majority"]["accuracy"] + 0.3
    assert linear["priority"]["rmse"] < metrics["priority"]["baseline_mean_priority"]["rmse"]
    # The verdict comes first and agrees with the numbers it sums up.
    assert next(iter(metrics)) == "verdict"
    losing = {
        "department": department["macro_f1"] < linear["department"]["macro_f1"],
        "priority": metrics["priority"]["rmse"] > linear["priority"]["rmse"],
    }
    assert metrics["verdict"]["baseline_wins"] == sorted(h for h, lost in losing.items() if lost)
    assert np.sum(metrics["department"]["confusion_matrix"]) == metrics["test_tickets"]
    every = list(department["per_class"])  # the matrix keeps every class, present or not
    matrix = sk.confusion_matrix(actual, predicted, labels=every)
    assert department["confusion_matrix"] == matrix.tolist()
    assert set(metrics["department"]["per_class"]) == {
        "account",
        "billing",
        "shipping",
        "technical",
    }
    for figure in ("confusion_matrix.png", "priority.png", "learning_curves.png"):
        assert (reports / "figures" / figure).read_bytes().startswith(b"\x89PNG")
    run = TrackedRun.load(trained["paths.models_dir"])
    logged = MlflowClient(run.tracking_uri).get_run(run.run_id).data.metrics
    assert logged["test_department_accuracy"] == metrics["department"]["accuracy"]
    assert logged["test_department_weighted_f1"] == metrics["department"]["weighted_f1"]
    assert logged["test_linear_baseline_department_macro_f1"] == linear["department"]["macro_f1"]
    assert logged["test_linear_baseline_priority_rmse"] == linear["priority"]["rmse"]
    artifacts = [
        a.path for a in MlflowClient(run.tracking_uri).list_artifacts(run.run_id, "evaluation")
    ]
    assert "evaluation/confusion_matrix.png" in artifacts


def test_extract_features_writes_vectors_projector_and_difficulty_head(trained):
    report = extract_features(stage_config("extract_features", trained, "difficulty.epochs=10"))
    features = Path(trained["paths.features_dir"])
    for split in ("train", "val", "test"):
        frame = pd.read_parquet(features / f"{split}.parquet")
        prepared = pd.read_parquet(Path(trained["paths.prepared_dir"]) / f"{split}.parquet")
        assert frame["ticket_id"].tolist() == prepared["ticket_id"].tolist()
        assert (frame["split"] == split).all()
        assert np.stack(frame["vector"]).shape == (len(prepared), 32)
    assert report["dimension"] == 32
    projector = features / "projector"
    assert "metadata.tsv" in (projector / "projector_config.pbtxt").read_text()
    metadata = pd.read_csv(projector / "metadata.tsv", sep="\t")
    assert len(metadata) == report["vectors"]["test"]
    assert list(metadata.columns) == [
        "department",
        "predicted_department",
        "route",
        "priority",
        "difficulty",
        "title",
    ]
    test = pd.read_parquet(features / "test.parquet")
    assert set(test["route"]) <= {"auto", "review"} and test["confidence"].between(0, 1).all()
    difficulty = report["difficulty"]
    assert difficulty["classes"] == ["easy", "hard", "medium"]
    assert difficulty["test_accuracy"] > difficulty["baseline_majority_accuracy"]
    assert (features / "with_difficulty.keras").exists()
    run = TrackedRun.load(trained["paths.models_dir"])
    logged = MlflowClient(run.tracking_uri).get_run(run.run_id).data.metrics
    assert logged["test_difficulty_accuracy"] == difficulty["test_accuracy"]


def test_features_come_from_the_trained_features_layer(trained):
    """The saved test vectors are the trained ``features`` layer's outputs for those tickets."""
    import keras

    from ticket_triage.models.features import feature_extractor

    model, built, data = load_trained(stage_config("extract_features", trained))
    extractor = feature_extractor(model)
    expected = np.concatenate(
        [
            keras.ops.convert_to_numpy(extractor(inputs, training=False))
            for inputs, _ in data.dataset("test", built.heads)
        ]
    )
    saved = pd.read_parquet(Path(trained["paths.features_dir"]) / "test.parquet")
    assert saved["ticket_id"].tolist() == data.frames["test"]["ticket_id"].tolist()
    vectors = np.stack(saved["vector"])
    assert vectors.shape == expected.shape
    np.testing.assert_allclose(vectors, expected, atol=1e-5)
    assert np.ptp(vectors, axis=0).max() > 0  # vectors that differ between tickets


@pytest.fixture(scope="module")
def priority_only(tmp_path_factory):
    """An export with text and priority only: no tags, departments or difficulty."""
    from ticket_triage.data.synthetic import generate_tickets

    root = tmp_path_factory.mktemp("priority_only")
    generate_tickets(500, seed=5)[["ticket_id", "title", "body", "priority"]].to_parquet(
        root / "export.parquet"
    )
    prepare_dataset(
        compose_config(
            "prepare",
            [
                f"paths.data_dir={root}/data",
                "data=csv",
                f"data.path={root}/export.parquet",
                "data.columns.tags=null",
                "data.columns.department=null",
            ],
        )
    )
    paths = {
        "paths.prepared_dir": root / "data/prepared",
        "paths.models_dir": root / "models",
        "paths.reports_dir": root / "reports",
        "paths.features_dir": root / "features",
    }
    train(
        stage_config(
            "train",
            paths,
            "loop.verbose=0",
            "trainer.epochs=1",
            f"tracking.uri=sqlite:///{root}/mlruns.db",
            "model.width=8",
        )
    )
    return paths


def test_stages_follow_data_without_departments_or_difficulty(priority_only, caplog):
    metrics = evaluate(stage_config("evaluate", priority_only))
    assert set(metrics) == {"verdict", "test_tickets", "priority", "linear_baseline"}
    assert set(metrics["linear_baseline"]) == {"priority"}
    with caplog.at_level("INFO"):
        report = extract_features(stage_config("extract_features", priority_only))
    assert report["difficulty"] is None
    assert any("no difficulty labels" in record.getMessage() for record in caplog.records)
    assert len(pd.read_parquet(Path(priority_only["paths.features_dir"]) / "test.parquet"))


def test_sequential_model_through_evaluate_and_extract(prepared_dir, tmp_path):
    paths = {
        "paths.prepared_dir": prepared_dir,
        "paths.models_dir": tmp_path / "models",
        "paths.reports_dir": tmp_path / "reports",
        "paths.features_dir": tmp_path / "f",
    }
    train(
        stage_config(
            "train",
            paths,
            "model=sequential",
            "loop.verbose=0",
            "trainer.epochs=1",
            "tracking=none",
            "model.width=8",
        )
    )
    metrics = evaluate(stage_config("evaluate", paths))
    assert set(metrics) == {"verdict", "test_tickets", "department", "linear_baseline"}
    assert set(metrics["linear_baseline"]) == {"department"}  # the model's heads only
    report = extract_features(stage_config("extract_features", paths, "difficulty.epochs=1"))
    assert report["dimension"] == 8 and report["difficulty"]["test_accuracy"] > 0


def test_a_priority_only_model_is_registered_served_and_applied(priority_only):
    """Without departments the registry gates on priority RMSE, the labeled model answers a
    priority and its band (no tags input), and `predict` writes just those."""
    import mlflow

    from ticket_triage.triage.bulk import triage_export

    cfg = stage_config("evaluate", priority_only)
    metrics = evaluate(cfg)
    register_evaluated(cfg, metrics)
    run = TrackedRun.load(priority_only["paths.models_dir"])
    client = MlflowClient(run.tracking_uri)
    version = client.search_model_versions("name = 'ticket-triage'")[0]
    assert version.source == run.model_uri
    assert float(version.tags["test_priority_rmse"]) == pytest.approx(
        metrics["priority"]["rmse"], abs=1e-6
    )
    assert version.tags["promotion"].startswith("priority_rmse ")

    mlflow.set_tracking_uri(run.tracking_uri)
    model = mlflow.pyfunc.load_model(run.model_uri)
    assert model.metadata.get_input_schema().input_names() == ["title", "body"]
    answer = model.predict(pd.DataFrame({"title": ["Site down"], "body": ["Urgent, all users"]}))
    assert list(answer.columns) == ["priority", "priority_band"]

    root = Path(priority_only["paths.models_dir"]).parent
    report = triage_export(
        stage_config(
            "predict",
            priority_only,
            "data=csv",
            f"data.path={root}/export.parquet",
            "data.columns.tags=null",
            f"predict.output={root}/triaged.csv",
        )
    )
    assert report["rows_predicted"] == 500 and report["rows_rejected"] == 0
    triaged = pd.read_csv(root / "triaged.csv")
    assert list(triaged.columns) == ["ticket_id", "priority", "priority_band"]


def test_predict_raises_data_errors_as_themselves_and_loses_no_row(priority_only, tmp_path):
    """Errors met while reading (between model calls) keep their one-line DataError; an
    export whose rows are all unusable is an error with every row in the rejects file."""
    from ticket_triage.errors import DataError
    from ticket_triage.triage.bulk import triage_export

    root = Path(priority_only["paths.models_dir"]).parent

    def predict(path, *overrides):
        return triage_export(
            stage_config(
                "predict",
                priority_only,
                "data=csv",
                f"data.path={path}",
                "data.columns.tags=null",
                f"predict.output={tmp_path}/out.csv",
                "predict.chunk_size=64",
                *overrides,
            )
        )

    with pytest.raises(DataError, match=r"data\.columns\.title = 'Subject': not a column"):
        predict(root / "export.parquet", "data.columns.title=Subject")
    capped = predict(root / "export.parquet", "data.num_tickets=100")
    assert (capped["rows_in"], capped["rows_predicted"]) == (100, 100)

    blank = tmp_path / "blank.csv"
    blank.write_text("ticket_id,title,body\n" + "".join(f"b{i},, \n" for i in range(150)))
    with pytest.raises(DataError, match=r"no usable rows in .*150 x no text"):
        predict(blank)
    rejects = pd.read_csv(tmp_path / "out.rejects.csv")
    assert len(rejects) == 150 and rejects["row"].tolist() == list(range(1, 151))
    assert not (tmp_path / "out.csv").exists()


def test_the_callbacks_file_names_are_the_configured_ones_in_every_stage(prepared_dir, tmp_path):
    """Renamed in the config, the checkpoint, CSV log and log folders are written under the new
    names, logged to MLflow under them, and found by evaluate and extract_features (through
    models/spec.json)."""
    paths = {
        "paths.prepared_dir": prepared_dir,
        "paths.models_dir": tmp_path / "models",
        "paths.reports_dir": tmp_path / "reports",
        "paths.features_dir": tmp_path / "features",
    }
    renamed = [
        "callbacks.checkpoint.filepath=top.keras",
        "callbacks.csv_logger.filename=epochs.csv",
        "callbacks.tensorboard.log_dir=tb",
        "callbacks.loss_history.out_dir=losses",
    ]
    train(
        stage_config(
            "train",
            paths,
            "loop.verbose=0",
            "trainer.epochs=2",
            "trainer.batch_size=32",
            "model.width=16",
            f"tracking.uri=sqlite:///{tmp_path}/mlruns.db",
            *renamed,
        )
    )
    written = {path.name for path in (tmp_path / "models").iterdir()}
    assert {"top.keras", "epochs.csv", "tb", "losses"} <= written
    assert not {"best.keras", "history.csv", "tensorboard", "loss_history"} & written
    run = TrackedRun.load(tmp_path / "models")
    client = MlflowClient(run.tracking_uri)
    logged = {entry.path for entry in client.list_artifacts(run.run_id)}
    assert {"epochs.csv", "tb", "losses"} <= logged
    assert [e.path for e in client.list_artifacts(run.run_id, "checkpoints")] == [
        "checkpoints/top.keras"
    ]
    assert evaluate(stage_config("evaluate", paths))["test_tickets"] > 0
    assert (tmp_path / "reports" / "figures" / "learning_curves.png").exists()  # from epochs.csv
    assert extract_features(stage_config("extract_features", paths, "difficulty.epochs=1"))
