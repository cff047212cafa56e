"""Adam that applies a sparse gradient as the dense gradient it stands for.

Dense Adam moves every row each step, touched or not (its first moment carries past gradients),
so an update of the touched rows only would be a different optimizer (TensorFlow 1's
``LazyAdam``). ``SummedAdam`` keeps Adam: a ``tf.IndexedSlices`` gradient is summed into a dense
tensor first (repeated rows added, which Keras's own sparse path does not do), then Keras's
update runs over the whole variable. What that costs at the chapter's vocabulary caps is in the
README (``benchmarks/train_throughput.py``, rows ``default-fit`` and ``default-fit-adam``).
"""

import keras
import tensorflow as tf

from ticket_triage.optimizers.rows import dense_across_replicas


@keras.saving.register_keras_serializable(package="ticket_triage")
class SummedAdam(keras.optimizers.Adam):
    """``keras.optimizers.Adam`` that densifies ``tf.IndexedSlices`` gradients first.

    Args: those of ``keras.optimizers.Adam``.
    """

    def apply(self, grads, trainable_variables=None):
        return super().apply(dense_across_replicas(grads), trainable_variables)

    def update_step(self, gradient, variable, learning_rate):
        if isinstance(gradient, tf.IndexedSlices):
            gradient = tf.convert_to_tensor(gradient)  # sums repeated rows
        super().update_step(gradient, variable, learning_rate)
