"""``fit()`` under a ``tf.distribute`` strategy: exact logs, and multi-worker on Keras 3.15.

Three things in Keras's TensorFlow trainer (``keras/src/backend/tensorflow/trainer.py``) are worked
around here, on one model instance, from this side (no installed file is changed):

* **Logs are averages of per-replica metrics.** Each step's logs are read on every replica (its
  own share of the running metrics) and then averaged over replicas: the mean of two replicas'
  RMSEs is not the RMSE of the global batch, and when the last, partial batch leaves a replica
  empty the average is off. Here the logs are read once across replicas (``merge_call``), where
  a metric's variables are summed over replicas: the logs of one device on the global batch.
* **The first batch is averaged across replicas** by ``_maybe_symbolic_build``, before the first
  step of ``fit`` and of each validation, only to read its shapes. Replicas holding different
  numbers of tickets cannot be averaged (``MirroredStrategy``: ``Inputs to operation AddN of
  type AddN must have the same size and shape``, when the validation split is smaller than a
  batch), and ``MultiWorkerMirroredStrategy`` refuses to reduce a structure at all
  (keras-team/keras#20585: ``ValueError: Attempt to convert a value (PerReplica:{ 0:
  <tf.Tensor: ...``). Here the shapes come from this worker's first replica batch.
* **MultiWorkerMirroredStrategy fails after every step** too (keras#20585): the (scalar) logs
  are averaged along axis 0 (``Invalid reduction dimension 0 for input with 0 dimensions``);
  here they get a leading axis of length 1. ``steps_per_execution`` above 1 still fails under
  that strategy.

Without a strategy (one replica) the model is left as it is.

Example:
    >>> with strategy.scope():  # doctest: +SKIP
    ...     model = build(cfg.model, spec=spec)
    >>> adapt_fit(model)  # doctest: +SKIP
    >>> model.fit(dataset)  # doctest: +SKIP
"""

import types

import tensorflow as tf
from keras import tree


def adapt_fit(model):
    """Make ``model.fit`` and ``model.evaluate`` log exactly, and run on several workers."""
    strategy = model.distribute_strategy
    if strategy.num_replicas_in_sync == 1:
        return model
    multi_worker = isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy)
    model._maybe_symbolic_build = types.MethodType(_build_from_local_batch, model)
    model.train_step = _global_logs(model, model.train_step, multi_worker)
    model.test_step = _global_logs(model, model.test_step, multi_worker)
    return model


def _global_logs(model, step, multi_worker):
    def run(data):
        step(data)
        read = getattr(model, "metrics_logs", model.get_metrics_result)  # TrainStepModel's own
        logs = tf.distribute.get_replica_context().merge_call(lambda _: _tensors(read()))
        return _with_replica_axis(logs) if multi_worker else logs

    return run


def _tensors(logs):
    return {name: tf.convert_to_tensor(value) for name, value in logs.items()}


def _build_from_local_batch(model, iterator=None, data_batch=None):
    strategy = model.distribute_strategy
    if iterator is not None:
        for _, _, batches in iterator:
            data_batch = tree.map_structure(
                lambda value: _first_local(strategy, value), next(batches)
            )
            break
    with strategy.scope():
        model._symbolic_build(data_batch=data_batch)


def _first_local(strategy, value):
    if isinstance(value, tf.distribute.DistributedValues):
        return strategy.experimental_local_results(value)[0]
    return value


def _with_replica_axis(logs):
    return tree.map_structure(
        lambda value: tf.reshape(value, [1]) if value.shape.rank == 0 else value, logs
    )
