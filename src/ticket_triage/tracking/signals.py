"""SIGTERM and SIGINT during training become an exception, so the run can be marked KILLED.

Python's default SIGTERM handler ends the process on the spot: no ``finally`` block runs and the
MLflow run stays RUNNING forever. ``stop_on_signals`` makes both signals raise ``Stopped`` in the
main thread instead. ``Stopped`` is a ``SystemExit``: once the run is marked, the process exits
with the shell's convention for a signal (128 + signal number: 143 for SIGTERM, 130 for SIGINT)
and no traceback.

Example:
    >>> with stop_on_signals():                     # doctest: +SKIP
    ...     model.fit(...)                          # `kill <pid>` -> Stopped, exit status 143
"""

import contextlib
import signal
import threading

SIGNALS = (signal.SIGTERM, signal.SIGINT)


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
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _raise_stopped(signum, frame):
    raise Stopped(signum)
