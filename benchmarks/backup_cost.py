"""What backups cost and what a kill costs: the figures behind ``trainer.backup.every_n_batches``.

Two measurements, in one run of this script:

1. **Cost per backup.** One training backs up every 50 batches; every backup (gathering the
   state, writing, fsync, rename) and every training batch are timed. The overhead of an
   interval of N batches is ``backup time / (N x batch time)``.
2. **Time lost per kill.** A training at the default interval is killed with SIGKILL at a few
   points and run again; time lost = killed run + resumed run - one uninterrupted run, all
   real processes (Python start, TensorFlow import, data loading, restore, redone batches).

    python benchmarks/backup_cost.py [--tickets 100000] [--epochs 2]

Writes ``benchmarks/results/backup_cost.json`` and prints the README's table.
"""

import argparse
import json
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

INTERVALS = (100, 250, 500, 1000, 2000)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--kills", type=int, default=3)
    args = parser.parse_args()

    from tests.conftest import prepare_synthetic

    with tempfile.TemporaryDirectory() as scratch:
        prepared = prepare_synthetic(f"{scratch}/data", args.tickets)
        settings = [
            f"paths.prepared_dir={prepared}",
            "tracking=none",
            "loop.verbose=0",
            f"trainer.epochs={args.epochs}",
            "callbacks.early_stopping.enabled=false",
        ]
        per_backup, per_batch, backup_mb, default = time_backups(scratch, settings)
        lost = time_kills(scratch, settings, args.kills)
    rows = {
        interval: {
            "overhead_percent": round(100 * per_backup / (interval * per_batch), 2),
            "work_redone_after_a_kill_s": round(interval * per_batch, 2),
        }
        for interval in INTERVALS
    }
    results = {
        "tickets": args.tickets,
        "epochs": args.epochs,
        "seconds_per_backup": round(per_backup, 4),
        "backup_megabytes": round(backup_mb, 1),
        "seconds_per_batch": round(per_batch, 5),
        "intervals": rows,
        "default_interval": default,
        "kills": lost,
    }
    out = ROOT / "benchmarks" / "results" / "backup_cost.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(
        f"one backup: {per_backup * 1000:.1f} ms ({backup_mb:.1f} MB); one batch: "
        f"{per_batch * 1000:.2f} ms\n"
    )
    print("| every_n_batches | backup overhead | work redone after a kill (at most) |")
    print("|---:|---:|---:|")
    for interval, row in rows.items():
        print(
            f"| {interval}{' (default)' if interval == default else ''} | "
            f"{row['overhead_percent']}% | {row['work_redone_after_a_kill_s']} s |"
        )
    print(
        f"\ntime lost per SIGKILL at the default interval: {lost['seconds_lost']} "
        f"(median {lost['median_s']} s; uninterrupted run {lost['uninterrupted_s']} s)"
    )


def time_backups(scratch, settings):
    """Median seconds per backup and per training batch, and megabytes per backup file."""
    from tests.conftest import compose_config
    from ticket_triage.resume.callback_list import BackedUpCallbackList
    from ticket_triage.resume.store import BackupStore
    from ticket_triage.training.run import train

    backups, batches, sizes = [], [], []
    back_up, batch_end = BackedUpCallbackList._back_up, BackedUpCallbackList.on_train_batch_end
    write = BackupStore.write

    def timed_back_up(self, position):
        started = time.perf_counter()
        back_up(self, position)
        backups.append(time.perf_counter() - started)

    def timed_batch_end(self, batch, logs=None):
        now = time.perf_counter()
        if getattr(self, "last_batch_end", None) is not None:
            batches.append(now - self.last_batch_end)
        batch_end(self, batch, logs)
        self.last_batch_end = time.perf_counter()  # a backup's own time is not a batch's

    def sized_write(self, meta, arrays):
        path = write(self, meta, arrays)
        sizes.append(path.stat().st_size / 2**20)
        return path

    BackedUpCallbackList._back_up = timed_back_up
    BackedUpCallbackList.on_train_batch_end = timed_batch_end
    BackupStore.write = sized_write
    cfg = compose_config(
        "train",
        [
            *settings,
            f"paths.models_dir={scratch}/timed/models",
            f"paths.reports_dir={scratch}/timed/reports",
            "trainer.backup.every_n_batches=50",
        ],
    )
    train(cfg)
    default = int(compose_config("train").trainer.backup.every_n_batches)
    return statistics.median(backups), statistics.median(batches), statistics.median(sizes), default


def time_kills(scratch, settings, kills):
    """Wall time of one uninterrupted run, and what each SIGKILL + resume adds to it."""
    from tests.resume.processes import after_backup, backups, signal_when, start_training

    def run(root, *extra):
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "pipelines.train", *settings, *paths(root), *extra],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        return time.perf_counter() - started

    def paths(root):
        return [
            f"paths.models_dir={root}/models",
            f"paths.reports_dir={root}/reports",
            f"hydra.run.dir={root}/hydra",
        ]

    uninterrupted = run(f"{scratch}/whole")
    lost = []
    for kill in range(1, kills + 1):
        root = Path(scratch) / f"kill{kill}"
        started = time.perf_counter()
        process = start_training(*settings, *paths(root), log_file=Path(scratch) / "kill.log")
        signal_when(process, after_backup(root / "models-backup", kill), signal.SIGKILL)
        killed = time.perf_counter() - started
        assert backups(root / "models-backup")
        lost.append(round(killed + run(root) - uninterrupted, 1))
    return {
        "uninterrupted_s": round(uninterrupted, 1),
        "seconds_lost": lost,
        "median_s": statistics.median(lost),
    }


if __name__ == "__main__":
    main()
