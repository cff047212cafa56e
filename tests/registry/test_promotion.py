"""The promotion rule: beat the linear baseline and the champion, on the configured metric."""

import pytest

from ticket_triage.errors import ConfigError
from ticket_triage.registry.promotion import PromotionMetric, decide

BOTH_HEADS = ["priority", "department"]


def test_auto_is_macro_f1_with_a_department_head_else_rmse():
    assert PromotionMetric.choose("auto", BOTH_HEADS) == PromotionMetric(
        "department_macro_f1", True
    )
    assert PromotionMetric.choose("auto", ["priority"]) == PromotionMetric("priority_rmse", False)
    assert not PromotionMetric.choose("priority_mae", BOTH_HEADS).higher_is_better


def test_a_metric_the_model_does_not_have_is_refused_with_the_choices():
    with pytest.raises(ConfigError, match=r"choices: auto, priority_rmse, priority_mae$"):
        PromotionMetric.choose("department_accuracy", ["priority"])


@pytest.mark.parametrize(
    ("candidate", "baseline", "champion", "promote", "because"),
    [
        (0.90, 0.88, None, True, "no champion yet"),
        (0.90, 0.88, 0.89, True, "and champion 0.8900"),
        (0.90, 0.91, None, False, "does not beat the linear baseline (0.9100)"),
        (0.90, 0.90, None, False, "does not beat the linear baseline"),  # a tie is not a win
        (0.90, 0.88, 0.90, False, "does not beat the champion (0.9000)"),
        (0.90, 0.88, 0.95, False, "does not beat the champion"),
    ],
)
def test_higher_is_better_metric(candidate, baseline, champion, promote, because):
    verdict = decide(PromotionMetric("department_macro_f1", True), candidate, baseline, champion)
    assert verdict.promote is promote
    assert because in verdict.reason


def test_lower_is_better_metric():
    rmse = PromotionMetric("priority_rmse", False)
    assert decide(rmse, 0.14, 0.15, 0.145).promote
    assert not decide(rmse, 0.16, 0.15).promote
    assert not decide(rmse, 0.14, 0.15, 0.13).promote
