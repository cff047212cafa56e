"""The callback list every loop mode drives; it writes backups and restores them.

Built here, not inside ``fit()``, so that the hand-written loops get exactly what ``fit()``
gets: the progress bar, ``History``, and the configured callbacks with the same ``params``.

Backups are written every ``trainer.backup.every_n_batches`` training batches and at each epoch
end, after every callback has seen the batch or epoch, so that their state is in the backup. The
MLflow logger's buffered metrics are sent right after each backup (``flush``), so a resumed run
neither repeats a metric step nor misses one. A SIGTERM or SIGINT is acted on at the next batch
end (under ``distribution=multi_worker``: at the next backup point, by all workers together, see
``distribution.agreement``): a backup, then ``Stopped``.

On resume, ``on_train_begin`` first lets every callback reset itself, then gives everything its
saved state back: weights, optimizer variables (iterations, slots, learning rate), the models'
random state (dropout's ``SeedGenerator`` state is a model variable) and each callback's state.
The running metrics of a partly done epoch come back at that epoch's ``on_epoch_begin``, after
the loop has reset them. No other random op runs during training: the shuffle is stateless.

``fit()`` numbers batches from 0 in every epoch, also in a resumed one that starts later;
``batch_offset`` turns its numbers into the epoch's real ones for the callbacks.
"""

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass

import keras
import numpy as np

from ticket_triage.distribution.agreement import agreed_stop, is_multi_worker
from ticket_triage.resume.callback_state import get_state, has_state, set_state
from ticket_triage.resume.position import Position
from ticket_triage.tracking.signals import Stopped, defer_stops, stop_requested

log = logging.getLogger(__name__)


@dataclass
class TrainingState:
    """The variables a backup holds, as one loop mode has them.

    Args:
        model: the model being trained (``fit`` calls its callbacks with it).
        optimizer: its optimizer.
        metric_variables: returns the variables of the epoch's running training metrics.
        build: creates every variable before a restore (``fit`` otherwise builds lazily).
    """

    model: keras.Model
    optimizer: keras.optimizers.Optimizer
    metric_variables: Callable[[], list]
    build: Callable[[], None]


