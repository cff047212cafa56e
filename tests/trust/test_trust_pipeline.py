"""Calibration, the review route, explanations and drift through the real stages.

One model is trained on 2,000 synthetic tickets and evaluated; an export from the same generator
with another seed, and the real Hadoop export (another help desk altogether), then go through
``predict``.
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.conftest import REALDATA, compose_config, prepare_synthetic

pytestmark = pytest.mark.trains


@pytest.fixture(scope="module")
def trusted(tmp_path_factory):
    from ticket_triage.evaluation.report import evaluate
    from ticket_triage.training.run import train

    root = tmp_path_factory.mktemp("trust")
    prepared = prepare_synthetic(root / "data", 2000)
    paths = [
        f"paths.prepared_dir={prepared}",
        f"paths.models_dir={root}/models",
        f"paths.reports_dir={root}/reports",
    ]
    train(compose_config("train", [*paths, "loop.verbose=0", "trainer.epochs=4", "tracking=none"]))
    metrics = evaluate(compose_config("evaluate", paths))
    return {"root": root, "prepared": prepared, "paths": paths, "metrics": metrics}


def predict(trusted, name, *overrides):
    from ticket_triage.triage.bulk import triage_export

    output = trusted["root"] / f"{name}.csv"
    report = triage_export(
        compose_config("predict", [*trusted["paths"], f"predict.output={output}", *overrides])
    )
    return pd.read_csv(output, keep_default_na=False), report


def test_calibration_and_the_route_are_fitted_on_validation_and_scored_on_test(trusted):
    from ticket_triage.evaluation.summary import flat_test_metrics

    trust = json.loads((trusted["root"] / "models" / "trust.json").read_text())
    assert trust["validation"]["ece"] <= trust["validation"]["ece_before"]
    assert trust["target_precision"] == 0.95
    validation = trust["validation"]["routing"]
    assert validation["precision"] >= 0.95 and validation["threshold"] == round(
        trust["threshold"], 4
    )
    department = trusted["metrics"]["department"]
    assert set(department["calibration"]) == {"temperature", "ece_before", "ece"}
    assert department["calibration"]["temperature"] == round(trust["temperature"], 4)
    routing = department["routing"]
    assert routing["target_precision"] == 0.95
    assert routing["threshold"] == validation["threshold"]
    assert 0 < routing["coverage"] <= 1 and 0 <= routing["precision"] <= 1
    flat = flat_test_metrics(trusted["metrics"])
    assert flat["test_department_calibration_ece"] == department["calibration"]["ece"]
    assert flat["test_department_routing_coverage"] == routing["coverage"]
    reports = trusted["root"] / "reports"
    for figure in ("reliability.png", "review_route.png"):
        assert (reports / "figures" / figure).stat().st_size > 1000
    tokens = pd.read_csv(reports / "influential_tokens.csv")
    departments = (trusted["prepared"] / "departments.txt").read_text().split()
    assert set(tokens["department"]) == set(departments)
    assert (tokens["weight"] > 0).all() and tokens.groupby("department").size().max() == 10


def test_bulk_predictions_carry_route_and_explanation_and_no_drift_from_the_same_source(
    trusted, tmp_path
):
    from ticket_triage.data.synthetic import generate_tickets

    generate_tickets(400, seed=99).to_parquet(tmp_path / "same_source.parquet")
    triaged, report = predict(
        trusted, "same_source", "data=csv", f"data.path={tmp_path}/same_source.parquet"
    )
    threshold = json.loads((trusted["root"] / "models" / "trust.json").read_text())["threshold"]
    expected = np.where(triaged["department_probability"] >= threshold, "auto", "review")
    assert triaged["route"].tolist() == expected.tolist()
    assert report["routes"] == triaged["route"].value_counts().to_dict()
    assert (triaged["explanation"].str.len() > 0).mean() > 0.95
    listed = triaged["explanation"].str.split(", ")
    assert listed.map(len).max() == 3 and listed.map(lambda t: len(set(t)) == len(t)).all()
    drift = report["drift"]
    assert drift["warnings"] == []
    assert abs(drift["oov_rate"] - drift["train_oov_rate"]) < 0.05


def test_an_export_from_another_help_desk_gets_drift_warnings(trusted, caplog):
    with caplog.at_level("WARNING"):
        _, report = predict(trusted, "hadoop", "data=hadoop_jira", f"data.path={REALDATA}")
    drift = report["drift"]
    assert drift["oov_rate"] > 0.3 > drift["train_oov_rate"]
    assert any("unknown to the model" in warning for warning in drift["warnings"])
    logged = [r.getMessage() for r in caplog.records if r.getMessage().startswith("drift:")]
    assert len(logged) == len(drift["warnings"])


def test_removing_the_listed_tokens_lowers_the_departments_probability(trusted):
    """The explanation is faithful: without its tokens, the chosen department loses probability
    on most tickets, and more than without as many other tokens of the same ticket."""
    from ticket_triage.data.tokenizer import token_lists
    from ticket_triage.triage.artifacts import load_predictor

    models = trusted["root"] / "models"
    explaining = load_predictor(models, explained=3)
    plain = load_predictor(models)
    tickets = pd.read_parquet(trusted["prepared"] / "test.parquet").head(150)
    titles = token_lists(tickets["title"], explaining.vectorizer.tokenizer)
    bodies = token_lists(tickets["body"], explaining.vectorizer.tokenizer)
    tags = tickets["tags"].map(list).tolist()

    def inputs(keep):
        """Each ticket's tokens joined back into text, minus those ``keep`` refuses."""
        columns = {
            "title": [" ".join(w for w in ws if keep(i, w)) for i, ws in enumerate(titles)],
            "text_body": [" ".join(w for w in ws if keep(i, w)) for i, ws in enumerate(bodies)],
            "tags": ["\x1f".join(t for t in ts if keep(i, t)) for i, ts in enumerate(tags)],
        }
        return {
            name: np.array(values, dtype=object).reshape(-1, 1)
            for name, values in columns.items()
            if name in plain.input_names
        }

    whole = explaining.predict(inputs(lambda i, w: True))
    chosen = whole["department"].argmax(axis=1)
    listed = [
        {word for token in explanation for word in token.decode().split()}
        for explanation in whole["explanation_tokens"][:, :3]
    ]
    rng = np.random.default_rng(0)
    others = [
        set(rng.choice(sorted(set(t + b) - words), min(len(words), len(set(t + b) - words))))
        for t, b, words in zip(titles, bodies, listed, strict=True)
    ]

    def drop(removed):
        probabilities = plain.predict(inputs(lambda i, w: w not in removed[i]))["department"]
        before = whole["department"][np.arange(len(chosen)), chosen]
        return before - probabilities[np.arange(len(chosen)), chosen]

    explained, control = drop(listed), drop(others)
    assert (explained > 0).mean() > 0.8
    assert explained.mean() > control.mean()


