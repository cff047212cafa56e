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

    The model is the best checkpoint, under the name its training run gave it
    (``callbacks.checkpoint.filepath``, recorded in ``models/spec.json``).

    Args:
        cfg: a stage config with ``paths`` and ``batch_size``.
        seed: seed of the training split's shuffle (for stages that train again).

    Returns:
        ``(model, TrainedModelInfo, TicketData)``.
    """
    models_dir = Path(cfg.paths.models_dir)
    if not (models_dir / TrainedModelInfo.FILE).exists():
        raise DataError(
            f"no trained model in {models_dir}: run `python -m pipelines.train` "
            "or `dvc repro train` first, or set paths.models_dir"
        )
    built = TrainedModelInfo.load(models_dir)
    checkpoint = built.outputs.get("checkpoint")
    if checkpoint is None or not (models_dir / checkpoint).exists():
        raise DataError(
            f"no checkpoint in {models_dir}: train again with callbacks.checkpoint.enabled=true"
        )
    model = keras.saving.load_model(models_dir / checkpoint, safe_mode=True)
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
