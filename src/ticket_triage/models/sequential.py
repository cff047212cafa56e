"""The single-input, single-output baseline of chapter 7.2.1, built with ``keras.Sequential``.

A Sequential model is one stack with one input and one output, so it cannot take the title,
body and tags as separate inputs nor give a priority beside the department: it reads one merged
multi-hot vector and predicts the department only. That is what the Functional API is for.

Example:
    >>> from ticket_triage.models.spec import TicketSpec
    >>> model = build_sequential_model(TicketSpec(20, 30, 5, num_departments=4))
    >>> [layer.name for layer in model.layers]
    ['features', 'department']
"""

import keras
from keras import layers

from ticket_triage.errors import ConfigError
from ticket_triage.models.spec import DEPARTMENT, FEATURES
from ticket_triage.models.token_dense import TokenDense

MERGED = "merged"  # the single input: title, body and tags multi-hots side by side


def build_sequential_model(
    spec, width=64, depth=1, dropout=0.0, batch_norm=False, sparse=False, wide=0
):
    """Build ``merged multi-hot -> Dense(width, relu) x depth -> Dense(departments, softmax)``.

    Only ``width`` and ``depth`` apply; the other trunk options are accepted for a uniform call.
    A wide path would be a second branch, which a Sequential stack cannot hold.
    """
    del dropout, batch_norm
    if wide:
        raise ConfigError(
            f"model.wide = {wide}: model=sequential is one stack and has no wide path; "
            "use model=functional, or model.wide=0"
        )
    if not spec.num_departments:
        raise ConfigError(
            "model=sequential predicts the department, and this data has none; use model=functional"
        )
    model = keras.Sequential(name="sequential_baseline")
    model.add(keras.Input(shape=(sum(spec.input_dims.values()),), name=MERGED, sparse=sparse))
    for block in range(depth):
        name = FEATURES if block == depth - 1 else f"dense_{block}"
        dense = TokenDense if block == 0 else layers.Dense  # the first reads sparse inputs
        model.add(dense(width, activation="relu", name=name))
    model.add(layers.Dense(spec.num_departments, activation="softmax", name=DEPARTMENT))
    return model
