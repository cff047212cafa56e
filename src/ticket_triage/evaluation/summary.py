"""What the evaluation's numbers boil down to: the headline scores of each head, the MLflow
metric names they are logged under, and the log line that sets the model beside the linear
baseline. Plain dictionaries in, plain values out: no TensorFlow, no files.

Example:
    >>> metrics = {
    ...     "department": {"accuracy": 0.9, "macro_f1": 0.36, "weighted_f1": 0.8, "per_class": {}},
    ...     "linear_baseline": {"department": {"macro_f1": 0.41}},
    ... }
    >>> headline(metrics)
    {'department': {'accuracy': 0.9, 'macro_f1': 0.36, 'weighted_f1': 0.8}}
"""

from ticket_triage.data.schema import HEAD_DEPARTMENT, HEAD_PRIORITY

LINEAR_BASELINE = "linear_baseline"  # metrics.json key of the TF-IDF baseline's scores
HEADLINE = {  # each head's scores that are logged, and reported for its baselines
    HEAD_PRIORITY: ("rmse", "mae"),
    HEAD_DEPARTMENT: ("accuracy", "macro_f1", "weighted_f1"),
}


def summary(head, scores):
    """The headline entries of one head's ``scores`` (``per_class`` and the like left out)."""
    return {key: scores[key] for key in HEADLINE[head]}


def headline(metrics):
    """Head -> headline scores, for every head of the model that ``metrics`` holds."""
    return {head: summary(head, metrics[head]) for head in HEADLINE if head in metrics}


def versus_linear_baseline(metrics):
    """The model's headline scores beside the linear baseline's, for the log.

    Example:
        >>> versus_linear_baseline({
        ...     "department": {"macro_f1": 0.36},
        ...     "linear_baseline": {"department": {"macro_f1": 0.41}},
        ... })
        'department macro-F1 0.360 vs 0.410'
    """
    baseline = metrics[LINEAR_BASELINE]
    parts = []
    if HEAD_DEPARTMENT in baseline:
        model, linear = metrics[HEAD_DEPARTMENT]["macro_f1"], baseline[HEAD_DEPARTMENT]["macro_f1"]
        parts.append(f"department macro-F1 {model:.3f} vs {linear:.3f}")
    if HEAD_PRIORITY in baseline:
        model, linear = metrics[HEAD_PRIORITY]["rmse"], baseline[HEAD_PRIORITY]["rmse"]
        parts.append(f"priority RMSE {model:.3f} vs {linear:.3f}")
    return ", ".join(parts)


def verdict(metrics):
    """Whether the model beats the linear baseline on the test split, head by head, in words.

    The model loses a head when its headline score is worse than the baseline's: department
    macro-F1 lower, priority RMSE higher. ``metrics.json`` puts this first, and ``evaluate``
    logs it first, because a model a linear classifier beats should not be trusted as it is.

    Example:
        >>> verdict({
        ...     "department": {"macro_f1": 0.36},
        ...     "linear_baseline": {"department": {"macro_f1": 0.41}},
        ... })["summary"]
        'the linear baseline beats the model on department macro-F1 (0.410 vs 0.360)'
    """
    baseline = metrics[LINEAR_BASELINE]
    losses = {}
    if HEAD_DEPARTMENT in baseline and HEAD_DEPARTMENT in metrics:
        model, linear = metrics[HEAD_DEPARTMENT]["macro_f1"], baseline[HEAD_DEPARTMENT]["macro_f1"]
        if model < linear:
            losses[HEAD_DEPARTMENT] = f"department macro-F1 ({linear:.3f} vs {model:.3f})"
    if HEAD_PRIORITY in baseline and HEAD_PRIORITY in metrics:
        model, linear = metrics[HEAD_PRIORITY]["rmse"], baseline[HEAD_PRIORITY]["rmse"]
        if model > linear:
            losses[HEAD_PRIORITY] = f"priority RMSE ({linear:.3f} vs {model:.3f})"
    text = (
        "the linear baseline beats the model on " + " and ".join(losses.values())
        if losses
        else "the model beats the linear baseline on every head"
    )
    return {"baseline_wins": sorted(losses), "summary": text}


def flat_test_metrics(metrics):
    """MLflow metric names and values: the model's headline scores, then the linear baseline's.

    Example:
        >>> flat_test_metrics({
        ...     "priority": {"rmse": 0.1, "mae": 0.08, "baseline_mean_priority": {}},
        ...     "linear_baseline": {"priority": {"rmse": 0.12, "mae": 0.09}},
        ... })  # doctest: +NORMALIZE_WHITESPACE
        {'test_priority_rmse': 0.1, 'test_priority_mae': 0.08,
         'test_linear_baseline_priority_rmse': 0.12, 'test_linear_baseline_priority_mae': 0.09}
    """
    flat = {
        f"test_{head}_{name}": metrics[head][name]
        for head, names in HEADLINE.items()
        if head in metrics
        for name in names
    }
    for group in ("calibration", "routing"):  # the review route's trust, when scored
        for name, value in metrics.get(HEAD_DEPARTMENT, {}).get(group, {}).items():
            flat[f"test_{HEAD_DEPARTMENT}_{group}_{name}"] = value
    for head, scores in metrics[LINEAR_BASELINE].items():
        flat.update({f"test_{LINEAR_BASELINE}_{head}_{name}": v for name, v in scores.items()})
    return flat
