"""A ``predict`` run against a registered model, recorded beside the run that trained it.

When ``predict`` takes its model from MLflow (``predict.model_uri``), the tracking server is
where a team watches that model, so each export it triages becomes a run in the training run's
experiment: the drift figures and the routes as metrics, the report as an artifact, the model
URI as a tag. A series of such runs is the model's drift over time, in the MLflow UI.
"""

import json
import logging
import tempfile
from pathlib import Path

from ticket_triage.tracking import store

log = logging.getLogger(__name__)

MODEL_URI_TAG = "ticket_triage.model_uri"


def log_prediction_report(tracking_uri, model_uri, report):
    """Record ``report`` (what ``predict`` wrote) as a run; return its id (``None`` if the store
    is down: the report file is the record, this is a copy)."""
    import mlflow

    uri = store.resolve_uri(tracking_uri)
    try:
        with store.fluent_tracking_uri(uri):
            source = mlflow.models.get_model_info(model_uri).run_id
            experiment = mlflow.get_run(source).info.experiment_id if source else None
            with mlflow.start_run(experiment_id=experiment, run_name="predict") as run:
                mlflow.set_tags({MODEL_URI_TAG: model_uri, "ticket_triage.stage": "predict"})
                mlflow.log_metrics(report_metrics(report))
                with tempfile.TemporaryDirectory() as folder:
                    path = Path(folder) / "predict_report.json"
                    path.write_text(json.dumps(report, indent=2) + "\n")
                    mlflow.log_artifact(str(path))
        log.info("predict report logged to MLflow run %s (%s)", run.info.run_id, uri)
        return run.info.run_id
    except store.outage_errors() as error:
        log.warning("could not log the predict report to MLflow (%s): %s", uri, error)
        return None


def report_metrics(report):
    """The numbers of a predict report that are worth a chart.

    Example:
        >>> report_metrics({"rows_in": 3, "rows_predicted": 2, "rows_rejected": 1,
        ...                 "routes": {"auto": 1, "review": 1}, "drift": None})
        {'rows_in': 3, 'rows_predicted': 2, 'rows_rejected': 1, 'review_share': 0.5}
    """
    metrics = {name: report[name] for name in ("rows_in", "rows_predicted", "rows_rejected")}
    if report.get("routes"):
        metrics["review_share"] = report["routes"].get("review", 0) / report["rows_predicted"]
    drift = report.get("drift")
    if drift:
        metrics.update(
            {
                "drift_oov_rate": drift["oov_rate"],
                "drift_train_oov_rate": drift["train_oov_rate"],
                "drift_length_p50": drift["length_quantiles"]["p50"],
                "drift_train_length_p50": drift["train_length_quantiles"]["p50"],
                "drift_warnings": len(drift["warnings"]),
            }
        )
        if drift["department_divergence"] is not None:
            metrics["drift_department_divergence"] = drift["department_divergence"]
    return metrics
