"""``conf/callbacks/`` -> the callbacks every loop mode drives.

Built-in ones (chapter 7.3.2 and 7.3.4): ModelCheckpoint (best by ``val_loss``, ``.keras``),
EarlyStopping, ReduceLROnPlateau, CSVLogger, TensorBoard; custom ones (7.3.3): LossHistory and
Throughput. Each is switched on or off and tuned in config.

TensorBoard and LossHistory write into folders of their own, emptied when the callbacks are
built: TensorBoard adds an event file per run beside the old ones, LossHistory would leave plots
of epochs a shorter run never reaches, and the MLflow callback logs both folders whole. So after
a run they hold that run's logs only, as every other file in ``models/`` does; earlier runs'
logs live on in their MLflow runs. A resumed run (``resume``) keeps them: they are the logs of
the run it continues.
"""

import shutil
from pathlib import Path

import keras

from ticket_triage.callbacks.loss_history import LossHistory
from ticket_triage.callbacks.throughput import Throughput
from ticket_triage.errors import ConfigError


def build_callbacks(
    cfg, models_dir, batch_size, num_samples, resuming=False, headline=("val_loss", "min")
):
    """The enabled callbacks, writing under ``models_dir``.

    Args:
        cfg: the ``callbacks`` config group.
        models_dir: folder for the checkpoint, CSV log, TensorBoard logs and loss plots.
        batch_size: training batch size (LossHistory needs it).
        num_samples: training samples per epoch (LossHistory and Throughput need it).
        resuming: a resumed run keeps the log folders of the run it continues.
        headline: ``(monitor, mode)`` that ``monitor: auto`` stands for
            (``Objectives.headline_monitor``).
    """
    out = Path(models_dir)

    def logs_folder(dirname):
        return out / dirname if resuming else fresh_folder(out, dirname)

    callbacks = [Throughput(num_samples)]  # first, so later callbacks see its epoch log
    if cfg.checkpoint.enabled:
        callbacks.append(
            keras.callbacks.ModelCheckpoint(
                str(out / cfg.checkpoint.filename),
                **monitoring(cfg.checkpoint, headline),
                save_best_only=True,
            )
        )
    if cfg.early_stopping.enabled:
        callbacks.append(
            keras.callbacks.EarlyStopping(
                **monitoring(cfg.early_stopping, headline),
                patience=cfg.early_stopping.patience,
                min_delta=cfg.early_stopping.min_delta,
                restore_best_weights=cfg.early_stopping.restore_best_weights,
            )
        )
    if cfg.reduce_lr.enabled:
        callbacks.append(
            keras.callbacks.ReduceLROnPlateau(
                **monitoring(cfg.reduce_lr, headline),
                factor=cfg.reduce_lr.factor,
                patience=cfg.reduce_lr.patience,
                min_lr=cfg.reduce_lr.min_lr,
                min_delta=cfg.reduce_lr.min_delta,
            )
        )
    if cfg.csv_logger.enabled:
        callbacks.append(keras.callbacks.CSVLogger(str(out / cfg.csv_logger.filename)))
    if cfg.tensorboard.enabled:
        callbacks.append(
            keras.callbacks.TensorBoard(
                log_dir=str(logs_folder(cfg.tensorboard.dirname)),
                histogram_freq=cfg.tensorboard.histogram_freq,
                write_graph=cfg.tensorboard.write_graph,
                update_freq="epoch",
            )
        )
    if cfg.loss_history.enabled:
        callbacks.append(
            LossHistory(logs_folder(cfg.loss_history.dirname), batch_size, num_samples)
        )
    return callbacks


def monitoring(section, headline):
    """``monitor=`` and ``mode=`` of a callback's config section; ``auto`` is ``headline``.

    Example:
        >>> monitoring({"monitor": "auto", "mode": "auto"}, ("val_department_macro_f1", "max"))
        {'monitor': 'val_department_macro_f1', 'mode': 'max'}
    """
    if section["monitor"] == "auto":
        return dict(zip(("monitor", "mode"), headline, strict=True))
    return {"monitor": section["monitor"], "mode": section["mode"]}


def fresh_folder(models_dir, dirname):
    """``models_dir / dirname``, emptied of an earlier run's files.

    Only a folder inside ``models_dir`` is emptied: a ``dirname`` of ``.`` or ``..`` is a config
    mistake, not an instruction to delete the models.
    """
    folder = Path(models_dir) / dirname
    if Path(models_dir).resolve() not in folder.resolve().parents:
        raise ConfigError(
            f"log folder '{dirname}' must be a subfolder of {models_dir}: "
            "it is emptied at the start of every run"
        )
    if folder.exists():
        shutil.rmtree(folder)
    return folder
