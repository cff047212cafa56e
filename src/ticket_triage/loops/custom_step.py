"""``loop=train_step``: ``fit()`` with an overridden ``train_step`` and ``test_step`` (7.4.5).

``TrainStepModel`` wraps any ticket model and overrides the two steps, in either of the chapter's
variants (``loop.variant``):

* ``trackers``: the model owns its loss trackers and metrics (a ``MetricSet``) and lists them in
  the ``metrics`` property, so ``fit()`` resets them every epoch;
* ``compiled``: loss and metrics come from ``compile()``; the step calls
  ``self.compute_loss(x=, y=, y_pred=)``, updates the loss tracker with the loss and lets
  ``compute_metrics`` update the compiled metrics (on Keras 3 the old
  compiled-loss and compiled-metrics shims would report a wrong loss).

Saving the wrapper saves the ticket model inside it: the overridden steps are training code, not
part of the model, so a checkpoint of a ``train_step`` run loads like any other ticket model, with
``import ticket_triage.models`` and nothing from ``loops``.
"""

import keras
import tensorflow as tf

from ticket_triage.errors import unknown_choice
from ticket_triage.loops.execution import fit_steps_per_execution
from ticket_triage.loops.fit import fit_compiled
from ticket_triage.objectives import MetricSet, replica_count

VARIANTS = ("trackers", "compiled")


class TrainStepModel(keras.Model):
    """A ticket model trained through its own ``train_step``.

    Args:
        inner: the ticket model (any API).
        objectives: its heads' losses, loss weights and metrics (``Objectives``).
        variant: ``trackers`` or ``compiled`` (see the module docstring).
        **kwargs: passed to ``keras.Model``.
    """

    def __init__(self, inner, objectives, variant="trackers", **kwargs):
        super().__init__(**kwargs)
        if variant not in VARIANTS:
            raise unknown_choice("loop.variant", variant, VARIANTS)
        self.inner = inner
        self.variant = variant
        self.tracked = MetricSet(objectives) if variant == "trackers" else None

    def call(self, inputs, training=None):
        return self.inner(inputs, training=training)

    @property
    def metrics(self):
        return self.tracked.metrics if self.tracked else super().metrics

    def train_step(self, data):
        inputs, targets, sample_weights = keras.utils.unpack_x_y_sample_weight(data)
        with tf.GradientTape() as tape:
            predictions = self(inputs, training=True)
            loss, batch = self._loss(inputs, targets, predictions, sample_weights)
        gradients = tape.gradient(loss, self.trainable_weights)
        self.optimizer.apply(gradients, self.trainable_weights)
        return self._update_metrics(inputs, targets, predictions, loss, batch)

    def test_step(self, data):
        inputs, targets = data
        predictions = self(inputs, training=False)
        loss, batch = self._loss(inputs, targets, predictions)
        return self._update_metrics(inputs, targets, predictions, loss, batch)

    def _loss(self, inputs, targets, predictions, sample_weights=None):
        if self.tracked:
            return self.tracked.loss(targets, predictions, self.losses, sample_weights)
        loss = self.compute_loss(
            x=inputs, y=targets, y_pred=predictions, sample_weight=sample_weights
        )
        return loss, None

    def _update_metrics(self, inputs, targets, predictions, loss, batch):
        if self.tracked:
            self.tracked.update(targets, predictions, batch)
            return self.tracked.result()
        batch_size = tf.shape(tf.nest.flatten(predictions)[0])[0]
        loss_tracker = next(m for m in self.metrics if m.name == "loss")
        # compute_loss divides by the replicas (see MetricSet); the tracker wants the batch's loss
        loss_tracker.update_state(loss * replica_count(), sample_weight=batch_size)
        return self.compute_metrics(inputs, targets, predictions)

    def metrics_logs(self):
        """The logs of the running metrics (read across replicas by ``distributed_fit``)."""
        return self.tracked.result() if self.tracked else self.get_metrics_result()

    def save(self, filepath, overwrite=True, **kwargs):
        """Save the ticket model being trained (what ``ModelCheckpoint`` calls)."""
        self.inner.save(filepath, overwrite=overwrite, **kwargs)


def train_with_train_step(
    model,
    data,
    objectives,
    optimizer,
    callbacks,
    epochs,
    plan=None,
    *,
    variant,
    verbose,
    steps_per_execution,
):
    """Wrap ``model`` in ``TrainStepModel`` and ``fit`` it."""
    strategy = model.distribute_strategy
    with strategy.scope():  # the wrapper's metrics, and its strategy
        wrapper = TrainStepModel(
            model, objectives, variant=variant, name=f"train_step_{model.name}"
        )
        compile_args = objectives.compile_args() if variant == "compiled" else {}
        wrapper.compile(
            optimizer=optimizer,
            steps_per_execution=fit_steps_per_execution(
                steps_per_execution, data.steps("train"), strategy.num_replicas_in_sync > 1
            ),
            **compile_args,
        )
    return fit_compiled(wrapper, data, objectives, callbacks, epochs, verbose, plan)
