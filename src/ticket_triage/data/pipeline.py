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

import keras
import pandas as pd
import tensorflow as tf

from ticket_triage.data import schema
from ticket_triage.data.vectorizer import TAG_SEPARATOR, TicketVectorizer, load_vocabularies
from ticket_triage.models.spec import DEPARTMENT, PRIORITY, TAGS, TEXT_BODY, TITLE

SPLITS = ("train", "val", "test")


@dataclass
class TicketData:
    """The prepared splits and the layers that turn their batches into tensors.

    Args:
        frames: split name -> prepared DataFrame.
        vectorizer: a ``TicketVectorizer`` over the same vocabularies.
        departments: the department labels, in class-id order.
        batch_size: tickets per batch.
        seed: seed of the training shuffle.
        sequential: feed a Sequential model: one ``merged`` multi-hot in, its one target out.
    """

    frames: dict
    vectorizer: TicketVectorizer
    departments: list
    batch_size: int = 128
    seed: int = 0
    sequential: bool = False

    def __post_init__(self):
        self.department_ids = (
            keras.layers.StringLookup(  # department name -> class id
                vocabulary=self.departments, num_oov_indices=0
            )
            if self.departments
            else None
        )

    @classmethod
    def load(cls, prepared_dir, batch_size=128, sparse=True, seed=0, sequential=False):
        prepared = Path(prepared_dir)
        frames = {split: pd.read_parquet(prepared / f"{split}.parquet") for split in SPLITS}
        vocabularies = load_vocabularies(prepared)
        vectorizer = TicketVectorizer(vocabularies, sparse=sparse, merge=sequential)
        departments = vocabularies.get(schema.DEPARTMENT, [])
        return cls(frames, vectorizer, departments, batch_size, seed, sequential)

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
        if TAGS in self.vectorizer.input_names:
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
        inputs = self.vectorizer(
            {
                TITLE: batch[schema.TITLE],
                TEXT_BODY: batch[schema.BODY],
                TAGS: batch.get(schema.TAGS),
            }
        )
        targets = {}
        if PRIORITY in heads:
            targets[PRIORITY] = tf.expand_dims(batch[schema.PRIORITY], -1)
        if DEPARTMENT in heads:
            targets[DEPARTMENT] = self.department_ids(batch[schema.DEPARTMENT])
        if self.sequential:
            targets = targets[heads[0]]
        return inputs, targets
