"""Why a ticket went where it went: the tokens that pushed its department up most.

Gradient x input (``tf.GradientTape``, the chapter's own tool) through the trained model: each
token's value in the ticket's vector (1 for multi-hot, its TF-IDF weight otherwise) times the
gradient of the log-probability of the chosen department with respect to it. For a linear model
that is exactly the token's share of the score; for the networks here it is the first-order
share, which is what a reader of ``refund, charged, invoice`` wants. Only tokens with a positive
share are listed, best first; the OOV slot is never one.

The vectors are rebuilt from the vectorizer's token ids and values so that the gradient reaches
them: a dense vector by ``tf.scatter_nd`` (the vectorizer's ``bincount`` has no gradient), a
sparse one as a ``tf.SparseTensor`` whose values are watched (its entries need not be sorted: the
first layer sums each ticket's token rows in any order at inference).

Example:
    >>> explainer = Explainer(serving, top=3)                               # doctest: +SKIP
    >>> outputs, tokens, weights = explainer(inputs)                        # doctest: +SKIP
    >>> tokens[0]                                                           # doctest: +SKIP
    array([b'refund', b'charged', b'invoice'], dtype=object)
"""

import tensorflow as tf

from ticket_triage.data import schema
from ticket_triage.models.serving import calibration_of, ticket_model_of, vectorizer_of
from ticket_triage.models.spec import DEPARTMENT

CANDIDATES = 2  # top tokens kept per wanted one: a token in both title and body counts once


class Explainer:
    """The ``top`` most influential tokens of each ticket's predicted department.

    Args:
        serving: the Keras serving model (its vectorizer and the trained model inside).
        top: tokens listed per ticket.
    """

    def __init__(self, serving, top=3):
        self.vectorizer = vectorizer_of(serving)
        self.model = ticket_model_of(serving)
        self.calibration = calibration_of(serving)
        self.top = top
        # Every input's tokens by id (id 0: its OOV slot), one input after another: a token's
        # key is its id plus the offset of its input, so the chosen ones are looked up once.
        vocabularies = [
            ["", *self.vectorizer.vocabularies[column]]
            for name, column in schema.INPUT_COLUMNS.items()
            if name in self.vectorizer.input_names
        ]
        self.words = tf.constant([word for vocabulary in vocabularies for word in vocabulary])
        self.offsets = dict(
            zip(
                [name for name in schema.INPUT_COLUMNS if name in self.vectorizer.input_names],
                [sum(map(len, vocabularies[:i])) for i in range(len(vocabularies))],
                strict=True,
            )
        )

    def __call__(self, inputs):
        """``{input: (n, 1) strings}`` -> ``(outputs, tokens, weights)``.

        ``outputs`` are the serving model's answers (``{head: tensor}``, calibrated as it
        calibrates), from the same forward pass as the gradient, so explaining costs one backward
        pass more than predicting. ``tokens`` and ``weights`` are ``(n, top x 2)``, best first;
        a weight of ``-inf`` or ``<= 0`` marks no token. Runs in a ``tf.function``.
        """
        tokens = self.vectorizer.tokens(inputs)
        values = {name: tf.cast(v.flat_values, "float32") for name, (_, v) in tokens.items()}
        with tf.GradientTape() as tape:
            tape.watch(values)
            outputs = self.model(self._vectors(tokens, values), training=False)
            if not isinstance(outputs, dict):  # the Sequential model's single head
                outputs = {DEPARTMENT: outputs}
            probabilities = outputs[DEPARTMENT]
            chosen = tf.argmax(probabilities, axis=1)
            chosen_probability = tf.gather(probabilities, chosen, axis=1, batch_dims=1)
            score = tf.reduce_sum(tf.math.log(chosen_probability + 1e-12))
        gradients = tape.gradient(score, values)
        shares, keys = [], []
        for name, (ids, _) in tokens.items():
            share = gradients[name] * values[name]
            share = tf.where(ids.flat_values == 0, float("-inf"), share)  # never the OOV slot
            shares.append(ids.with_flat_values(share))
            keys.append(ids + self.offsets[name])
        shares, keys = tf.concat(shares, axis=1), tf.concat(keys, axis=1)
        padded = shares.to_tensor(default_value=float("-inf"))
        wanted = tf.minimum(self.top * CANDIDATES, tf.shape(padded)[1])
        weights, order = tf.math.top_k(padded, k=wanted)
        chosen = tf.gather(keys.to_tensor(), order, batch_dims=1)  # only these become strings
        if self.calibration is not None:
            outputs = {**outputs, DEPARTMENT: self.calibration(probabilities)}
        return outputs, tf.gather(self.words, chosen), weights

    def _vectors(self, tokens, values):
        """The model's input vectors from token ids and (watched) values, as the vectorizer
        builds them. Merged (the Sequential model's one input), each input's ids are shifted
        past the widths before it: ``tf.sparse.concat`` has no gradient for its values."""
        rows = next(iter(tokens.values()))[0].nrows()
        entries, offset = {}, 0
        for name, (ids, _) in tokens.items():
            columns = ids.flat_values + (offset if self.vectorizer.merge else 0)
            entries[name] = tf.stack([ids.value_rowids(), columns], axis=1)
            offset += self.vectorizer.widths[name]
        if self.vectorizer.merge:
            indices = tf.concat(list(entries.values()), axis=0)
            flat = tf.concat([values[name] for name in entries], axis=0)
            return self._vector(indices, flat, rows, offset)
        return {
            name: self._vector(indices, values[name], rows, self.vectorizer.widths[name])
            for name, indices in entries.items()
        }

    def _vector(self, indices, values, rows, width):
        shape = tf.stack([rows, tf.constant(width, tf.int64)])
        if self.vectorizer.sparse:
            return tf.SparseTensor(indices, values, shape)
        return tf.scatter_nd(indices, values, shape)
