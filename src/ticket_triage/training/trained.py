"""Loading what the ``train`` stage produced, for the stages after it."""

from pathlib import Path

import keras

from ticket_triage.data.pipeline import TicketData
from ticket_triage.loops.custom_step import unwrap
from ticket_triage.models.spec import TrainedModelInfo


def load_trained(cfg, seed=0):
    """The trained ticket model, what was built, and the prepared data fed as in training.

    Args:
        cfg: a stage config with ``paths``, ``checkpoint`` (file in ``paths.models_dir``) and
            ``batch_size``.
        seed: seed of the training split's shuffle (for stages that train again).

    Returns:
        ``(model, TrainedModelInfo, TicketData)``; a ``train_step`` wrapper is unwrapped.
    """
    models_dir = Path(cfg.paths.models_dir)
    model = unwrap(keras.saving.load_model(models_dir / cfg.checkpoint))
    built = TrainedModelInfo.load(models_dir)
    data = TicketData.load(
        cfg.paths.prepared_dir,
        batch_size=cfg.batch_size,
        sparse=built.sparse_inputs,
        merge_inputs=built.sequential,
        seed=seed,
    )
    return model, built, data
