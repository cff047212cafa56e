"""The department head's calibration, as the serving model's last layer.

``train`` fits a temperature on the validation split (``trust.calibration``); this layer applies
it, ``softmax(log(p) / T)``, so everything that serves the model (bulk ``predict``, ``mlflow
models serve``, the logged Keras model) answers with the calibrated probabilities without
knowing about calibration. ``T = 1`` changes nothing.

Example:
    >>> layer = Temperature(2.0)
    >>> np.round(keras.ops.convert_to_numpy(layer(np.array([[0.9, 0.1]]))), 3).tolist()
    [[0.75, 0.25]]
"""

import keras
import numpy as np  # noqa: F401  (the example)

from ticket_triage.trust.calibration import TINY


@keras.saving.register_keras_serializable(package="ticket_triage")
class Temperature(keras.layers.Layer):
    """Probabilities in, probabilities at ``temperature`` out (rows still sum to 1).

    Args:
        temperature: the fitted temperature (above 1 softens, below 1 sharpens).
        **kwargs: passed to ``keras.layers.Layer``.
    """

    def __init__(self, temperature=1.0, **kwargs):
        super().__init__(**kwargs)
        self.temperature = float(temperature)

    def call(self, probabilities):
        logits = keras.ops.log(keras.ops.maximum(probabilities, TINY)) / self.temperature
        return keras.ops.softmax(logits, axis=-1)

    def get_config(self):
        return {**super().get_config(), "temperature": self.temperature}
