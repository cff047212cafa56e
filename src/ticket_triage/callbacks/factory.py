"""``conf/callbacks/`` -> the callbacks every loop mode drives.

Built-in ones (chapter 7.3.2 and 7.3.4): ModelCheckpoint (best by ``val_loss``, ``.keras``),
EarlyStopping, ReduceLROnPlateau, CSVLogger, TensorBoard; custom ones (7.3.3): LossHistory and
Throughput. Each is switched on or off and tuned in config.
"""

from pathlib import Path

import keras

from ticket_triage.callbacks.loss_history import LossHistory
from ticket_triage.callbacks.throughput import Throughput


def build_callbacks(cfg, models_dir, batch_size, num_samples):
    """The enabled callbacks, writing under ``models_dir``.

    Args:
        cfg: the ``callbacks`` config group.
        models_dir: folder for the checkpoint, CSV log, TensorBoard logs and loss plots.
        batch_size: training batch size (LossHistory needs it).
        num_samples: training samples per epoch (LossHistory and Throughput need it).
    """
    out = Path(models_dir)
    callbacks = [Throughput(num_samples)]  # first, so later callbacks see its epoch log
    if cfg.checkpoint.enabled:
        callbacks.append(
            keras.callbacks.ModelCheckpoint(
                str(out / cfg.checkpoint.filename),
                monitor=cfg.checkpoint.monitor,
                save_best_only=True,
                mode=cfg.checkpoint.mode,
            )
        )
    if cfg.early_stopping.enabled:
        callbacks.append(
            keras.callbacks.EarlyStopping(
                monitor=cfg.early_stopping.monitor,
                patience=cfg.early_stopping.patience,
                mode=cfg.early_stopping.mode,
                min_delta=cfg.early_stopping.min_delta,
                restore_best_weights=cfg.early_stopping.restore_best_weights,
            )
        )
    if cfg.reduce_lr.enabled:
        callbacks.append(
            keras.callbacks.ReduceLROnPlateau(
                monitor=cfg.reduce_lr.monitor,
                factor=cfg.reduce_lr.factor,
                patience=cfg.reduce_lr.patience,
                min_lr=cfg.reduce_lr.min_lr,
                mode=cfg.reduce_lr.mode,
                min_delta=cfg.reduce_lr.min_delta,
            )
        )
    if cfg.csv_logger.enabled:
        callbacks.append(keras.callbacks.CSVLogger(str(out / cfg.csv_logger.filename)))
    if cfg.tensorboard.enabled:
        callbacks.append(
            keras.callbacks.TensorBoard(
                log_dir=str(out / cfg.tensorboard.dirname),
                histogram_freq=cfg.tensorboard.histogram_freq,
                write_graph=cfg.tensorboard.write_graph,
                update_freq="epoch",
            )
        )
    if cfg.loss_history.enabled:
        callbacks.append(LossHistory(out / cfg.loss_history.dirname, batch_size, num_samples))
    return callbacks
