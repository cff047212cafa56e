"""Summing the repeated rows of a ``tf.IndexedSlices`` gradient, and where it must be dense."""

import tensorflow as tf


def sum_repeated_rows(gradient):
    """``gradient`` with each row index once, its values summed: the same dense gradient.

    Example:
        >>> slices = tf.IndexedSlices(tf.ones((3, 2)), tf.constant([4, 1, 4]), (5, 2))
        >>> summed = sum_repeated_rows(slices)
        >>> summed.indices.numpy().tolist(), summed.values.numpy().tolist()
        ([4, 1], [[2.0, 2.0], [1.0, 1.0]])
    """
    rows, position = tf.unique(gradient.indices)
    values = tf.cond(  # TokenDense's training gradient has no repeats: nothing to sum
        tf.size(rows) < tf.size(gradient.indices),
        lambda: tf.math.unsorted_segment_sum(gradient.values, position, tf.size(rows)),
        lambda: gradient.values,
    )
    return tf.IndexedSlices(values, rows, gradient.dense_shape)


def dense_across_replicas(gradients):
    """``gradients`` with ``tf.IndexedSlices`` made dense when several replicas will sum them.

    Replicas hold different numbers of rows, and the collective all-reduce that sums their
    gradients needs equal shapes (``Shape mismatch in the collective instance``); one replica
    passes them through unchanged.
    """
    if tf.distribute.get_strategy().num_replicas_in_sync == 1:
        return gradients
    return [
        tf.convert_to_tensor(gradient) if isinstance(gradient, tf.IndexedSlices) else gradient
        for gradient in gradients
    ]