class BackedUpCallbackList(keras.callbacks.CallbackList):
    """``keras.callbacks.CallbackList`` with History, the progress bar, and backups.

    Args:
        callbacks: the configured callbacks.
        state: the ``TrainingState`` to back up and restore.
        plan: the job's ``resume.plan.ResumePlan``, or ``None`` for no backups.
        epochs: epochs to train.
        steps: training batches per epoch.
        verbose: 0 silent, 1 progress bar, 2 one line per epoch.
    """

    def __init__(self, callbacks, state, plan, epochs, steps, verbose):
        super().__init__(
            list(callbacks),
            add_history=True,
            add_progbar=bool(verbose),
            model=state.model,
            epochs=epochs,
            steps=steps,
            verbose=verbose,
        )
        self.state = state
        self.plan = plan
        self.epochs = epochs
        self.steps = steps
        self.batch_offset = 0  # fit()'s batch numbers in a resumed epoch start later
        self.hold_train_end = False  # between the fit() calls of a resumed run
        self._began = False
        self._epoch = 0
        self._since_backup = 0
        self._batches_done = 0  # in this epoch, before the running call's first batch
        self._resumed_metrics = None
        self.last_epoch_logs = None  # what on_train_end gets, in every loop mode

    @property
    def history(self):
        return next(c for c in self.callbacks if isinstance(c, keras.callbacks.History))

    def on_train_begin(self, logs=None):
        if self._began:  # a second fit() call of a resumed run
            return
        self._began = True
        super().on_train_begin(logs)
        if self.plan is not None and self.plan.backup is not None:
            self._restore(self.plan.backup)
        defer_stops(True)

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch
        super().on_epoch_begin(epoch, logs)
        if self._resumed_metrics is not None:
            _assign(self.state.metric_variables(), self._resumed_metrics, "running metrics")
            self._resumed_metrics = None

    def on_train_batch_begin(self, batch, logs=None):
        self._batches_done = batch + self.batch_offset
        super().on_train_batch_begin(batch + self.batch_offset, logs)

    def on_train_batch_end(self, batch, logs=None):
        """After ``batch``, the last of a call that may have run several (steps_per_execution):
        backups and stops happen here only, where the weights are those after ``batch``."""
        batch += self.batch_offset
        super().on_train_batch_end(batch, logs)
        self._since_backup += batch + 1 - self._batches_done
        self._batches_done = batch + 1
        if batch + 1 >= self.steps:
            return  # the epoch-end backup follows
        every = self.plan.every_n_batches if self.plan else 0
        backup_point = bool(every) and self._since_backup >= every
        stop = self._stop_requested(backup_point)
        if stop or backup_point:
            self._back_up(Position(self._epoch, batch + 1))
        if stop:
            raise Stopped(stop)

    def on_train_batches_end(self, first, logs_per_batch):
        """After one call that ran the batches ``first, first + 1, ...``, with each one's logs:
        every callback sees every batch, and backups and stops wait for the last one."""
        *inner, last = logs_per_batch
        for offset, logs in enumerate(inner):
            keras.callbacks.CallbackList.on_train_batch_end(self, first + offset, logs)
            keras.callbacks.CallbackList.on_train_batch_begin(self, first + offset + 1)
        self.on_train_batch_end(first + len(inner), last)

    def on_epoch_end(self, epoch, logs=None):
        super().on_epoch_end(epoch, logs)
        self.last_epoch_logs = logs
        finished = bool(self.state.model.stop_training) or epoch + 1 >= self.epochs
        stop = self._stop_requested(backup_point=True)
        self._back_up(Position(epoch + 1, 0, finished))
        if stop:
            raise Stopped(stop)

    def on_train_end(self, logs=None):
        if self.hold_train_end:
            return
        if stop := self._stop_requested(backup_point=True):  # after the last epoch-end backup
            raise Stopped(stop)
        defer_stops(False)
        super().on_train_end(logs)

    def _stop_requested(self, backup_point):
        """The signal to stop on now, if any; several workers agree at backup points only
        (``distribution.agreement``)."""
        strategy = self.state.model.distribute_strategy
        if not is_multi_worker(strategy):
            return stop_requested()
        return agreed_stop(strategy, stop_requested()) if backup_point else None

    def _back_up(self, position):
        self._since_backup = 0
        if self.plan is not None:
            arrays, files = {}, {}
            meta = {
                "fingerprint": self.plan.fingerprint,
                "position": asdict(position),
                "run_id": self.plan.run_id,
                "callbacks": {
                    key: _pack(state, key, arrays)
                    for key, callback in self._keyed_callbacks()
                    if (state := get_state(callback, self.plan.store, files)) is not None
                },
                "files": files,
            }
            for group, variables in self._variable_groups().items():
                arrays.update({f"{group}.{i}": v.numpy() for i, v in enumerate(variables)})
            self.plan.store.write(meta, arrays)
        for callback in self.callbacks:  # metrics go out once the backup covers them
            if hasattr(callback, "flush"):
                callback.flush()

    def _restore(self, backup):
        self.state.build()
        for group, variables in self._variable_groups().items():
            if group != "metrics":
                saved = [backup.arrays[f"{group}.{i}"] for i in range(_count(backup, group))]
                _assign(variables, saved, group)
        saved = dict(backup.meta["callbacks"])
        for key, callback in self._keyed_callbacks():
            if key in saved:
                set_state(callback, _unpack(saved.pop(key), backup.arrays), self.plan.store)
            elif has_state(callback):
                log.warning("the backup has no state for %s: it starts afresh", key)
        for key in saved:  # e.g. MLflow was reachable then and is not now (tracking.optional)
            log.warning("the backup's state for %s has no callback to go to", key)
        if Position(**backup.meta["position"]).batch:
            self._resumed_metrics = [
                backup.arrays[f"metrics.{i}"] for i in range(_count(backup, "metrics"))
            ]
        self.state.model.stop_training = False

    def _variable_groups(self):
        return {
            "model": self.state.model.variables,
            "optimizer": self.state.optimizer.variables,
            "metrics": self.state.metric_variables(),
        }

    def _keyed_callbacks(self):
        """``(key, callback)``, keyed by class name (and a count for repeats), so that callbacks
        without state (the progress bar of ``loop.verbose``) may come and go."""
        seen = {}
        keyed = []
        for callback in self.callbacks:
            name = type(callback).__name__
            seen[name] = seen.get(name, 0) + 1
            keyed.append((name if seen[name] == 1 else f"{name}#{seen[name]}", callback))
        return keyed


def _count(backup, group):
    return sum(1 for key in backup.arrays if key.startswith(f"{group}."))


def _assign(variables, values, what):
    if len(variables) != len(values):
        raise RuntimeError(
            f"backup has {len(values)} {what} variables, training has {len(variables)}"
        )
    for variable, value in zip(variables, values, strict=True):
        variable.assign(value)


def _pack(value, key, arrays):
    """JSON-able ``value`` with its NumPy arrays moved to ``arrays`` (referenced by name)."""
    if isinstance(value, np.ndarray):
        arrays[key] = value
        return {"__array__": key}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return {name: _pack(item, f"{key}.{name}", arrays) for name, item in value.items()}
    if isinstance(value, list | tuple):
        return [_pack(item, f"{key}.{i}", arrays) for i, item in enumerate(value)]
    return value


def _unpack(value, arrays):
    if isinstance(value, dict):
        if set(value) == {"__array__"}:
            return arrays[value["__array__"]]
        return {name: _unpack(item, arrays) for name, item in value.items()}
    if isinstance(value, list):
        return [_unpack(item, arrays) for item in value]
    return value
