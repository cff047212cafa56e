"""What training optimises and reports, per head, shared by every loop mode.

One definition of losses and metrics keeps the four loops comparable: ``fit`` gets them through
``compile``; the hand-written loops and the ``train_step`` model compute them with
``MetricSet``, which names its logs exactly as ``fit`` does (``loss``, ``priority_loss``,
``priority_rmse``, ``department_accuracy``, and ``val_`` versions).

``trainer.objectives`` (``conf/trainer/``) holds the loss weights; training builds it with
Hydra's ``instantiate``, giving it the heads of the model it built.

Example:
    >>> objectives = Objectives(["priority", "department"])
    >>> sorted(objectives.losses())
    ['department', 'priority']
"""

from typing import NamedTuple

import keras
import tensorflow as tf
from keras import ops

from ticket_triage.data.schema import HEAD_DEPARTMENT as DEPARTMENT
from ticket_triage.data.schema import HEAD_PRIORITY as PRIORITY
from ticket_triage.metrics import MacroF1Score, RootMeanSquaredError


class Objectives:
    """Losses and metrics of a model's heads.

    Args:
        heads: the model's head names, e.g. ``["priority", "department"]``.
        named_outputs: whether the model returns a dict (all but the Sequential model).
            Metric names carry the head's name only when there are several heads, as in
            ``fit`` (a priority-only model logs ``val_rmse``, not ``val_priority_rmse``).
        loss_weights: head -> weight of its loss in the total (missing heads weigh 1).
        num_departments: the department classes: with it, the department head also reports
            macro-F1 (``MacroF1Score``), the score the report leads with.
    """

    def __init__(self, heads, named_outputs=True, loss_weights=None, num_departments=None):
        self.heads = list(heads)
        self.named_outputs = named_outputs
        self.loss_weights = {head: float((loss_weights or {}).get(head, 1.0)) for head in heads}
        self.num_departments = num_departments

    def losses(self):
        """Head -> loss: MSE for the priority score, cross-entropy over department ids."""
        table = {
            PRIORITY: keras.losses.MeanSquaredError,
            DEPARTMENT: keras.losses.SparseCategoricalCrossentropy,
        }
        return {head: table[head]() for head in self.heads}

    def metrics(self):
        """Head -> metrics: the custom RMSE and MAE for priority; accuracy, and the custom
        macro-F1 when the number of departments is known, for department."""
        table = {
            PRIORITY: lambda: [
                RootMeanSquaredError(name="rmse"),
                keras.metrics.MeanAbsoluteError(name="mae"),
            ],
            DEPARTMENT: lambda: [
                keras.metrics.SparseCategoricalAccuracy(name="accuracy"),
                *([MacroF1Score(self.num_departments)] if self.num_departments else []),
            ],
        }
        return {head: table[head]() for head in self.heads}

    def headline_monitor(self):
        """``(log name, mode)`` of the validation score the evaluation report leads with:
        department macro-F1 (higher is better) where there is a department head and its
        classes are known, else priority RMSE (lower is better). ``monitor: auto`` uses it.

        Example:
            >>> Objectives(["priority", "department"], num_departments=4).headline_monitor()
            ('val_department_macro_f1', 'max')
            >>> Objectives(["priority"]).headline_monitor()
            ('val_rmse', 'min')
        """
        if DEPARTMENT in self.heads and self.num_departments:
            return f"val_{self.log_name(DEPARTMENT, 'macro_f1')}", "max"
        if PRIORITY in self.heads:
            return f"val_{self.log_name(PRIORITY, 'rmse')}", "min"
        return "val_loss", "min"

    def compile_args(self):
        """``loss=`` and ``metrics=`` for ``Model.compile``, in the model's output structure."""
        losses, metrics = self.losses(), self.metrics()
        if self.named_outputs:
            return {"loss": losses, "metrics": metrics, "loss_weights": self.loss_weights}
        (head,) = self.heads
        return {"loss": losses[head], "metrics": metrics[head]}

    def as_dict(self, values):
        """Model outputs or targets as a head dict, whatever the model's output structure."""
        return values if isinstance(values, dict) else {self.heads[0]: values}

    @property
    def per_head_names(self):
        """Whether logs name each head (``priority_rmse``): ``fit`` does so for several heads."""
        return self.named_outputs and len(self.heads) > 1

    def log_name(self, head, name):
        return f"{head}_{name}" if self.per_head_names else name


