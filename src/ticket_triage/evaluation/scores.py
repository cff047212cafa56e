"""Classification and regression scores from ``sklearn.metrics``, for the model and its baselines.

The averages (macro-F1, weighted-F1) run over the classes that occur in the true labels or in
the predictions: a department with no test ticket and no prediction has no F1 to speak of, and
counting it as 0 would drag the average down for a class the test split cannot judge. The
per-class table and the confusion matrix keep every class, so each department still shows up
(with support 0 when the test split has none of it).

Example:
    >>> import numpy as np
    >>> scores = classification_scores(np.array([0, 1, 1]), np.array([0, 1, 0]), ["a", "b", "c"])
    >>> scores["accuracy"], scores["macro_f1"], scores["confusion_matrix"]
    (0.6667, 0.6667, [[1, 0, 0], [1, 1, 0], [0, 0, 0]])
    >>> regression_scores(np.array([0.0, 1.0]), np.array([0.0, 0.5]))
    {'rmse': 0.3536, 'mae': 0.25}
"""

import numpy as np
from sklearn import metrics

DIGITS = 4  # metrics.json precision: enough to compare runs, short enough to read


def classification_scores(true, predicted, labels):
    """Accuracy, macro- and weighted-F1, per-class precision/recall/F1, the confusion matrix.

    Args:
        true: class ids (indices into ``labels``) of the test tickets.
        predicted: predicted class ids, same length.
        labels: class names in class-id order; every one gets a per-class entry and a
            confusion-matrix row and column (rows: true class, columns: predicted class).
    """
    present = np.union1d(true, predicted)
    every = np.arange(len(labels))
    precision, recall, f1, support = metrics.precision_recall_fscore_support(
        true, predicted, labels=every, zero_division=0
    )
    return {
        "accuracy": _round(metrics.accuracy_score(true, predicted)),
        "macro_f1": _round(
            metrics.f1_score(true, predicted, labels=present, average="macro", zero_division=0)
        ),
        "weighted_f1": _round(
            metrics.f1_score(true, predicted, labels=present, average="weighted", zero_division=0)
        ),
        "per_class": {
            label: {"precision": _round(p), "recall": _round(r), "f1": _round(f), "support": int(s)}
            for label, p, r, f, s in zip(labels, precision, recall, f1, support, strict=True)
        },
        "confusion_matrix": metrics.confusion_matrix(true, predicted, labels=every).tolist(),
    }


def regression_scores(true, predicted):
    """RMSE and MAE of priority scores (any shapes holding one score per ticket)."""
    true, predicted = np.ravel(true), np.ravel(predicted)
    return {
        "rmse": _round(metrics.root_mean_squared_error(true, predicted)),
        "mae": _round(metrics.mean_absolute_error(true, predicted)),
    }


def _round(value):
    return round(float(value), DIGITS)
