"""A trained serving model and its department names, run over many tickets fast.

The model comes from ``models/`` (``serving.keras``, ``departments.txt`` and ``trust.json``, as
``train`` wrote them) or from MLflow (``models:/ticket-triage@champion``, ``runs:/<id>/model``):
the labeled model ``train`` logs carries all three; ``artifacts`` loads them. Asked to, it also
explains each ticket's department (``models.explain.Explainer``) in the same traced call.
Batches go through the model in parallel ``tf.data`` map calls (one per core), about three times
as fast as ``Model.predict`` on strings here.
"""

import collections
import os

import keras
import numpy as np
import tensorflow as tf

from ticket_triage.models.explain import Explainer
from ticket_triage.models.serving import vectorizer_of
from ticket_triage.triage.labels import EXPLANATION_TOKENS, EXPLANATION_WEIGHTS

# One model call per core at a time. AUTOTUNE starts low and ramps up over each new dataset,
# which costs a third of the throughput when every chunk of an export is a new dataset.
PARALLEL_CALLS = os.cpu_count() or 2


class Predictor:
    """Raw ticket strings in, model outputs out, in batches.

    Args:
        serving: the Keras serving model (``models.serving.ServingModel``).
        departments: the department class names, in the order of its output (empty without a
            department head).
        batch_size: tickets per model call.
        source: where the model came from, for the report.
        trust: the model's :class:`Trust` (``None`` for a model trained before it: no route).
        explained: tokens an explanation lists (``triage.explain_tokens``; 0: none).
    """

    def __init__(self, serving, departments, batch_size=1024, source="", trust=None, explained=0):
        self.serving = serving
        self.departments = list(departments)
        self.batch_size = batch_size
        self.source = source
        self.trust = trust
        self.explained = explained if departments else 0  # nothing to explain without the head
        self.input_names = [tensor.name for tensor in serving.inputs]
        self.vectorizer = vectorizer_of(serving)
        self.explainer = Explainer(serving, self.explained) if self.explained else None
        strings = {name: tf.TensorSpec([None, 1], tf.string) for name in self.input_names}
        self._call = tf.function(  # traced once, whatever the number of chunks
            self._explained if self.explained else self._plain, input_signature=[strings]
        )

    def explaining(self, explained):
        """The same model and files, explaining ``explained`` tokens per ticket (no reload)."""
        return Predictor(
            self.serving, self.departments, self.batch_size, self.source, self.trust, explained
        )

    @property
    def threshold(self):
        """The review threshold (``None``: no route)."""
        return self.trust.threshold if self.trust is not None else None

    def _plain(self, inputs):
        return self.serving(inputs, training=False)

    def _explained(self, inputs):
        outputs, tokens, weights = self.explainer(inputs)
        return {**outputs, EXPLANATION_TOKENS: tokens, EXPLANATION_WEIGHTS: weights}

    def predict(self, inputs):
        """``{input name: (n, 1) strings}`` -> ``{head: (n, ...) array}``, in input order.

        Up to one batch (a served request) is one call of the traced model; more go through
        ``tf.data`` map calls that run in parallel.
        """
        size = len(next(iter(inputs.values())))
        if size <= self.batch_size:
            parts = [self._call({name: tf.constant(v, tf.string) for name, v in inputs.items()})]
        else:
            parts = list(
                tf.data.Dataset.from_tensor_slices(inputs)
                .batch(self.batch_size)
                .map(self._call, num_parallel_calls=PARALLEL_CALLS, deterministic=True)
                .prefetch(tf.data.AUTOTUNE)
            )
        return _joined(parts)

    def stream(self, items):
        """Predict a stream of ``(key, inputs)``; yield ``(key, outputs)`` in the same order.

        One ``tf.data`` pipeline runs over all of them: while the model works on one item's
        batches, a ``tf.data`` thread already pulls (reads, cleans) and batches the next, so both
        cores stay busy across item boundaries. An item without tickets yields ``{}``. An error
        raised while pulling the items is raised here, after the items before it.

        Example:
            >>> items = ((c, serving_inputs(c.tickets, names)) for c in chunks)  # doctest: +SKIP
            >>> for chunk, outputs in predictor.stream(items):                 # doctest: +SKIP
            ...     write(chunk, outputs)
        """
        pending = collections.deque()  # (key, size): filled by the tf.data thread, emptied here
        failure = []  # what the tf.data thread raised: TensorFlow would turn it into its own error

        def batches():
            try:
                for index, (key, inputs) in enumerate(items):
                    size = len(next(iter(inputs.values())))
                    pending.append((key, size))
                    if size == 0:  # one blank ticket keeps the item flowing; its answer is dropped
                        inputs = {name: np.full((1, 1), "", object) for name in inputs}
                    for start in range(0, max(size, 1), self.batch_size):
                        end = start + self.batch_size
                        yield index, {name: value[start:end] for name, value in inputs.items()}
            except Exception as error:  # re-raised below, as itself: a DataError stays one line
                failure.append(error)

        strings = {name: tf.TensorSpec([None, 1], tf.string) for name in self.input_names}
        signature = (tf.TensorSpec([], tf.int64), strings)
        outputs = (
            tf.data.Dataset.from_generator(batches, output_signature=signature)
            .map(
                lambda index, inputs: (index, self._call(inputs)),
                num_parallel_calls=PARALLEL_CALLS,
                deterministic=True,
            )
            .prefetch(PARALLEL_CALLS)
        )
        finished, parts = 0, []
        for index, batch in outputs:
            while finished < int(index):  # every item before this batch's item is complete
                yield _answer(pending.popleft(), parts)
                finished, parts = finished + 1, []
            parts.append(batch)
        if pending:
            yield _answer(pending.popleft(), parts)
        if failure:
            raise failure[0]


def _answer(item, parts):
    key, size = item
    return key, _joined(parts) if size else {}


def _joined(parts):
    """Batches of ``{head: tensor}`` -> one ``{head: array}`` (``{}`` for no batches)."""
    if not parts:
        return {}
    return {
        name: np.concatenate([keras.ops.convert_to_numpy(part[name]) for part in parts])
        for name in parts[0]
    }
