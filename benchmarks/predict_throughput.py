"""Throughput of bulk triage (`predict`), end to end (process start to files written).

Writes 1,000,000 synthetic tickets as an export (not timed), then runs
``python -m pipelines.predict`` on it in a subprocess and reports tickets per second and the
process's peak memory (max RSS), for a Parquet export to a Parquet output and a CSV export to a
CSV output; a third row triages synthetic tickets generated on the fly (generation included).
Target: >= 20,000 tickets/s on 2 cores. Uses the trained model in ``models/`` (run
``make pipeline`` first).

    python benchmarks/predict_throughput.py [--tickets 1000000] [--models-dir models]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def write_export(tickets, folder):
    """The synthetic tickets as the Parquet and CSV exports a help desk would hand over."""
    from ticket_triage.data.synthetic import generate_tickets

    frame = generate_tickets(tickets, seed=11).drop(columns=["priority", "department"])
    frame["tags"] = frame["tags"].map(",".join)
    frame.to_parquet(folder / "export.parquet", index=False)
    frame.to_csv(folder / "export.csv", index=False)
    return {"parquet": folder / "export.parquet", "csv": folder / "export.csv"}


def triage(overrides, folder):
    """Run the stage once; return (seconds, peak RSS of that process in MiB, its report)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "pipelines.predict", *overrides, f"hydra.run.dir={folder}/hydra"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(process.pid, 0)  # this process's own peak, not all children's
    seconds = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"predict failed ({status}): {overrides}")
    output = next(o.split("=", 1)[1] for o in overrides if o.startswith("predict.output="))
    report = json.loads(Path(output).with_name(f"{Path(output).stem}.report.json").read_text())
    return seconds, usage.ru_maxrss / 1024, report


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--models-dir", default=str(ROOT / "models"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        exports = write_export(args.tickets, folder)
        runs = {
            "Parquet export -> Parquet": [
                "data=csv",
                f"data.path={exports['parquet']}",
                f"predict.output={folder}/triaged.parquet",
            ],
            "CSV export -> CSV": [
                "data=csv",
                f"data.path={exports['csv']}",
                f"predict.output={folder}/triaged.csv",
            ],
            "synthetic, generated on the fly -> Parquet": [
                f"data.num_tickets={args.tickets}",
                f"predict.output={folder}/synthetic.parquet",
            ],
        }
        print(f"{args.tickets:,} tickets, model in {args.models_dir}")
        print("| input -> output | seconds | tickets/s | peak RSS (MiB) |")
        print("|---|---:|---:|---:|")
        for name, overrides in runs.items():
            seconds, peak, report = triage(
                [f"paths.models_dir={args.models_dir}", *overrides], folder
            )
            assert report["rows_predicted"] == args.tickets, report
            print(f"| {name} | {seconds:.1f} | {args.tickets / seconds:,.0f} | {peak:,.0f} |")


if __name__ == "__main__":
    main()
