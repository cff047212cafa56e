"""Temperature scaling: one number that makes the department probabilities mean what they say.

A network trained to a low loss is often over-confident: of the tickets it gives 0.95, fewer
than 95% are right. Temperature scaling (Guo et al., 2017) divides the log-probabilities by a
temperature ``T`` fitted on the validation split, by the negative log-likelihood, and takes the
softmax again. It keeps every ticket's ranking of departments (the predicted department and so
the accuracy are unchanged) and moves only how sure the answer says it is. The expected
calibration error (ECE) measures the gap: the mean, over equal-width confidence bins weighted by
their tickets, of ``|accuracy - mean confidence|``.

Example:
    >>> probabilities = np.array([[0.9, 0.1], [0.8, 0.2], [0.6, 0.4]])
    >>> calibrated(probabilities, 1.0).round(2).tolist() == probabilities.tolist()
    True
    >>> calibrated(probabilities, 2.0)[0].round(3).tolist()  # softer: sqrt(0.9) : sqrt(0.1)
    [0.75, 0.25]
    >>> round(expected_calibration_error(probabilities, np.array([0, 1, 0])), 4)
    0.4333
"""

import numpy as np
from scipy.optimize import minimize_scalar

BINS = 15  # the usual number of equal-width confidence bins of the ECE
TINY = 1e-12  # keeps log(0) finite: a softmax output can round to exactly 0 in float32


def calibrated(probabilities, temperature):
    """``softmax(log(p) / T)`` per row: the probabilities at ``temperature``."""
    logits = np.log(np.clip(np.asarray(probabilities, "float64"), TINY, None)) / temperature
    logits -= logits.max(axis=1, keepdims=True)
    scaled = np.exp(logits)
    return scaled / scaled.sum(axis=1, keepdims=True)


def fit_temperature(probabilities, true):
    """The temperature that minimises the negative log-likelihood of the ``true`` class ids.

    Searched on ``log T`` in [-3, 3] (``T`` from 0.05 to 20): a bounded one-dimensional problem,
    convex in ``1/T``, so Brent's method finds it in a few dozen evaluations.
    """
    true = np.asarray(true)
    rows = np.arange(len(true))

    def loss(log_temperature):
        return -np.log(calibrated(probabilities, np.exp(log_temperature))[rows, true] + TINY).mean()

    return float(np.exp(minimize_scalar(loss, bounds=(-3.0, 3.0), method="bounded").x))


def expected_calibration_error(probabilities, true, bins=BINS):
    """Expected calibration error of the top class: 0 is perfectly calibrated."""
    table = reliability(probabilities, true, bins)
    weights = table["tickets"] / max(table["tickets"].sum(), 1)
    return float(np.sum(weights * np.abs(table["accuracy"] - table["confidence"])))


def reliability(probabilities, true, bins=BINS):
    """Per equal-width confidence bin: tickets, their accuracy and mean confidence (a reliability
    diagram's bars; an empty bin has 0 tickets and accuracy and confidence 0)."""
    probabilities = np.asarray(probabilities)
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == np.asarray(true)
    index = np.minimum((confidence * bins).astype(int), bins - 1)
    tickets = np.bincount(index, minlength=bins)
    filled = np.maximum(tickets, 1)
    return {
        "lower": np.arange(bins) / bins,
        "tickets": tickets,
        "accuracy": np.bincount(index, weights=correct, minlength=bins) / filled,
        "confidence": np.bincount(index, weights=confidence, minlength=bins) / filled,
    }
