"""Training time with MLflow tracking on vs off, in one run (target: at most 5% overhead).

Trains the same configuration alternately without and with tracking (a SQLite store in a
temporary folder), several times each, and reports the median of each. Two figures: the epochs
alone (what the callback adds per epoch: params, metrics, checkpoints) and the whole ``train()``
call (which adds, once at the end, logging the artifacts and the serving model).

    python benchmarks/tracking_overhead.py [--tickets 20000] [--epochs 5] [--repeats 3]
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=20_000)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    from tests.conftest import compose_config, prepare_synthetic
    from ticket_triage.training.run import train

    with tempfile.TemporaryDirectory() as scratch:
        prepare_synthetic(f"{scratch}/data", args.tickets)
        timings = {"off": [], "on": []}
        for repeat in range(args.repeats + 1):  # the first round warms up and is dropped
            for mode in ("off", "on"):
                tracking = (
                    ["tracking=none"]
                    if mode == "off"
                    else [f"tracking.uri=sqlite:///{scratch}/mlruns.db"]
                )
                cfg = compose_config(
                    "train",
                    [
                        f"paths.prepared_dir={scratch}/data/prepared",
                        f"paths.models_dir={scratch}/{mode}{repeat}/models",
                        f"paths.reports_dir={scratch}/{mode}{repeat}/reports",
                        "loop.verbose=0",
                        f"trainer.epochs={args.epochs}",
                        "callbacks.early_stopping.enabled=false",
                        *tracking,
                    ],
                )
                started = time.perf_counter()
                summary = train(cfg)
                total = time.perf_counter() - started
                if repeat:
                    timings[mode].append((summary["seconds"], total))
    for index, label in ((0, "epochs (fit() call)"), (1, "whole train() call")):
        off = statistics.median(t[index] for t in timings["off"])
        on = statistics.median(t[index] for t in timings["on"])
        print(
            f"{label:22s} off {off:6.2f} s   on {on:6.2f} s   overhead {100 * (on / off - 1):+.1f}%"
        )


if __name__ == "__main__":
    main()
