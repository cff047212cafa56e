"""Raw ticket text -> the multi-hot inputs of the ticket models, as one Keras layer.

``TicketVectorizer`` serves twice: inside the ``tf.data`` pipeline (one batch at a time) and at
the front of the serving model (raw strings in). Title and body are tokenized by
:func:`tf_tokenize` (the ``tokenizer`` recipe that made the vocabularies, run with ``tf.strings``
ops, so it runs inside the graph and is saved with the model) and looked up by
``StringLookup(output_mode="multi_hot")``; tags (one string per ticket, joined with
``TAG_SEPARATOR``) are looked up as they are. With ``ngrams=2`` the text's word bigrams
(``tf.strings.ngrams``, joined by a space as ``prepare`` joins them) are looked up beside its
tokens. With ``output_mode="tf_idf"`` a title or body token counts ``count x idf`` (the idf weights
``prepare`` computed on the train split) instead of 1, so rare, telling words weigh more. With
``sparse=True`` the multi-hots are
``tf.SparseTensor``: a ticket has tens of tokens out of thousands, so memory and compute follow
the words actually present.

Example:
    >>> vectorizer = TicketVectorizer(
    ...     {"title": ["refund"], "body": ["卡"]}, sparse=False, tokenizer="auto"
    ... )
    >>> out = vectorizer(
    ...     {"title": tf.constant(["Refund please"]), "text_body": tf.constant(["我的卡"])}
    ... )
    >>> out["text_body"].numpy().tolist()  # [OOV, 卡]: 我, 的 and 我的 are OOV
    [[1, 1]]
"""

from pathlib import Path

import keras
import tensorflow as tf

from ticket_triage.data import schema, tokenizer
from ticket_triage.data.vocab import load_vocabulary, load_weights

TITLE, TEXT_BODY, TAGS = schema.INPUT_TITLE, schema.INPUT_BODY, schema.INPUT_TAGS

TAG_SEPARATOR = schema.TAG_SEPARATOR


def load_idf_weights(prepared_dir):
    """Title and body column -> idf weights, when ``prepare`` chose ``tf_idf`` (else ``None``)."""
    prepared = Path(prepared_dir)
    if tokenizer.load_output_mode(prepared) != "tf_idf":
        return None
    return {column: load_weights(prepared / name) for column, name in schema.IDF_FILES.items()}


def load_vocabularies(prepared_dir):
    """Schema column -> tokens or labels, for every vocabulary file ``prepare`` wrote."""
    prepared = Path(prepared_dir)
    return {
        column: load_vocabulary(prepared / name)
        for column, name in schema.VOCABULARY_FILES.items()
        if (prepared / name).exists()
    }


def tf_tokenize(strings, mode="auto", ngrams=1):
    """Tokens of each string, as a ``tf.RaggedTensor``: ``tokenizer.tokenize`` in TensorFlow.

    Both run the same ``tokenizer.Recipe`` (the same RE2 patterns), so a token the vocabulary
    holds is the token the model sees.

    Example:
        >>> tf_tokenize(tf.constant(["VPN 无法连接"])).to_list()
        [[b'vpn', b'\\xe6\\x97\\xa0', ...]]
    """
    steps = tokenizer.recipe(mode)
    text = _replace(strings, steps.clean)
    text = tf.strings.lower(text, encoding="utf-8" if steps.unicode_lower else "")
    if steps.cjk_ngrams:
        unigrams = _replace(text, tokenizer.CJK_UNIGRAMS)
        bigrams = _replace(text, tokenizer.CJK_BIGRAMS)
        text = tf.strings.join([unigrams, bigrams], separator=" ")
    tokens = tf.strings.split(text)
    if tokenizer.check_ngrams(ngrams) == 1:
        return tokens
    return tf.strings.ngrams(tokens, ngram_width=(1, 2), separator=tokenizer.NGRAM_SEPARATOR)


def _replace(text, chain):
    for pattern, rewrite in chain:
        text = tf.strings.regex_replace(text, pattern, rewrite)
    return text


