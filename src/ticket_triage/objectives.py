"""What training optimises and reports, per head, shared by every loop mode.

One definition of losses and metrics keeps the four loops comparable: ``fit`` gets them through
``compile``; the hand-written loops and the ``train_step`` model compute them with
``MetricSet``, which names its logs exactly as ``fit`` does (``loss``, ``priority_loss``,
``priority_rmse``, ``department_accuracy``, and ``val_`` versions).

Example:
    >>> objectives = Objectives(["priority", "department"])
    >>> sorted(objectives.losses())
    ['department', 'priority']
"""

import keras
from keras import ops

from ticket_triage.data.schema import HEAD_DEPARTMENT as DEPARTMENT
from ticket_triage.data.schema import HEAD_PRIORITY as PRIORITY
from ticket_triage.errors import unknown_choice
from ticket_triage.metrics import RootMeanSquaredError

OPTIMIZERS = {
    "rmsprop": keras.optimizers.RMSprop,
    "adam": keras.optimizers.Adam,
    "sgd": keras.optimizers.SGD,
}


def make_optimizer(optimizer_cfg):
    """``optimizer=rmsprop|adam|sgd`` with its ``learning_rate``."""
    if optimizer_cfg.name not in OPTIMIZERS:
        raise unknown_choice("optimizer.name", optimizer_cfg.name, OPTIMIZERS)
    return OPTIMIZERS[optimizer_cfg.name](learning_rate=optimizer_cfg.learning_rate)


class Objectives:
    """Losses and metrics of a model's heads.

    Args:
        heads: the model's head names, e.g. ``["priority", "department"]``.
        named_outputs: whether the model returns a dict (all but the Sequential model).
            Metric names carry the head's name only when there are several heads, as in
            ``fit`` (a priority-only model logs ``val_rmse``, not ``val_priority_rmse``).
        loss_weights: head -> weight of its loss in the total (missing heads weigh 1).
    """

    def __init__(self, heads, named_outputs=True, loss_weights=None):
        self.heads = list(heads)
        self.named_outputs = named_outputs
        self.loss_weights = {head: float((loss_weights or {}).get(head, 1.0)) for head in heads}

    def losses(self):
        """Head -> loss: MSE for the priority score, cross-entropy over department ids."""
        table = {
            PRIORITY: keras.losses.MeanSquaredError,
            DEPARTMENT: keras.losses.SparseCategoricalCrossentropy,
        }
        return {head: table[head]() for head in self.heads}

    def metrics(self):
        """Head -> metrics: the custom RMSE and MAE for priority, accuracy for department."""
        table = {
            PRIORITY: lambda: [
                RootMeanSquaredError(name="rmse"),
                keras.metrics.MeanAbsoluteError(name="mae"),
            ],
            DEPARTMENT: lambda: [keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
        }
        return {head: table[head]() for head in self.heads}

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
        """Total loss (head losses times their loss weights, plus regularisation) and each
        head's loss; ``sample_weights`` (per head, as the targets) weigh tickets as ``fit`` does:
        ``sum(weight * loss) / batch size``."""
        targets = self.objectives.as_dict(targets)
        predictions = self.objectives.as_dict(predictions)
        weights = self.objectives.as_dict(sample_weights) if sample_weights is not None else {}
        head_losses = {
            head: self.loss_functions[head](
                targets[head], predictions[head], sample_weight=weights.get(head)
            )
            for head in self.objectives.heads
        }
        total = sum(self.objectives.loss_weights[head] * loss for head, loss in head_losses.items())
        if extra_losses:
            total = total + ops.sum(extra_losses)
        return total, head_losses

    def update(self, targets, predictions, total_loss, head_losses):
        targets = self.objectives.as_dict(targets)
        predictions = self.objectives.as_dict(predictions)
        batch_size = ops.shape(predictions[self.objectives.heads[0]])[0]
        self.loss_tracker.update_state(total_loss, sample_weight=batch_size)
        # fit() averages the per-head losses per batch, not per sample (Keras 3 weights them by
        # the static batch size, unknown inside its compiled step); we report them the same way.
        for head, tracker in self.head_loss_trackers.items():
            tracker.update_state(head_losses[head])
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
