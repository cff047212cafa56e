"""The ``tf.data`` input pipeline from the prepared Parquet splits.

Each split is tokenized once into every ticket's token ids and values (``tokens``); batches are
shuffled (seeded, per epoch) rows of those, and only then vectorised, so memory follows the
tokens present and the batch, never corpus x vocabulary. Batches come out as ``(inputs, targets)``:
inputs a dict ``{title, text_body, tags}`` of multi-hots or TF-IDF vectors (for the Sequential
model, one ``merged`` vector), targets a dict ``{priority, department[, difficulty]}`` or one
tensor.

Example:
    >>> data = TicketData.load("data/prepared", batch_size=128)  # doctest: +SKIP
    >>> inputs, targets = next(iter(data.dataset("train", spec.heads, epochs=5)))  # doctest: +SKIP
"""

import logging
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np
import pandas as pd
import tensorflow as tf

from ticket_triage.data import schema, tokenizer
from ticket_triage.data.split import SPLITS
from ticket_triage.data.vocab import load_idf_weights, load_vocabularies
from ticket_triage.errors import unknown_choice
from ticket_triage.inputs.vectorizer import TAG_SEPARATOR, TicketVectorizer

log = logging.getLogger(__name__)

TOKENIZE_CHUNK = 4096  # tickets per tokenizing call
CLASS_WEIGHTING = ("balanced", "none")
TITLE, TEXT_BODY, TAGS = schema.INPUT_TITLE, schema.INPUT_BODY, schema.INPUT_TAGS
PRIORITY, DEPARTMENT = schema.HEAD_PRIORITY, schema.HEAD_DEPARTMENT
DIFFICULTY = schema.HEAD_DIFFICULTY


