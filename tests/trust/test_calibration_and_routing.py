"""Temperature scaling, the expected calibration error and the review threshold, on data whose
answers are known."""

import numpy as np
import pytest

from ticket_triage.trust import calibration, routing


def over_confident(size=4000, classes=4, seed=0):
    """Probabilities of a classifier right 70% of the time that says 0.9 or more."""
    rng = np.random.default_rng(seed)
    true = rng.integers(0, classes, size)
    chosen = np.where(rng.random(size) < 0.7, true, (true + 1) % classes)
    logits = rng.normal(0, 1, (size, classes))
    logits[np.arange(size), chosen] += 6.0
    probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return probabilities, true


def test_temperature_scaling_softens_an_over_confident_model_and_keeps_its_answers():
    probabilities, true = over_confident()
    temperature = calibration.fit_temperature(probabilities, true)
    calibrated = calibration.calibrated(probabilities, temperature)
    assert temperature > 1.5
    assert (calibrated.argmax(axis=1) == probabilities.argmax(axis=1)).all()
    before = calibration.expected_calibration_error(probabilities, true)
    after = calibration.expected_calibration_error(calibrated, true)
    assert before > 0.15 and after < before / 3
    held_out, held_true = over_confident(seed=1)  # fitted on one sample, better on another
    assert calibration.expected_calibration_error(
        calibration.calibrated(held_out, temperature), held_true
    ) < calibration.expected_calibration_error(held_out, held_true)


def test_the_keras_layer_applies_the_same_temperature():
    import keras

    from ticket_triage.models.temperature import Temperature

    probabilities, _ = over_confident(size=50)
    layer = Temperature(2.5)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(layer(probabilities.astype("float32"))),
        calibration.calibrated(probabilities, 2.5),
        atol=1e-5,
    )
    assert Temperature.from_config(layer.get_config()).temperature == 2.5


def test_a_perfectly_calibrated_model_has_an_ece_near_zero():
    rng = np.random.default_rng(3)
    confidence = rng.uniform(0.5, 1.0, 20000)
    true = np.where(rng.random(20000) < confidence, 0, 1)
    probabilities = np.stack([confidence, 1 - confidence], axis=1)
    assert calibration.expected_calibration_error(probabilities, true) < 0.02


@pytest.mark.parametrize("target", [0.8, 0.9, 0.95, 0.99])
def test_the_threshold_is_the_lowest_that_reaches_the_target(target):
    rng = np.random.default_rng(4)
    confidence = rng.uniform(0.3, 1.0, 3000)
    correct = rng.random(3000) < confidence  # calibrated: precision rises with the threshold
    threshold = routing.review_threshold(confidence, correct, target)
    assert routing.routing_scores(confidence, correct, threshold)["precision"] >= target - 5e-5
    lower = confidence[confidence < threshold]
    if len(lower):  # any lower threshold routes tickets at a precision under the target
        below = routing.routing_scores(confidence, correct, lower.max())["precision"]
        assert below < target


def test_no_threshold_reaches_the_target_then_everything_goes_to_review():
    confidence, correct = np.array([0.9, 0.8]), np.array([False, True])
    threshold = routing.review_threshold(confidence, correct, 0.95)
    assert threshold > 0.9
    assert routing.routes(confidence, threshold).tolist() == ["review", "review"]
    assert routing.routing_scores(confidence, correct, threshold)["coverage"] == 0.0


def test_a_model_right_everywhere_routes_everything():
    confidence = np.array([0.4, 0.6, 0.9])
    threshold = routing.review_threshold(confidence, np.ones(3, bool), 0.95)
    assert threshold == 0.4
    assert routing.routing_scores(confidence, np.ones(3, bool), threshold)["coverage"] == 1.0
