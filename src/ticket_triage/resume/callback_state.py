"""The state of each callback, read into a backup and written back on resume.

Keras's built-in callbacks keep their state in attributes that ``on_train_begin`` resets; the
adapters below name those attributes. This project's own callbacks (LossHistory, Throughput,
MlflowLogger) define ``get_state()`` and ``set_state(state)`` themselves. A state is a dict of
JSON values and NumPy arrays (EarlyStopping's best weights).

Files a callback writes that its state depends on (ModelCheckpoint's best model) are kept in the
backup folder, so a resumed run has them even after DVC removed ``models/``.
"""

import logging
import os
from pathlib import Path

import keras
import numpy as np

log = logging.getLogger(__name__)


def has_state(callback):
    """Whether ``callback`` has a state a backup keeps."""
    return hasattr(callback, "get_state") or isinstance(callback, tuple(ADAPTERS))


def get_state(callback, store, files):
    """``callback``'s state, or ``None`` when it has none worth keeping (the progress bar)."""
    if hasattr(callback, "get_state"):
        return callback.get_state()
    for kind, (read, _) in ADAPTERS.items():
        if isinstance(callback, kind):
            return read(callback, store, files)
    return None


def set_state(callback, state, store):
    """Give ``callback`` back its ``state`` (after its ``on_train_begin`` has reset it)."""
    if state is None:
        return
    if hasattr(callback, "set_state"):
        callback.set_state(state)
        return
    for kind, (_, write) in ADAPTERS.items():
        if isinstance(callback, kind):
            write(callback, state, store)
            return


def _scalar(value):
    return value.item() if isinstance(value, np.generic | np.ndarray) else value


def _read_early_stopping(callback, store, files):
    return {
        "wait": callback.wait,
        "stopped_epoch": callback.stopped_epoch,
        "best": _scalar(callback.best),
        "best_epoch": callback.best_epoch,
        "best_weights": callback.best_weights,
    }


def _write_early_stopping(callback, state, store):
    callback.wait = state["wait"]
    callback.stopped_epoch = state["stopped_epoch"]
    callback.best = state["best"]
    callback.best_epoch = state["best_epoch"]
    weights = state["best_weights"]
    callback.best_weights = list(weights) if weights is not None else None


def _read_reduce_lr(callback, store, files):
    # The learning rate itself is an optimizer variable: it is in the backup with the optimizer.
    return {
        "wait": callback.wait,
        "best": _scalar(callback.best),
        "cooldown_counter": callback.cooldown_counter,
    }


def _write_reduce_lr(callback, state, store):
    callback.wait = state["wait"]
    callback.best = state["best"]
    callback.cooldown_counter = state["cooldown_counter"]


def _read_checkpoint(callback, store, files):
    path = Path(callback.filepath)
    name = None
    if path.exists() and callback.best is not None:  # else: a file an earlier run left
        stat = path.stat()
        name = store.keep_file(path, f"{stat.st_mtime_ns}-{stat.st_size}{path.suffix}")
        files[f"checkpoint:{path.name}"] = name
    return {"best": _scalar(callback.best), "file": name}


def _write_checkpoint(callback, state, store):
    callback.best = state["best"]
    target = Path(callback.filepath)
    if state["file"] is not None and not store.file(state["file"]).exists():
        log.warning("the backup's best checkpoint is missing: the next epoch saves a new one")
        callback.best, state = None, {**state, "file": None}
    if state["file"] is None:
        target.unlink(missing_ok=True)  # saved after the backup: the resumed run saves it again
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.tmp")
    temporary.write_bytes(store.file(state["file"]).read_bytes())
    os.replace(temporary, target)


def _read_csv_logger(callback, store, files):
    path = Path(callback.filename)
    return {"keys": callback.keys, "text": path.read_text() if path.exists() else ""}


def _write_csv_logger(callback, state, store):
    """Rewrite the rows logged so far (``on_train_begin`` emptied the file) and append after."""
    callback.csv_file.close()
    Path(callback.filename).write_text(state["text"])
    callback.csv_file = open(callback.filename, "a")  # noqa: SIM115 (its on_train_end closes it)
    callback.keys = state["keys"]
    callback.append_header = not state["text"]
    callback.writer = None


def _read_history(callback, store, files):
    return {"epoch": callback.epoch, "history": callback.history}


def _write_history(callback, state, store):
    callback.epoch = list(state["epoch"])
    callback.history = {name: list(values) for name, values in state["history"].items()}


ADAPTERS = {
    keras.callbacks.EarlyStopping: (_read_early_stopping, _write_early_stopping),
    keras.callbacks.ReduceLROnPlateau: (_read_reduce_lr, _write_reduce_lr),
    keras.callbacks.ModelCheckpoint: (_read_checkpoint, _write_checkpoint),
    keras.callbacks.CSVLogger: (_read_csv_logger, _write_csv_logger),
    keras.callbacks.History: (_read_history, _write_history),
}
