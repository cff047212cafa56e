"""The project's compiled TensorFlow kernels, for the two hot spots of sparse training.

At the chapter's vocabulary caps (20,000 input columns) a training step on sparse inputs is
mostly the first layer and its optimizer update, over the 2,000 or so kernel rows a batch
touches. Written with TensorFlow ops, both are chains of passes over those rows; compiled,
each is one:

- ``present_columns``, ``token_rows_sum`` (``token_rows.cc``): ``TokenDense``'s training
  product, one multiply-add of a kernel row per token, with its gradient for the rows;
- ``rmsprop_rows`` (``rmsprop_rows.cc``): ``SparseRMSprop``'s update of the touched rows.

They compute the same arithmetic as the TensorFlow ops they replace (to float rounding), on
the CPU, in ``float32``. ``make setup`` builds them (``scripts/build-kernels.sh``, g++ against
the venv's TensorFlow); where they are not built, ``compiled()`` is ``None`` and the layers keep
their TensorFlow ops. Inference and exported models never use them.

Example:
    >>> kernels = compiled()                                                # doctest: +SKIP
    >>> columns, position = kernels.present_columns(x.indices, x.dense_shape)  # doctest: +SKIP
"""

import functools
import logging
from pathlib import Path

import tensorflow as tf

log = logging.getLogger(__name__)

LIBRARY = Path(__file__).with_name("_kernels.so")


@functools.cache
def compiled():
    """The loaded kernels (``present_columns``, ``token_rows_sum``, ``rmsprop_rows``), or
    ``None`` (with one warning) where ``make setup`` did not build them."""
    if not LIBRARY.exists():
        log.warning(
            "%s is not built (make setup builds it with g++): sparse training uses TensorFlow "
            "ops, the same arithmetic, more slowly",
            LIBRARY.name,
        )
        return None
    kernels = tf.load_op_library(str(LIBRARY))
    tf.no_gradient("PresentColumns")  # column positions: integers, nothing to differentiate
    tf.RegisterGradient("TokenRowsSum")(_token_rows_sum_gradient(kernels))
    return kernels


def _token_rows_sum_gradient(kernels):
    def gradient(op, grad):
        rows, indices, position, values, _ = op.inputs
        num_rows = tf.shape(rows, out_type=tf.int64)[0]
        rows_grad = kernels.token_rows_sum_grad(grad, indices, position, values, num_rows)
        return [rows_grad, None, None, None, None]  # the tokens are data

    return gradient
