"""The serving model: raw ticket strings in, priority score and department probabilities out.

It puts the ``TicketVectorizer`` (with the training vocabularies) in front of the trained ticket
model, so a caller needs neither the vocabularies nor the multi-hot encoding. Inputs are string
tensors of shape ``(batch, 1)``: ``title``, ``text_body`` and, when the data had tags, ``tags``
(one string per ticket, tags joined by ``TAG_SEPARATOR``). It saves as ``.keras`` and is what the
MLflow run logs as its model.

Example:
    >>> serving = build_serving_model(model, vectorizer)                    # doctest: +SKIP
    >>> serving.predict({"title": np.array([["Refund please"]]),            # doctest: +SKIP
    ...                  "text_body": np.array([["I was charged twice"]]),
    ...                  "tags": np.array([["billing"]])})
    {'department': array([[...]]), 'priority': array([[0.41]])}
"""

import keras
import numpy as np
import tensorflow as tf

from ticket_triage.inputs.vectorizer import TicketVectorizer
from ticket_triage.models.spec import DEPARTMENT
from ticket_triage.models.temperature import Temperature


@keras.saving.register_keras_serializable(package="ticket_triage")
class ServingModel(keras.Model):
    """A functional model whose ``predict`` also takes NumPy string arrays.

    Keras's ``predict`` only batches numeric arrays; callers of a served model (MLflow's pyfunc
    among them) hand it NumPy arrays of strings. Those are turned into string tensors and run
    through the model in batches; anything else goes to ``keras.Model.predict``.
    """

    def predict(self, x, batch_size=256, verbose="auto", **kwargs):
        if not isinstance(x, dict) or not all(_is_text(value) for value in x.values()):
            return super().predict(x, batch_size=batch_size, verbose=verbose, **kwargs)
        size = len(next(iter(x.values())))
        parts = []
        for start in range(0, size, batch_size):
            batch = {
                name: tf.constant(np.asarray(value[start : start + batch_size]).astype(str))
                for name, value in x.items()
            }
            parts.append(self(batch, training=False))
        return {
            name: np.concatenate([keras.ops.convert_to_numpy(part[name]) for part in parts])
            for name in parts[0]
        }


def _is_text(value):
    return isinstance(value, np.ndarray | list) and np.asarray(value).dtype.kind in "OUS"


def build_serving_model(model, vectorizer, temperature=None):
    """Chain a copy of ``vectorizer`` and the trained ``model`` into one string-input model.

    Args:
        model: the trained ticket model (unwrapped; any API).
        vectorizer: the ``TicketVectorizer`` used in training.
        temperature: the department head's fitted temperature (``trust.calibration``), applied
            to its probabilities by a last ``Temperature`` layer; ``None``: as the model says.
    """
    inputs = {
        name: keras.Input(shape=(1,), dtype="string", name=name) for name in vectorizer.input_names
    }
    front = TicketVectorizer.from_config({**vectorizer.get_config(), "name": "vectorizer"})
    outputs = model(front(inputs), training=False)
    if not isinstance(outputs, dict):  # the Sequential model's single head
        outputs = {DEPARTMENT: outputs}
    if temperature is not None and DEPARTMENT in outputs:
        outputs = {
            **outputs,
            DEPARTMENT: Temperature(temperature, name="calibration")(outputs[DEPARTMENT]),
        }
    return ServingModel(inputs, outputs, name="ticket_triage_serving")


def vectorizer_of(serving):
    """The ``TicketVectorizer`` at the front of a serving model."""
    return next(layer for layer in serving.layers if isinstance(layer, TicketVectorizer))


def ticket_model_of(serving):
    """The trained ticket model inside a serving model (before any calibration)."""
    return next(layer for layer in serving.layers if isinstance(layer, keras.Model))
