"""Whether a newly evaluated model should become the champion: plain numbers in, a verdict out.

A model is promoted when, on the promotion metric, it beats the linear TF-IDF baseline fitted on
the same train split and beats the current champion (strictly: a tie keeps the champion). No
MLflow, no TensorFlow: ``register`` feeds it the numbers.

Example:
    >>> metric = PromotionMetric.choose("auto", ["priority", "department"])
    >>> metric.name
    'department_macro_f1'
    >>> decide(metric, candidate=0.91, baseline=0.88, champion=0.93).reason
    'department_macro_f1 0.9100 does not beat the champion (0.9300)'
"""

from dataclasses import dataclass

from ticket_triage.data.schema import HEAD_DEPARTMENT, HEAD_PRIORITY
from ticket_triage.errors import ConfigError
from ticket_triage.evaluation.summary import HEADLINE

LOWER_IS_BETTER = {"rmse", "mae"}


@dataclass(frozen=True)
class PromotionMetric:
    """A headline test metric, named as ``evaluate`` logs it without ``test_`` (e.g.
    ``department_macro_f1``), and its direction."""

    name: str
    higher_is_better: bool

    @classmethod
    def choose(cls, setting, heads):
        """The configured metric; ``auto``: the department's macro-F1, else the priority RMSE.

        Args:
            setting: ``tracking.promotion_metric``.
            heads: the model's heads (``priority``, ``department``).
        """
        heads = [head for head in HEADLINE if head in heads]
        choices = [f"{head}_{score}" for head in heads for score in HEADLINE[head]]
        if setting == "auto":
            head = HEAD_DEPARTMENT if HEAD_DEPARTMENT in heads else HEAD_PRIORITY
            setting = f"{head}_macro_f1" if head == HEAD_DEPARTMENT else f"{head}_rmse"
        if setting not in choices:
            raise ConfigError(
                f"tracking.promotion_metric = '{setting}' is not a test metric of this model; "
                f"choices: auto, {', '.join(choices)}"
            )
        return cls(setting, setting.rsplit("_", 1)[-1] not in LOWER_IS_BETTER)

    def beats(self, value, other):
        return value > other if self.higher_is_better else value < other


@dataclass(frozen=True)
class Verdict:
    promote: bool
    reason: str


def decide(metric, candidate, baseline, champion=None):
    """Promote ``candidate`` if it beats ``baseline`` and the ``champion`` (``None``: none yet)."""
    name = f"{metric.name} {candidate:.4f}"
    if not metric.beats(candidate, baseline):
        return Verdict(False, f"{name} does not beat the linear baseline ({baseline:.4f})")
    if champion is not None and not metric.beats(candidate, champion):
        return Verdict(False, f"{name} does not beat the champion ({champion:.4f})")
    against = "no champion yet" if champion is None else f"champion {champion:.4f}"
    return Verdict(True, f"{name} beats the linear baseline ({baseline:.4f}) and {against}")
