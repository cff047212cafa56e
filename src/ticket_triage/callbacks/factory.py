"""``conf/callbacks/`` -> the callbacks every loop mode drives, each built by Hydra.

Built-in ones (chapter 7.3.2 and 7.3.4): ModelCheckpoint, EarlyStopping, ReduceLROnPlateau,
CSVLogger, TensorBoard; custom ones (7.3.3): LossHistory and Throughput. As in
lightning-hydra-template's ``instantiate_callbacks``, every node of the group with a
``_target_`` is a callback, built by ``instantiate`` from its own arguments, so a new callback is
a new node. Three conventions make a node one of this run's callbacks:

* ``enabled: false`` leaves it out;
* a file or folder argument (``FILE_ARGUMENTS``, ``FOLDER_ARGUMENTS``) is a path in the run's
  folder, ``paths.models_dir``; ``train`` records them (``callback_outputs``) in
  ``models/spec.json``, so the stages after it find the checkpoint and the CSV log under their
  configured names;
* ``monitor: auto`` is the score the report leads with, and an argument left ``???`` is a value
  only the run knows (``num_samples``, the training split's size), passed in by name.

Throughput is not in the config: the training summary reads it, so it is always there, first.

TensorBoard and LossHistory write into folders of their own, emptied when the callbacks are
built: TensorBoard adds an event file per run beside the old ones, LossHistory would leave plots
of epochs a shorter run never reaches, and the MLflow callback logs both folders whole. So after
a run they hold that run's logs only, as every other file in ``models/`` does; earlier runs'
logs live on in their MLflow runs. A resumed run (``resume``) keeps them: they are the logs of
the run it continues.
"""

import shutil
from pathlib import Path

from omegaconf import DictConfig, OmegaConf

from ticket_triage.callbacks.throughput import Throughput
from ticket_triage.errors import ConfigError
from ticket_triage.instantiate import build

FILE_ARGUMENTS = ("filepath", "filename")  # a file the callback writes
FOLDER_ARGUMENTS = ("log_dir", "out_dir")  # a folder it fills, emptied at the start of a run


def instantiate_callbacks(
    cfg, models_dir, num_samples, resuming=False, headline=("val_loss", "min")
):
    """Throughput, then every enabled callback node of ``cfg``, writing under ``models_dir``.

    Args:
        cfg: the ``callbacks`` config group.
        models_dir: the run's folder: checkpoint, CSV log, TensorBoard logs and loss plots.
        num_samples: training samples per epoch (Throughput's, and ``???`` arguments' value).
        resuming: a resumed run keeps the log folders of the run it continues.
        headline: ``(monitor, mode)`` that ``monitor: auto`` stands for
            (``Objectives.headline_monitor``).
    """
    out = Path(models_dir)
    runtime = {"num_samples": num_samples}
    callbacks = [Throughput(num_samples)]  # first, so later callbacks see its epoch log
    for key, node in enabled_nodes(cfg).items():
        arguments = {}
        for name in node:
            if OmegaConf.is_missing(node, name):
                if name not in runtime:
                    raise ConfigError(
                        f"callbacks.{key}.{name} is ??? and training has no value for it; "
                        f"it supplies: {', '.join(runtime)}"
                    )
                arguments[name] = runtime[name]
        for name, relative in paths_in(node).items():
            folder = name in FOLDER_ARGUMENTS and not resuming
            arguments[name] = str(fresh_folder(out, relative) if folder else out / relative)
        if "monitor" in node:
            arguments.update(monitoring(node, headline))  # monitor: auto -> the headline
        callbacks.append(build(node, **arguments))
    return callbacks


def callback_outputs(cfg):
    """Callback name -> the file or folder it writes in the run's folder (relative), for each
    enabled callback that writes one.

    Example:
        >>> callback_outputs(OmegaConf.create({
        ...     "csv": {"_target_": "keras.callbacks.CSVLogger", "filename": "h.csv"},
        ...     "tb": {"_target_": "keras.callbacks.TensorBoard", "enabled": False, "log_dir": "t"},
        ... }))
        {'csv': 'h.csv'}
    """
    return {
        key: relative
        for key, node in enabled_nodes(cfg).items()
        for relative in paths_in(node).values()
    }


def enabled_nodes(cfg):
    """Name -> node, for the nodes of ``cfg`` with a ``_target_`` and not ``enabled: false``."""
    return {
        key: node
        for key, node in cfg.items()
        if isinstance(node, DictConfig)
        and "_target_" in node
        and not ("enabled" in node and not node.enabled)
    }


def paths_in(node):
    """Argument -> relative path, for ``node``'s file and folder arguments."""
    return {name: node[name] for name in (*FILE_ARGUMENTS, *FOLDER_ARGUMENTS) if name in node}


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
