"""What explanations cost: bulk predict and the served model, with and without them.

Bulk: ``python -m pipelines.predict`` on a synthetic CSV export (``--tickets``), CSV out, as a
process, with ``triage.explain_tokens=3`` (the default) and ``0`` (no explanation column, no
backward pass), alternating over ``--rounds`` so the shared machine's noise falls on both; the
median tickets/s of each. Served: single-ticket requests to the labeled model a training run
logged (``models/mlflow_run.json``: run ``make pipeline`` first), in-process and over HTTP
(``mlflow models serve``), with and without ``{"params": {"explain": true}}``; p50 and p99.
Figures go to ``benchmarks/results/trust_cost.json``.

    python benchmarks/trust_cost.py [--tickets 200000] [--rounds 3] [--requests 300]
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from serving_latency import mlflow_models_serve, post, tickets, timed

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "trust_cost.json"


def bulk(count, rounds):
    """Median tickets/s of predict with and without explanations, CSV to CSV."""
    from ticket_triage.data.synthetic import generate_tickets

    seconds = {"with explanations": [], "without explanations": []}
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        frame = generate_tickets(count, seed=11).drop(columns=["priority", "department"])
        frame["tags"] = frame["tags"].map(",".join)
        frame.to_csv(folder / "export.csv", index=False)
        for _ in range(rounds):
            for name, tokens in (("with explanations", 3), ("without explanations", 0)):
                started = time.perf_counter()
                subprocess.run(
                    [
                        sys.executable,
                        "-m",
                        "pipelines.predict",
                        "data=csv",
                        f"data.path={folder}/export.csv",
                        f"predict.output={folder}/out.csv",
                        f"triage.explain_tokens={tokens}",
                        f"hydra.run.dir={folder}/hydra",
                    ],
                    cwd=ROOT,
                    check=True,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                seconds[name].append(time.perf_counter() - started)
    return {name: round(count / float(np.median(s))) for name, s in seconds.items()}


def served(model_uri, tracking_uri, requests):
    """p50 and p99 (ms) of single-ticket requests, in-process and over HTTP, both ways."""
    import mlflow

    one = tickets(1)
    model = mlflow.pyfunc.load_model(model_uri)
    figures = {}
    for name, params in (("plain", None), ("explain", {"explain": True})):
        timed(lambda p=params: model.predict(one, params=p), 20)  # warm-up: tracing
        figures[f"in-process, {name}"] = _percentiles(
            timed(lambda p=params: model.predict(one, params=p), requests)
        )
    with mlflow_models_serve(model_uri, tracking_uri) as url:
        records = one.to_dict(orient="records")
        for name, extra in (("plain", {}), ("explain", {"params": {"explain": True}})):
            body = json.dumps({"dataframe_records": records, **extra}).encode()
            timed(lambda b=body: post(url, b), 20)
            figures[f"HTTP, {name}"] = _percentiles(timed(lambda b=body: post(url, b), requests))
    return figures


def _percentiles(seconds):
    p50, p99 = np.percentile(seconds * 1000, [50, 99])
    return {"p50_ms": round(float(p50), 2), "p99_ms": round(float(p99), 2)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    recorded = json.loads((ROOT / "models" / "mlflow_run.json").read_text())
    os.environ["MLFLOW_TRACKING_URI"] = recorded["tracking_uri"]
    results = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "predict_tickets_per_second": bulk(args.tickets, args.rounds),
        "predict_tickets": args.tickets,
        "single_ticket_latency": served(
            recorded["model_uri"], recorded["tracking_uri"], args.requests
        ),
    }
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
