"""Every error the package raises on purpose, in one module at the bottom of the layers.

Any layer may raise them (this module imports nothing), and the entry points catch the ones a
user's mistake causes, ``USER_ERRORS``, to report them as one line and exit with status 2
(``config.user_errors``); the others keep their traceback.

Example:
    >>> raise unknown_choice("loop.name", "fitt", ["fit", "eager"])
    Traceback (most recent call last):
    ...
    ticket_triage.errors.ConfigError: loop.name = 'fitt' is not one of: fit, eager
"""

USAGE_ERROR = 2  # exit status of a stage stopped by a user's mistake (data or config), as in shells


class ConfigError(ValueError):
    """A config value that cannot work (an unknown name, say); the message says why."""


class DataError(ValueError):
    """Input data that cannot be used as configured; the message says what, where and what exists.

    Raised for problems with the whole input (a missing column, an unreadable file, a mapping that
    matches nothing); problems with single rows go to ``rejects.csv`` instead.
    """


class TrackingUnavailable(RuntimeError):
    """The configured tracking server cannot be reached."""


class KernelsUnavailable(RuntimeError):
    """The compiled kernels were required (``TICKET_TRIAGE_KERNELS=require``) but do not load."""


USER_ERRORS = (DataError, TrackingUnavailable, ConfigError)


def unknown_choice(key, value, choices):
    """The error for ``key=value`` when ``value`` is not one of ``choices``."""
    return ConfigError(f"{key} = '{value}' is not one of: {', '.join(choices)}")
