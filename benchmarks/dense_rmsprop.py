"""Keras's RMSprop given the summed dense gradient: the whole kernel updated every step.

The ``default-fit-dense-rmsprop`` row of ``train_throughput.py`` trains with it
(``optimizer._target_=benchmarks.dense_rmsprop.DenseRMSprop``), to price ``SparseRMSprop``'s
row-wise update against a dense one on the same sparse inputs.
"""

import keras
import tensorflow as tf


class DenseRMSprop(keras.optimizers.RMSprop):
    def update_step(self, gradient, variable, learning_rate):
        if isinstance(gradient, tf.IndexedSlices):
            gradient = tf.convert_to_tensor(gradient)
        super().update_step(gradient, variable, learning_rate)
