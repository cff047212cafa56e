"""Model outputs -> department names, top departments and priority bands (no model needed)."""

import numpy as np
import pytest

from ticket_triage.errors import ConfigError
from ticket_triage.triage.labels import PriorityBands, label_outputs

BANDS = PriorityBands({"urgent": 0.8, "low": 0.0, "high": 0.6, "normal": 0.3})
DEPARTMENTS = ["account", "billing", "shipping", "technical"]


def test_bands_start_at_their_threshold_and_run_to_the_next():
    scores = [0.0, 0.29999, 0.3, 0.59, 0.6, 0.8, 1.0, -0.01]
    assert BANDS.of(scores).tolist() == [
        "low",
        "low",
        "normal",
        "normal",
        "high",
        "urgent",
        "urgent",
        "low",
    ]
    assert BANDS.names == ["low", "normal", "high", "urgent"]


def test_a_score_that_is_not_a_number_has_no_band():
    assert BANDS.of([0.5, float("nan")]).tolist() == ["normal", None]


def test_bands_must_cover_zero():
    with pytest.raises(ConfigError, match="lowest band must start at 0"):
        PriorityBands({"normal": 0.3, "urgent": 0.8})


def test_top_departments_are_ranked_with_their_probabilities():
    probabilities = np.array([[0.1, 0.6, 0.05, 0.25], [0.7, 0.1, 0.15, 0.05]], "float32")
    frame = label_outputs(
        {"department": probabilities, "priority": np.array([[0.9], [0.1]])},
        DEPARTMENTS,
        BANDS,
        top=3,
        per_department=True,
    )
    assert frame["department"].tolist() == ["billing", "account"]
    assert frame["department_2"].tolist() == ["technical", "shipping"]
    assert frame["department_3"].tolist() == ["account", "billing"]
    np.testing.assert_allclose(frame["department_probability"], [0.6, 0.7])
    np.testing.assert_allclose(frame["department_3_probability"], [0.1, 0.1])
    np.testing.assert_allclose(frame["probability_shipping"], [0.05, 0.15])
    assert frame["priority_band"].tolist() == ["urgent", "low"]


def test_fewer_classes_than_top_and_one_head_models():
    only_department = label_outputs(
        {"department": np.array([[0.3, 0.7]])}, ["a", "b"], BANDS, top=3
    )
    assert list(only_department.columns) == [
        "department",
        "department_probability",
        "department_2",
        "department_2_probability",
    ]
    only_priority = label_outputs({"priority": np.array([[0.5]])}, [], BANDS)
    assert list(only_priority.columns) == ["priority", "priority_band"]
