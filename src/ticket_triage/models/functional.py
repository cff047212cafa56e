"""The chapter's default ticket model (7.2.2), built with the Functional API.

Three named inputs (``title``, ``text_body``, ``tags``: multi-hot vectors) are concatenated, go
through the trunk, whose last layer is ``features``, and feed two named heads: ``priority`` (one
sigmoid unit, trained with MSE) and ``department`` (softmax over the departments). Inputs and
heads follow the data (see ``TicketSpec``).

Example:
    >>> from ticket_triage.models.spec import TicketSpec
    >>> model = build_functional_model(TicketSpec(20, 30, 5, num_departments=4))
    >>> model.output_names if hasattr(model, "output_names") else None  # doctest: +SKIP
    ['priority', 'department']
"""

import keras
from keras import layers

from ticket_triage.models import trunk
from ticket_triage.models.spec import DEPARTMENT, PRIORITY


def build_functional_model(
    spec,
    width=64,
    depth=1,
    dropout=0.0,
    batch_norm=False,
    sparse=False,
    wide=0,
    name="functional_ticket_model",
):
    """Build the multi-input, multi-output ticket model.

    Args:
        spec: a ``TicketSpec``: input widths and which heads exist.
        width, depth, dropout, batch_norm: the trunk (see ``trunk.trunk_layers``).
        sparse: declare the inputs sparse (``tf.SparseTensor`` multi-hot batches).
        wide: units of the wide (linear) path beside the trunk (``trunk.wide_layer``); 0: none.
        name: the model's name.

    Returns:
        A ``keras.Model`` mapping ``{input name: multi-hot}`` to ``{head name: prediction}``.
    """
    inputs, x = trunk.functional_features(spec, width, depth, dropout, batch_norm, sparse, wide)
    outputs = {}
    if spec.priority:
        outputs[PRIORITY] = layers.Dense(1, activation="sigmoid", name=PRIORITY)(x)
    if spec.num_departments:
        outputs[DEPARTMENT] = layers.Dense(
            spec.num_departments, activation="softmax", name=DEPARTMENT
        )(x)
    return keras.Model(inputs=inputs, outputs=outputs, name=name)
