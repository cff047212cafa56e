"""Throughput of the `prepare` stage, end to end (process start to files written).

Runs ``python -m pipelines.prepare`` on synthetic tickets in a subprocess, as DVC would, and reports
tickets per second and the process's peak memory (max RSS). Target: >= 20,000 tickets/s on 2 cores.

    python benchmarks/prepare_throughput.py [--tickets 1000000]
"""

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        started = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pipelines.prepare",
                f"data.num_tickets={args.tickets}",
                f"paths.data_dir={scratch}/data",
                f"hydra.run.dir={scratch}/hydra",
            ],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        seconds = time.perf_counter() - started
        peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        report = json.loads(Path(scratch, "data/prepared/report.json").read_text())
    print(f"tickets            {args.tickets:,}")
    print(f"end to end         {seconds:.1f} s   ({args.tickets / seconds:,.0f} tickets/s)")
    print(f"peak memory (RSS)  {peak_mib:,.0f} MiB")
    print(f"kept / duplicates  {report['rows_kept']:,} / {report['duplicates_dropped']:,}")


if __name__ == "__main__":
    main()
