"""The chapter's ``LossHistory`` callback (7.3.3), recording each batch's own loss.

The ``loss`` in batch logs is the running mean of the epoch so far, weighted by batch size (in
``fit()`` and in this project's own loops alike), not the batch's loss. The chapter's version
plots that running mean. This one recovers each batch's loss from consecutive means:
``loss_k = (n_k * mean_k - n_{k-1} * mean_{k-1}) / (n_k - n_{k-1})``, where ``n_k`` counts the
samples seen after batch ``k``. Where ``fit`` runs several batches per call
(``loop.steps_per_execution``), callbacks see the last batch of each call only, and the loss
recorded for it is the mean of that call's batches. After every epoch it saves a CSV of all
batch losses so far and a plot of them. The plot is drawn on a thread of its own while the next
epoch trains (a Matplotlib figure costs 0.06-0.12 s on 2 cores, a quarter of an epoch's steps
on the default run); ``on_train_end`` waits for the last one.
"""

import csv
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import keras
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


class LossHistory(keras.callbacks.Callback):
    """Per-batch training losses, with a plot per epoch.

    Args:
        out_dir: where ``epoch_NNN.png`` and ``per_batch_losses.csv`` go.
        batch_size: samples per batch.
        num_samples: samples per epoch (so the last, smaller batch is weighted right).
    """

    def __init__(self, out_dir, batch_size, num_samples):
        super().__init__()
        self.out_dir = Path(out_dir)
        self.batch_size = batch_size
        self.num_samples = num_samples
        self.per_batch_losses = []  # (epoch, batch, loss)
        self._epoch = 0
        self._previous_mean = 0.0
        self._resumed_mean = None  # the running mean of a partly done epoch, after a resume
        self._first_batch = 0
        self._painter = None  # draws the plots (see on_epoch_end)
        self._plots = []

    def on_train_begin(self, logs=None):
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.per_batch_losses = []
        self._finish_plots()  # of an earlier training that raised before its end
        self._painter = ThreadPoolExecutor(max_workers=1, thread_name_prefix="loss-history")

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch
        # A resumed epoch goes on from the running mean in the backup; a new one starts at 0.
        self._previous_mean = self._resumed_mean or 0.0
        self._resumed_mean = None

    def on_train_batch_begin(self, batch, logs=None):
        self._first_batch = batch  # of this call, which may run several (steps_per_execution)

    def on_train_batch_end(self, batch, logs=None):
        mean = float(logs["loss"])
        seen_before = min(self._first_batch * self.batch_size, self.num_samples)
        seen = min((batch + 1) * self.batch_size, self.num_samples)
        loss = (seen * mean - seen_before * self._previous_mean) / (seen - seen_before)
        self.per_batch_losses.append((self._epoch, batch, loss))
        self._previous_mean = mean

    def on_epoch_end(self, epoch, logs=None):
        self._write_csv()
        losses = [loss for _, _, loss in self.per_batch_losses]
        path = self.out_dir / f"epoch_{epoch + 1:03d}.png"
        self._plots.append(self._painter.submit(_plot, losses, epoch, path))

    def on_train_end(self, logs=None):
        """Wait for the plots; a plot that failed raises here."""
        self._finish_plots()

    def _finish_plots(self):
        if self._painter is not None:
            self._painter.shutdown(wait=True)
        plots, self._painter, self._plots = self._plots, None, []
        for plot in plots:
            plot.result()

    def get_state(self):
        """For a backup (``resume``): the losses so far and the epoch's running mean."""
        table = np.asarray(self.per_batch_losses, np.float64).reshape(-1, 3)
        return {
            "epochs": table[:, 0].astype(np.int64),
            "batches": table[:, 1].astype(np.int64),
            "losses": table[:, 2],
            "previous_mean": self._previous_mean,
        }

    def set_state(self, state):
        self.per_batch_losses = [
            (int(e), int(b), float(loss))
            for e, b, loss in zip(state["epochs"], state["batches"], state["losses"], strict=True)
        ]
        self._resumed_mean = state["previous_mean"]

    def _write_csv(self):
        with (self.out_dir / "per_batch_losses.csv").open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["epoch", "batch", "loss"])
            writer.writerows(self.per_batch_losses)


def _plot(losses, epoch, path):
    """Save the plot of ``losses`` after ``epoch``: Matplotlib's object API, no ``pyplot``
    (whose global state belongs to one thread)."""
    figure = Figure(figsize=(8, 4))
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.plot(range(len(losses)), losses, label="training loss per batch", linewidth=0.8)
    axes.set(
        xlabel=f"batch (epochs 1-{epoch + 1})",
        ylabel="loss",
        title=f"Loss of each training batch, after epoch {epoch + 1}",
    )
    axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
