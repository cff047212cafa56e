"""Classification and regression scores in plain NumPy, for the model and for its baselines.

Example:
    >>> import numpy as np
    >>> scores = classification_scores(np.array([0, 1, 1]), np.array([0, 1, 0]), ["a", "b"])
    >>> scores["accuracy"], scores["confusion_matrix"]
    (0.6667, [[1, 0], [1, 1]])
"""

import numpy as np


def classification_scores(true, predicted, labels):
    """Accuracy, macro-F1, per-class precision/recall/F1 and the confusion matrix (rows: true)."""
    confusion = np.zeros((len(labels), len(labels)), dtype=int)
    np.add.at(confusion, (true, predicted), 1)
    hits = np.diag(confusion).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.nan_to_num(hits / confusion.sum(axis=0))
        recall = np.nan_to_num(hits / confusion.sum(axis=1))
        f1 = np.nan_to_num(2 * precision * recall / (precision + recall))
    return {
        "accuracy": round(float(hits.sum() / max(len(true), 1)), 4),
        "macro_f1": round(float(f1.mean()), 4),
        "per_class": {
            label: {
                "precision": round(float(p), 4),
                "recall": round(float(r), 4),
                "f1": round(float(f), 4),
                "support": int(s),
            }
            for label, p, r, f, s in zip(
                labels, precision, recall, f1, confusion.sum(axis=1), strict=True
            )
        },
        "confusion_matrix": confusion.tolist(),
    }


def regression_scores(true, predicted):
    """RMSE and MAE of scores."""
    error = np.asarray(predicted, float).ravel() - np.asarray(true, float).ravel()
    return {
        "rmse": round(float(np.sqrt(np.mean(error**2))), 4),
        "mae": round(float(np.mean(np.abs(error))), 4),
    }
