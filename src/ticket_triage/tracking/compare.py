"""A comparison table of training runs, straight from the MLflow store.

    python -m ticket_triage.tracking.compare [--experiment ticket-triage] [--uri URI] [--last 20]

prints a Markdown table, one row per finished training run (sweep parents left out), newest
first: loop mode, model, learning rate, the final validation metrics and training throughput.
"""

import argparse

from ticket_triage.tracking.store import resolve_uri

COLUMNS = {
    "tags.loop": "loop",
    "tags.model": "model",
    "params.optimizer.learning_rate": "learning rate",
    "metrics.val_loss": "val loss",
    "metrics.val_priority_rmse": "val priority RMSE",
    "metrics.val_department_accuracy": "val department acc",
    "metrics.test_department_accuracy": "test department acc",
    "metrics.tickets_per_second": "tickets/s",
}


def comparison_table(experiment, uri=None, last=20):
    """The Markdown table for the newest ``last`` finished training runs of ``experiment``."""
    import mlflow

    mlflow.set_tracking_uri(resolve_uri(uri))
    runs = mlflow.search_runs(
        experiment_names=[experiment],
        filter_string="status = 'FINISHED'",
        order_by=["attributes.start_time DESC"],
        max_results=last * 2,
    )
    if runs.empty:
        return f"no finished runs in experiment '{experiment}'"
    if "tags.sweep_parent" in runs:
        runs = runs[runs["tags.sweep_parent"] != "true"]
    runs = runs.head(last)
    present = [column for column in COLUMNS if column in runs]
    header = ["run", *(COLUMNS[column] for column in present)]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for _, run in runs.iterrows():
        cells = [str(run.get("tags.mlflow.runName", run["run_id"][:8]))]
        cells += [_cell(run[column]) for column in present]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _cell(value):
    if isinstance(value, float):
        if value != value:  # NaN: the run did not log it
            return "-"
        return f"{value:,.0f}" if value >= 100 else f"{value:.4f}"
    return "-" if value is None else str(value)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Compare training runs from the MLflow store.")
    parser.add_argument("--experiment", default="ticket-triage")
    parser.add_argument("--uri", default=None, help="tracking URI (default: the project store)")
    parser.add_argument("--last", type=int, default=20, help="newest runs to show")
    args = parser.parse_args(argv)
    print(comparison_table(args.experiment, args.uri, args.last))


if __name__ == "__main__":
    main()
