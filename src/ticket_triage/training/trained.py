"""Loading what the ``train`` stage produced, for the stages after it."""

from pathlib import Path

import keras
import numpy as np

import ticket_triage.models  # noqa: F401  (registers the classes a saved model may hold)
from ticket_triage.errors import DataError
from ticket_triage.inputs.pipeline import TicketData
from ticket_triage.models.spec import DEPARTMENT, TrainedModelInfo


def load_trained(cfg, seed=0):
    """The trained ticket model, what was built, and the prepared data fed as in training.

    Args:
        cfg: a stage config with ``paths``, ``checkpoint`` (file in ``paths.models_dir``) and
            ``batch_size``.
        seed: seed of the training split's shuffle (for stages that train again).

    Returns:
        ``(model, TrainedModelInfo, TicketData)``.
    """
    models_dir = Path(cfg.paths.models_dir)
    if not (models_dir / cfg.checkpoint).exists():
        raise DataError(
            f"no trained model at {models_dir / cfg.checkpoint}: run `python -m pipelines.train` "
            "or `dvc repro train` first, or set paths.models_dir"
        )
    model = keras.saving.load_model(models_dir / cfg.checkpoint, safe_mode=True)
    built = TrainedModelInfo.load(models_dir)
    data = TicketData.load(
        cfg.paths.prepared_dir,
        batch_size=cfg.batch_size,
        sparse=built.sparse_inputs,
        merge_inputs=built.sequential,
        seed=seed,
    )
    return model, built, data


def split_outputs(model, data, split, heads):
    """Head -> the model's outputs for every ticket of ``split``, in file order."""
    outputs = {head: [] for head in heads}
    for inputs, _ in data.dataset(split, heads):
        batch = model(inputs, training=False)
        batch = batch if isinstance(batch, dict) else {DEPARTMENT: batch}
        for head in heads:
            outputs[head].append(keras.ops.convert_to_numpy(batch[head]))
    return {head: np.concatenate(parts) for head, parts in outputs.items()}
