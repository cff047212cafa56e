"""SIGTERM and SIGINT during training become an exception, so the run can be marked KILLED.

Python's default SIGTERM handler ends the process on the spot: no ``finally`` block runs and the
MLflow run stays RUNNING forever. ``stop_on_signals`` makes both signals raise ``Stopped`` in the
main thread instead. ``Stopped`` is a ``SystemExit``: once the run is marked, the process exits
with the shell's convention for a signal (128 + signal number: 143 for SIGTERM, 130 for SIGINT)
and no traceback.

While the training loop runs (``defer_stops(True)``), a first signal is only recorded: the loop
sees it at its next safe point (the end of a batch), writes a backup and raises ``Stopped``
itself, so the next run resumes there (``resume``). A second signal stops at once.

Example:
    >>> with stop_on_signals():                     # doctest: +SKIP
    ...     model.fit(...)                          # `kill <pid>` -> Stopped, exit status 143
"""

import contextlib
import logging
import signal
import threading

log = logging.getLogger(__name__)

SIGNALS = (signal.SIGTERM, signal.SIGINT)
_stops = {"deferred": False, "signal": None}


class Stopped(SystemExit):
    """Training was stopped by a signal; exits with status 128 + the signal's number."""

    def __init__(self, signum):
        super().__init__(128 + signum)
        self.signal_name = signal.Signals(signum).name


@contextlib.contextmanager
def stop_on_signals():
    """Raise ``Stopped`` on SIGTERM or SIGINT inside the block; the old handlers come back after.

    Signal handlers can only be set from the main thread; elsewhere the block runs unchanged.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {signum: signal.signal(signum, _raise_stopped) for signum in SIGNALS}
    _stops.update(deferred=False, signal=None)
    try:
        yield
    finally:
        _stops.update(deferred=False, signal=None)
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def defer_stops(deferred):
    """Turn on (or off) the recording of a first signal instead of stopping at once."""
    _stops["deferred"] = deferred


def stop_requested():
    """The number of the signal waiting for a safe point, or ``None``."""
    return _stops["signal"]


def _raise_stopped(signum, frame):
    if _stops["deferred"] and _stops["signal"] is None:
        _stops["signal"] = signum
        log.warning(
            "%s received: stopping after this batch (several workers: at the next backup "
            "point, together), with a backup to resume from (send it again to stop at once)",
            signal.Signals(signum).name,
        )
        return
    raise Stopped(signum)