def test_a_model_without_departments_has_no_route_and_says_so(tmp_path, caplog):
    """Priority only: calibration and the route are skipped with a line; drift still works."""
    from ticket_triage.data.prepare import prepare_dataset
    from ticket_triage.data.synthetic import generate_tickets
    from ticket_triage.training.run import train
    from ticket_triage.triage.bulk import triage_export

    tickets = generate_tickets(400, seed=5)[["ticket_id", "title", "body", "priority"]]
    tickets.to_parquet(tmp_path / "export.parquet")
    data = ["data=csv", f"data.path={tmp_path}/export.parquet", "data.columns.tags=null"]
    prepare_dataset(
        compose_config(
            "prepare",
            [f"paths.data_dir={tmp_path}/data", *data, "data.columns.department=null"],
        )
    )
    paths = [
        f"paths.prepared_dir={tmp_path}/data/prepared",
        f"paths.models_dir={tmp_path}/models",
    ]
    with caplog.at_level("INFO"):
        train(
            compose_config(
                "train",
                [*paths, "loop.verbose=0", "trainer.epochs=1", "tracking=none", "model.width=8"],
            )
        )
    said = [record.getMessage() for record in caplog.records]
    assert any("calibration and the review route are skipped" in line for line in said)
    trust = json.loads(Path(tmp_path / "models" / "trust.json").read_text())
    assert trust["temperature"] is None and trust["threshold"] is None
    report = triage_export(
        compose_config("predict", [*paths, *data, f"predict.output={tmp_path}/out.csv"])
    )
    triaged = pd.read_csv(tmp_path / "out.csv")
    assert "route" not in triaged and "explanation" not in triaged
    assert report["drift"]["warnings"] == [] and report["drift"]["department_divergence"] is None
