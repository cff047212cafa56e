"""The chapter's custom metrics: RMSE against Keras's own, macro-F1 against scikit-learn's."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from ticket_triage.metrics import RootMeanSquaredError


@pytest.mark.parametrize("shape", [(64,), (64, 1), (16, 3)])
def test_agrees_with_keras_unbatched(shape):
    rng = np.random.default_rng(0)
    y_true, y_pred = rng.random(shape), rng.random(shape)
    ours, theirs = RootMeanSquaredError(), keras.metrics.RootMeanSquaredError()
    ours.update_state(y_true, y_pred)
    theirs.update_state(y_true, y_pred)
    assert abs(float(ours.result()) - float(theirs.result())) < 1e-6


def test_agrees_with_keras_over_batches_and_with_sample_weights():
    rng = np.random.default_rng(1)
    ours, theirs = RootMeanSquaredError(), keras.metrics.RootMeanSquaredError()
    weighted_ours, weighted_theirs = RootMeanSquaredError(), keras.metrics.RootMeanSquaredError()
    for size in (32, 7, 50):
        y_true, y_pred = rng.random((size, 1)), rng.random((size, 1))
        weight = rng.random(size)
        ours.update_state(y_true, y_pred)
        theirs.update_state(y_true, y_pred)
        weighted_ours.update_state(y_true, y_pred, sample_weight=weight)
        weighted_theirs.update_state(y_true, y_pred, sample_weight=weight)
        assert abs(float(ours.result()) - float(theirs.result())) < 1e-6
    assert abs(float(weighted_ours.result()) - float(weighted_theirs.result())) < 1e-6
    assert abs(float(weighted_ours.result()) - float(ours.result())) > 1e-4  # weights matter


def test_reset_state_really_resets():
    metric = RootMeanSquaredError()
    metric.update_state(np.ones((4, 1)), np.zeros((4, 1)))
    assert float(metric.result()) == pytest.approx(1.0)
    metric.reset_state()
    assert float(metric.result()) == 0.0
    metric.update_state(np.full((2, 1), 0.5), np.zeros((2, 1)))
    assert float(metric.result()) == pytest.approx(0.5)


def test_serializes_with_its_name():
    metric = RootMeanSquaredError(name="priority_rmse")
    clone = RootMeanSquaredError.from_config(metric.get_config())
    assert clone.name == "priority_rmse"


@pytest.mark.parametrize("compiled", [False, True])
def test_macro_f1_agrees_with_scikit_learn_over_batches(compiled):
    from sklearn.metrics import f1_score

    from ticket_triage.metrics import MacroF1Score

    rng = np.random.default_rng(0)
    labels = rng.choice(5, size=300, p=[0.6, 0.2, 0.1, 0.1, 0.0])  # class 4 never occurs
    probabilities = rng.dirichlet(np.ones(5), size=300).astype("float32")
    metric = MacroF1Score(5)
    update = tf.function(metric.update_state) if compiled else metric.update_state
    for start in range(0, 300, 64):
        update(labels[start : start + 64], probabilities[start : start + 64])
    predicted = probabilities.argmax(axis=1)
    present = sorted(set(labels) | set(predicted))
    expected = f1_score(labels, predicted, labels=present, average="macro", zero_division=0)
    assert float(metric.result()) == pytest.approx(expected, abs=1e-6)
    metric.reset_state()
    assert float(metric.result()) == 0.0
