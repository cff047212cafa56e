"""Helpers the Hydra entry points share: turning user mistakes into one clear message."""

import contextlib
import sys

from ticket_triage.data.schema import DataError
from ticket_triage.tracking.store import TrackingUnavailable

USER_ERRORS = (DataError, TrackingUnavailable)


@contextlib.contextmanager
def user_errors():
    """Report a user's mistake (bad data or mapping, a tracking server that is down) as one line
    and exit 2, without a traceback.

    Programming errors are not caught: they keep their traceback.

    Example:
        >>> with user_errors():                                   # doctest: +SKIP
        ...     prepare_dataset(cfg)
    """
    try:
        yield
    except USER_ERRORS as error:
        print(f"error: {error}", file=sys.stderr)
        raise SystemExit(2) from error
