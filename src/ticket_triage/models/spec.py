"""What a ticket model's inputs and heads are, read from the vocabularies ``prepare`` wrote.

Kept free of TensorFlow so that stages and tests can reason about a dataset cheaply. Inputs and
heads follow the data: without a tags vocabulary there is no ``tags`` input, without a
departments file no ``department`` head, without priorities no ``priority`` head.

Example:
    >>> spec = TicketSpec(title_dim=10000, body_dim=10000, tags_dim=100, num_departments=4)
    >>> spec.input_dims
    {'title': 10000, 'text_body': 10000, 'tags': 100}
"""

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from ticket_triage.data import schema
from ticket_triage.data.vocab import load_vocabulary
from ticket_triage.errors import ConfigError

TITLE = schema.INPUT_TITLE  # model input names, as in the chapter
TEXT_BODY = schema.INPUT_BODY
TAGS = schema.INPUT_TAGS
PRIORITY = schema.HEAD_PRIORITY  # head (output) names
DEPARTMENT = schema.HEAD_DEPARTMENT
DIFFICULTY = schema.HEAD_DIFFICULTY
FEATURES = "features"  # the trunk's last layer, reused by feature extraction


@dataclass(frozen=True)
class TicketSpec:
    """Sizes of a ticket model's inputs and heads.

    Args:
        title_dim: width of the title multi-hot vector (vocabulary plus the OOV slot).
        body_dim: width of the body multi-hot vector.
        tags_dim: width of the tags multi-hot vector, or ``None`` without tags.
        num_departments: department classes, or ``None`` without a department head.
        priority: whether there is a priority head.
    """

    title_dim: int
    body_dim: int
    tags_dim: int | None = None
    num_departments: int | None = None
    priority: bool = True

    @property
    def input_dims(self):
        dims = {TITLE: self.title_dim, TEXT_BODY: self.body_dim, TAGS: self.tags_dim}
        return {name: dim for name, dim in dims.items() if dim}

    @property
    def heads(self):
        return [
            name
            for name, present in ((PRIORITY, self.priority), (DEPARTMENT, self.num_departments))
            if present
        ]

    @property
    def width(self):
        """Input columns in all: what the first layer multiplies when inputs are dense."""
        return sum(self.input_dims.values())

    def to_dict(self):
        return asdict(self)

    @classmethod
    def from_prepared(cls, prepared_dir):
        """Read the spec from ``prepare``'s outputs (vocabulary files and report.json)."""
        prepared = Path(prepared_dir)
        if not (prepared / "report.json").exists():
            raise schema.DataError(
                f"{prepared} holds no prepared tickets (no report.json): run "
                "`python -m pipelines.prepare` or `dvc repro prepare` first, or set "
                "paths.prepared_dir"
            )
        report = json.loads((prepared / "report.json").read_text(encoding="utf-8"))

        def width(column):
            path = prepared / schema.VOCABULARY_FILES[column]
            return len(load_vocabulary(path)) + 1 if path.exists() else None  # +1: OOV slot

        departments = prepared / schema.VOCABULARY_FILES[schema.DEPARTMENT]
        return cls(
            title_dim=width(schema.TITLE),
            body_dim=width(schema.BODY),
            tags_dim=width(schema.TAGS),
            num_departments=len(load_vocabulary(departments)) if departments.exists() else None,
            priority=schema.PRIORITY in report["columns"],
        )


def choose_sparse(setting, spec, from_columns):
    """Whether to feed ``spec``'s model sparse inputs: ``trainer.sparse_inputs`` resolved.

    ``auto`` picks sparse at ``from_columns`` input columns or more: there a dense first layer
    pays for every column of every ticket, while the sparse one (``TokenDense``) pays for the
    tokens present; below it dense matrix products are cheaper on a CPU.

    Example:
        >>> choose_sparse("auto", TicketSpec(10001, 10001, 100), from_columns=8000)
        True
    """
    if setting == "auto":
        return spec.width >= from_columns
    if isinstance(setting, bool):
        return setting
    raise ConfigError(f"trainer.sparse_inputs = {setting!r}: choose auto, true or false")


@dataclass(frozen=True)
class TrainedModelInfo:
    """What the ``train`` stage built, saved beside the model (``models/spec.json``) so that later
    stages feed it the same way.

    Args:
        spec: the ``TicketSpec`` of its data.
        model: the ``model.name`` it was built with.
        sparse_inputs: whether its inputs are sparse multi-hots.
        outputs: callback name -> the file or folder it writes in ``models/``, under the name
            configured for that run (``checkpoint``: the best model; ``csv_logger``: the
            per-epoch metrics), so the stages after ``train`` find them.
    """

    spec: TicketSpec
    model: str
    sparse_inputs: bool
    outputs: dict

    FILE = "spec.json"

    @property
    def sequential(self):
        return self.model == "sequential"

    @property
    def heads(self):
        return [DEPARTMENT] if self.sequential else self.spec.heads

    def save(self, models_dir):
        content = {
            "spec": self.spec.to_dict(),
            "model": self.model,
            "sparse_inputs": self.sparse_inputs,
            "outputs": self.outputs,
        }
        (Path(models_dir) / self.FILE).write_text(json.dumps(content, indent=2) + "\n")

    @classmethod
    def load(cls, models_dir):
        content = json.loads((Path(models_dir) / cls.FILE).read_text())
        return cls(
            TicketSpec(**content["spec"]),
            content["model"],
            content["sparse_inputs"],
            content["outputs"],
        )
