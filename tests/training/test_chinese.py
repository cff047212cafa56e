"""Chinese tickets through every stage: prepare -> train -> evaluate -> extract_features ->
serving, as accurate as the very same tickets in English."""

from pathlib import Path

import keras
import numpy as np
import pandas as pd
import pytest

from tests.conftest import compose_config
from ticket_triage.data import schema
from ticket_triage.data.prepare import prepare_dataset
from ticket_triage.evaluation.report import evaluate
from ticket_triage.features.extract import extract_features
from ticket_triage.inputs.vectorizer import TAG_SEPARATOR
from ticket_triage.training.run import train

pytestmark = pytest.mark.trains  # trains models: left out of make test-fast


def run_stages(root, language):
    """The four stages on 1,500 synthetic tickets in ``language``; the stage configs' paths."""
    paths = {
        "paths.prepared_dir": root / "prepared",
        "paths.models_dir": root / "models",
        "paths.reports_dir": root / "reports",
        "paths.features_dir": root / "features",
    }
    overrides = [f"{key}={value}" for key, value in paths.items()]
    prepare_dataset(
        compose_config(
            "prepare", [*overrides, "data.num_tickets=1500", f"data.language={language}"]
        )
    )
    train(
        compose_config(
            "train",
            [
                *overrides,
                "tracking=none",
                "loop.verbose=0",
                "trainer.epochs=6",
                "trainer.batch_size=32",
                "model.width=32",
            ],
        )
    )
    metrics = evaluate(compose_config("evaluate", overrides))
    return paths, metrics


@pytest.mark.slow
def test_chinese_tickets_go_through_every_stage_as_well_as_english(tmp_path):
    results = {language: run_stages(tmp_path / language, language) for language in ("en", "zh")}
    accuracy = {language: m["department"]["accuracy"] for language, (_, m) in results.items()}
    paths, metrics = results["zh"]
    majority = metrics["department"]["baseline_majority"]["accuracy"]
    assert accuracy["zh"] > majority + 0.3, accuracy
    assert abs(accuracy["zh"] - accuracy["en"]) <= 0.05, accuracy

    overrides = [f"{key}={value}" for key, value in paths.items()]
    report = extract_features(compose_config("extract_features", overrides))
    assert report["vectors"]["test"] == metrics["test_tickets"]

    serving = keras.saving.load_model(Path(paths["paths.models_dir"]) / "serving.keras")
    test = pd.read_parquet(Path(paths["paths.prepared_dir"]) / "test.parquet")
    raw = {
        "title": test[schema.TITLE].to_numpy(object).reshape(-1, 1),
        "text_body": test[schema.BODY].to_numpy(object).reshape(-1, 1),
        "tags": test[schema.TAGS].map(TAG_SEPARATOR.join).to_numpy(object).reshape(-1, 1),
    }
    departments = (Path(paths["paths.prepared_dir"]) / "departments.txt").read_text().split()
    predicted = np.asarray(departments)[serving.predict(raw)["department"].argmax(axis=1)]
    assert (predicted == test[schema.DEPARTMENT]).mean() > majority + 0.3
