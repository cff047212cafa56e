"""The ``evaluate`` stage: the best checkpoint on the test split, beside its baselines.

Every score comes from ``sklearn.metrics`` (``scores.py``). Beside the model stand two trivial
baselines (the train split's majority department, its mean priority) and a linear one, TF-IDF
with logistic and ridge regression fitted on the same train split (``baseline.py``), so the
report says what the network adds over a bag of words.

Outputs (``paths.reports_dir``):
    metrics.json                 test scores of the model and of the baselines (DVC metrics):
                                 ``priority``, ``department`` (each with its trivial baseline)
                                 and ``linear_baseline`` (``{department, priority}``)
    plots/confusion.csv          one row per test ticket: true and predicted department (DVC plot)
    plots/priority.csv           one row per test ticket: true and predicted priority (DVC plot)
    figures/*.png                confusion matrix, priority scatter, learning curves,
                                 reliability diagram, review route's coverage and precision
    influential_tokens.csv       per predicted department, the tokens that chose it most
                                 (gradient x input over the test tickets, ``triage.explain``)

``department`` holds ``calibration`` (the test ECE before and after the temperature that
``train`` fitted, 15 bins) and ``routing`` (the review threshold chosen on the validation split,
and its coverage and precision on the test split).
The figures and test metrics also go to the MLflow run that trained the model. Registering its
labeled model, champion if it beats the linear baseline and the current champion, is the next
step (``registry``), which the ``evaluate`` entry point runs after this one.
"""

import functools
import json
import logging
from pathlib import Path

import keras
import numpy as np
import pandas as pd

from ticket_triage.data import schema
from ticket_triage.data.tokenizer import load_max_tokens, load_mode, token_lists
from ticket_triage.data.vocab import class_ids
from ticket_triage.evaluation import figures
from ticket_triage.evaluation.baseline import linear_baseline_predictions
from ticket_triage.evaluation.influence import INFLUENTIAL_TOKENS, influential_tokens
from ticket_triage.evaluation.scores import classification_scores, regression_scores
from ticket_triage.evaluation.summary import (
    LINEAR_BASELINE,
    flat_test_metrics,
    headline,
    summary,
    verdict,
    versus_linear_baseline,
)
from ticket_triage.models.spec import DEPARTMENT, PRIORITY
from ticket_triage.tracking.runs import TrackedRun
from ticket_triage.tracking.store import outage_errors, retrying
from ticket_triage.training.trained import load_trained, split_outputs
from ticket_triage.triage import artifacts
from ticket_triage.trust import calibration, routing
from ticket_triage.trust.profile import Trust

log = logging.getLogger(__name__)


