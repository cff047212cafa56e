"""How many threads one TensorFlow op may use while training (``trainer.op_threads``).

TensorFlow splits each op over every core by default (intra-op parallelism). A training step on
sparse inputs is a few hundred small ops: gathers, scatters and element-wise updates of the
2,000 or so kernel rows a batch touches. Handing each of them out to several threads costs more
than it saves, and the other cores already have work: the next independent op (TensorFlow runs
those side by side) and the input pipeline. With one thread per op, training at 20,031 columns
was about 20% faster on 2 cores, with the chapter's model at batch 64 and with the default one
at batch 128 (README, "Benchmarks"). Dense inputs keep TensorFlow's default: their first layer
is one large product, which the default splits to advantage (at 20,031 columns, and with the
default model on the synthetic corpus).

TensorFlow fixes the count when it starts, so ``train`` sets it before its first op. A process
where TensorFlow already runs with another count (a test session, the later jobs of a Hydra
multirun) keeps that count and says so.

Example:
    >>> use_op_threads(resolve_op_threads("auto", sparse=True))  # doctest: +SKIP
    1
"""

import logging

import tensorflow as tf

from ticket_triage.errors import ConfigError

log = logging.getLogger(__name__)


def resolve_op_threads(setting, sparse):
    """``trainer.op_threads`` resolved: threads per op, 0 for TensorFlow's default (every core).

    Args:
        setting: ``auto`` (1 on sparse inputs, TensorFlow's default on dense ones), or a count.
        sparse: whether the model is fed sparse inputs (``trainer.sparse_inputs`` resolved).

    Example:
        >>> resolve_op_threads("auto", sparse=True), resolve_op_threads("auto", sparse=False)
        (1, 0)
    """
    if setting == "auto":
        return 1 if sparse else 0
    if isinstance(setting, int) and not isinstance(setting, bool) and setting >= 0:
        return setting
    raise ConfigError(
        f"trainer.op_threads = {setting!r}: choose auto, 0 (TensorFlow's default: every core) "
        "or a number of threads"
    )


def use_op_threads(threads):
    """Let each TensorFlow op of this process use ``threads`` threads (0: TensorFlow's default).

    Returns the count in force afterwards: ``threads``, or the one TensorFlow started with.
    """
    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
    except RuntimeError:  # TensorFlow has started: its count is fixed for this process
        log.warning(
            "TensorFlow already runs with %s thread(s) per op in this process, kept; "
            "trainer.op_threads=%d takes effect in a new process",
            tf.config.threading.get_intra_op_parallelism_threads() or "the default",
            threads,
        )
    return tf.config.threading.get_intra_op_parallelism_threads()
