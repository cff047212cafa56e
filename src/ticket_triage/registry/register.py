"""Each evaluated model becomes a version in the MLflow model registry; the best is champion.

After ``evaluate`` has scored the model, :func:`register_evaluated` calls
:func:`register_and_promote` with the training run (whose labeled model it registers) and the
test metrics. The new version carries the test metrics as tags, and the alias (``champion`` by
default) moves to it only when ``promotion.decide`` says so; the version's tag ``promotion`` and
the log say why or why not. Serve the champion with
``mlflow models serve -m models:/ticket-triage@champion --env-manager local``.
"""

import logging

from filelock import FileLock

from ticket_triage.evaluation.summary import HEADLINE, flat_test_metrics
from ticket_triage.registry.promotion import PromotionMetric, decide
from ticket_triage.tracking.runs import TrackedRun
from ticket_triage.tracking.store import fluent_tracking_uri, lock_path, outage_errors, retrying

log = logging.getLogger(__name__)

PROMOTION_TAG = "promotion"


def register_evaluated(cfg, metrics):
    """The step after ``evaluate``: register the evaluated model, champion if it wins.

    Args:
        cfg: the evaluate config (``paths.models_dir``, ``tracking``).
        metrics: what ``evaluate`` returned (``metrics.json``).

    Returns:
        What :func:`register_and_promote` returns, or ``None`` when training was not tracked or
        the store failed (the report is written; the registry is a copy of it).
    """
    scored = [head for head in HEADLINE if head in metrics]  # the model's heads that have scores
    metric = PromotionMetric.choose(cfg.tracking.promotion_metric, scored)
    run = TrackedRun.load(cfg.paths.models_dir)
    if run is None:
        log.info("model registry: nothing to register (training was not tracked to MLflow)")
        return None
    try:
        return register_and_promote(run, metrics, cfg.tracking, metric)
    except outage_errors() as error:
        log.warning("could not register the model of MLflow run %s: %s", run.run_id, error)
        return None


def register_and_promote(run, metrics, settings, metric):
    """Register ``run``'s labeled model and make it champion if it wins.

    Args:
        run: the training run (``tracking.runs.TrackedRun``) with the ``model_uri`` it logged.
        metrics: the evaluation's metrics (``metrics.json``).
        settings: ``tracking`` of the evaluate config: ``registered_model_name`` (``None``: do
            not register) and ``champion_alias``.
        metric: the ``promotion.PromotionMetric`` to compare on.

    Returns:
        ``(version number, promotion.Verdict)``, or ``None`` when nothing was registered.
    """
    name = settings.registered_model_name
    if not name:
        return None
    if not run.model_uri:
        log.warning("model registry: run %s logged no model to register", run.run_id)
        return None
    client = run.client
    flat = flat_test_metrics(metrics)
    _ensure_registered_model(client, name)
    with fluent_tracking_uri(run.tracking_uri):  # MLflow resolves the model's URI there
        version = retrying(
            client.create_model_version,
            name,
            run.model_uri,
            run.run_id,
            {key: repr(float(value)) for key, value in flat.items()},  # exact: ties stay ties
            model_id=run.model_uri.removeprefix("models:/"),
        )
    # Read the champion, decide and move the alias as one step: two evaluates at once on this
    # machine must not both promote over the same champion.
    with FileLock(str(lock_path(run.tracking_uri)), timeout=300):
        champion = _champion_value(client, name, settings.champion_alias, f"test_{metric.name}")
        verdict = decide(
            metric,
            candidate=flat[f"test_{metric.name}"],
            baseline=flat[f"test_linear_baseline_{metric.name}"],
            champion=champion,
        )
        retrying(client.set_model_version_tag, name, version.version, PROMOTION_TAG, verdict.reason)
        if verdict.promote:
            retrying(
                client.set_registered_model_alias, name, settings.champion_alias, version.version
            )
    log.info(
        "model registry: %s version %s %s: %s",
        name,
        version.version,
        f"is now @{settings.champion_alias}" if verdict.promote else "registered, not promoted",
        verdict.reason,
    )
    return str(version.version), verdict


def _ensure_registered_model(client, name):
    from mlflow.exceptions import MlflowException

    try:
        retrying(client.create_registered_model, name)
    except MlflowException as error:  # another evaluate created it first, or it exists
        if error.error_code != "RESOURCE_ALREADY_EXISTS":
            raise


def _champion_value(client, name, alias, metric):
    """The champion version's value of ``metric`` (from its tags), or ``None`` without one."""
    from mlflow.exceptions import MlflowException

    try:
        champion = retrying(client.get_model_version_by_alias, name, alias)
    except MlflowException as error:
        if error.error_code in ("RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE"):
            return None
        raise
    value = champion.tags.get(metric)
    return None if value is None else float(value)
