"""How many training batches one compiled call runs (``loop.steps_per_execution``).

Each call of a compiled step costs a fixed Python and dispatch overhead; with a first layer
whose cost follows the tokens present, that overhead is a large share of a batch's time, so the
loops run several batches per call. ``fit`` (and the ``train_step`` loop) run exactly
``steps_per_execution`` batches per call, also across an epoch's end: their train data holds
every epoch in one stream, so the number must divide the batches per epoch, and the largest
divisor up to the one asked for is used. Under a ``tf.distribute`` strategy with several
replicas ``fit`` runs one batch per call: Keras's multi-step function fails there with the
project's distributed ``fit`` (``distribution.distributed_fit``); the graph loop keeps its own.
"""

import logging

from ticket_triage.errors import ConfigError

log = logging.getLogger(__name__)


def requested_steps(steps_per_execution):
    """``loop.steps_per_execution``, checked."""
    steps = int(steps_per_execution)
    if steps < 1:
        raise ConfigError(f"loop.steps_per_execution = {steps} must be 1 or more")
    return steps


def fit_steps_per_execution(steps_per_execution, steps_per_epoch, distributed=False):
    """The ``steps_per_execution`` to compile a ``fit`` model with for these epochs.

    Example:
        >>> fit_steps_per_execution(8, 1250)
        5

    Args:
        steps_per_execution: the batches per call asked for (``loop.steps_per_execution``).
        steps_per_epoch: training batches per epoch.
        distributed: whether a strategy spreads the batches over several replicas.
    """
    requested = requested_steps(steps_per_execution)
    if distributed:
        return 1
    steps = max(d for d in range(1, requested + 1) if steps_per_epoch % d == 0)
    if steps != requested:
        log.info(
            "steps_per_execution %d -> %d: it must divide the %d batches per epoch",
            requested,
            steps,
            steps_per_epoch,
        )
    return steps
