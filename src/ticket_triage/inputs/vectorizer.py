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

import keras
import tensorflow as tf

from ticket_triage.data import schema, tokenizer

TITLE, TEXT_BODY, TAGS = schema.INPUT_TITLE, schema.INPUT_BODY, schema.INPUT_TAGS

TAG_SEPARATOR = schema.TAG_SEPARATOR


def tf_tokenize(strings, mode="auto", ngrams=1, max_tokens=None):
    """Tokens of each string, as a ``tf.RaggedTensor``: ``tokenizer.tokenize`` in TensorFlow.

    Both run the same ``tokenizer.Recipe`` (the same RE2 patterns), so a token the vocabulary
    holds is the token the model sees. Plain texts (printable ASCII) take the recipe's short
    path (``Recipe.for_plain_text``: the same tokens, one regex replacement of ten), the others the
    whole recipe; a batch of plain texts only (the common case) is not split at all.

    Example:
        >>> tf_tokenize(tf.constant(["VPN 无法连接"])).to_list()
        [[b'vpn', b'\\xe6\\x97\\xa0', ...]]
    """
    steps = tokenizer.recipe(mode)
    plain_steps = steps.for_plain_text()
    if plain_steps is steps:
        return _tokenize(strings, steps, ngrams, max_tokens)
    plain = tf.strings.regex_full_match(strings, tokenizer.PLAIN_TEXT)
    return tf.cond(
        tf.reduce_all(plain),
        lambda: _tokenize(strings, plain_steps, ngrams, max_tokens),
        lambda: _tokenize_mixed(strings, plain, steps, plain_steps, ngrams, max_tokens),
    )


def _tokenize_mixed(strings, plain, steps, plain_steps, ngrams, max_tokens):
    """Each text by the recipe it may take; the tokens come back in the strings' order."""
    plain = tf.cast(plain, tf.int32)
    texts = tf.dynamic_partition(strings, plain, 2)
    positions = tf.dynamic_partition(tf.range(tf.size(strings)), plain, 2)
    tokens = tf.concat(
        [
            _tokenize(texts[0], steps, ngrams, max_tokens),
            _tokenize(texts[1], plain_steps, ngrams, max_tokens),
        ],
        axis=0,
    )
    return tf.gather(tokens, tf.math.invert_permutation(tf.concat(positions, axis=0)))


