"""Latency and throughput of the labeled MLflow model, in-process and over HTTP.

Loads the model a training run logged (by default the one ``models/mlflow_run.json`` names, so
run ``make pipeline`` first), then measures single-ticket requests (p50 and p99 over
``--requests`` calls, after a warm-up) and one ``--batch``-ticket request, first in-process with
``mlflow.pyfunc``, then over HTTP against ``mlflow models serve --env-manager local`` started on a
free port of 127.0.0.1 (and stopped at the end).

    python benchmarks/serving_latency.py [--model-uri models:/ticket-triage@champion]
"""

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np

from ticket_triage.local_servers import free_port, wait_until_answers

ROOT = Path(__file__).resolve().parents[1]


def tickets(count):
    from ticket_triage.data.synthetic import generate_tickets

    frame = generate_tickets(count, seed=5)
    frame["tags"] = frame["tags"].map(",".join)
    return frame[["title", "body", "tags"]]


def timed(call, repeats):
    seconds = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - started)
    return np.array(seconds)


def report(where, single, batch_seconds, batch):
    p50, p99 = np.percentile(single * 1000, [50, 99])
    print(f"| {where} | {p50:.1f} | {p99:.1f} | {batch / batch_seconds:,.0f} |")


def in_process(model_uri, requests, batch):
    import mlflow

    model = mlflow.pyfunc.load_model(model_uri)
    one, many = tickets(1), tickets(batch)
    timed(lambda: model.predict(one), 20)  # warm-up: tracing, caches
    single = timed(lambda: model.predict(one), requests)
    batch_seconds = timed(lambda: model.predict(many), 3).min()
    report("in-process (`mlflow.pyfunc`)", single, batch_seconds, batch)


def over_http(model_uri, tracking_uri, requests, batch):
    with mlflow_models_serve(model_uri, tracking_uri) as url:
        one = json.dumps({"dataframe_records": tickets(1).to_dict(orient="records")}).encode()
        many = json.dumps(
            {"dataframe_split": tickets(batch).to_dict(orient="split", index=False)}
        ).encode()
        timed(lambda: post(url, one), 20)
        single = timed(lambda: post(url, one), requests)
        batch_seconds = timed(lambda: post(url, many), 3).min()
        report("HTTP (`mlflow models serve`, 1 worker)", single, batch_seconds, batch)


@contextlib.contextmanager
def mlflow_models_serve(model_uri, tracking_uri):
    """``mlflow models serve`` of ``model_uri`` (one worker) on a free port of 127.0.0.1: yields
    its URL once it answers, stops it after."""
    port = free_port()
    command = ["mlflow", "models", "serve", "-m", model_uri, "--env-manager", "local"]
    server = subprocess.Popen(
        [sys.executable, "-m", *command, "-h", "127.0.0.1", "-p", str(port)],
        env=dict(
            os.environ,
            MLFLOW_TRACKING_URI=tracking_uri,
            PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_answers(f"{url}/ping", server, "mlflow models serve")
        yield url
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def post(url, body):
    request = urllib.request.Request(
        f"{url}/invocations", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        return response.read()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-uri", help="default: the model models/mlflow_run.json names")
    parser.add_argument("--tracking-uri", help="default: the store models/mlflow_run.json names")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--batch", type=int, default=5000)
    args = parser.parse_args()
    recorded = json.loads((ROOT / "models" / "mlflow_run.json").read_text())
    model_uri = args.model_uri or recorded["model_uri"]
    tracking_uri = args.tracking_uri or recorded["tracking_uri"]
    os.environ["MLFLOW_TRACKING_URI"] = tracking_uri
    print(f"{model_uri}: single ticket x {args.requests}, then one {args.batch:,}-ticket request")
    print("| where | p50 (ms) | p99 (ms) | batch tickets/s |")
    print("|---|---:|---:|---:|")
    in_process(model_uri, args.requests, args.batch)
    over_http(model_uri, tracking_uri, args.requests, args.batch)


if __name__ == "__main__":
    main()
