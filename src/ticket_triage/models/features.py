"""Feature extraction from a trained ticket model (chapter 7.2.2).

The trained model's ``features`` layer is reused, weights and all, as the input of a new
``difficulty`` head placed beside the existing heads; or as the output of a model that just
turns tickets into vectors. Works for every model API: functional graphs (functional, mixed,
mixed) are cut at the ``features`` layer; the Sequential one is re-applied layer by layer; the
subclassed model is re-traced through its ``encode`` method on symbolic inputs.

Example:
    >>> from ticket_triage.models.functional import build_functional_model
    >>> from ticket_triage.models.spec import TicketSpec
    >>> model = build_functional_model(TicketSpec(20, 30, 5, num_departments=4))
    >>> sorted(add_difficulty_head(model).output)
    ['department', 'difficulty', 'priority']
"""

import keras
from keras import layers

from ticket_triage.models.spec import DIFFICULTY, FEATURES
from ticket_triage.models.subclassed import CustomerTicketModel


def feature_extractor(model):
    """A model from the ticket model's inputs to its ``features`` vectors (shared weights)."""
    inputs, features, _ = _trace(model)
    return keras.Model(inputs=inputs, outputs=features, name=f"{model.name}_features")


def features_and_heads(model):
    """A model from the ticket model's inputs to ``{features, **heads}`` (shared weights): the
    vectors and the answers of each ticket in one pass."""
    inputs, features, heads = _trace(model)
    return keras.Model(
        inputs=inputs, outputs={FEATURES: features, **heads}, name=f"{model.name}_with_features"
    )


def add_difficulty_head(model, num_difficulties=3):
    """The ticket model with a new softmax ``difficulty`` head on its ``features``.

    Args:
        model: a built (usually trained) ticket model; its weights are shared, not copied.
        num_difficulties: classes of the new head (3 in the chapter).

    Returns:
        A functional ``keras.Model`` with the same inputs and outputs ``{**old heads, difficulty}``.
    """
    inputs, features, heads = _trace(model)
    difficulty = layers.Dense(num_difficulties, activation="softmax", name=DIFFICULTY)(features)
    return keras.Model(
        inputs=inputs,
        outputs={**heads, DIFFICULTY: difficulty},
        name=f"{model.name}_with_difficulty",
    )


def _trace(model):
    """Symbolic inputs, the ``features`` tensor and the existing heads as a dict."""
    if isinstance(model, CustomerTicketModel):
        inputs = {
            name: keras.Input(shape=(dim,), name=name) for name, dim in model.input_dims.items()
        }
        features, x = model.encode_for_heads(inputs, training=False)
        return inputs, features, model.heads(x)
    if isinstance(model, keras.Sequential):
        return _trace_sequential(model)
    return model.input, model.get_layer(FEATURES).output, dict(model.output)


def _trace_sequential(model):
    """Re-apply a Sequential model's layers to a fresh input, noting the ``features`` output."""
    original = model.inputs[0]
    inputs = keras.Input(shape=original.shape[1:], name=original.name, sparse=original.sparse)
    x = inputs
    for layer in model.layers:
        x = layer(x)
        if layer.name == FEATURES:
            features = x
    return inputs, features, {model.layers[-1].name: x}
