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


@keras.saving.register_keras_serializable(package="ticket_triage")
class MacroF1Score(keras.metrics.Metric):
    """Macro-averaged F1 of integer class labels against predicted probabilities, over every
    batch since the last reset: the score the evaluation report leads with for the department.

    Accuracy rewards a model that always names the largest department; macro-F1 weighs every
    department alike, so checkpoint selection and early stopping on it (``monitor: auto``) keep
    the epoch that serves the small departments too. It accumulates a confusion matrix (a sum:
    under a ``tf.distribute`` strategy the replicas' matrices add up), and averages F1 over the
    classes that occur among the labels or the predictions, as scikit-learn's
    ``f1_score(average="macro")`` over the labels present. Sample weights are ignored.

    Args:
        num_classes: the number of classes.
        name: the metric's name in logs (``department_macro_f1`` once attached to the head).

    Example:
        >>> import numpy as np
        >>> f1 = MacroF1Score(3)
        >>> f1.update_state(np.array([0, 0, 1, 2]), np.eye(3)[[0, 1, 1, 2]])
        >>> round(float(f1.result()), 4)  # F1: 2/3, 2/3, 1
        0.7778
    """

    def __init__(self, num_classes, name="macro_f1", **kwargs):
        super().__init__(name=name, **kwargs)
        self.num_classes = int(num_classes)
        self.confusion = self.add_weight(
            name="confusion", shape=(self.num_classes, self.num_classes), initializer="zeros"
        )

    def update_state(self, y_true, y_pred, sample_weight=None):
        del sample_weight  # counts: every ticket is one ticket
        labels = ops.reshape(ops.cast(y_true, "int32"), (-1,))
        predicted = ops.argmax(ops.reshape(y_pred, (-1, self.num_classes)), axis=-1)
        cells = labels * self.num_classes + ops.cast(predicted, "int32")
        counts = ops.bincount(cells, minlength=self.num_classes * self.num_classes)
        counts = ops.reshape(ops.cast(counts, self.dtype), (self.num_classes, self.num_classes))
        self.confusion.assign_add(counts)

    def result(self):
        true_positives = ops.diagonal(self.confusion)
        actual = ops.sum(self.confusion, axis=1)
        predicted = ops.sum(self.confusion, axis=0)
        f1 = ops.divide_no_nan(2 * true_positives, actual + predicted)
        present = ops.cast((actual + predicted) > 0, self.dtype)
        return ops.divide_no_nan(ops.sum(f1 * present), ops.sum(present))

    def reset_state(self):
        self.confusion.assign(ops.zeros_like(self.confusion))

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes}
