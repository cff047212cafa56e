"""Summing the repeated rows of a ``tf.IndexedSlices`` gradient."""

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
    values = tf.math.unsorted_segment_sum(gradient.values, position, tf.size(rows))
    return tf.IndexedSlices(values, rows, gradient.dense_shape)
