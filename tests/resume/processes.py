"""Training subprocesses to kill: start one, wait for a moment in training, send a signal."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import ROOT

BACKUP = "backup-*.npz"


def start_training(*overrides, log_file, env=None):
    """``python -m pipelines.train <overrides>`` in the background, its output in ``log_file``."""
    environment = dict(os.environ, **(env or {}))
    with open(log_file, "ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "pipelines.train", *overrides],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=environment,
        )


def run_training(*overrides, timeout=600):
    """``python -m pipelines.train <overrides>`` to its end; the finished process."""
    return subprocess.run(
        [sys.executable, "-m", "pipelines.train", *overrides],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def signal_when(process, ready, signum=signal.SIGKILL, timeout=300):
    """Send ``signum`` to ``process`` as soon as ``ready()`` holds; return the exit status."""
    deadline = time.monotonic() + timeout
    while not ready():
        assert process.poll() is None, f"training ended (status {process.returncode}) too soon"
        assert time.monotonic() < deadline, "training never got there"
        time.sleep(0.002)
    process.send_signal(signum)
    return process.wait(timeout=120)


def backups(folder):
    """The sequence numbers of the complete backups in ``folder``."""
    return sorted(int(path.stem.split("-")[1]) for path in Path(folder).glob(BACKUP))


def after_backup(folder, sequence):
    """Ready once backup number ``sequence`` is complete."""
    return lambda: any(number >= sequence for number in backups(folder))


def during_backup_write(folder, after):
    """Ready while a backup later than number ``after`` is being written (its temporary file)."""

    def ready():
        writing = list(Path(folder).glob(".backup-*.tmp"))
        return bool(writing) and backups(folder)[-1:] >= [after]

    return ready


def after_epoch_end(history_csv, epochs):
    """Ready once ``epochs`` rows are in the CSV log (before that epoch's own backup)."""

    def ready():
        path = Path(history_csv)
        return path.exists() and len(path.read_text().splitlines()) > epochs

    return ready
