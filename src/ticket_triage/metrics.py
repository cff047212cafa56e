"""The chapter's custom metric (7.3.1): root mean squared error, written from ``Metric``'s parts.

``add_weight`` creates the state, ``update_state`` accumulates a batch, ``result`` reads it,
``reset_state`` clears it between epochs. It agrees with ``keras.metrics.RootMeanSquaredError``.

Example:
    >>> import numpy as np
    >>> rmse = RootMeanSquaredError()
    >>> rmse.update_state(np.array([[0.0], [1.0]]), np.array([[0.0], [0.0]]))
    >>> round(float(rmse.result()), 4)
    0.7071
"""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="ticket_triage")
class RootMeanSquaredError(keras.metrics.Metric):
    """RMSE over every element seen since the last reset, optionally sample-weighted.

    Args:
        name: the metric's name in logs (``priority_rmse`` once attached to the head).
        **kwargs: passed to ``keras.metrics.Metric`` (``dtype``).
    """

    def __init__(self, name="rmse", **kwargs):
        super().__init__(name=name, **kwargs)
        self.squared_error_sum = self.add_weight(
            name="squared_error_sum", shape=(), initializer="zeros"
        )
        self.total_weight = self.add_weight(name="total_weight", shape=(), initializer="zeros")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = ops.reshape(ops.cast(y_pred, self.dtype), (-1,))
        y_true = ops.reshape(ops.cast(y_true, self.dtype), (-1,))
        squared_error = ops.square(y_true - y_pred)
        weight = ops.ones_like(squared_error)
        if sample_weight is not None:  # one weight per sample; priority has one value per sample
            weight = weight * ops.reshape(ops.cast(sample_weight, self.dtype), (-1,))
        self.squared_error_sum.assign_add(ops.sum(squared_error * weight))
        self.total_weight.assign_add(ops.sum(weight))

    def result(self):
        return ops.sqrt(ops.divide_no_nan(self.squared_error_sum, self.total_weight))

    def reset_state(self):
        self.squared_error_sum.assign(0.0)
        self.total_weight.assign(0.0)
