"""Raw ticket text -> the multi-hot inputs of the ticket models, as one Keras layer.

``TicketVectorizer`` serves twice: inside the ``tf.data`` pipeline (one batch at a time) and at
the front of the serving model (raw strings in). Title and body go through
``TextVectorization(output_mode="multi_hot")``, tags (one string per ticket, joined with
``TAG_SEPARATOR``) through ``StringLookup(output_mode="multi_hot")``. With ``sparse=True`` the
multi-hots are ``tf.SparseTensor``: a ticket has tens of tokens out of thousands, so memory and
compute follow the words actually present.

Example:
    >>> vectorizer = TicketVectorizer({"title": ["refund"], "body": ["card"]}, sparse=False)
    >>> out = vectorizer({"title": ["Refund please"], "text_body": ["my card"]})
    >>> out["title"].numpy().tolist()
    [[1.0, 1.0]]
"""

from pathlib import Path

import keras
import tensorflow as tf

from ticket_triage.data import schema
from ticket_triage.data.vocab import load_vocabulary

TITLE, TEXT_BODY, TAGS = schema.INPUT_TITLE, schema.INPUT_BODY, schema.INPUT_TAGS

TAG_SEPARATOR = "\x1f"  # tags travel as one string per ticket


def load_vocabularies(prepared_dir):
    """Schema column -> tokens or labels, for every vocabulary file ``prepare`` wrote."""
    prepared = Path(prepared_dir)
    return {
        column: load_vocabulary(prepared / name)
        for column, name in schema.VOCABULARY_FILES.items()
        if (prepared / name).exists()
    }


@keras.saving.register_keras_serializable(package="ticket_triage")
class TicketVectorizer(keras.layers.Layer):
    """``{title, text_body[, tags]}`` strings -> multi-hot vectors.

    Args:
        vocabularies: schema column (``title``, ``body``, ``tags``) -> tokens, most frequent first.
        sparse: emit ``tf.SparseTensor`` multi-hots.
        merge: concatenate them into one vector (the Sequential model's single input).
        **kwargs: passed to ``keras.layers.Layer``.
    """

    def __init__(self, vocabularies, sparse=True, merge=False, **kwargs):
        super().__init__(**kwargs)
        self.vocabularies = {
            column: list(tokens)
            for column, tokens in vocabularies.items()
            if column in (schema.TITLE, schema.BODY, schema.TAGS)
        }
        self.sparse, self.merge = sparse, merge
        self.title_vectorizer = self._text(schema.TITLE)
        self.body_vectorizer = self._text(schema.BODY)
        self.tags_lookup = (
            keras.layers.StringLookup(
                vocabulary=self.vocabularies[schema.TAGS],
                output_mode="multi_hot",
                sparse=sparse,
            )
            if schema.TAGS in self.vocabularies
            else None
        )

    def _text(self, column):
        return keras.layers.TextVectorization(
            vocabulary=self.vocabularies[column], output_mode="multi_hot", sparse=self.sparse
        )

    def build(self, input_shape=None):
        self.built = True  # the lookup layers are complete from their vocabularies

    @property
    def input_names(self):
        return [TITLE, TEXT_BODY] + ([TAGS] if self.tags_lookup is not None else [])

    def call(self, inputs):
        vectors = {
            TITLE: self.title_vectorizer(_flat(inputs[TITLE])),
            TEXT_BODY: self.body_vectorizer(_flat(inputs[TEXT_BODY])),
        }
        if self.tags_lookup is not None:
            tags = tf.strings.split(_flat(inputs[TAGS]), sep=TAG_SEPARATOR)
            vectors[TAGS] = self.tags_lookup(tf.ragged.boolean_mask(tags, tags != ""))
        if not self.merge:
            return vectors
        parts = list(vectors.values())
        return tf.sparse.concat(1, parts) if self.sparse else tf.concat(parts, axis=1)

    def get_config(self):
        return {
            **super().get_config(),
            "vocabularies": self.vocabularies,
            "sparse": self.sparse,
            "merge": self.merge,
        }


def _flat(strings):
    """Accept ``(batch,)`` or ``(batch, 1)`` string tensors (serving inputs are the latter)."""
    strings = tf.convert_to_tensor(strings)
    return tf.reshape(strings, [-1])