@keras.saving.register_keras_serializable(package="ticket_triage")
class TicketVectorizer(keras.layers.Layer):
    """``{title, text_body[, tags]}`` strings -> multi-hot vectors.

    Args:
        vocabularies: schema column (``title``, ``body``, ``tags``) -> tokens, most frequent first.
            An empty title or body vocabulary (a column without text) gives a one-wide vector,
            the OOV slot.
        sparse: emit ``tf.SparseTensor`` multi-hots.
        merge: concatenate them into one vector (the Sequential model's single input).
        tokenizer: the ``tokenizer`` mode that made the vocabularies; ``whitespace`` (the
            chapter's ``TextVectorization``) is also what layers saved before the choice used.
        ngrams: the longest word n-gram in the title and body vocabularies (1 or 2).
        idf_weights: title and body column -> idf weight of each vocabulary token: the text
            vectors are then TF-IDF (float32, all inputs) rather than multi-hot; ``None``:
            multi-hot.
        **kwargs: passed to ``keras.layers.Layer``.
    """

    def __init__(
        self,
        vocabularies,
        sparse=True,
        merge=False,
        tokenizer=tokenizer.LEGACY,
        ngrams=1,
        idf_weights=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.vocabularies = {
            column: list(tokens)
            for column, tokens in vocabularies.items()
            if column in (schema.TITLE, schema.BODY, schema.TAGS)
        }
        self.sparse, self.merge, self.tokenizer, self.ngrams = sparse, merge, tokenizer, ngrams
        self.idf_weights = (
            {column: list(idf_weights[column]) for column in (schema.TITLE, schema.BODY)}
            if idf_weights
            else None
        )
        self.title_lookup = self._lookup(self.vocabularies[schema.TITLE], schema.TITLE)
        self.body_lookup = self._lookup(self.vocabularies[schema.BODY], schema.BODY)
        self.tags_lookup = (
            self._lookup(self.vocabularies[schema.TAGS])
            if schema.TAGS in self.vocabularies
            else None
        )

    def _lookup(self, tokens, column=None):
        if not tokens:
            return None  # StringLookup refuses an empty vocabulary
        if not self.sparse:  # token ids, counted by ``_encode``
            return keras.layers.StringLookup(vocabulary=tokens, output_mode="int")
        # TF-IDF as counts times the idf weights (see _encode): StringLookup's own "tf_idf" mode
        # fails on ragged tokens with sparse=True.
        weighed = bool(self.idf_weights) and column in self.idf_weights
        return keras.layers.StringLookup(
            vocabulary=tokens, output_mode="count" if weighed else "multi_hot", sparse=True
        )

    def _encode(self, lookup, tokens, column):
        """Multi-hot vectors of ragged tokens, or with idf weights their TF-IDF vectors.

        Dense vectors are the token ids counted per row by ``tf.math.bincount`` (weighted by
        each token's idf for TF-IDF): the same values as ``StringLookup``'s own multi-hot or
        count output times the idf, in one pass and several times faster. It matters most when
        serving, where vectorizing is most of a prediction's cost.
        """
        idf = self._idf(column)
        if self.sparse:
            vectors = lookup(tokens)
            return vectors if idf is None else _weigh_sparse(vectors, idf)
        ids = tf.cast(lookup(tokens), "int32")
        depth = len(self.vocabularies[column]) + 1  # and the OOV slot, first
        if idf is None:
            vectors = tf.math.bincount(
                ids, minlength=depth, maxlength=depth, axis=-1, binary_output=True, dtype="int64"
            )
        else:
            vectors = tf.math.bincount(
                ids, weights=tf.gather(idf, ids), minlength=depth, maxlength=depth, axis=-1
            )
        return tf.ensure_shape(vectors, [None, depth])

    def _idf(self, column):
        """Each slot's idf (the OOV slot: the mean idf, as Keras's ``tf_idf``), or ``None``."""
        if not self.idf_weights or column not in self.idf_weights:
            return None
        weights = self.idf_weights[column]
        return tf.constant([sum(weights) / len(weights), *weights], "float32")

    def build(self, input_shape=None):
        self.built = True  # the lookup layers are complete from their vocabularies

    @property
    def input_names(self):
        return [TITLE, TEXT_BODY] + ([TAGS] if self.tags_lookup is not None else [])

    def call(self, inputs):
        vectors = {
            TITLE: self._text(self.title_lookup, inputs[TITLE], schema.TITLE),
            TEXT_BODY: self._text(self.body_lookup, inputs[TEXT_BODY], schema.BODY),
        }
        if self.tags_lookup is not None:
            tags = tf.strings.split(_flat(inputs[TAGS]), sep=TAG_SEPARATOR)
            tags = tf.ragged.boolean_mask(tags, tags != "")
            vectors[TAGS] = self._encode(self.tags_lookup, tags, schema.TAGS)
        if self.idf_weights:  # one dtype for all inputs (and the merged one)
            vectors = {name: tf.cast(vector, "float32") for name, vector in vectors.items()}
        if not self.merge:
            return vectors
        parts = list(vectors.values())
        return tf.sparse.concat(1, parts) if self.sparse else tf.concat(parts, axis=1)

    def _text(self, lookup, strings, column):
        tokens = tf_tokenize(_flat(strings), self.tokenizer, self.ngrams)
        if lookup is not None:
            return self._encode(lookup, tokens, column)
        # No vocabulary: every token is OOV; int64, as StringLookup's multi-hots are.
        unknown = tf.cast(tokens.row_lengths() > 0, "int64")[:, None]
        return tf.sparse.from_dense(unknown) if self.sparse else unknown

    def get_config(self):
        return {
            **super().get_config(),
            "vocabularies": self.vocabularies,
            "sparse": self.sparse,
            "merge": self.merge,
            "tokenizer": self.tokenizer,
            "ngrams": self.ngrams,
            "idf_weights": self.idf_weights,
        }


def _weigh_sparse(counts, idf):
    """Sparse counts times each slot's idf."""
    values = tf.cast(counts.values, "float32") * tf.gather(idf, counts.indices[:, 1])
    return tf.SparseTensor(counts.indices, values, counts.dense_shape)


def _flat(strings):
    """Accept ``(batch,)`` or ``(batch, 1)`` string tensors (serving inputs are the latter)."""
    strings = tf.convert_to_tensor(strings)
    return tf.reshape(strings, [-1])
