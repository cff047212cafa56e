"""The trunk's first layer: a ``Dense`` layer whose cost follows the tokens a batch holds.

A ticket's multi-hot (or TF-IDF) vector has a few dozen non-zero columns out of about 20,000 at
the chapter's vocabulary caps. ``Dense`` multiplies the whole vector: every column of every
ticket, forward and backward, and its kernel's gradient is a dense ``(columns, units)`` matrix
that the optimizer then updates in full. Given a ``tf.SparseTensor`` instead, ``TokenDense``
reads only the kernel rows of the columns present in the batch:

    x @ kernel  ==  x[:, present] @ kernel[present]

So the layer computes the same function with the same weights (a ``Dense`` layer's), and its
kernel's gradient is a ``tf.IndexedSlices`` over the present columns, which the optimizer
applies to those rows only (``ticket_triage.optimizers``). Given a dense tensor it is ``Dense``.

Where the compiled kernels of ``ticket_triage.kernels`` load, training and inference alike take
the distinct columns present, gather their kernel rows once, and weigh and sum each ticket's
rows in one pass (one multiply-add of a row per token). The gradient for the gathered rows has
one row per distinct column, so the optimizer has no repeated rows to sum; an explanation gets
the gradient for each token's value too. Where they do not load, TensorFlow ops compute the same
product, one way per use:

- Training: ``x[:, present]`` (a small dense matrix, about 5% non-zero at batch 64) times the
  gathered rows: at 20,000 columns a training step took about a third longer that way.
- Inference: each ticket's token rows, weighted by its values, summed per ticket (a gather and
  a segment sum), so that memory follows the tokens present at any batch size (``predict``
  scores 1,024 tickets per call); 4x slower than the kernels on the default model.

A saved model holds weights and config only, so it loads and answers anywhere, with or without
the kernels.

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

from ticket_triage import kernels


@keras.saving.register_keras_serializable(package="ticket_triage")
class TokenDense(layers.Dense):
    """``keras.layers.Dense`` that reads a ``tf.SparseTensor`` input row by present column.

    Takes the arguments of ``keras.layers.Dense``; its weights, config and dense behaviour are
    that layer's, so a trained ``Dense`` kernel loads into it and back.
    """

    def call(self, inputs, training=None):
        if not isinstance(inputs, tf.SparseTensor):
            return super().call(inputs, training=training)
        compiled = kernels.compiled() if self.kernel.dtype == "float32" else None
        if compiled is not None:
            outputs = self._kernel_rows_sum(inputs, compiled)
        elif training:
            outputs = self._present_columns_matmul(inputs)
        else:
            outputs = self._token_rows_sum(inputs)
        if self.bias is not None:
            outputs = outputs + self.bias
        return self.activation(outputs) if self.activation is not None else outputs

    def _kernel_rows_sum(self, inputs, compiled):
        """``inputs @ kernel`` from the kernel rows of the distinct columns present, gathered
        once (so that their gradient has no repeated rows), by the compiled kernels."""
        columns, position = compiled.present_columns(inputs.indices, inputs.dense_shape)
        rows = tf.gather(_resource(self.kernel), columns)  # gradient: IndexedSlices, no repeats
        values = tf.cast(inputs.values, rows.dtype)
        return compiled.token_rows_sum(rows, inputs.indices, position, values, inputs.dense_shape)

    def _present_columns_matmul(self, inputs):
        """``inputs @ kernel`` as ``(batch, distinct columns) @ (distinct columns, units)``."""
        columns, position = tf.unique(inputs.indices[:, 1])
        rows = tf.gather(_resource(self.kernel), columns)  # gradient: IndexedSlices, no repeats
        present = tf.SparseTensor(
            tf.stack([inputs.indices[:, 0], tf.cast(position, tf.int64)], axis=1),
            tf.cast(inputs.values, rows.dtype),
            tf.stack([inputs.dense_shape[0], tf.size(columns, out_type=tf.int64)]),
        )  # entries in any order: each (ticket, column) once, so no check of their order
        return tf.matmul(tf.sparse.to_dense(present, validate_indices=False), rows)

    def _token_rows_sum(self, inputs):
        """``inputs @ kernel`` as each ticket's kernel rows, weighted by its values, summed.

        The entries may come in any order (``TokenConcatenate`` leaves them grouped by input).
        """
        rows = tf.gather(_resource(self.kernel), inputs.indices[:, 1])
        rows = rows * tf.cast(inputs.values, rows.dtype)[:, None]
        return tf.math.unsorted_segment_sum(rows, inputs.indices[:, 0], inputs.dense_shape[0])


def _resource(variable):
    """The ``tf.Variable`` behind a Keras variable: gathering from it reads only those rows."""
    return variable.value if isinstance(variable, keras.Variable) else variable
