"""The chapter's ticket model written by subclassing ``keras.Model`` (7.2.3).

Layers are created in ``__init__``; the forward pass is ``call()``. It holds the same weights in
the same order as the functional model, so weights move between the two with ``set_weights``.
Being registered and having ``get_config``, it saves to ``.keras`` and loads with
``safe_mode=True``.

Example:
    >>> import numpy as np
    >>> model = CustomerTicketModel(num_departments=4, input_dims={"title": 20, "text_body": 30})
    >>> out = model({"title": np.zeros((2, 20)), "text_body": np.zeros((2, 30))})
    >>> sorted(out), tuple(out["department"].shape)
    (['department', 'priority'], (2, 4))
"""

import keras
import numpy as np
from keras import layers

from ticket_triage.models import trunk
from ticket_triage.models.spec import DEPARTMENT, PRIORITY
from ticket_triage.models.token_concatenate import TokenConcatenate


@keras.saving.register_keras_serializable(package="ticket_triage")
class CustomerTicketModel(keras.Model):
    """Ticket model: multi-hot inputs -> ``{"priority": score, "department": probabilities}``.

    Args:
        num_departments: department classes; ``None`` or 0 for no department head.
        input_dims: input name -> multi-hot width (order matters: it is the concatenation order).
        priority: whether to have a priority head.
        width, depth, dropout, batch_norm: the trunk (see ``trunk.trunk_layers``).
        wide: units of the wide (linear) path beside the trunk (``trunk.wide_layer``); 0: none.
        **kwargs: passed to ``keras.Model`` (``name``).
    """

    def __init__(
        self,
        num_departments,
        input_dims,
        priority=True,
        width=64,
        depth=1,
        dropout=0.0,
        batch_norm=False,
        wide=0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.num_departments = num_departments
        self.input_dims = dict(input_dims)
        self.priority = priority
        self.width, self.depth, self.dropout, self.batch_norm = width, depth, dropout, batch_norm
        self.wide = wide

        self.concat_layer = TokenConcatenate(name="merged_inputs")
        self.trunk = trunk.trunk_layers(width, depth, dropout, batch_norm)
        self.head_dropout = trunk.head_dropout(dropout)
        self.wide_layer = trunk.wide_layer(wide) if wide else None
        self.head_inputs = trunk.head_inputs() if wide else None
        # Heads in the order Keras sorts the functional model's dict outputs (alphabetical), so
        # that both models list their weights identically.
        self.department_classifier = (
            layers.Dense(num_departments, activation="softmax", name=DEPARTMENT)
            if num_departments
            else None
        )
        self.priority_scorer = (
            layers.Dense(1, activation="sigmoid", name=PRIORITY) if priority else None
        )

    def encode(self, inputs, training=None):
        """The ``features`` vector of a batch: what feature extraction reuses."""
        return trunk.apply(self.trunk, self._merge(inputs), training=training)

    def call(self, inputs, training=None):
        return self.heads(self.encode_for_heads(inputs, training)[1])

    def encode_for_heads(self, inputs, training=None):
        """``(features, head inputs)``: the trunk's ``features`` and what the heads read (the
        features after head dropout, beside the wide path if there is one)."""
        merged = self._merge(inputs)
        features = trunk.apply(self.trunk, merged, training=training)
        x = self.head_dropout(features, training=training)
        if self.wide_layer is not None:
            x = self.head_inputs([x, self.wide_layer(merged)])
        return features, x

    def heads(self, x):
        """Head name -> prediction from the head inputs ``x``."""
        outputs = {}
        if self.priority_scorer is not None:
            outputs[PRIORITY] = self.priority_scorer(x)
        if self.department_classifier is not None:
            outputs[DEPARTMENT] = self.department_classifier(x)
        return outputs

    def get_config(self):
        config = super().get_config()
        config.update(
            num_departments=self.num_departments,
            input_dims=self.input_dims,
            priority=self.priority,
            width=self.width,
            depth=self.depth,
            dropout=self.dropout,
            batch_norm=self.batch_norm,
            wide=self.wide,
        )
        return config

    def _merge(self, inputs):
        return self.concat_layer([inputs[name] for name in self.input_dims])


def build_subclassed_model(
    spec, width=64, depth=1, dropout=0.0, batch_norm=False, sparse=False, wide=0
):
    """Create and build a ``CustomerTicketModel`` for ``spec`` (``sparse`` needs no declaration)."""
    del sparse  # a subclassed model takes whatever tensors it is called with
    model = CustomerTicketModel(
        spec.num_departments,
        spec.input_dims,
        priority=spec.priority,
        width=width,
        depth=depth,
        dropout=dropout,
        batch_norm=batch_norm,
        wide=wide,
        name="subclassed_ticket_model",
    )
    model({name: np.zeros((1, dim), "float32") for name, dim in spec.input_dims.items()})
    return model  # called once, so its weights exist before anything loads or counts them
