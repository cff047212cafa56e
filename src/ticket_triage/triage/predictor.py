"""A trained serving model and its department names, run over many tickets fast.

The model comes from ``models/`` (``serving.keras``, ``departments.txt`` and ``trust.json``, as
``train`` wrote them) or from MLflow (``models:/ticket-triage@champion``, ``runs:/<id>/model``):
the labeled model ``train`` logs carries all three; ``artifacts`` loads them. Asked to, it also
explains each ticket's department (``models.explain.Explainer``) in the same traced call.
Batches go through the traced model in parallel threads (one call per core), about three times
as fast as ``Model.predict`` on strings here.
"""

import collections
import os
from concurrent.futures import ThreadPoolExecutor

import keras
import numpy as np
import tensorflow as tf

from ticket_triage.models.explain import Explainer
from ticket_triage.models.serving import vectorizer_of
from ticket_triage.triage.labels import EXPLANATION_TOKENS, EXPLANATION_WEIGHTS

PARALLEL_CALLS = os.cpu_count() or 2  # one model call per core at a time


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

        Up to one batch (a served request) is one call of the traced model in this thread;
        more are batches called in parallel (``stream``).
        """
        size = len(next(iter(inputs.values())))
        if size <= self.batch_size:
            return _joined([self._call(_strings(inputs))])
        return next(self.stream([(None, inputs)]))[1]

    def stream(self, items):
        """Predict a stream of ``(key, inputs)``; yield ``(key, outputs)`` in the same order.

        Each item's batches go to ``PARALLEL_CALLS`` threads that call the traced model (it
        releases the GIL) as soon as the item is pulled, and the item is answered once the
        next one is pulled: so the model keeps the cores busy while this thread pulls (reads,
        cleans) the next item and the caller writes the last. An item without tickets yields
        ``{}``. An error raised while pulling the items is raised here, after the items before
        it.

        Threads rather than a ``tf.data`` map: a dataset function of the explaining model ran
        at half the speed of the same traced function called from threads.

        Example:
            >>> items = ((c, serving_inputs(c.tickets, names)) for c in chunks)  # doctest: +SKIP
            >>> for chunk, outputs in predictor.stream(items):                 # doctest: +SKIP
            ...     write(chunk, outputs)
        """
        items = iter(items)
        in_flight = collections.deque()  # (key, size, futures of its batches), oldest first
        calls = ThreadPoolExecutor(PARALLEL_CALLS, thread_name_prefix="predict")
        try:
            while True:
                try:
                    item = next(items, None)
                    if item is not None:
                        in_flight.append(self._submitted(calls, *item))
                except Exception:
                    while in_flight:  # the items before the failure are answered first
                        yield _answer(*in_flight.popleft())
                    raise
                if in_flight and (item is None or len(in_flight) > 1):
                    yield _answer(*in_flight.popleft())
                if item is None and not in_flight:
                    return
        finally:  # an error or a caller that stops early: the queued calls are dropped
            calls.shutdown(wait=True, cancel_futures=True)

    def _submitted(self, calls, key, inputs):
        """``(key, size, futures)``: the item's batches handed to the model's threads."""
        size = len(next(iter(inputs.values())))
        batches = [
            _strings(
                {name: value[start : start + self.batch_size] for name, value in inputs.items()}
            )
            for start in range(0, size, self.batch_size)
        ]
        return key, size, [calls.submit(self._call, batch) for batch in batches]


def _strings(inputs):
    return {name: tf.constant(value, tf.string) for name, value in inputs.items()}


def _answer(key, size, futures):
    return key, _joined([future.result() for future in futures]) if size else {}


def _joined(parts):
    """Batches of ``{head: tensor}`` -> one ``{head: array}`` (``{}`` for no batches)."""
    if not parts:
        return {}
    return {
        name: np.concatenate([keras.ops.convert_to_numpy(part[name]) for part in parts])
        for name in parts[0]
    }
