"""What the optional compiled kernels are worth, and where the sparse input path pays, in one run.

Trains the product's default model (conf/ as it is: only the input path and the kernels vary,
callbacks off) for ``--epochs`` on three datasets: the default synthetic corpus (about 3,000 input
columns, what ``dvc repro`` trains), the same with small vocabulary caps (about 530 columns) and
the wide corpus of ``train_throughput.py`` (about 20,000 columns, the chapter's caps). Rows per
dataset:

    sparse-kernels   trainer.sparse_inputs=true, compiled kernels (TICKET_TRIAGE_KERNELS=require)
    sparse-tf-ops    trainer.sparse_inputs=true, TensorFlow ops only (TICKET_TRIAGE_KERNELS=off)
    dense            trainer.sparse_inputs=false: dense multi-hot batches, Keras's Dense

Each row runs in its own process, ``--rounds`` times, the rows alternating so that all meet the
same load on a shared machine; the figures are medians of training throughput (validation
excluded, epochs after the first). The ratios decide whether the kernels stay and where
``trainer.sparse_from_columns`` puts the switch to sparse inputs.

    python benchmarks/kernels.py [--tickets 100000] [--rounds 3]

Results go to ``benchmarks/results/kernels.json`` and a Markdown table on stdout.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.train_throughput import peak_rss_mib, prepare_small, prepare_wide  # noqa: E402

OUT = ROOT / "benchmarks" / "results" / "kernels.json"
ROWS = {  # name -> (TICKET_TRIAGE_KERNELS, train overrides)
    "sparse-kernels": ("require", ["trainer.sparse_inputs=true"]),
    "sparse-tf-ops": ("off", ["trainer.sparse_inputs=true"]),
    "dense": ("off", ["trainer.sparse_inputs=false"]),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000, help="wide corpus size")
    parser.add_argument("--small-tickets", type=int, default=20_000, help="default corpus size")
    parser.add_argument("--vocabulary", type=int, default=10_000, help="wide title/body caps")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--row", help=argparse.SUPPRESS)  # one row, in a child process
    parser.add_argument("--prepared", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.row:
        print(json.dumps(run_row(args)))
        return

    runs = {}
    with tempfile.TemporaryDirectory() as scratch:
        datasets = {
            "narrow": prepare_narrow(Path(scratch) / "narrow", args.small_tickets),
            "default": prepare_small(Path(scratch) / "small", args.small_tickets),
            "wide": prepare_wide(Path(scratch) / "wide", args.tickets, args.vocabulary),
        }
        for round_ in range(args.rounds):
            for data, prepared in datasets.items():
                for name in ROWS:
                    print(f"round {round_ + 1}: {data} {name} ...", file=sys.stderr, flush=True)
                    runs.setdefault(data, {}).setdefault(name, []).append(
                        run_child(args, name, prepared)
                    )
    report = {
        "description": "Training throughput of the default model with and without the compiled "
        "kernels, and on dense inputs; medians of alternating runs",
        "epochs": args.epochs,
        "rounds": args.rounds,
        "datasets": {
            data: {
                "input_columns": rows["dense"][0]["input_columns"],
                "tickets": args.tickets if data == "wide" else args.small_tickets,
                "rows": {name: summarize(row_runs) for name, row_runs in rows.items()},
            }
            for data, rows in runs.items()
        },
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(report, indent=2) + "\n")
    print_table(report)


def prepare_narrow(root, tickets):
    """The default corpus with small vocabulary caps (about 530 input columns): where a dense
    first layer is cheapest."""
    from tests.conftest import compose_config
    from ticket_triage.data.prepare import prepare_dataset

    caps = ["vocab.max_title_tokens=250", "vocab.max_body_tokens=250", "vocab.max_tags=50"]
    overrides = [f"paths.data_dir={root}", f"data.num_tickets={tickets}", *caps]
    prepare_dataset(compose_config("prepare", overrides))
    return root / "prepared"


def summarize(runs):
    speeds = [run["tickets_per_second"] for run in runs]
    last = runs[-1]
    return {
        "tickets_per_second_median": round(statistics.median(speeds), 1),
        "tickets_per_second_min": min(speeds),
        "tickets_per_second_max": max(speeds),
        "val_loss": last["val_loss"],
        "val_department_accuracy": last["val_department_accuracy"],
        "peak_rss_mib": max(run["peak_rss_mib"] for run in runs),
    }


def run_child(args, name, prepared):
    environment = {**os.environ, "TICKET_TRIAGE_KERNELS": ROWS[name][0]}
    command = [sys.executable, __file__, "--row", name, "--prepared", str(prepared)]
    command += ["--epochs", str(args.epochs)]
    done = subprocess.run(command, capture_output=True, text=True, env=environment, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_row(args):
    """Train one row in this process: its throughput, validation metrics and peak memory."""
    import logging

    from tests.conftest import compose_config
    from ticket_triage.models.spec import TicketSpec
    from ticket_triage.training.run import train

    logging.disable(logging.INFO)
    callbacks = ("checkpoint", "early_stopping", "reduce_lr", "csv_logger", "tensorboard")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as scratch:
        cfg = compose_config(
            "train",
            [
                f"paths.prepared_dir={args.prepared}",
                f"paths.models_dir={scratch}/models",
                f"paths.reports_dir={scratch}/reports",
                f"paths.backup_dir={scratch}/backup",
                "tracking=none",
                "loop.verbose=0",
                f"trainer.epochs={args.epochs}",
                *[f"callbacks.{callback}.enabled=false" for callback in callbacks],
                *ROWS[args.row][1],
            ],
        )
        summary = train(cfg)
    final = summary["final"]
    return {
        "tickets_per_second": round(summary["tickets_per_second"], 1),
        "val_loss": round(final["val_loss"], 4),
        "val_department_accuracy": round(final["val_department_accuracy"], 4),
        "input_columns": TicketSpec.from_prepared(args.prepared).width,
        "peak_rss_mib": peak_rss_mib(),
        "seconds": round(time.perf_counter() - started, 1),
    }


def print_table(report):
    print("| data | columns | row | tickets/s median (min-max) | val_loss | dept. accuracy |")
    print("|---|---:|---|---:|---:|---:|")
    for data, entry in report["datasets"].items():
        for name, row in entry["rows"].items():
            print(
                f"| {data} | {entry['input_columns']:,} | {name} | "
                f"{row['tickets_per_second_median']:,.0f} ({row['tickets_per_second_min']:,.0f}-"
                f"{row['tickets_per_second_max']:,.0f}) | {row['val_loss']} | "
                f"{row['val_department_accuracy']} |"
            )


if __name__ == "__main__":
    main()
