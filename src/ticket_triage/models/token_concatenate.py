"""The merge before the trunk: ``Concatenate`` without sorting a batch's tokens.

``keras.layers.Concatenate`` given ``tf.SparseTensor`` inputs runs ``tf.sparse.concat``, which
puts the merged entries back in row-major order: a sort of every token of the batch, on every
step, that cost more than the whole first layer (1.2 ms of a 3 ms forward pass at batch 64 and
20,000 columns). The only consumer of the merged vector, ``TokenDense``, sums each ticket's
rows whatever their order, so ``TokenConcatenate`` shifts each input's column indices past the
inputs before it and appends the entries as they are:

    title  (cols 0..T)   +   text_body (cols 0..B)   ->   cols 0..T, then T..T+B

The result is the same sparse vector (same columns, same values; ``tf.sparse.reorder`` gives the
canonical one), grouped by input rather than by ticket. Dense inputs take ``Concatenate`` itself.

Example:
    >>> title = tf.sparse.from_dense([[1.0, 0.0], [0.0, 2.0]])
    >>> body = tf.sparse.from_dense([[0.0, 3.0, 0.0], [4.0, 0.0, 0.0]])
    >>> merged = TokenConcatenate()([title, body])
    >>> tf.sparse.to_dense(tf.sparse.reorder(merged)).numpy().tolist()
    [[1.0, 0.0, 0.0, 3.0, 0.0], [0.0, 2.0, 4.0, 0.0, 0.0]]
"""

import keras
import tensorflow as tf
from keras import layers


@keras.saving.register_keras_serializable(package="ticket_triage")
class TokenConcatenate(layers.Concatenate):
    """``keras.layers.Concatenate`` that merges 2-D ``tf.SparseTensor`` inputs without a sort.

    Takes the arguments of ``keras.layers.Concatenate``. Feed its sparse output to a layer that
    does not need row-major order (``TokenDense``), or ``tf.sparse.reorder`` it first.
    """

    def call(self, inputs):
        columns = self.axis in (-1, 1)
        if columns and all(isinstance(x, tf.SparseTensor) and x.shape.rank == 2 for x in inputs):
            return _append_columns(inputs)
        return super().call(inputs)


def _append_columns(parts):
    """The entries of ``parts`` side by side: each part's columns shifted past the ones before."""
    widths = tf.stack([part.dense_shape[1] for part in parts])
    offsets = tf.cumsum(widths, exclusive=True)
    dtype = parts[0].values.dtype
    indices = tf.concat(
        [part.indices + tf.stack([0, offsets[i]]) for i, part in enumerate(parts)], axis=0
    )
    values = tf.concat([tf.cast(part.values, dtype) for part in parts], axis=0)
    return tf.SparseTensor(
        indices, values, tf.stack([parts[0].dense_shape[0], tf.reduce_sum(widths)])
    )
