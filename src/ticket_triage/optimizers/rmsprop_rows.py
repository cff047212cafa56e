"""``SparseRMSprop``'s row update as one compiled op (``rmsprop_rows.cc``), where it is built.

Written with TensorFlow ops, the update of the 2,000 or so kernel rows a batch touches is a
dozen passes over them (gathers, element-wise ops, scatters) and a ``tf.unique`` for repeated
rows: about a third of a training step at 20,000 input columns. The compiled op reads and
writes each row once, sums repeated rows itself, and computes the same arithmetic (Keras's
RMSprop, in the same order, without fused multiply-adds). ``make setup`` builds it
(``scripts/build-rmsprop-rows.sh``); where it is not built (no C++ compiler), ``rows_op``
returns ``None`` and ``SparseRMSprop`` keeps its TensorFlow ops.

Example:
    >>> op = rows_op()                                                      # doctest: +SKIP
    >>> op.rmsprop_rows(kernel.handle, velocity.handle, last_step.handle,   # doctest: +SKIP
    ...                 values, indices, step, learning_rate, rho, epsilon)
"""

import functools
import logging
from pathlib import Path

import tensorflow as tf

log = logging.getLogger(__name__)

LIBRARY = Path(__file__).with_name("_rmsprop_rows.so")


@functools.cache
def rows_op():
    """The loaded op library (its op: ``rmsprop_rows``), or ``None`` if it was not built."""
    if not LIBRARY.exists():
        log.warning(
            "%s is not built (make setup builds it with g++): SparseRMSprop updates its rows "
            "with TensorFlow ops, the same arithmetic, more slowly",
            LIBRARY.name,
        )
        return None
    return tf.load_op_library(str(LIBRARY))
