"""The trunk every ticket model shares: Dense blocks (with optional batch norm and dropout) whose
last activation is the layer named ``features``.

Each block is ``Dense -> [BatchNormalization] -> ReLU``, with ``Dropout`` between blocks and before
the heads, so ``training=True`` and ``training=False`` really differ (chapter 7.4.1) and the
batch-norm moving statistics are non-trainable weights. The same layer list serves the
functional graph (applied in order) and the subclassed model (looped over in ``call``), which is
why those models have identical weights in identical order. The first block's ``Dense`` is a
``TokenDense``: ``Dense`` itself on dense multi-hots, and on sparse ones a layer whose cost follows
the tokens present (same weights, same outputs).

Built in the scope of a ``tf.distribute`` strategy with several replicas (``distribution``),
batch normalisation is synchronized: its batch statistics are those of the global batch, not of
each replica's share, so distributed training computes what one device would.
"""

import keras
import tensorflow as tf
from keras import layers

from ticket_triage.models.spec import FEATURES
from ticket_triage.models.token_concatenate import TokenConcatenate
from ticket_triage.models.token_dense import TokenDense


def trunk_layers(width=64, depth=1, dropout=0.0, batch_norm=False, prefix="trunk"):
    """The trunk's layers, in call order; the last is an ``Activation`` named ``features``.

    Args:
        width: units of every Dense layer (the chapter uses 64).
        depth: number of Dense blocks.
        dropout: dropout rate between blocks (0 disables).
        batch_norm: put BatchNormalization between each Dense and its ReLU.
        prefix: layer-name prefix, so two trunks can live in one model.
    """
    stack = []
    for block in range(depth):
        if block and dropout:
            stack.append(layers.Dropout(dropout, name=f"{prefix}_dropout_{block}"))
        dense = TokenDense if block == 0 else layers.Dense  # the first reads sparse inputs
        stack.append(dense(width, use_bias=not batch_norm, name=f"{prefix}_dense_{block}"))
        if batch_norm:
            stack.append(
                layers.BatchNormalization(
                    synchronized=tf.distribute.get_strategy().num_replicas_in_sync > 1,
                    name=f"{prefix}_batch_norm_{block}",
                )
            )
        last = block == depth - 1
        stack.append(layers.Activation("relu", name=FEATURES if last else f"{prefix}_relu_{block}"))
    return stack


def functional_features(spec, width, depth, dropout, batch_norm, sparse, wide=0):
    """Named ``keras.Input``s for ``spec``, and the symbolic tensor the heads attach to.

    Shared by the functional and mixed models: inputs -> Concatenate -> trunk (``features``) ->
    head dropout, beside the wide path (``wide_layer``) when ``wide`` units are asked for.
    """
    inputs = {
        name: keras.Input(shape=(dim,), name=name, sparse=sparse)
        for name, dim in spec.input_dims.items()
    }
    merged = TokenConcatenate(name="merged_inputs")(list(inputs.values()))
    features = apply(trunk_layers(width, depth, dropout, batch_norm), merged)
    deep = head_dropout(dropout)(features)
    if not wide:
        return inputs, deep
    return inputs, head_inputs()([deep, wide_layer(wide)(merged)])


def wide_layer(units):
    """The wide path: a linear map of the inputs (no activation) that goes straight to the heads.

    Beside the deep trunk, the heads then see the inputs both through the trunk and linearly, so
    the model holds every linear model over its inputs (a TF-IDF logistic regression for the
    department, a ridge-like score for priority) once ``units`` is at least the number of
    outputs; training can fall back on it where the data is too small or too skewed for the
    trunk (the chapter's multi-input Functional API: two branches joined before the heads).
    """
    return TokenDense(units, name="wide")


def head_inputs():
    """Joins the deep features (after head dropout) and the wide path for the heads."""
    return layers.Concatenate(name="head_inputs")


def head_dropout(dropout):
    """Dropout applied to the features before the heads (identity when ``dropout`` is 0)."""
    return (
        layers.Dropout(dropout, name="head_dropout")
        if dropout
        else layers.Identity(name="head_dropout")
    )


def apply(stack, x, training=None):
    """Call the layers of ``stack`` in order, passing ``training`` to those that take it."""
    for layer in stack:
        x = layer(x, training=training) if _takes_training(layer) else layer(x)
    return x


def _takes_training(layer):
    return isinstance(layer, layers.Dropout | layers.BatchNormalization | keras.Model)
