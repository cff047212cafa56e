"""Every model API and every loop mode the README offers, through every stage after `train`.

Each model, fed dense or sparse inputs, goes train -> evaluate -> extract_features -> serving
(saved, reloaded with ``safe_mode=True`` after one ``import ticket_triage.models``, predicting from
raw strings) -> bulk ``predict`` of an export with unusable rows; each loop mode goes train ->
evaluate. The data is tiny: these tests prove the paths, not the quality.
"""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.conftest import ROOT, compose_config
from tests.triage.exports import BAD_ROW_PLACES, BAD_ROWS, write_export_with_bad_rows

pytestmark = pytest.mark.trains  # trains models: left out of make test-fast

MODELS = ("functional", "subclassed", "mixed", "sequential")
LOOPS = ("fit", "eager", "graph", "train_step")


def stage_paths(root, prepared_dir):
    return [
        f"paths.prepared_dir={prepared_dir}",
        f"paths.models_dir={root}/models",
        f"paths.reports_dir={root}/reports",
        f"paths.features_dir={root}/features",
    ]


def train_evaluate(root, prepared_dir, *overrides):
    """Train (one epoch, tiny model) and evaluate; return the paths and the test metrics."""
    from ticket_triage.evaluation.report import evaluate
    from ticket_triage.training.run import train

    paths = stage_paths(root, prepared_dir)
    train(
        compose_config(
            "train",
            [
                *paths,
                "loop.verbose=0",
                "trainer.epochs=1",
                "trainer.batch_size=64",
                "model.width=8",
                "tracking=none",
                *overrides,
            ],
        )
    )
    return paths, evaluate(compose_config("evaluate", paths))


PATHS = [  # model x trainer.sparse_inputs (both input paths), and model.wide where it exists
    *((model, sparse, 0) for model in MODELS for sparse in ("false", "true")),
    *((model, "true", 8) for model in MODELS if model != "sequential"),
]


