"""Training throughput: tickets per second over the training part of each epoch.

Timing stops when validation starts (``on_test_begin``), so the number compares loop modes on
training alone. Adds ``tickets_per_second`` to the epoch logs, where the CSV log, History and
MLflow pick it up.
"""

import time

import keras


class Throughput(keras.callbacks.Callback):
    """Args: num_samples: training samples per epoch."""

    def __init__(self, num_samples):
        super().__init__()
        self.num_samples = num_samples
        self.seconds = []  # training seconds of each epoch
        self._started = None
        self._stopped = None
        self._resumed_seconds = 0.0  # training time of a partly done epoch, after a resume

    def on_epoch_begin(self, epoch, logs=None):
        self._started, self._stopped = time.perf_counter() - self._resumed_seconds, None
        self._resumed_seconds = 0.0

    def on_test_begin(self, logs=None):
        if self._started is not None and self._stopped is None:
            self._stopped = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        stopped = self._stopped or time.perf_counter()
        self.seconds.append(stopped - self._started)
        if logs is not None:
            logs["tickets_per_second"] = self.num_samples / self.seconds[-1]
        self._started = None

    def get_state(self):
        """For a backup (``resume``): past epochs' seconds and the current epoch's so far."""
        running = time.perf_counter() - self._started if self._started is not None else 0.0
        return {"seconds": list(self.seconds), "running": running}

    def set_state(self, state):
        self.seconds = list(state["seconds"])
        self._resumed_seconds = state["running"]

    @property
    def tickets_per_second(self):
        """Over all epochs but the first (tracing, warm-up), when there are more."""
        seconds = self.seconds[1:] or self.seconds
        return self.num_samples * len(seconds) / sum(seconds) if seconds else 0.0
