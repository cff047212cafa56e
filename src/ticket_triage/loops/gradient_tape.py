"""``loop=eager`` and ``loop=graph``: the chapter's hand-written training loop (7.4.3, 7.4.4).

Each step runs the model with ``training=True`` under a ``GradientTape``, takes the gradient after
the tape block (``tape.gradient``), and applies it with ``optimizer.apply(grads, weights)``. Loss
trackers (``keras.metrics.Mean``) and head metrics are reset at the start of every epoch; the
evaluation step runs the model with ``training=False``. ``graph`` wraps the same two step
functions in ``tf.function``, and runs ``loop.steps_per_execution`` training steps per call (a
``tf.while_loop``), handing every step's logs back so that callbacks see each batch, as in
``eager``; backups and stops happen at the end of a call.

A resumed run (``plan``, see ``resume``) starts at the backup's epoch and batch: the data skips
the consumed batches, and the callback list restores the state before the first step.

The callbacks are driven by hand, in the order ``fit()`` uses, so checkpointing, early stopping
(``model.stop_training``), learning-rate reduction (``model.optimizer``), CSV logging,
TensorBoard and the progress bar behave as they do under ``fit()``.

Under a ``tf.distribute`` strategy (``distribution``: the model was built in its scope), each
step runs on every replica with ``strategy.run`` on its share of the global batch, which
``experimental_distribute_dataset`` splits; the optimizer sums the replicas' gradients, and the
metrics are read across replicas. Without one, TensorFlow's default strategy makes both calls
plain function calls.
"""

import tensorflow as tf

from ticket_triage.loops.execution import requested_steps
from ticket_triage.objectives import MetricSet
from ticket_triage.resume.callback_list import BackedUpCallbackList, TrainingState
from ticket_triage.resume.position import Position


def train_with_eager_loop(
    model, data, objectives, optimizer, callbacks, epochs, plan=None, *, verbose
):
    """The GradientTape loop, executed eagerly, op by op (one step per call)."""
    return _train(model, data, objectives, optimizer, callbacks, epochs, plan, verbose, None)


def train_with_graph_loop(
    model,
    data,
    objectives,
    optimizer,
    callbacks,
    epochs,
    plan=None,
    *,
    verbose,
    steps_per_execution,
):
    """The same loop with ``tf.function``-compiled steps, ``steps_per_execution`` per call."""
    steps = requested_steps(steps_per_execution)
    return _train(model, data, objectives, optimizer, callbacks, epochs, plan, verbose, steps)


def _train(model, data, objectives, optimizer, callbacks, epochs, plan, verbose, graph_steps):
    """The loop; ``graph_steps``: training steps per ``tf.function`` call, ``None`` eagerly."""
    strategy = model.distribute_strategy
    model.compile(optimizer=optimizer)  # no loss: it only attaches the optimizer for callbacks
    with strategy.scope():
        train_metrics, val_metrics = MetricSet(objectives), MetricSet(objectives)

    def replica_train_step(inputs, targets, sample_weights):
        with tf.GradientTape() as tape:
            predictions = model(inputs, training=True)
            loss, batch = train_metrics.loss(targets, predictions, model.losses, sample_weights)
        gradients = tape.gradient(loss, model.trainable_weights)
        model.optimizer.apply(gradients, model.trainable_weights)
        train_metrics.update(targets, predictions, batch)

    def replica_test_step(inputs, targets):
        predictions = model(inputs, training=False)
        _, batch = val_metrics.loss(targets, predictions, model.losses)
        val_metrics.update(targets, predictions, batch)

    def train_steps(batches, count):
        """``count`` steps on the next batches; the metrics after each, stacked per name."""
        names = list(train_metrics.result())
        logs = {name: tf.TensorArray(tf.float32, size=count) for name in names}
        for step in tf.range(count):
            strategy.run(replica_train_step, args=next(batches))
            result = train_metrics.result()
            logs = {
                name: logs[name].write(step, tf.cast(result[name], "float32")) for name in names
            }
        return {name: log.stack() for name, log in logs.items()}

    def test_step(batch):
        strategy.run(replica_test_step, args=batch)
        return val_metrics.result()

    per_call = graph_steps or 1  # the chapter's eager loop: one
    if graph_steps:
        train_steps = tf.function(train_steps, reduce_retracing=True)
        test_step = tf.function(test_step, reduce_retracing=True)
        model.train_function = train_steps  # lets TensorBoard write the traced training graph

    state = TrainingState(
        model,
        optimizer,
        metric_variables=lambda: [v for m in train_metrics.metrics for v in m.variables],
        build=lambda: optimizer.built or optimizer.build(model.trainable_variables),
    )
    callback_list = BackedUpCallbackList(
        callbacks, state, plan, epochs, data.steps("train"), verbose
    )
    start = plan.start if plan else Position()
    batches = iter(
        strategy.experimental_distribute_dataset(
            data.dataset(
                "train",
                objectives.heads,
                epochs,
                objectives.named_outputs,
                weighted=True,
                start=start,
            )
        )
    )
    val_data = strategy.experimental_distribute_dataset(
        data.dataset("val", objectives.heads, named_targets=objectives.named_outputs)
    )
    model.stop_training = False
    callback_list.on_train_begin()  # on resume: weights, optimizer, callbacks come back here
    epoch_logs = {}
    for epoch in start.remaining_epochs(epochs):
        train_metrics.reset()
        callback_list.on_epoch_begin(epoch)  # ...and the partly done epoch's running metrics
        step = start.first_batch(epoch)
        while step < data.steps("train"):
            count = min(per_call, data.steps("train") - step)
            callback_list.on_train_batch_begin(step)
            logs = train_steps(batches, tf.constant(count))
            logs = {name: values.numpy().tolist() for name, values in logs.items()}
            logs = [{name: values[i] for name, values in logs.items()} for i in range(count)]
            callback_list.on_train_batches_end(step, logs)
            step += count
            if model.stop_training:
                break
        epoch_logs = _floats(train_metrics.result())
        epoch_logs.update(
            {
                f"val_{name}": value
                for name, value in _evaluate(
                    val_data, test_step, val_metrics, callback_list
                ).items()
            }
        )
        callback_list.on_epoch_end(epoch, epoch_logs)
        if model.stop_training:
            break
    callback_list.on_train_end(epoch_logs)
    return callback_list.history


def _evaluate(val_data, test_step, val_metrics, callback_list):
    """One pass over the validation data with metrics reset first, as ``fit()`` does."""
    val_metrics.reset()
    callback_list.on_test_begin()
    for step, batch in enumerate(val_data):
        callback_list.on_test_batch_begin(step)
        logs = test_step(batch)
        callback_list.on_test_batch_end(step, logs)
    logs = _floats(val_metrics.result())
    callback_list.on_test_end(logs)
    return logs


def _floats(logs):
    return {name: float(value) for name, value in logs.items()}