def _tokenize(strings, steps, ngrams, max_tokens):
    text = _replace(strings, steps.clean)
    text = tf.strings.lower(text, encoding="utf-8" if steps.unicode_lower else "")
    if steps.cjk_ngrams:
        unigrams = _replace(text, tokenizer.CJK_UNIGRAMS)
        bigrams = _replace(text, tokenizer.CJK_BIGRAMS)
        text = tf.strings.join([unigrams, bigrams], separator=" ")
    tokens = tf.strings.split(text)
    if max_tokens:  # each text's first tokens, as prepare read them (a slice only if one is over)
        tokens = tf.cond(
            tf.reduce_max(tokens.row_lengths()) > max_tokens,
            lambda: tokens[:, :max_tokens],
            lambda: tokens,
        )
    if tokenizer.check_ngrams(ngrams) == 1:
        return tokens
    bigrams = tf.strings.ngrams(tokens, ngram_width=2, separator=tokenizer.NGRAM_SEPARATOR)
    if steps.cjk_ngrams:  # CJK runs have their character bigrams: no word pairs with them
        words = ~tf.strings.regex_full_match(bigrams, tokenizer.HAS_CJK)
        bigrams = tf.ragged.boolean_mask(bigrams, words)
    return tf.concat([tokens, bigrams], axis=1)


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
        max_tokens: tokens read per title or body, its first ones (``None``: all), as
            ``prepare`` read them (``vocab.max_tokens_per_text``).
        normalize: ``l2`` scales each title's and body's TF-IDF vector to unit length, as
            scikit-learn's ``TfidfVectorizer`` does, so a long pasted log weighs no more than a
            short ticket (``vocab.normalize``); ``none`` keeps ``count x idf``.
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
        max_tokens=None,
        normalize="none",
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.vocabularies = {
            column: list(tokens)
            for column, tokens in vocabularies.items()
            if column in (schema.TITLE, schema.BODY, schema.TAGS)
        }
        self.sparse, self.merge, self.tokenizer, self.ngrams = sparse, merge, tokenizer, ngrams
        self.max_tokens, self.normalize = max_tokens, normalize
        self.idf_weights = (
            {column: list(idf_weights[column]) for column in (schema.TITLE, schema.BODY)}
            if idf_weights
            else None
        )
        self.title_lookup = self._lookup(self.vocabularies[schema.TITLE])
        self.body_lookup = self._lookup(self.vocabularies[schema.BODY])
        self.tags_lookup = (
            self._lookup(self.vocabularies[schema.TAGS])
            if schema.TAGS in self.vocabularies
            else None
        )

    def _lookup(self, tokens):
        if not tokens:
            return None  # StringLookup refuses an empty vocabulary
        return keras.layers.StringLookup(vocabulary=tokens, output_mode="int")  # 0: OOV

    def build(self, input_shape=None):
        self.built = True  # the lookup layers are complete from their vocabularies

    @property
    def input_names(self):
        return [TITLE, TEXT_BODY] + ([TAGS] if self.tags_lookup is not None else [])

    def call(self, inputs):
        return self.vectors(self.tokens(inputs))

    def tokens(self, inputs):
        """Strings -> each ticket's distinct token ids and their values, per input.

        The values are what the vectors hold at those ids: 1 (multi-hot), or ``count x idf``
        (TF-IDF). Ids are sorted within a ticket. The input pipeline computes them once per
        split and builds each batch's vectors from them (``vectors``), so training pays for
        tokenizing once, not every epoch.

        Returns:
            Input name -> ``(ids, values)``, two ``tf.RaggedTensor`` of shape ``(batch, None)``.
        """
        tokens = {
            TITLE: self._text(self.title_lookup, inputs[TITLE], schema.TITLE),
            TEXT_BODY: self._text(self.body_lookup, inputs[TEXT_BODY], schema.BODY),
        }
        if self.tags_lookup is not None:
            tags = tf.strings.split(_flat(inputs[TAGS]), sep=TAG_SEPARATOR)
            tags = tf.ragged.boolean_mask(tags, tags != "")
            tokens[TAGS] = _distinct(tf.cast(self.tags_lookup(tags), "int64"), None)
        return tokens

    def _text(self, lookup, strings, column):
        words = tf_tokenize(_flat(strings), self.tokenizer, self.ngrams, self.max_tokens)
        if lookup is None:  # no vocabulary: every token is OOV
            return _distinct(tf.zeros_like(words, "int64"), None)
        ids, values = _distinct(tf.cast(lookup(words), "int64"), self._idf(column))
        return ids, (_unit_length(values) if self.normalize == "l2" else values)

    def _idf(self, column):
        """Each slot's idf (the OOV slot: the mean idf, as Keras's ``tf_idf``), or ``None``."""
        if not self.idf_weights or column not in self.idf_weights:
            return None
        weights = self.idf_weights[column]
        return tf.constant([sum(weights) / len(weights), *weights], "float32")

    def vectors(self, tokens):
        """``tokens`` -> the multi-hot or TF-IDF vectors: dense, or ``tf.SparseTensor``.

        Dense vectors are the values scattered by ``tf.math.bincount``: the same values as
        ``StringLookup``'s own multi-hot or count output times the idf, several times faster.
        """
        vectors = {
            name: self._vector(ids, values, self.widths[name])
            for name, (ids, values) in tokens.items()
        }
        if self.idf_weights:  # one dtype for all inputs (and the merged one)
            vectors = {name: tf.cast(vector, "float32") for name, vector in vectors.items()}
        if not self.merge:
            return vectors
        parts = list(vectors.values())
        return tf.sparse.concat(1, parts) if self.sparse else tf.concat(parts, axis=1)

    def _vector(self, ids, values, width):
        if self.sparse:
            indices = tf.stack([ids.value_rowids(), ids.flat_values], axis=1)
            shape = tf.stack([ids.nrows(), tf.constant(width, tf.int64)])
            return tf.SparseTensor(indices, values.flat_values, shape)
        vectors = tf.math.bincount(
            ids, weights=values, minlength=width, maxlength=width, axis=-1, dtype=values.dtype
        )
        return tf.ensure_shape(vectors, [None, width])

    @property
    def widths(self):
        """Input name -> vector width: the vocabulary and the OOV slot."""
        widths = {
            TITLE: len(self.vocabularies[schema.TITLE]) + 1,
            TEXT_BODY: len(self.vocabularies[schema.BODY]) + 1,
        }
        if self.tags_lookup is not None:
            widths[TAGS] = len(self.vocabularies[schema.TAGS]) + 1
        return widths

    def get_config(self):
        return {
            **super().get_config(),
            "vocabularies": self.vocabularies,
            "sparse": self.sparse,
            "merge": self.merge,
            "tokenizer": self.tokenizer,
            "ngrams": self.ngrams,
            "idf_weights": self.idf_weights,
            "max_tokens": self.max_tokens,
            "normalize": self.normalize,
        }


def _distinct(ids, idf):
    """Each ticket's distinct ids, sorted, and their values: 1, or ``count x idf``.

    Example:
        >>> ids, values = _distinct(tf.ragged.constant([[3, 1, 3], []], tf.int64), None)
        >>> ids.to_list(), values.to_list()
        ([[1, 3], []], [[1, 1], []])
    """
    rows = ids.value_rowids()
    width = tf.constant(2**31, tf.int64)  # above any id
    keys = tf.sort(rows * width + ids.flat_values)  # (ticket, id) as one number, in order
    # Sorted, a key's copies are neighbours: no hash table (tf.unique) needed to find them.
    first = tf.concat([tf.ones_like(keys[:1], tf.bool), keys[1:] != keys[:-1]], axis=0)
    distinct = tf.boolean_mask(keys, first)
    if idf is None:
        values = tf.ones_like(distinct)  # multi-hot: int64, as StringLookup's
    else:
        copies = tf.cumsum(tf.cast(first, tf.int64)) - 1  # each key's distinct position
        values = tf.math.segment_sum(tf.gather(idf, keys % width), copies)
    tickets = tf.RaggedTensor.from_value_rowids(
        distinct % width,
        distinct // width,
        ids.nrows(),
        validate=False,  # in order by making
    )
    return tickets, tickets.with_flat_values(values)


def _unit_length(values):
    """Each row of a ragged tensor of weights divided by its L2 norm (an empty row stays empty).

    Example:
        >>> _unit_length(tf.ragged.constant([[3.0, 4.0], []])).to_list()
        [[0.6000000238418579, 0.800000011920929], []]
    """
    norms = tf.sqrt(tf.math.segment_sum(tf.square(values.flat_values), values.value_rowids()))
    return values.with_flat_values(values.flat_values / tf.gather(norms, values.value_rowids()))


def _flat(strings):
    """Accept ``(batch,)`` or ``(batch, 1)`` string tensors (serving inputs are the latter)."""
    strings = tf.convert_to_tensor(strings)
    return tf.reshape(strings, [-1])