@dataclass
class TicketData:
    """The prepared splits and the layers that turn their batches into tensors.

    Args:
        frames: split name -> prepared DataFrame.
        vectorizer: a ``TicketVectorizer`` over the same vocabularies and tokenizer.
        labels: label column (department, difficulty) -> its labels, in class-id order.
        batch_size: tickets per batch.
        seed: seed of the training shuffle.
        merge_inputs: one ``merged`` multi-hot input instead of three (the Sequential model).
        class_weights: the department head's weight per class id (see ``weigh_classes``), or
            ``None`` for equal weights.
    """

    frames: dict
    vectorizer: TicketVectorizer
    labels: dict
    batch_size: int = 128
    seed: int = 0
    merge_inputs: bool = False
    class_weights: list | None = None

    def __post_init__(self):
        self._tokens = {}  # split -> its tokens, made once (see ``tokens``)
        # One trace of the vectorizer's tokenizing for every split, called on chunks in threads:
        # a dataset's map would trace and optimise it again per split, about 1 s each on 2
        # cores, more than the val split's tokens cost.
        strings = {name: tf.TensorSpec([None], tf.string) for name in self.vectorizer.input_names}
        self._tokenize = tf.function(self.vectorizer.tokens, input_signature=[strings])
        self.label_ids = {
            column: keras.layers.StringLookup(vocabulary=labels, num_oov_indices=0)
            for column, labels in self.labels.items()
        }  # label -> class id

    @property
    def departments(self):
        return self.labels.get(schema.DEPARTMENT, [])

    @classmethod
    def load(cls, prepared_dir, batch_size=128, sparse=True, seed=0, merge_inputs=False):
        prepared = Path(prepared_dir)
        frames = {split: pd.read_parquet(prepared / f"{split}.parquet") for split in SPLITS}
        vocabularies = load_vocabularies(prepared)
        vectorizer = TicketVectorizer(
            vocabularies,
            sparse=sparse,
            merge=merge_inputs,
            tokenizer=tokenizer.load_mode(prepared),
            ngrams=tokenizer.load_ngrams(prepared),
            max_tokens=tokenizer.load_max_tokens(prepared),
            normalize=tokenizer.load_normalize(prepared),
            idf_weights=load_idf_weights(prepared),
        )
        labels = {
            column: vocabularies[column]
            for column in schema.LABEL_COLUMNS
            if column in vocabularies
        }
        return cls(frames, vectorizer, labels, batch_size, seed, merge_inputs)

    def weigh_classes(self, mode):
        """Weigh the department head's classes: ``balanced`` gives class ``c`` the weight
        ``n / (k * n_c)`` over the train split (scikit-learn's ``class_weight="balanced"``), so
        a rare department counts as much as a common one; ``none`` weighs every ticket alike.
        """
        if mode not in CLASS_WEIGHTING:
            raise unknown_choice("trainer.class_weight", mode, CLASS_WEIGHTING)
        if mode == "none" or DEPARTMENT not in self.labels:
            self.class_weights = None
            return
        from sklearn.utils.class_weight import compute_class_weight

        classes = np.asarray(self.labels[DEPARTMENT])
        train = self.frames["train"][schema.DEPARTMENT].to_numpy()
        self.class_weights = compute_class_weight("balanced", classes=classes, y=train).tolist()

    def size(self, split):
        return len(self.frames[split])

    def steps(self, split):
        return -(-self.size(split) // self.batch_size)

    def dataset(self, split, heads, epochs=1, named_targets=True, weighted=False, start=None):
        """Batches of ``split`` for a model with ``heads``; targets as a dict of heads, or (with
        ``named_targets=False``) the one head's tensor, for a single-output model. With
        ``weighted``, batches are ``(inputs, targets, sample_weights)``: the department head's
        class weights, ones for the other heads, in the targets' structure.

        The train split is reshuffled every epoch, and its order is a pure function of
        ``(seed, epoch)`` (a stateless ``index_shuffle``), not of how many iterators were
        opened: so ``fit()`` and the hand-written loops see the very same batches. Ask for all
        ``epochs`` at once and take ``steps(split)`` batches per epoch from one iterator (with
        ``fit()``: ``steps_per_epoch``). Other splits come in file order, once.

        ``start`` (a ``resume.position.Position``) begins the train split at that epoch and
        batch, for a resumed run: the consumed batches are skipped as row indices, before any
        text is vectorised, so skipping costs next to nothing.
        """
        frame = self.frames[split]
        tokens = self.tokens(split)
        columns = {}
        if PRIORITY in heads:
            columns[schema.PRIORITY] = frame[schema.PRIORITY].to_numpy("float32")
        for label in (DEPARTMENT, DIFFICULTY):
            if label in heads:
                columns[label] = frame[label].to_numpy(str)
        columns = {name: tf.constant(values) for name, values in columns.items()}
        if split == "train":
            order = self.train_order(epochs, start)
        else:
            order = tf.data.Dataset.range(len(frame)).batch(self.batch_size)

        def batch_of(rows):
            batch_tokens = {
                name: take_rows(ids, values, rows) for name, (ids, values) in tokens.items()
            }
            batch = {name: tf.gather(values, rows) for name, values in columns.items()}
            return self._to_tensors(batch_tokens, batch, heads, named_targets, weighted)

        batches = order.map(batch_of, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
        if split != "train" and self.vectorizer.sparse:
            # The same batches every epoch: built once and kept, as its tokens are (sparse
            # vectors cost memory per token present; dense ones would cost it per column).
            batches = batches.cache()
        return batches.prefetch(tf.data.AUTOTUNE)

    def train_order(self, epochs, start=None):
        """The train split's row indices, one dataset element per batch, for ``epochs``: the
        order every loop trains in, from ``start`` (a ``resume.position.Position``) if given.
        Public so that a comparison outside the project (``benchmarks/train_throughput.py``)
        can train on the very same batches.
        """
        size = self.size("train")
        first_epoch, first_batch = (start.epoch, start.batch) if start else (0, 0)
        return (
            tf.data.Dataset.range(first_epoch, epochs)
            .flat_map(lambda epoch: self._epoch_order(size, epoch))
            .skip(first_batch)
        )

    def _epoch_order(self, size, epoch):
        """The row indices of each batch of ``epoch``, one dataset element per batch.

        The full batches are one reshape of the permutation (as Keras's array adapter does):
        slicing it index by index and batching it again cost up to 0.1 ms of CPU per batch of
        64, in a pipeline of about 0.65 ms.
        """
        seed = tf.stack([tf.constant(self.seed, tf.int64), epoch])
        permutation = tf.random.experimental.index_shuffle(
            tf.range(size, dtype=tf.int64), seed=seed, max_index=size - 1
        )
        full = size // self.batch_size * self.batch_size
        batches = tf.data.Dataset.from_tensor_slices(
            tf.reshape(permutation[:full], [-1, self.batch_size])
        )
        if full == size:
            return batches
        return batches.concatenate(tf.data.Dataset.from_tensors(permutation[full:]))

    def tokens(self, split):
        """Every ticket's token ids and values in ``split`` (``TicketVectorizer.tokens``).

        Tokenizing is most of the input pipeline's cost, so each split is tokenized once, in
        parallel chunks, and kept: an epoch then only gathers its batches' rows and builds their
        vectors. It costs memory per token present (about 12 bytes), never per vocabulary entry.
        """
        if split not in self._tokens:
            started = time.perf_counter()
            frame = self.frames[split]
            strings = {
                TITLE: frame[schema.TITLE].to_numpy(str),
                TEXT_BODY: frame[schema.BODY].to_numpy(str),
            }
            if TAGS in self.vectorizer.input_names:
                strings[TAGS] = frame[schema.TAGS].map(TAG_SEPARATOR.join).to_numpy(str)
            with ThreadPoolExecutor(os.cpu_count() or 2) as pool:  # chunks on every core
                chunks = list(
                    pool.map(
                        self._tokenize,
                        [
                            {
                                name: values[start : start + TOKENIZE_CHUNK]
                                for name, values in strings.items()
                            }
                            for start in range(0, max(len(frame), 1), TOKENIZE_CHUNK)
                        ],
                    )
                )
            self._tokens[split] = {
                name: tuple(tf.concat([chunk[name][i] for chunk in chunks], 0) for i in (0, 1))
                for name in chunks[0]
            }
            log.info(
                "tokenized the %s split: %d tickets in %.1f s",
                split,
                len(frame),
                time.perf_counter() - started,
            )
        return self._tokens[split]

    def _to_tensors(self, tokens, batch, heads, named_targets, weighted):
        inputs = self.vectorizer.vectors(tokens)
        targets = {}
        if PRIORITY in heads:
            targets[PRIORITY] = tf.expand_dims(batch[schema.PRIORITY], -1)
        for label in (DEPARTMENT, DIFFICULTY):
            if label in heads:
                targets[label] = self.label_ids[label](batch[label])
        if not weighted:
            return inputs, (targets if named_targets else targets[heads[0]])
        weights = {head: tf.ones_like(targets[head], tf.float32) for head in heads}
        weights = {head: tf.reshape(weight, [-1]) for head, weight in weights.items()}
        if DEPARTMENT in heads and self.class_weights is not None:
            weights[DEPARTMENT] = tf.gather(
                tf.constant(self.class_weights, tf.float32), targets[DEPARTMENT]
            )
        if not named_targets:
            return inputs, targets[heads[0]], weights[heads[0]]
        return inputs, targets, weights


def take_rows(ids, values, rows):
    """Rows ``rows`` of two ragged tensors with the same row splits: a split's token ids, values.

    The same as ``tf.gather`` on each, at a cost that follows the batch: ``tf.gather`` on a
    ragged tensor costs about 85 us per call at 80,000 tickets whatever the batch, most of the
    input pipeline's time. Here the batch's positions in the flat values are one ragged range,
    and each tensor one flat gather.

    Example:
        >>> ids = tf.ragged.constant([[1, 2], [], [3]], tf.int64)
        >>> take_rows(ids, ids * 10, tf.constant([2, 0], tf.int64))[1].to_list()
        [[30], [10, 20]]
    """
    splits = ids.row_splits
    positions = tf.ragged.range(tf.gather(splits, rows), tf.gather(splits, rows + 1))
    return tuple(
        positions.with_flat_values(tf.gather(ragged.flat_values, positions.flat_values))
        for ragged in (ids, values)
    )
