"""Workers of a multi-worker training stop together, at the same batch.

A SIGTERM reaches each worker at its own moment. Were each to stop after its own current batch,
one would stop at batch k and another wait at batch k + 1 for a collective operation that never
comes, and their backups would disagree about where training stands. So under
``MultiWorkerMirroredStrategy`` the workers decide together, at each backup point (every
``trainer.backup.every_n_batches`` batches and each epoch end), with one all-reduce of their stop
requests: all of them stop there, backed up at the same position, if any of them was asked to.
"""

import signal

import tensorflow as tf


def is_multi_worker(strategy):
    return isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy)


def agreed_stop(strategy, requested):
    """The signal all workers stop on (``requested`` here or elsewhere), or ``None``.

    Every worker must call it at the same point, since it is a collective operation.
    """
    if not int(_requests(strategy, tf.constant(int(requested or 0)))):
        return None
    return requested or signal.SIGTERM


def wait_for_all(strategy):
    """Return once every worker got here: the chief exports and logs after training, and a
    worker that left before it would be reported dead by TensorFlow's coordination service."""
    if is_multi_worker(strategy):
        _requests(strategy, tf.constant(0))


@tf.function  # run eagerly, the collective strategy warns of its overhead at every call
def _requests(strategy, requested):
    asked = strategy.run(lambda: tf.identity(requested))
    return strategy.reduce(tf.distribute.ReduceOp.SUM, asked, axis=None)
