"""``scripts/local-workers N -- <train overrides>``: a multi-worker training on this machine.

Starts N ``python -m pipelines.train distribution=multi_worker <overrides>`` processes, each with
its own ``TF_CONFIG`` (the same cluster of N free ports on 127.0.0.1, its own index), prints
their output line by line behind a ``[worker i]`` prefix, and stops them all as soon as one
fails (a multi-worker training cannot go on without one of its workers; the others would wait
in their next collective operation forever). SIGINT or SIGTERM is passed on to every worker,
which backs up and stops (see ``resume``). Worker 0 is the chief: it writes ``models/``,
``reports/`` and the MLflow run.

Each worker's Hydra output goes to ``<hydra.run.dir>/worker-<i>`` (and the same under
``hydra.sweep.dir`` for ``-m``), so their logs do not mix. Importing this module does not load
TensorFlow.

Example:
    $ scripts/local-workers 2 -- loop=graph trainer.epochs=3
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from ticket_triage.local_servers import free_ports

ROOT = Path(__file__).resolve().parents[3]
GRACE_SECONDS = 30  # after the first failure, how long the others get to stop on SIGTERM


def main(argv=None):
    args = _parse(sys.argv[1:] if argv is None else argv)
    return run_workers(args.workers, args.overrides)


def run_workers(count, overrides, python=sys.executable, cwd=ROOT, out=sys.stdout):
    """Run ``count`` workers to the end; return 0, or the exit code of the first that failed.

    Workers run in their own session, so a Ctrl-C in the terminal reaches this launcher only,
    which passes it on once to each worker; the exit code is then ``128 + signal``.
    """
    ports = free_ports(count)
    base = _hydra_dir(overrides)
    interrupted = []  # the signal passed on to the workers, if any
    workers = []
    _forward_signals(workers, interrupted)
    try:
        for index in range(count):
            workers.append(
                subprocess.Popen(
                    [python, "-m", "pipelines.train", *worker_arguments(overrides, base, index)],
                    cwd=cwd,
                    env=dict(os.environ, TF_CONFIG=tf_config(ports, index), PYTHONUNBUFFERED="1"),
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    text=True,
                    bufsize=1,
                    start_new_session=True,
                )
            )
        lock = threading.Lock()
        printers = [
            threading.Thread(target=_stream, args=(worker, index, out, lock), daemon=True)
            for index, worker in enumerate(workers)
        ]
        for printer in printers:
            printer.start()
        code = _wait(workers, interrupted, out, lock)
        for printer in printers:
            printer.join(timeout=5)
        return code
    finally:
        _stop(workers)


def worker_arguments(overrides, base, index):
    """The ``pipelines.train`` arguments of worker ``index``: the user's, in the user's order.

    ``distribution=multi_worker`` and the worker's own Hydra folders go just before the first
    override (after any Hydra flag such as ``-m`` or ``-cn NAME``), or last when there is none.

    >>> worker_arguments(["-m", "loop=fit,graph"], "out", 1)[:2]
    ['-m', 'distribution=multi_worker']
    """
    ours = [
        "distribution=multi_worker",
        f"hydra.run.dir={base}/worker-{index}",
        f"hydra.sweep.dir={base}/worker-{index}",
    ]
    theirs = [
        o
        for o in overrides
        if not o.startswith(("hydra.run.dir=", "hydra.sweep.dir=", "distribution="))
    ]
    first = next((i for i, o in enumerate(theirs) if "=" in o and not o.startswith("-")), None)
    at = len(theirs) if first is None else first
    return [*theirs[:at], *ours, *theirs[at:]]


def tf_config(ports, index):
    """The ``TF_CONFIG`` of worker ``index`` in a cluster on 127.0.0.1 ``ports``."""
    cluster = {"worker": [f"127.0.0.1:{port}" for port in ports]}
    return json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}})


def _wait(workers, interrupted, out, lock):
    """Wait for all; at the first failure, stop the others and return its exit code.

    Once a signal has been passed on, every worker is stopping on its own (after a backup):
    they are waited for, not stopped again.
    """
    while True:
        codes = [worker.poll() for worker in workers]
        if interrupted and None not in codes:
            return 128 + interrupted[0]
        failed = [(index, code) for index, code in enumerate(codes) if code not in (None, 0)]
        if failed and not interrupted:
            index, code = failed[0]
            with lock:
                print(f"[local-workers] worker {index} exited with {code}: stopping all", file=out)
            _stop(workers)
            return 128 - code if code < 0 else code  # -N: killed by signal N
        if all(code == 0 for code in codes):
            return 0
        time.sleep(0.2)


def _stop(workers):
    """SIGTERM to the workers still running; SIGKILL to those not gone after the grace time."""
    for worker in workers:
        if worker.poll() is None:
            worker.terminate()
    deadline = time.monotonic() + GRACE_SECONDS
    for worker in workers:
        try:
            worker.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def _stream(worker, index, out, lock):
    for line in worker.stdout:
        with lock:
            out.write(f"[worker {index}] {line}")
            out.flush()


def _forward_signals(workers, interrupted):
    """Pass SIGINT and SIGTERM on to every running worker, once."""

    def forward(signum, _frame):
        if interrupted:
            return
        interrupted.append(signum)
        for worker in workers:
            if worker.poll() is None:
                worker.send_signal(signum)

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, forward)


def _hydra_dir(overrides):
    for override in overrides:
        for key in ("hydra.run.dir=", "hydra.sweep.dir="):
            if override.startswith(key):
                return override.removeprefix(key)
    return f"outputs/local-workers/{time.strftime('%Y-%m-%d/%H-%M-%S')}"


def _parse(argv):
    parser = argparse.ArgumentParser(
        prog="scripts/local-workers",
        description="Train with distribution=multi_worker on N local worker processes.",
        epilog="Example: scripts/local-workers 2 -- loop=graph trainer.epochs=3",
    )
    parser.add_argument("workers", type=int, help="number of worker processes (1 or more)")
    parser.add_argument("overrides", nargs="*", help="train overrides and Hydra flags, after --")
    args = parser.parse_args(argv)
    if args.workers < 1:
        parser.error(f"workers must be 1 or more, not {args.workers}")
    other = [
        o
        for o in args.overrides
        if o.startswith("distribution=") and o != "distribution=multi_worker"
    ]
    if other:
        parser.error(f"local workers always train with distribution=multi_worker, not {other[0]}")
    return args


if __name__ == "__main__":
    sys.exit(main())
