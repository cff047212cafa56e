"""How many threads one TensorFlow op may use while training (``trainer.op_threads``).

TensorFlow splits each op over every core by default (intra-op parallelism). A training step of
the ticket models is a few hundred small ops: on sparse inputs, gathers, scatters and element-wise
updates of the 2,000 or so kernel rows a batch touches; on dense inputs of the synthetic corpus's
width, products of 64 x 3,000 matrices. Handing each of them out to several threads costs more
than it saves, and the other cores already have work: the next independent op (TensorFlow runs
those side by side) and the input pipeline. With one thread per op both trained about 20%
faster on 2 cores (README, "Benchmarks"). A dense first layer over a wide input (forced with
``trainer.sparse_inputs=false``) is the exception: its 64 x 20,000 products are worth splitting,
so it keeps TensorFlow's default.

TensorFlow fixes the count when it starts, so ``train`` sets it before its first op. A process
where TensorFlow already runs with another count (a test session, the later jobs of a Hydra
multirun) keeps that count and says so.

Example:
    >>> use_op_threads(resolve_op_threads("auto", wide_dense=False))  # doctest: +SKIP
    1
"""

import logging

import tensorflow as tf

from ticket_triage.errors import ConfigError

log = logging.getLogger(__name__)


def resolve_op_threads(setting, wide_dense):
    """``trainer.op_threads`` resolved: threads per op, 0 for TensorFlow's default (every core).

    Args:
        setting: ``auto``, or a count (0: TensorFlow's default).
        wide_dense: whether the first layer multiplies dense inputs of ``sparse_from_columns``
            columns or more, the one case where ``auto`` keeps TensorFlow's default.

    Example:
        >>> resolve_op_threads("auto", wide_dense=False)
        1
        >>> resolve_op_threads("auto", wide_dense=True)
        0
    """
    if setting == "auto":
        return 0 if wide_dense else 1
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
