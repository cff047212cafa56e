"""Model outputs -> what a support team reads: department names, probabilities, priority bands.

The models answer with a probability per department class (in the order of ``departments.txt``)
and a priority score in [0, 1]. Both the bulk ``predict`` stage and the served MLflow model turn
those into one row per ticket here, so a file and an HTTP answer read the same: with the review
threshold of the model's ``trust.json``, a ``route`` (``auto`` or ``review``); with the
explainer's outputs, an ``explanation`` (the tokens that chose the department). No TensorFlow.

Example:
    >>> outputs = {"department": np.array([[0.125, 0.625, 0.25]]), "priority": np.array([[0.875]])}
    >>> bands = PriorityBands({"low": 0.0, "high": 0.6, "urgent": 0.8})
    >>> label_outputs(outputs, ["account", "billing", "shipping"], bands, top=2).iloc[0].to_dict()
    ... # doctest: +NORMALIZE_WHITESPACE
    {'department': 'billing', 'department_probability': 0.625, 'department_2': 'shipping',
     'department_2_probability': 0.25, 'priority': 0.875, 'priority_band': 'urgent'}
"""

import numpy as np
import pandas as pd

from ticket_triage.data.schema import HEAD_DEPARTMENT, HEAD_PRIORITY
from ticket_triage.errors import ConfigError
from ticket_triage.trust.routing import routes

# The explainer's outputs beside the model's (``triage.explain``): tokens and their shares.
EXPLANATION_TOKENS, EXPLANATION_WEIGHTS = "explanation_tokens", "explanation_weights"


class PriorityBands:
    """Named bands of the priority score, each from its lowest score up to the next band's.

    Args:
        thresholds: band name -> lowest score in the band; the lowest threshold must be 0, so
            every score in [0, 1] has a band.
    """

    def __init__(self, thresholds):
        ordered = sorted(dict(thresholds).items(), key=lambda item: item[1])
        if not ordered or ordered[0][1] != 0:
            raise ConfigError(
                f"triage.priority_bands = {dict(thresholds)}: the lowest band must start at 0, "
                "so that every score gets a band"
            )
        self.names = [name for name, _ in ordered]
        self.lowest = np.array([low for _, low in ordered], dtype="float64")

    def of(self, scores):
        """The band of each score (below 0: the lowest band; not a number: ``None``)."""
        scores = np.asarray(scores, "float64")
        index = np.searchsorted(self.lowest, scores, side="right") - 1
        bands = np.asarray(self.names, dtype=object)[np.clip(index, 0, None)]
        return np.where(np.isnan(scores), None, bands)

    def to_dict(self):
        return dict(zip(self.names, self.lowest.tolist(), strict=True))


def label_outputs(
    outputs, departments, bands, top=3, per_department=False, threshold=None, explained=3
):
    """One row per ticket: the top ``top`` departments with probabilities, the route, the
    explanation, priority and its band.

    Args:
        outputs: head name -> model output (``department``: ``(n, classes)`` probabilities;
            ``priority``: ``(n, 1)`` scores); a model may have either head or both.
        departments: class names, in the order of the department output.
        bands: a :class:`PriorityBands`.
        top: how many departments to list, best first (at most the number of classes).
        per_department: also one ``probability_<name>`` column per department.
        threshold: the review threshold: a ``route`` column (``None``: no route).
        explained: tokens listed in ``explanation``, when ``outputs`` has the explainer's.
    """
    columns = {}
    if HEAD_DEPARTMENT in outputs:
        probabilities = np.asarray(outputs[HEAD_DEPARTMENT], dtype="float32")
        names = np.asarray(departments, dtype=object)
        ranked = np.argsort(-probabilities, axis=1, kind="stable")[:, : min(top, len(names))]
        for rank in range(ranked.shape[1]):
            prefix = HEAD_DEPARTMENT if rank == 0 else f"{HEAD_DEPARTMENT}_{rank + 1}"
            columns[prefix] = names[ranked[:, rank]]
            columns[f"{prefix}_probability"] = np.take_along_axis(
                probabilities, ranked[:, rank : rank + 1], axis=1
            )[:, 0]
        if threshold is not None:
            columns["route"] = routes(columns[f"{HEAD_DEPARTMENT}_probability"], threshold)
        if EXPLANATION_TOKENS in outputs:
            columns["explanation"] = explanations(
                outputs[EXPLANATION_TOKENS], outputs[EXPLANATION_WEIGHTS], explained
            )
    if HEAD_PRIORITY in outputs:
        scores = np.asarray(outputs[HEAD_PRIORITY], dtype="float32").reshape(-1)
        columns[HEAD_PRIORITY] = scores
        columns["priority_band"] = bands.of(scores)
    if per_department and HEAD_DEPARTMENT in outputs:
        for index, name in enumerate(departments):
            columns[f"probability_{name}"] = probabilities[:, index]
    return pd.DataFrame(columns)


def explanations(tokens, weights, top):
    """Each ticket's first ``top`` distinct tokens with a positive share, comma-separated.

    Example:
        >>> explanations([[b"refund", b"refund", b"late"]], [[0.5, 0.2, -0.1]], top=3)
        ['refund']
    """
    rows = []
    for words, shares in zip(tokens, weights, strict=True):
        listed = []
        for word, share in zip(words, shares, strict=True):
            if not share > 0 or len(listed) == top:
                break
            word = word.decode("utf-8") if isinstance(word, bytes) else str(word)
            if word not in listed:
                listed.append(word)
        rows.append(", ".join(listed))
    return rows
