"""The ``tf.data`` input pipeline from the prepared Parquet splits.

Raw strings are shuffled (seeded, per epoch), batched, and only then vectorised, so memory is
bounded by the batch, never by corpus x vocabulary. Batches come out as ``(inputs, targets)``:
inputs a dict ``{title, text_body, tags}`` of multi-hots (for the Sequential model, one
``merged`` multi-hot), targets a dict ``{priority, department}`` (for Sequential, one target).

Example:
    >>> data = TicketData.load("data/prepared", batch_size=128)  # doctest: +SKIP
    >>> inputs, targets = next(iter(data.dataset("train", spec.heads, epochs=5)))  # doctest: +SKIP
"""

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import tensorflow as tf

from ticket_triage.data import schema
from ticket_triage.data.vectorizer import TAG_SEPARATOR, TicketVectorizer
from ticket_triage.models.spec import DEPARTMENT, PRIORITY, TAGS, TEXT_BODY, TITLE

SPLITS = ("train", "val", "test")


@dataclass
class TicketData:
    """The prepared splits and the vectoriser that turns their batches into tensors.

    Args:
        frames: split name -> prepared DataFrame.
        vectorizer: a ``TicketVectorizer`` over the same vocabularies.
        batch_size: tickets per batch.
        seed: seed of the training shuffle.
        sequential: feed a Sequential model: one ``merged`` multi-hot in, its one target out.
    """

    frames: dict
    vectorizer: TicketVectorizer
    batch_size: int = 128
    seed: int = 0
    sequential: bool = False

    @classmethod
    def load(cls, prepared_dir, batch_size=128, sparse=True, seed=0, sequential=False):
        prepared = Path(prepared_dir)
        frames = {split: pd.read_parquet(prepared / f"{split}.parquet") for split in SPLITS}
        vectorizer = TicketVectorizer.from_prepared(prepared, sparse=sparse)
        return cls(frames, vectorizer, batch_size, seed, sequential)

    def size(self, split):
        return len(self.frames[split])

    def steps(self, split):
        return -(-self.size(split) // self.batch_size)

    def dataset(self, split, heads, epochs=1):
        """Batches of ``split`` for a model with ``heads``.

        The train split is reshuffled every epoch, and its order is a pure function of
        ``(seed, epoch)`` (a stateless ``index_shuffle``), not of how many iterators were
        opened: so ``fit()`` and the hand-written loops see the very same batches. Ask for all
        ``epochs`` at once and take ``steps(split)`` batches per epoch from one iterator (with
        ``fit()``: ``steps_per_epoch``). Other splits come in file order, once.
        """
        frame = self.frames[split]
        columns = {
            schema.TITLE: frame[schema.TITLE].to_numpy(str),
            schema.BODY: frame[schema.BODY].to_numpy(str),
        }
        if TAGS in self.vectorizer.layers:
            columns[schema.TAGS] = frame[schema.TAGS].map(TAG_SEPARATOR.join).to_numpy(str)
        if PRIORITY in heads:
            columns[schema.PRIORITY] = frame[schema.PRIORITY].to_numpy("float32")
        if DEPARTMENT in heads:
            columns[schema.DEPARTMENT] = frame[schema.DEPARTMENT].to_numpy(str)
        columns = {name: tf.constant(values) for name, values in columns.items()}
        if split == "train":
            order = tf.data.Dataset.range(epochs).flat_map(
                lambda epoch: self._epoch_order(len(frame), epoch)
            )
        else:
            order = tf.data.Dataset.range(len(frame)).batch(self.batch_size)
        batches = order.map(
            lambda rows: {name: tf.gather(values, rows) for name, values in columns.items()}
        )
        return batches.map(
            lambda batch: self._to_tensors(batch, heads),
            num_parallel_calls=tf.data.AUTOTUNE,
            deterministic=True,
        ).prefetch(tf.data.AUTOTUNE)

    def _epoch_order(self, size, epoch):
        seed = tf.stack([tf.constant(self.seed, tf.int64), epoch])
        permutation = tf.random.experimental.index_shuffle(
            tf.range(size, dtype=tf.int64), seed=seed, max_index=size - 1
        )
        return tf.data.Dataset.from_tensor_slices(permutation).batch(self.batch_size)

    def _to_tensors(self, batch, heads):
        inputs = self.vectorizer.inputs(
            batch[schema.TITLE], batch[schema.BODY], batch.get(schema.TAGS)
        )
        if self.sequential:
            parts = [inputs[name] for name in (TITLE, TEXT_BODY, TAGS) if name in inputs]
            inputs = (
                tf.sparse.concat(1, parts) if self.vectorizer.sparse else tf.concat(parts, axis=1)
            )
        targets = {}
        if PRIORITY in heads:
            targets[PRIORITY] = tf.expand_dims(batch[schema.PRIORITY], -1)
        if DEPARTMENT in heads:
            targets[DEPARTMENT] = self.vectorizer.label_ids(
                schema.DEPARTMENT, batch[schema.DEPARTMENT]
            )
        if self.sequential:
            targets = targets[heads[0]]
        return inputs, targets
