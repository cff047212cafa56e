"""The error for a config value that cannot work, shared by every layer (no imports above it).

Entry points report it as one line and exit with status 2, like a data error (``config.py``).

Example:
    >>> raise unknown_choice("loop.name", "fitt", ["fit", "eager"])
    Traceback (most recent call last):
    ...
    ticket_triage.errors.ConfigError: loop.name = 'fitt' is not one of: fit, eager
"""

USAGE_ERROR = 2  # exit status of a stage stopped by a user's mistake (data or config), as in shells


class ConfigError(ValueError):
    """A config value that cannot work (an unknown name, say); the message says why."""


def unknown_choice(key, value, choices):
    """The error for ``key=value`` when ``value`` is not one of ``choices``."""
    return ConfigError(f"{key} = '{value}' is not one of: {', '.join(choices)}")