def evaluate(cfg):
    """Evaluate ``models/best.keras`` on the test split; return the metrics written."""
    models_dir, reports_dir = Path(cfg.paths.models_dir), Path(cfg.paths.reports_dir)
    for folder in ("plots", "figures"):
        (reports_dir / folder).mkdir(parents=True, exist_ok=True)
    model, built, data = load_trained(cfg)
    test, train = data.frames["test"], data.frames["train"]
    predictions = split_outputs(model, data, "test", built.heads)
    prepared = cfg.paths.prepared_dir
    same_tokens = functools.partial(
        token_lists, mode=load_mode(prepared), max_tokens=load_max_tokens(prepared)
    )
    baseline = linear_baseline_predictions(train, test, built.heads, tokenize=same_tokens)

    metrics = {"test_tickets": len(test)}
    if PRIORITY in predictions:
        metrics[PRIORITY] = _priority(test, train, predictions[PRIORITY], reports_dir)
    trust = Trust.load(models_dir)
    if DEPARTMENT in predictions:
        metrics[DEPARTMENT] = _department(
            test, train, predictions[DEPARTMENT], data.departments, reports_dir
        )
        if trust is not None:
            metrics[DEPARTMENT].update(
                _trust(test, predictions[DEPARTMENT], data.departments, trust, reports_dir)
            )
            serving = keras.saving.load_model(models_dir / artifacts.SERVING_FILE, safe_mode=True)
            influential_tokens(serving, data.departments, test, reports_dir / INFLUENTIAL_TOKENS)
    else:
        log.info("no department head: calibration and the review route are not scored")
    metrics[LINEAR_BASELINE] = _linear_baseline(test, baseline, data.departments)
    history = built.outputs.get("csv_logger")  # the CSV log, under its configured name
    if history is not None and (models_dir / history).exists():
        figures.learning_curves(
            models_dir / history, reports_dir / "figures" / "learning_curves.png"
        )
    judged = verdict(metrics)
    metrics = {"verdict": judged, **metrics}  # first in the file, as in the log
    (reports_dir / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    (log.warning if judged["baseline_wins"] else log.info)(
        "verdict: %s%s",
        judged["summary"],
        "; see docs/explanation/evaluation.md (When the linear baseline wins)"
        if judged["baseline_wins"]
        else "",
    )
    log.info("test metrics: %s", headline(metrics))
    log.info("model vs linear baseline: %s", versus_linear_baseline(metrics))
    run = TrackedRun.load(models_dir)
    _log_to_mlflow(run, metrics, reports_dir / "figures")
    return metrics


def _priority(test, train, predicted, reports_dir):
    true = test[schema.PRIORITY].to_numpy("float32")
    scores = regression_scores(true, predicted)
    baseline = np.full_like(true, train[schema.PRIORITY].mean())
    pd.DataFrame({"true": true, "predicted": predicted.ravel()}).to_csv(
        reports_dir / "plots" / "priority.csv", index=False
    )
    figures.priority_scatter(true, predicted.ravel(), reports_dir / "figures" / "priority.png")
    return {**scores, "baseline_mean_priority": regression_scores(true, baseline)}


def _department(test, train, probabilities, labels, reports_dir):
    true = class_ids(test[schema.DEPARTMENT], labels)
    predicted = probabilities.argmax(axis=1)
    majority = labels.index(train[schema.DEPARTMENT].value_counts().index[0])
    scores = classification_scores(true, predicted, labels)
    baseline = classification_scores(true, np.full_like(true, majority), labels)
    pd.DataFrame(
        {"actual": np.asarray(labels)[true], "predicted": np.asarray(labels)[predicted]}
    ).to_csv(reports_dir / "plots" / "confusion.csv", index=False)
    figures.confusion_matrix(
        scores["confusion_matrix"], labels, reports_dir / "figures" / "confusion_matrix.png"
    )
    return {**scores, "baseline_majority": summary(DEPARTMENT, baseline)}


def _trust(test, raw, labels, trust, reports_dir):
    """The calibration's and the review route's scores on the test split, and their figures."""
    true = class_ids(test[schema.DEPARTMENT], labels)
    probabilities = trust.calibrate(raw)
    confidence, correct = probabilities.max(axis=1), probabilities.argmax(axis=1) == true
    figures.reliability_diagram(
        calibration.reliability(raw, true),
        calibration.reliability(probabilities, true),
        reports_dir / "figures" / "reliability.png",
    )
    figures.coverage_precision(
        routing.coverage_precision_curve(confidence, correct),
        trust.target_precision,
        trust.threshold,
        reports_dir / "figures" / "review_route.png",
    )
    scores = routing.routing_scores(confidence, correct, trust.threshold)
    return {
        "calibration": {
            "temperature": round(trust.temperature, 4),
            "ece_before": round(calibration.expected_calibration_error(raw, true), 4),
            "ece": round(calibration.expected_calibration_error(probabilities, true), 4),
        },
        "routing": {"target_precision": trust.target_precision, **scores},
    }


def _linear_baseline(test, predictions, labels):
    """Scores of the linear baseline's predictions, per head, as the model's are computed."""
    scores = {}
    if DEPARTMENT in predictions:
        true = class_ids(test[schema.DEPARTMENT], labels)
        predicted = class_ids(predictions[DEPARTMENT], labels)
        scores[DEPARTMENT] = summary(DEPARTMENT, classification_scores(true, predicted, labels))
    if PRIORITY in predictions:
        scores[PRIORITY] = regression_scores(test[schema.PRIORITY], predictions[PRIORITY])
    return scores


def _log_to_mlflow(run, metrics, figures_dir):
    """Test metrics and figures into the training run (when training was tracked)."""
    if run is None:
        return
    try:
        client = run.client
        for name, value in flat_test_metrics(metrics).items():
            retrying(client.log_metric, run.run_id, name, value)
        retrying(client.log_artifacts, run.run_id, str(figures_dir), "evaluation")
        tokens = figures_dir.parent / INFLUENTIAL_TOKENS
        if tokens.exists():
            retrying(client.log_artifact, run.run_id, str(tokens), "evaluation")
    except outage_errors() as error:  # the report is written; tracking is a copy of it
        log.warning("could not log the evaluation to MLflow run %s: %s", run.run_id, error)
