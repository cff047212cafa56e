"""The trunk's first layer: a ``Dense`` layer whose cost follows the tokens a batch holds.

A ticket's multi-hot (or TF-IDF) vector has a few dozen non-zero columns out of about 20,000 at
the chapter's vocabulary caps. ``Dense`` multiplies the whole vector: every column of every
ticket, forward and backward, and its kernel's gradient is a dense ``(columns, units)`` matrix
that the optimizer then updates in full. Given a ``tf.SparseTensor`` instead, ``TokenDense``
gathers only the kernel rows of the tokens in the batch and sums them per ticket, weighted by
the vector's values:

    x @ kernel  ==  for each ticket: sum over its tokens t of  x[t] * kernel[t]

So the layer computes the same function with the same weights (a ``Dense`` layer's), and its
kernel's gradient is a ``tf.IndexedSlices`` over the batch's tokens, which the optimizer applies
to those rows only (``ticket_triage.optimizers``). Given a dense tensor it is ``Dense``.

Example:
    >>> layer = TokenDense(2, use_bias=False)
    >>> dense = tf.constant([[0.0, 1.0, 2.0]])
    >>> bool(np.allclose(layer(dense), layer(tf.sparse.from_dense(dense))))
    True
"""

import keras
import numpy as np  # noqa: F401  (the example)
import tensorflow as tf
from keras import layers


@keras.saving.register_keras_serializable(package="ticket_triage")
class TokenDense(layers.Dense):
    """``keras.layers.Dense`` that reads a ``tf.SparseTensor`` input row by present column.

    Takes the arguments of ``keras.layers.Dense``; its weights, config and dense behaviour are
    that layer's, so a trained ``Dense`` kernel loads into it and back.
    """

    def call(self, inputs, training=None):
        if not isinstance(inputs, tf.SparseTensor):
            return super().call(inputs, training=training)
        outputs = self._sparse_matmul(inputs)
        if self.bias is not None:
            outputs = outputs + self.bias
        return self.activation(outputs) if self.activation is not None else outputs

    def _sparse_matmul(self, inputs):
        """``inputs @ kernel`` touching only the kernel rows of the columns present.

        The rows of each ticket's columns, weighted by its values, summed per ticket: a gather
        and a segment sum, in any order of the entries (``TokenConcatenate`` leaves them grouped
        by input). A column present in several tickets is gathered once per ticket, so its
        gradient rows repeat; the optimizers sum them.
        """
        rows = tf.gather(_resource(self.kernel), inputs.indices[:, 1])  # gradient: IndexedSlices
        rows = rows * tf.cast(inputs.values, rows.dtype)[:, None]
        return tf.math.unsorted_segment_sum(rows, inputs.indices[:, 0], inputs.dense_shape[0])


def _resource(variable):
    """The ``tf.Variable`` behind a Keras variable: gathering from it reads only those rows."""
    return variable.value if isinstance(variable, keras.Variable) else variable