class MetricSet:
    """Loss trackers and head metrics for hand-written loops (chapter 7.4.2 and 7.4.3).

    ``update`` adds a batch, ``result`` reads the epoch so far, ``reset`` starts a new epoch.

    Under a ``tf.distribute`` strategy, ``loss`` and ``update`` run on each replica (inside
    ``strategy.run``): the loss is divided by the number of replicas, as Keras's own losses do
    there, so that the gradients summed across replicas are those of the global batch; the
    trackers get it multiplied back. ``result`` runs outside, where reading a metric sums its
    variables over the replicas: the epoch's metrics over the global batches.
    """

    def __init__(self, objectives):
        self.objectives = objectives
        self.loss_functions = objectives.losses()
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.head_loss_trackers = (
            {head: keras.metrics.Mean(name=f"{head}_loss") for head in objectives.heads}
            if objectives.per_head_names
            else {}
        )
        self.head_metrics = objectives.metrics()

    @property
    def metrics(self):
        head_metrics = [m for metrics in self.head_metrics.values() for m in metrics]
        return [self.loss_tracker, *self.head_loss_trackers.values(), *head_metrics]

    def loss(self, targets, predictions, extra_losses=(), sample_weights=None):
        """``(loss, batch)``: the loss to differentiate, and the batch's losses to report.

        The loss is the head losses times their loss weights, plus regularisation;
        ``sample_weights`` (per head, as the targets) weigh tickets as ``fit`` does:
        ``sum(weight * loss) / batch size``. Under a strategy it is this replica's part of the
        global batch's loss, so that the replicas' gradients sum to the global batch's, even when
        the global batch is split unevenly (its last, partial batch: one replica may get none).
        ``batch`` (a ``BatchLoss``) holds this replica's own losses, for ``update``.
        """
        targets = self.objectives.as_dict(targets)
        predictions = self.objectives.as_dict(predictions)
        weights = self.objectives.as_dict(sample_weights) if sample_weights is not None else {}
        replicas = replica_count()
        head_losses = {  # Keras's losses divide by the replicas: multiplied back, the batch's mean
            head: self.loss_functions[head](
                targets[head], predictions[head], sample_weight=weights.get(head)
            )
            * replicas
            for head in self.objectives.heads
        }
        share = _share_of_global_batch(predictions[self.objectives.heads[0]], replicas)
        total = sum(self.objectives.loss_weights[head] * loss for head, loss in head_losses.items())
        extra = ops.sum(extra_losses) if extra_losses else 0.0
        loss = total * share + extra / replicas
        return loss, BatchLoss(total + extra, head_losses, share)

    def update(self, targets, predictions, batch):
        """Add a batch: its targets, predictions and ``BatchLoss``."""
        targets = self.objectives.as_dict(targets)
        predictions = self.objectives.as_dict(predictions)
        batch_size = ops.shape(predictions[self.objectives.heads[0]])[0]
        self.loss_tracker.update_state(batch.total, sample_weight=batch_size)
        # fit() averages the per-head losses per batch, not per sample (Keras 3 weights them by
        # the static batch size, unknown inside its compiled step); we report them the same way,
        # a replica's loss weighing its share of the global batch.
        for head, tracker in self.head_loss_trackers.items():
            tracker.update_state(batch.heads[head], sample_weight=batch.share)
        for head, metrics in self.head_metrics.items():
            for metric in metrics:
                metric.update_state(targets[head], predictions[head])

    def result(self):
        logs = {"loss": self.loss_tracker.result()}
        logs.update(
            {tracker.name: tracker.result() for tracker in self.head_loss_trackers.values()}
        )
        for head, metrics in self.head_metrics.items():
            for metric in metrics:
                logs[self.objectives.log_name(head, metric.name)] = metric.result()
        return logs

    def reset(self):
        for metric in self.metrics:
            metric.reset_state()


class BatchLoss(NamedTuple):
    """One replica's losses on its part of a batch, for the trackers."""

    total: object  # the total loss (weighted heads and regularisation), mean over its tickets
    heads: dict  # head -> its loss, mean over its tickets
    share: object  # its tickets / the global batch's tickets (1 without a strategy)


def _share_of_global_batch(predictions, replicas):
    if replicas == 1:
        return 1.0
    local = ops.cast(ops.shape(predictions)[0], "float32")
    return ops.divide_no_nan(
        local, tf.distribute.get_replica_context().all_reduce(tf.distribute.ReduceOp.SUM, local)
    )


def replica_count():
    """Replicas of the current ``tf.distribute`` strategy (1 without one)."""
    return tf.distribute.get_strategy().num_replicas_in_sync
