"""The project's optional compiled TensorFlow kernels, for the two hot spots of the sparse path.

At the chapter's vocabulary caps (20,000 input columns) a training step on sparse inputs is
mostly the first layer and its optimizer update, over the 2,000 or so kernel rows a batch
touches. Written with TensorFlow ops, both are chains of passes over those rows; compiled,
each is one:

- ``present_columns``, ``token_rows_sum`` (``token_rows.cc``): ``TokenDense``'s product, one
  multiply-add of a row per token, with its gradients for the rows and for the tokens' values;
- ``rmsprop_rows`` (``rmsprop_rows.cc``): ``SparseRMSprop``'s update of the touched rows.

They compute the same arithmetic as the TensorFlow ops they replace (to float rounding), on
the CPU, in ``float32``. ``make setup`` builds them when it can (``scripts/build-kernels.sh``,
a portable build for any x86-64 CPU). Training and inference use them where they load (the
product at inference: 4x faster than its TensorFlow ops); a saved model holds no trace of them,
so it loads and answers the same anywhere.

They are a speed-up, never a requirement. ``TICKET_TRIAGE_KERNELS`` says what to do:

- ``auto`` (the default): load them if the library built for this TensorFlow loads; otherwise
  one warning naming the cause, and the layers keep their TensorFlow ops;
- ``off``: TensorFlow ops, no warning;
- ``require``: an error instead of the fallback (benchmarks, the kernels' own tests in CI).

Example:
    >>> kernels = compiled()                                                # doctest: +SKIP
    >>> columns, position = kernels.present_columns(x.indices, x.dense_shape)  # doctest: +SKIP
"""

import functools
import logging
import os
from pathlib import Path

import tensorflow as tf

from ticket_triage.errors import KernelsUnavailable

log = logging.getLogger(__name__)

FOLDER = Path(__file__).parent
MODES = ("auto", "off", "require")


def library_path(version=tf.__version__):
    """Where ``scripts/build-kernels.sh`` writes the library built for TensorFlow ``version``."""
    return FOLDER / f"_kernels.tf{version}.so"


@functools.cache
def compiled():
    """The loaded kernels (``present_columns``, ``token_rows_sum``, ``rmsprop_rows``), or
    ``None`` where they are off or do not load (with one warning, under ``auto``)."""
    mode = os.environ.get("TICKET_TRIAGE_KERNELS", "auto").strip().lower()
    if mode not in MODES:
        raise KernelsUnavailable(
            f"TICKET_TRIAGE_KERNELS={mode!r}: expected one of {', '.join(MODES)}"
        )
    if mode == "off":
        return None
    try:
        kernels = _load()
    except (OSError, tf.errors.OpError, KernelsUnavailable) as error:
        cause = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        if mode == "require":
            raise KernelsUnavailable(f"kernels required but not loaded: {cause}") from error
        log.warning(
            "compiled kernels not loaded (%s): the sparse layers use TensorFlow ops, the same "
            "arithmetic, more slowly; `make setup` builds them",
            cause,
        )
        return None
    _register_gradients(kernels)
    return kernels


def _register_gradients(kernels):
    """The ops' gradients, registered once per process (the library may load again)."""
    try:
        tf.no_gradient("PresentColumns")  # column positions: integers, nothing to differentiate
        tf.RegisterGradient("TokenRowsSum")(_token_rows_sum_gradient(kernels))
    except KeyError:  # "Registering two gradient with name": registered by an earlier load
        pass


def _load():
    """The library built for this TensorFlow, loaded; an error naming why it cannot be."""
    library = library_path()
    if not library.exists():
        others = sorted(path.name for path in FOLDER.glob("_kernels*.so"))
        built_for = f"; found {', '.join(others)}, built for another TensorFlow" if others else ""
        raise KernelsUnavailable(f"{library.name} is not built{built_for}")
    return tf.load_op_library(str(library))


def _token_rows_sum_gradient(kernels):
    def gradient(op, grad):
        rows, indices, position, values, _ = op.inputs
        num_rows = tf.shape(rows, out_type=tf.int64)[0]
        rows_grad = kernels.token_rows_sum_grad(grad, indices, position, values, num_rows)
        return [rows_grad, None, None, _values_gradient(op, grad), None]

    return gradient


def _values_gradient(op, grad):
    """The gradient for each token's value: its ticket's output gradient . its kernel row.

    Only an explanation (``models.explain``: gradient x input) asks for it; training's values
    are data, so it is skipped (``skip_input_indices``) or pruned from the traced step.
    """
    rows, indices, position, _, _ = op.inputs
    skipped = getattr(op, "skip_input_indices", None)
    if skipped is not None and 3 in skipped:
        return None
    return tf.reduce_sum(tf.gather(grad, indices[:, 0]) * tf.gather(rows, position), axis=1)