@pytest.mark.parametrize("model, sparse, wide", PATHS)
def test_each_model_goes_through_every_stage_and_serves(
    tmp_path, prepared_dir, model, sparse, wide
):
    from ticket_triage.features.extract import extract_features
    from ticket_triage.models.spec import TrainedModelInfo

    paths, metrics = train_evaluate(
        tmp_path,
        prepared_dir,
        f"model={model}",
        f"trainer.sparse_inputs={sparse}",
        *([f"model.wide={wide}"] if wide else []),
    )
    assert TrainedModelInfo.load(tmp_path / "models").sparse_inputs == (sparse == "true")
    assert 0.0 <= metrics["department"]["accuracy"] <= 1.0
    assert {"calibration", "routing"} <= set(metrics["department"])
    assert ("priority" in metrics) == (model != "sequential")  # Sequential: department only

    report = extract_features(compose_config("extract_features", [*paths, "difficulty.epochs=1"]))
    assert report["vectors"]["test"] == metrics["test_tickets"]
    assert report["dimension"] == 8

    # A fresh interpreter: only the documented import, then the safe loader.
    serving = subprocess.run(
        [sys.executable, "-c", SERVE, str(tmp_path / "models" / "serving.keras")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert serving.returncode == 0, serving.stderr[-3000:]
    probabilities = np.array(serving.stdout.split(), dtype=float)
    assert probabilities.size == 4 and abs(probabilities.sum() - 1) < 1e-4

    suffix = ".parquet" if model == "mixed" else ".csv"
    chunk_size = 1 if model == "subclassed" else 8  # 1: some chunks hold only a rejected row
    output = tmp_path / f"triaged{suffix}"
    assert_triages_export(tmp_path, paths, prepared_dir, output, chunk_size)


def assert_triages_export(root, paths, prepared_dir, output, chunk_size):
    """`predict` on an export with three unusable rows, in chunks: every good ticket gets the
    serving model's answer, labeled; the bad rows are rejects with their reasons."""
    import keras

    import ticket_triage.models  # noqa: F401
    from ticket_triage.triage.bulk import triage_export
    from ticket_triage.triage.inputs import serving_inputs
    from ticket_triage.triage.labels import PriorityBands
    from ticket_triage.trust.profile import Trust

    tickets = pd.read_parquet(prepared_dir / "test.parquet").head(20)
    export = write_export_with_bad_rows(root / "export.csv", tickets)
    cfg = compose_config(
        "predict",
        [
            *paths,
            "data=csv",
            f"data.path={export}",
            "data.encoding=utf-8",  # auto would read the stray byte as cp1252
            f"predict.output={output}",
            f"predict.chunk_size={chunk_size}",
        ],
    )
    report = triage_export(cfg)
    assert (report["rows_in"], report["rows_predicted"], report["rows_rejected"]) == (23, 20, 3)
    rejects = pd.read_csv(output.with_name(f"{output.stem}.rejects.csv"))
    assert sorted(rejects["ticket_id"].dropna()) == ["X-bytes", "X-empty"]
    for _, reason in BAD_ROWS.values():
        assert rejects["reason"].str.startswith(reason).sum() == 1, reason
    places = {
        ticket: ("row", int(row)) if row == row else ("line", int(line))
        for ticket, row, line in zip(
            rejects["ticket_id"].fillna("X-fields"), rejects["row"], rejects["line"], strict=True
        )
    }
    assert places == BAD_ROW_PLACES  # numbered across chunks as in one read
    assert sum(report["reject_reasons"].values()) == 3

    triaged = pd.read_parquet(output) if output.suffix == ".parquet" else pd.read_csv(output)
    assert triaged["ticket_id"].tolist() == tickets["ticket_id"].tolist()
    serving = keras.saving.load_model(root / "models" / "serving.keras", safe_mode=True)
    expected = serving.predict(serving_inputs(tickets, [t.name for t in serving.inputs]))
    departments = (prepared_dir / "departments.txt").read_text().split()
    assert triaged["department"].tolist() == [
        departments[i] for i in expected["department"].argmax(axis=1)
    ]
    np.testing.assert_allclose(
        triaged["department_probability"], expected["department"].max(axis=1), atol=1e-5
    )
    assert (triaged["department_probability"] >= triaged["department_3_probability"]).all()
    threshold = Trust.load(root / "models").threshold  # calibrated on validation by train
    expected_routes = np.where(triaged["department_probability"] >= threshold, "auto", "review")
    assert triaged["route"].tolist() == expected_routes.tolist()
    assert triaged["explanation"].fillna("").str.len().gt(0).mean() > 0.5  # gradient x input
    if "priority" in expected:
        np.testing.assert_allclose(triaged["priority"], expected["priority"].ravel(), atol=1e-5)
        bands = PriorityBands(cfg.triage.priority_bands)
        assert triaged["priority_band"].tolist() == bands.of(triaged["priority"]).tolist()
    else:  # the Sequential model has no priority head
        assert "priority" not in triaged and "priority_band" not in triaged


SERVE = """
import sys
import keras
import numpy as np
import ticket_triage.models

model = keras.saving.load_model(sys.argv[1], safe_mode=True)
best = keras.saving.load_model(sys.argv[1].replace("serving", "best"), safe_mode=True)
inputs = {t.name: np.array([["Charged twice for my plan"]]) for t in model.inputs}
print(*model.predict(inputs, verbose=0)["department"][0])
"""


@pytest.mark.parametrize("sparse", ["false", "true"])
@pytest.mark.parametrize("loop", LOOPS)
def test_each_loop_mode_goes_through_evaluate(tmp_path, prepared_dir, loop, sparse):
    _, metrics = train_evaluate(
        tmp_path, prepared_dir, f"loop={loop}", f"trainer.sparse_inputs={sparse}"
    )
    assert 0.0 <= metrics["department"]["accuracy"] <= 1.0
    assert {"calibration", "routing"} <= set(metrics["department"])
    assert np.isfinite(metrics["priority"]["rmse"])


def test_a_train_step_checkpoint_is_the_ticket_model(tmp_path, prepared_dir):
    """The wrapper that carries the overridden steps is training code, not part of the model."""
    import keras

    train_evaluate(tmp_path, prepared_dir, "loop=train_step", "model=subclassed")
    best = keras.saving.load_model(Path(tmp_path, "models", "best.keras"), safe_mode=True)
    assert type(best).__name__ == "CustomerTicketModel"
