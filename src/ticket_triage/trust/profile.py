"""What ``train`` learned about trusting its model, saved beside it (``models/trust.json``).

One file holds the department temperature, the review threshold with the target it was chosen
for, and the validation split's drift reference, so that ``evaluate``, ``predict``, the served
model and ``extract_features`` all read the same facts. A model without a department head has
no temperature and no threshold (``None``).

Example:
    >>> trust = Trust(temperature=1.5, target_precision=0.95, threshold=0.8, reference={})
    >>> Trust.from_dict(trust.to_dict()) == trust
    True
"""

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ticket_triage.trust import calibration, routing

FILE = "trust.json"


@dataclass(frozen=True)
class Trust:
    """Args:
    temperature: divides the department log-probabilities (``calibration``); ``None``: no head.
    target_precision: what the threshold was chosen for (``triage.target_precision``).
    threshold: lowest calibrated confidence routed automatically (``routing``).
    reference: the validation split's ``drift.TextProfile.summary()``.
    validation: the validation split's ECE before and after, and routing scores.
    """

    temperature: float | None
    target_precision: float | None
    threshold: float | None
    reference: dict
    validation: dict = field(default_factory=dict)

    def calibrate(self, probabilities):
        """The department ``probabilities`` (one row per ticket) at the fitted temperature."""
        return calibration.calibrated(probabilities, self.temperature)

    def routes(self, confidence):
        """``"auto"`` or ``"review"`` per calibrated confidence."""
        return routing.routes(confidence, self.threshold)

    def to_dict(self):
        return asdict(self)

    @classmethod
    def from_dict(cls, values):
        return cls(**values)

    def save(self, models_dir):
        path = Path(models_dir) / FILE
        path.write_text(json.dumps(self.to_dict(), indent=2) + "\n")
        return path

    @classmethod
    def load(cls, path):
        """From ``path`` (a models folder or the file); ``None`` for a model trained before it."""
        path = Path(path)
        path = path / FILE if path.is_dir() else path
        return cls.from_dict(json.loads(path.read_text())) if path.exists() else None
