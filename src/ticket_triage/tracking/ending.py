"""Every training run ends: FINISHED, FAILED or KILLED, whatever happens to training.

Keras calls ``on_train_end`` only when training returns, so a callback cannot end a run whose
training raised, and a SIGTERM kills Python before any callback or ``finally`` block runs.
``tracked_run`` wraps the training call instead: it turns SIGTERM and SIGINT into an exception
(``tracking.signals``) and ends the run by how the block ended. Only a process that dies without
a word (SIGKILL, power loss) escapes it; ``tracking.orphans`` ends those runs later.

Example:
    >>> with tracked_run(run):                      # doctest: +SKIP
    ...     history = train_with_fit(...)
"""

import contextlib
import logging

from ticket_triage.tracking import store
from ticket_triage.tracking.signals import Stopped, stop_on_signals

log = logging.getLogger(__name__)

END_TAG = "ended_by"  # why a run did not finish: a signal, an exception, a dead process
MAX_REASON = 1000


@contextlib.contextmanager
def tracked_run(run):
    """Run the block with SIGTERM/SIGINT raising ``Stopped``, then end ``run`` by its outcome.

    FINISHED when the block returns; KILLED on a signal or ``KeyboardInterrupt``; FAILED on any
    other exception, which is then re-raised. ``run=None`` (tracking off) only handles signals,
    so an untracked run stops just as cleanly.
    """
    try:
        with stop_on_signals():
            yield
    except Stopped as stop:
        _end(run, "KILLED", stop.signal_name)
        raise
    except KeyboardInterrupt:
        _end(run, "KILLED", "KeyboardInterrupt")
        raise
    except BaseException as error:
        _end(run, "FAILED", f"{type(error).__name__}: {error}")
        raise
    else:
        _end(run, "FINISHED")


def end_run(client, run_id, status, reason=None):
    """Set a run's final status and, unless it finished, why (the ``ended_by`` tag).

    A store outage costs a warning: it must not hide the error that ended training.
    """
    try:
        if reason:
            store.retrying(client.set_tag, run_id, END_TAG, reason[:MAX_REASON])
        store.retrying(client.set_terminated, run_id, status)
    except store.outage_errors() as error:
        log.warning("could not mark MLflow run %s %s: %s", run_id, status, error)
        return
    if status != "FINISHED":
        log.warning("MLflow run %s marked %s: %s", run_id, status, reason)


def _end(run, status, reason=None):
    if run is not None:
        end_run(run.client, run.run_id, status, reason)
