"""Raw ticket fields -> model inputs and targets, with the vocabularies ``prepare`` wrote.

The same layers serve the ``tf.data`` pipeline (vectorising one batch at a time) and the serving
model (raw strings in). Title and body use ``TextVectorization`` in ``multi_hot`` mode, tags a
``StringLookup`` in ``multi_hot`` mode, labels a ``StringLookup`` without OOV. With
``sparse=True`` the multi-hots are ``tf.SparseTensor``: a ticket has tens of tokens out of
thousands, so this keeps memory and compute proportional to the words actually present.

Example:
    >>> vectorizer = TicketVectorizer.from_prepared("data/prepared", sparse=True)  # doctest: +SKIP
    >>> vectorizer.inputs({"title": ["Refund please"], "body": ["..."], "tags": [["billing"]]})
"""

from pathlib import Path

import keras
import tensorflow as tf

from ticket_triage.data import schema
from ticket_triage.data.prepare import VOCABULARY_FILES
from ticket_triage.data.vocab import load_vocabulary
from ticket_triage.models.spec import TAGS, TEXT_BODY, TITLE

TAG_SEPARATOR = "\x1f"  # tags travel through tf.data as one string per ticket


class TicketVectorizer:
    """Vectorising layers for one prepared dataset.

    Args:
        vocabularies: schema column -> list of tokens/labels (as in ``prepare``'s files).
        sparse: emit ``tf.SparseTensor`` multi-hots instead of dense ones.
    """

    def __init__(self, vocabularies, sparse=True):
        self.sparse = sparse
        self.layers = {
            TITLE: self._text(vocabularies[schema.TITLE], "title_vectorizer"),
            TEXT_BODY: self._text(vocabularies[schema.BODY], "body_vectorizer"),
        }
        if schema.TAGS in vocabularies:
            self.layers[TAGS] = keras.layers.StringLookup(
                vocabulary=vocabularies[schema.TAGS],
                output_mode="multi_hot",
                sparse=sparse,
                name="tags_lookup",
            )
        self.labels = {
            column: keras.layers.StringLookup(
                vocabulary=vocabularies[column], num_oov_indices=0, name=f"{column}_lookup"
            )
            for column in schema.LABEL_COLUMNS
            if column in vocabularies
        }

    @classmethod
    def from_prepared(cls, prepared_dir, sparse=True):
        prepared = Path(prepared_dir)
        vocabularies = {
            column: load_vocabulary(prepared / name)
            for column, name in VOCABULARY_FILES.items()
            if (prepared / name).exists()
        }
        return cls(vocabularies, sparse=sparse)

    def _text(self, vocabulary, name):
        return keras.layers.TextVectorization(
            vocabulary=vocabulary, output_mode="multi_hot", sparse=self.sparse, name=name
        )

    def inputs(self, title, body, tags=None):
        """Multi-hot inputs for a batch of raw strings (``tags``: one joined string per ticket)."""
        vectors = {TITLE: self.layers[TITLE](title), TEXT_BODY: self.layers[TEXT_BODY](body)}
        if TAGS in self.layers:
            split = tf.strings.split(tags, sep=TAG_SEPARATOR)
            vectors[TAGS] = self.layers[TAGS](tf.ragged.boolean_mask(split, split != ""))
        return vectors

    def label_ids(self, column, labels):
        """Integer class ids of string labels."""
        return self.labels[column](labels)

    def vocabulary(self, column):
        return self.labels[column].get_vocabulary()
