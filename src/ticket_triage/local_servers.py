"""Servers a command starts on this machine: free ports on 127.0.0.1, and waiting for one to answer.

The team tracking server, the local multi-worker launcher, the serving benchmark and the tests
that start ``mlflow server`` or ``mlflow models serve`` all need both; this is their one copy.

Example:
    >>> first, second = free_ports(2)
    >>> first != second
    True
    >>> answers(f"http://{HOST}:{first}/health", timeout=1)  # nothing listens there
    False
"""

import socket
import urllib.request
from pathlib import Path

import tenacity

HOST = "127.0.0.1"


def free_ports(count):
    """``count`` distinct ports free on 127.0.0.1 right now (probed together, so they differ)."""
    probes = [socket.socket() for _ in range(count)]
    try:
        for probe in probes:
            probe.bind((HOST, 0))
        return [probe.getsockname()[1] for probe in probes]
    finally:
        for probe in probes:
            probe.close()


def free_port():
    """One port free on 127.0.0.1 right now."""
    return free_ports(1)[0]


def answers(url, timeout=2.0):
    """Whether ``GET url`` answers 200 within ``timeout`` seconds."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status == 200
    except OSError:
        return False


def wait_until_answers(url, process, name, log=None, timeout=180, interval=0.5):
    """Poll ``url`` until it answers 200; fail at once when ``process`` (a ``Popen``) exits.

    Args:
        url: what to poll, e.g. ``http://127.0.0.1:5000/health``.
        process: the server's process.
        name: the server, for messages (``mlflow server``).
        log: the server's log file, whose end a failure shows.
        timeout: seconds before giving up.
        interval: seconds between polls.

    Raises:
        RuntimeError: the process exited, or ``url`` did not answer in ``timeout`` seconds.
    """

    def up():
        if process.poll() is not None:
            tail = Path(log).read_text(errors="replace")[-3000:] if log else ""
            raise RuntimeError(f"{name} exited with {process.returncode}; see {log}:\n{tail}")
        return answers(url)

    polling = tenacity.Retrying(
        retry=tenacity.retry_if_result(lambda answered: not answered),
        stop=tenacity.stop_after_delay(timeout),
        wait=tenacity.wait_fixed(interval),
        retry_error_callback=lambda state: state.outcome.result(),
    )
    if not polling(up):
        raise RuntimeError(f"{name} did not answer {url} in {timeout} s; see {log}")
