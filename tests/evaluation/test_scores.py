"""The evaluation scores on a hand-made case, checked against numbers worked out by hand and
against direct ``sklearn.metrics`` calls: averages over the classes that occur, per-class
entries and the confusion matrix over every class."""

import numpy as np
import pytest
from sklearn import metrics

from ticket_triage.evaluation.scores import classification_scores, regression_scores

LABELS = ["account", "billing", "shipping", "technical"]
# account: 3 true, billing: 3 true, shipping: predicted once but never true,
# technical: neither true nor predicted (must not be averaged in as F1 = 0).
TRUE = np.array([0, 0, 1, 1, 1, 0])
PREDICTED = np.array([0, 1, 1, 1, 2, 0])


def test_averages_run_over_the_classes_that_occur():
    scores = classification_scores(TRUE, PREDICTED, LABELS)
    # By hand: account P=2/2 R=2/3 F1=0.8; billing P=2/3 R=2/3 F1=2/3; shipping F1=0.
    assert scores["accuracy"] == pytest.approx(4 / 6, abs=1e-4)
    assert scores["macro_f1"] == pytest.approx((0.8 + 2 / 3 + 0) / 3, abs=1e-4)
    assert scores["weighted_f1"] == pytest.approx((3 * 0.8 + 3 * 2 / 3) / 6, abs=1e-4)
    # Over all four classes the macro average would be lower: the absent class is left out.
    assert scores["macro_f1"] > round((0.8 + 2 / 3) / 4, 4)

    present = [0, 1, 2]
    assert scores["accuracy"] == round(metrics.accuracy_score(TRUE, PREDICTED), 4)
    for average in ("macro", "weighted"):
        direct = metrics.f1_score(TRUE, PREDICTED, labels=present, average=average, zero_division=0)
        assert scores[f"{average}_f1"] == round(direct, 4)


def test_per_class_scores_and_confusion_matrix_keep_every_class():
    scores = classification_scores(TRUE, PREDICTED, LABELS)
    assert list(scores["per_class"]) == LABELS
    assert scores["per_class"]["account"] == {
        "precision": 1.0,
        "recall": round(2 / 3, 4),
        "f1": 0.8,
        "support": 3,
    }
    assert scores["per_class"]["billing"]["f1"] == round(2 / 3, 4)
    assert scores["per_class"]["shipping"] == {
        "precision": 0.0,
        "recall": 0.0,
        "f1": 0.0,
        "support": 0,
    }
    assert scores["per_class"]["technical"]["support"] == 0
    assert scores["confusion_matrix"] == [
        [2, 1, 0, 0],
        [0, 2, 1, 0],
        [0, 0, 0, 0],
        [0, 0, 0, 0],
    ]
    direct = metrics.confusion_matrix(TRUE, PREDICTED, labels=range(len(LABELS)))
    assert scores["confusion_matrix"] == direct.tolist()


def test_regression_scores_by_hand_and_by_sklearn():
    true = np.array([0.0, 0.5, 1.0])
    predicted = np.array([[0.0], [0.8], [0.6]])  # the priority head's (n, 1) shape
    scores = regression_scores(true, predicted)
    # Errors 0, 0.3, -0.4: MSE = 0.25 / 3, MAE = 0.7 / 3.
    assert scores == {"rmse": round(np.sqrt(0.25 / 3), 4), "mae": round(0.7 / 3, 4)}
    assert scores["rmse"] == round(metrics.root_mean_squared_error(true, predicted.ravel()), 4)
    assert scores["mae"] == round(metrics.mean_absolute_error(true, predicted.ravel()), 4)


def test_the_verdict_names_each_head_the_baseline_wins():
    from ticket_triage.evaluation.summary import verdict

    metrics = {
        "department": {"macro_f1": 0.377},
        "priority": {"rmse": 0.073},
        "linear_baseline": {"department": {"macro_f1": 0.407}, "priority": {"rmse": 0.059}},
    }
    judged = verdict(metrics)
    assert judged["baseline_wins"] == ["department", "priority"]
    assert "department macro-F1 (0.407 vs 0.377)" in judged["summary"]
    assert "priority RMSE (0.059 vs 0.073)" in judged["summary"]
    metrics["priority"]["rmse"] = 0.05
    metrics["department"]["macro_f1"] = 0.5
    assert verdict(metrics)["baseline_wins"] == []
