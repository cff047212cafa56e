"""RMSprop that, given a sparse gradient, updates only the rows it touches, exactly as RMSprop.

Dense RMSprop, for a row with a zero gradient, leaves the weights as they are and decays the
row's mean square: ``v <- rho * v``. So a row untouched for ``k`` steps only needs
``v <- rho**k * v`` when it is next touched. ``SparseRMSprop`` keeps, per row, the step that last
updated it, and applies that catch-up on the rows of each sparse gradient: the weights follow
dense RMSprop's exactly (to float rounding), at a cost that follows the rows touched rather than
the vocabulary. Where ``make setup`` built it, one compiled op does that row update in a single
pass (``ticket_triage.kernels``); otherwise TensorFlow ops do. Dense gradients take Keras's own
update (after the same catch-up, if any row is behind). With ``momentum`` or ``centered`` an
untouched row does move, so sparse gradients are then summed and applied densely.

Example:
    >>> optimizer = SparseRMSprop(learning_rate=1e-3)                       # doctest: +SKIP
    >>> model.compile(optimizer=optimizer, ...)                             # doctest: +SKIP
"""

import keras
import tensorflow as tf

from ticket_triage import kernels
from ticket_triage.optimizers.rows import dense_across_replicas, sum_repeated_rows


@keras.saving.register_keras_serializable(package="ticket_triage")
class SparseRMSprop(keras.optimizers.RMSprop):
    """``keras.optimizers.RMSprop`` with exact row-wise updates for ``tf.IndexedSlices``.

    Args: those of ``keras.optimizers.RMSprop``.
    """

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._last_steps = [  # the step that last brought each row's mean square up to date
            self.add_variable((variable.shape[0],), "zeros", "int64", name="last_step")
            if len(variable.shape)
            else None
            for variable in var_list
        ]

    def apply(self, grads, trainable_variables=None):
        return super().apply(dense_across_replicas(grads), trainable_variables)

    def update_step(self, gradient, variable, learning_rate):
        index = self._get_variable_index(variable)
        last_steps = self._last_steps[index]
        if last_steps is None or self.momentum > 0 or self.centered:
            return super().update_step(_dense(gradient), variable, learning_rate)
        step = self.iterations + 1  # iterations counts the steps already applied
        if not isinstance(gradient, tf.IndexedSlices):
            self._catch_up(index, step)
            super().update_step(gradient, variable, learning_rate)
            last_steps.assign(tf.fill(last_steps.shape, step))
            return
        values = tf.cast(gradient.values, variable.dtype)
        lr = tf.cast(learning_rate, variable.dtype)
        rows = tf.IndexedSlices(values, gradient.indices, gradient.dense_shape)
        compiled = kernels.compiled() is not None and variable.dtype == "float32"
        (self._update_rows_compiled if compiled else self._update_rows)(variable, rows, lr, step)

    def _update_rows_compiled(self, variable, gradient, lr, step):
        """The row update below, as one pass of the compiled op (repeated rows summed there)."""
        index = self._get_variable_index(variable)
        kernels.compiled().rmsprop_rows(
            variable.handle,  # Keras's TensorFlow variables expose their tf.Variable's
            self._velocities[index].handle,
            self._last_steps[index].handle,
            gradient.values,
            tf.cast(gradient.indices, "int64"),
            step,
            lr,
            self.rho,
            self.epsilon,
        )

    def _update_rows(self, variable, gradient, lr, step):
        """RMSprop on the rows of ``gradient`` only, after their catch-up decay."""
        index = self._get_variable_index(variable)
        velocity, last_steps = self._velocities[index], self._last_steps[index]
        gradient = sum_repeated_rows(gradient)
        rows = gradient.indices
        behind = tf.cast(step - tf.gather(last_steps.value, rows), variable.dtype)
        mean_square = _expand(self.rho**behind, gradient.values) * tf.gather(
            velocity.value, rows
        ) + (1 - self.rho) * tf.square(gradient.values)
        self.assign(velocity, tf.IndexedSlices(mean_square, rows))
        self.assign(last_steps, tf.IndexedSlices(tf.fill(tf.shape(rows), step), rows))
        increment = lr * gradient.values / tf.sqrt(mean_square + self.epsilon)
        # Rows are distinct: reading them, subtracting and writing them back costs about half
        # of TensorFlow's scatter-subtract (which subtracts row by row), with the same result.
        weights = tf.gather(variable, rows) - increment  # a tf.Variable here: a sparse read
        self.assign(variable, tf.IndexedSlices(weights, rows))

    def _catch_up(self, index, step):
        """Decay the mean squares of rows left behind by sparse steps, before a dense step."""
        velocity, last_steps = self._velocities[index], self._last_steps[index]
        behind = (step - 1) - last_steps.value

        def decay():
            factor = self.rho ** tf.cast(behind, velocity.dtype)
            self.assign(velocity, velocity * _expand(factor, velocity))
            return tf.constant(True)

        tf.cond(tf.reduce_any(behind > 0), decay, lambda: tf.constant(False))


def _expand(per_row, like):
    """Per-row factors shaped to broadcast over the rows of ``like``."""
    return tf.reshape(per_row, [-1] + [1] * (len(like.shape) - 1))


def _dense(gradient):
    """A sparse gradient as the dense tensor it stands for (repeated rows summed)."""
    return tf.convert_to_tensor(gradient) if isinstance(gradient, tf.IndexedSlices) else gradient
