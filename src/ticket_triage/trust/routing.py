"""The review route: which tickets the model may route itself at a target precision.

A ticket is routed automatically when the model's (calibrated) confidence in its department is
at least a threshold; the others go to a person (``route = "review"``). The threshold is the
lowest one whose automatically routed validation tickets reach ``target_precision``: as many
tickets as possible go through, at the precision the help desk asked for. Coverage is the share
routed automatically.

Example:
    >>> confidence = np.array([0.99, 0.95, 0.9, 0.8, 0.6])
    >>> correct = np.array([True, True, True, False, True])
    >>> review_threshold(confidence, correct, 0.9)
    0.9
    >>> routing_scores(confidence, correct, 0.9)
    {'threshold': 0.9, 'coverage': 0.6, 'precision': 1.0, 'tickets': 5}
    >>> routes(np.array([0.95, 0.5]), 0.9).tolist()
    ['auto', 'review']
"""

import numpy as np

AUTO, REVIEW = "auto", "review"


def review_threshold(confidence, correct, target_precision):
    """The lowest confidence threshold at which the tickets at or above it reach the target.

    Where no threshold reaches it (not even the single most confident ticket), the threshold is
    just above the highest confidence: everything goes to review, which is what the target asks.
    """
    confidence, correct = np.asarray(confidence, "float64"), np.asarray(correct, bool)
    order = np.argsort(-confidence, kind="stable")
    ranked, hits = confidence[order], np.cumsum(correct[order])
    precision = hits / np.arange(1, len(ranked) + 1)
    # A threshold t routes every ticket with confidence >= t: only the last of tied confidences
    # is a threshold one can choose.
    distinct = np.r_[ranked[1:] != ranked[:-1], True]
    reaching = np.flatnonzero(distinct & (precision >= target_precision))
    if len(reaching) == 0:
        return float(np.nextafter(ranked[0], np.inf)) if len(ranked) else 1.0
    return float(ranked[reaching[-1]])


def routing_scores(confidence, correct, threshold):
    """Coverage and precision of routing at ``threshold`` (precision 1.0 when nothing is routed:
    no routed ticket is wrong)."""
    confidence, correct = np.asarray(confidence, "float64"), np.asarray(correct, bool)
    routed = confidence >= threshold
    return {
        "threshold": round(float(threshold), 4),
        "coverage": round(float(routed.mean()) if len(routed) else 0.0, 4),
        "precision": round(float(correct[routed].mean()) if routed.any() else 1.0, 4),
        "tickets": len(routed),
    }


def coverage_precision_curve(confidence, correct, points=101):
    """Coverage and precision at ``points`` thresholds from 0 to 1, for the figure."""
    thresholds = np.linspace(0.0, 1.0, points)
    scores = [routing_scores(confidence, correct, t) for t in thresholds]
    return {
        "threshold": thresholds,
        "coverage": np.array([s["coverage"] for s in scores]),
        "precision": np.array([s["precision"] for s in scores]),
    }


def routes(confidence, threshold):
    """``"auto"`` or ``"review"`` per ticket."""
    return np.where(np.asarray(confidence) >= threshold, AUTO, REVIEW).astype(object)
