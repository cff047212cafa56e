"""The model with the default settings against the linear baseline, on four kinds of data.

For each dataset: `prepare` (its preset, default split), `train` (defaults: only paths and
tracking are set), `evaluate`; the table shows the model's and the linear baseline's department
accuracy and macro-F1 and priority RMSE on the same test split. Targets: macro-F1 at least the
baseline's, priority RMSE at most 1.05 x the ridge baseline's.

    python benchmarks/quality.py [--tickets 20000] [--only balanced,long_tail,hadoop,chinese]
"""

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DATASETS = {  # name -> prepare overrides
    "balanced": ["data=synthetic"],
    "long_tail": ["data=synthetic", "data.long_tail=true"],
    "hadoop": ["data=hadoop_jira", f"data.path={ROOT.parent}/shared/realdata/hadoop_bugs.csv"],
    "chinese": ["data=synthetic", "data.language=zh"],
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=20_000, help="synthetic tickets")
    parser.add_argument("--only", default=",".join(DATASETS), help="comma-separated datasets")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--json", type=Path, help="also write the rows here")
    args = parser.parse_args()

    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        for name in args.only.split(","):
            started = time.perf_counter()
            metrics = run_dataset(Path(scratch) / name, DATASETS[name], args.tickets, args.seed)
            rows.append(row(name, metrics, time.perf_counter() - started))
            print(json.dumps(rows[-1]), flush=True)
    print()
    print(table(rows))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")


def run_dataset(root, data_overrides, tickets, seed):
    """prepare -> train -> evaluate with default settings; the evaluation metrics."""
    from tests.conftest import compose_config
    from ticket_triage.data.prepare import prepare_dataset
    from ticket_triage.evaluation.report import evaluate
    from ticket_triage.training.run import train

    paths = [
        f"paths.data_dir={root}/data",
        f"paths.models_dir={root}/models",
        f"paths.reports_dir={root}/reports",
    ]
    synthetic = "data=synthetic" in data_overrides
    count = [f"data.num_tickets={tickets}"] if synthetic else []
    prepare_dataset(compose_config("prepare", [*paths, *data_overrides, *count, f"seed={seed}"]))
    train(compose_config("train", [*paths, "loop.verbose=0", "tracking=none", f"seed={seed}"]))
    return evaluate(compose_config("evaluate", paths))


def row(name, metrics, seconds):
    """One table row: model and baseline side by side, for the heads the data has."""
    baseline = metrics.get("linear_baseline", {})
    out = {"dataset": name, "test_tickets": metrics["test_tickets"], "seconds": round(seconds)}
    if "department" in metrics:
        for key in ("accuracy", "macro_f1"):
            out[f"department_{key}"] = metrics["department"][key]
            out[f"baseline_department_{key}"] = baseline["department"][key]
    if "priority" in metrics:
        out["priority_rmse"] = metrics["priority"]["rmse"]
        out["baseline_priority_rmse"] = baseline["priority"]["rmse"]
    return out


def table(rows):
    """Markdown: model vs linear baseline, with whether each target is met."""

    def pair(row, key, better):
        if key not in row:
            return "-"
        model, base = row[key], row[f"baseline_{key}"]
        met = model >= base if better == "higher" else model <= 1.05 * base
        return f"{model:.3f} vs {base:.3f} {'(met)' if met else '(missed)'}"

    lines = [
        "| dataset | test tickets | department accuracy | department macro-F1 | priority RMSE |",
        "|---|---:|---:|---:|---:|",
    ]
    for r in rows:
        accuracy = (
            f"{r['department_accuracy']:.3f} vs {r['baseline_department_accuracy']:.3f}"
            if "department_accuracy" in r
            else "-"
        )
        lines.append(
            f"| {r['dataset']} | {r['test_tickets']:,} | {accuracy} | "
            f"{pair(r, 'department_macro_f1', 'higher')} | {pair(r, 'priority_rmse', 'lower')} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
