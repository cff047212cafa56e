"""The product beside fastText on the same prepared splits: training, quality, predictions.

fastText (``fasttext-numpy2``: a supervised text classifier in C++, installed by the benchmark
extra, ``pip install -c requirements/constraints.txt -e '.[bench]'``) is the tool many would pick
for this job. Both tools run in one run of this script, back to back, on the same machine, so
their ratios hold even where the machine's load moves the absolute figures.

Datasets, each made by the product's own ``prepare`` (default split, seed 42):
``balanced`` (the default synthetic corpus), ``long_tail`` (ten departments of Zipf-like sizes)
and ``hadoop_priority``, the Apache Hadoop Jira export (GitBugs dataset, CC BY 4.0; Patil,
arXiv:2504.09651) through the ``data=hadoop_jira`` preset.

Per dataset:

- the product, as a process: ``python -m pipelines.train`` with the defaults of ``conf/`` (MLflow
  into a scratch store); ``seconds`` of its ``reports/train_metrics.json`` is the in-process
  training time, the process's wall clock the time a user waits; then ``evaluate`` scores the
  model and its linear baseline (TF-IDF logistic and ridge regression) on the test split;
- fastText, as a process: read the Parquet splits, write its training file, train (25 epochs,
  word bigrams, dim 50, 2 threads, the rest fastText's defaults) and score the test split, timed
  inside the process (in-process) and around it (as a process); text is lower-cased words, as
  title, body and tags in one line.
- department macro-F1 of both on the test split (and of the linear baseline). The Hadoop export
  has no department: there the product's priority RMSE stands beside the linear baseline's
  (fastText has no regression head), and fastText classifies the preset's three priority groups,
  its score the probability-weighted mean of the groups' scores.

On the default corpus: ``predict`` file to file on ``--predict-tickets`` generated tickets (the
synthetic generator with another seed), CSV to CSV, each tool as a process (the product:
``python -m pipelines.predict``, which also writes priorities, the runner-up departments and a
report; fastText: pandas read, predict, pandas write of the department and its probability),
with its peak memory; and single-ticket latency in-process (the product through its MLflow model,
as served, and its traced model alone; fastText's ``predict`` on one text) and over HTTP for the
product (``mlflow models serve``, one worker).

    python benchmarks/vs_fasttext.py [--tickets 20000] [--predict-tickets 1000000]
        [--only balanced,long_tail,hadoop_priority] [--hadoop PATH] [--requests 300] [--no-http]

Results go to ``benchmarks/results/vs_fasttext.json`` and a Markdown table on stdout.
"""

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.scratch import path_overrides  # noqa: E402

OUT = ROOT / "benchmarks" / "results" / "vs_fasttext.json"
DEFAULT_HADOOP = ROOT.parent / "shared" / "realdata" / "hadoop_bugs.csv"
DATASETS = {  # name -> prepare overrides (the Hadoop path is added at run time)
    "balanced": ["data=synthetic"],
    "long_tail": ["data=synthetic", "data.long_tail=true"],
    "hadoop_priority": ["data=hadoop_jira"],
}
FASTTEXT = {"epoch": 25, "wordNgrams": 2, "dim": 50, "thread": 2}  # the rest: its defaults
LABEL = "__label__"
WORDS = re.compile(r"[^\W_]+")  # what fasttext_lines keeps of a text, for one text at a time


# --- fastText: what its two processes run ----------------------------------------------------


def fasttext_lines(frame):
    """One line of lower-cased words per ticket: title, body and tags (vectorised pandas)."""
    text = frame["title"].fillna("") + " " + frame["body"].fillna("")
    if "tags" in frame:
        tags = frame["tags"]
        tags = tags.fillna("") if tags.map(type).eq(str).all() else tags.map(" ".join)
        text = text + " " + tags.str.replace(",", " ")
    return text.str.lower().str.replace(r"[\W_]+", " ", regex=True).str.strip()


def fasttext_train(prepared, model_file, result_file):
    """A whole fastText run, timed in-process: read the splits, train, score the test split."""
    import fasttext
    from sklearn.metrics import f1_score, mean_squared_error

    started = time.perf_counter()
    train = pd.read_parquet(prepared / "train.parquet")
    test = pd.read_parquet(prepared / "test.parquet")
    target = "department" if "department" in train else "priority"
    labels = train[target].astype(str).str.replace(r"\s+", "_", regex=True)
    with tempfile.TemporaryDirectory() as scratch:
        lines = Path(scratch) / "train.txt"
        lines.write_text(
            "".join(f"{LABEL}{y} {x}\n" for y, x in zip(labels, fasttext_lines(train), strict=True))
        )
        model = fasttext.train_supervised(str(lines), verbose=0, **FASTTEXT)
    if target == "department":
        predicted, _ = model.predict(fasttext_lines(test).tolist())
        score = {
            "macro_f1": f1_score(
                test[target], [p[0].removeprefix(LABEL) for p in predicted], average="macro"
            )
        }
    else:  # the expected score over the priority groups it was trained to tell apart
        predicted, probabilities = model.predict(fasttext_lines(test).tolist(), k=-1)
        expected = [
            sum(float(label.removeprefix(LABEL)) * p for label, p in zip(ls, ps, strict=True))
            for ls, ps in zip(predicted, probabilities, strict=True)
        ]
        score = {"priority_rmse": mean_squared_error(test[target], expected) ** 0.5}
    seconds = time.perf_counter() - started
    model.save_model(str(model_file))
    result = {"seconds": round(seconds, 2), **{k: round(v, 4) for k, v in score.items()}}
    Path(result_file).write_text(json.dumps(result))


def fasttext_predict(model_file, export, output):
    """Bulk triage as fastText's user would write it: pandas read, predict, pandas write."""
    import fasttext

    model = fasttext.load_model(str(model_file))
    frame = pd.read_csv(export, dtype=str, keep_default_na=False)
    labels, probabilities = model.predict(fasttext_lines(frame).tolist())
    pd.DataFrame(
        {
            "ticket_id": frame["ticket_id"],
            "department": [label[0].removeprefix(LABEL) for label in labels],
            "department_probability": np.minimum(np.asarray(probabilities)[:, 0], 1.0),
        }
    ).to_csv(output, index=False)


# --- the run ---------------------------------------------------------------------------------


def process(command):
    """Run ``command`` (a Python module or script and its arguments) in a new process.

    Returns its wall-clock seconds and its peak memory in MiB, read from ``/proc`` while it runs
    (``None`` where there is none): the peak ``wait4`` reports would start from this process's
    own, which a child inherits on Linux.
    """
    with tempfile.TemporaryFile() as stderr:
        started = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, *command], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=stderr
        )
        peak = None
        while True:
            try:
                status = child.wait(timeout=0.02)
                break
            except subprocess.TimeoutExpired:
                peak = peak_memory(child.pid) or peak
        seconds = time.perf_counter() - started
        if status != 0:
            stderr.seek(0)
            message = stderr.read().decode(errors="replace")[-3000:]
            raise SystemExit(f"{' '.join(command)} failed ({status}):\n{message}")
    return seconds, peak


def peak_memory(pid):
    """The peak resident memory of process ``pid`` so far (MiB), or ``None``."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
    return int(match[1]) / 1024 if match else None


def compare_on(root, data_overrides, store, args):
    """Prepare one dataset, train and score both tools on it; return the figures."""
    from tests.conftest import compose_config
    from ticket_triage.data.prepare import prepare_dataset
    from ticket_triage.evaluation.report import evaluate

    count = [f"data.num_tickets={args.tickets}"] if "data=synthetic" in data_overrides else []
    seed = [f"seed={args.seed}"]
    prepare_dataset(
        compose_config("prepare", [*path_overrides(root), *data_overrides, *count, *seed])
    )
    prepared = root / "data" / "prepared"

    wall, _ = process(
        [
            "-m",
            "pipelines.train",
            *path_overrides(root),
            f"tracking.uri={store}",
            f"hydra.run.dir={root}/hydra",
        ]
    )
    trained = json.loads((root / "reports" / "train_metrics.json").read_text())
    metrics = evaluate(
        compose_config("evaluate", path_overrides(root))
    )  # the store the run went to
    ft_wall, _ = process(
        [
            __file__,
            "--fasttext-train",
            str(prepared),
            str(root / "fasttext.bin"),
            str(root / "ft.json"),
        ]
    )
    fast = json.loads((root / "ft.json").read_text())

    training = {
        "product_in_process_s": trained["seconds"],
        "product_as_process_s": round(wall, 2),
        "fasttext_in_process_s": fast["seconds"],
        "fasttext_as_process_s": round(ft_wall, 2),
        "in_process_ratio": round(trained["seconds"] / fast["seconds"], 1),
        "as_process_ratio": round(wall / ft_wall, 1),
        "product_epochs_run": trained["epochs_run"],
        "product_steps_tickets_per_second": round(trained["tickets_per_second"]),
    }
    baseline = metrics["linear_baseline"]
    quality = {"test_tickets": metrics["test_tickets"]}
    if "department" in metrics:
        quality["product_macro_f1"] = round(metrics["department"]["macro_f1"], 4)
        quality["fasttext_macro_f1"] = fast["macro_f1"]
        quality["linear_baseline_macro_f1"] = round(baseline["department"]["macro_f1"], 4)
    if "priority" in metrics:
        quality["product_priority_rmse"] = round(metrics["priority"]["rmse"], 4)
        if "priority_rmse" in fast:  # fastText classifying the priority groups
            quality["fasttext_priority_rmse"] = fast["priority_rmse"]
        quality["linear_baseline_priority_rmse"] = round(baseline["priority"]["rmse"], 4)
    return training, quality


def write_export(count, folder):
    """``count`` synthetic tickets (another seed than training's) as a help desk's CSV export."""
    from ticket_triage.data.synthetic import generate_tickets

    frame = generate_tickets(count, seed=11).drop(columns=["priority", "department", "difficulty"])
    frame["tags"] = frame["tags"].map(",".join)
    frame.to_csv(folder / "export.csv", index=False)
    return folder / "export.csv"


def bulk_predict(root, scratch, count):
    """Both tools triage the same CSV export into a CSV file, each as a process."""
    export = write_export(count, scratch)
    product_s, product_mib = process(
        [
            "-m",
            "pipelines.predict",
            "data=csv",
            f"data.path={export}",
            f"predict.output={scratch}/product.csv",
            f"paths.models_dir={root}/models",
            f"hydra.run.dir={scratch}/hydra-predict",
        ]
    )
    fast_s, fast_mib = process(
        [
            __file__,
            "--fasttext-predict",
            str(root / "fasttext.bin"),
            str(export),
            f"{scratch}/ft.csv",
        ]
    )
    assert len(pd.read_csv(f"{scratch}/ft.csv", usecols=["ticket_id"])) == count
    report = json.loads((scratch / "product.report.json").read_text())
    assert report["rows_predicted"] == count, report
    return {
        "tickets": count,
        "product_speed_over_fasttext": round(fast_s / product_s, 2),
        "tools": {
            tool: {
                "seconds": round(seconds, 1),
                "tickets_per_second": round(count / seconds),
                "peak_rss_mib": round(mib) if mib else None,
            }
            for tool, seconds, mib in (
                ("product", product_s, product_mib),
                ("fasttext", fast_s, fast_mib),
            )
        },
    }


def latency(root, store, requests, http):
    """Single-ticket latency, in-process for both tools, over HTTP for the product's model."""
    import fasttext
    import mlflow

    from benchmarks.serving_latency import tickets, timed
    from ticket_triage.triage.artifacts import load_predictor
    from ticket_triage.triage.mlflow_model import request_inputs

    mlflow.set_tracking_uri(store)
    model_uri = json.loads((root / "models" / "mlflow_run.json").read_text())["model_uri"]
    one = tickets(1)

    def percentiles(seconds):
        p50, p99 = np.percentile(seconds * 1000, [50, 99])
        return {"p50_ms": round(p50, 3), "p99_ms": round(p99, 3)}

    served = mlflow.pyfunc.load_model(model_uri)
    timed(lambda: served.predict(one), 20)
    predictor = load_predictor(root / "models")
    inputs = request_inputs(one, predictor.input_names)
    timed(lambda: predictor.predict(inputs), 20)
    model = fasttext.load_model(str(root / "fasttext.bin"))
    record = one.iloc[0]

    def fasttext_one():
        text = f"{record['title']} {record['body']} {record['tags'].replace(',', ' ')}"
        return model.predict(" ".join(WORDS.findall(text.lower())).replace("_", " "))

    timed(fasttext_one, 20)
    result = {
        "product_mlflow_model_in_process": percentiles(
            timed(lambda: served.predict(one), requests)
        ),
        "product_traced_model_alone": percentiles(
            timed(lambda: predictor.predict(inputs), requests)
        ),
        "fasttext_in_process": percentiles(timed(fasttext_one, requests)),
    }
    if http:
        result["product_over_http"] = percentiles(over_http(model_uri, store, one, requests))
    return result


def over_http(model_uri, store, one, requests):
    """Single-ticket requests to ``mlflow models serve`` (one worker) on a free local port."""
    from benchmarks.serving_latency import mlflow_models_serve, post, timed

    with mlflow_models_serve(model_uri, store) as url:
        body = json.dumps({"dataframe_records": one.to_dict(orient="records")}).encode()
        timed(lambda: post(url, body), 20)
        return timed(lambda: post(url, body), requests)


def machine():
    return {
        "cpus": os.cpu_count(),
        "processor": platform.processor() or platform.machine(),
        "python": platform.python_version(),
        "load_average_1_min": round(os.getloadavg()[0], 2),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=20_000, help="synthetic tickets")
    parser.add_argument("--predict-tickets", type=int, default=1_000_000)
    parser.add_argument("--only", default=",".join(DATASETS), help="comma-separated datasets")
    parser.add_argument("--hadoop", default=str(DEFAULT_HADOOP), help="the Hadoop Jira CSV")
    parser.add_argument("--requests", type=int, default=300, help="single-ticket requests")
    parser.add_argument("--no-http", action="store_true", help="skip mlflow models serve")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--fasttext-train", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--fasttext-predict", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.fasttext_train:
        prepared, model_file, result_file = args.fasttext_train
        return fasttext_train(Path(prepared), model_file, result_file)
    if args.fasttext_predict:
        return fasttext_predict(*args.fasttext_predict)

    import mlflow

    report = {
        "description": "The product (defaults of conf/) beside fastText on the same prepared "
        "splits, in one run",
        "machine": machine(),
        "fasttext": FASTTEXT,
        "synthetic_tickets": args.tickets,
        "seed": args.seed,
    }
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        scratch = Path(folder)
        store = f"sqlite:///{scratch}/mlruns.db"
        mlflow.MlflowClient(store).search_experiments()  # the store's tables, made untimed
        report["training"], report["quality"] = {}, {}
        for name in args.only.split(","):
            overrides = DATASETS[name]
            if "data=hadoop_jira" in overrides:
                overrides = [*overrides, f"data.path={args.hadoop}"]
            training, quality = compare_on(scratch / name, overrides, store, args)
            report["training"][name], report["quality"][name] = training, quality
            print(name, json.dumps(training), json.dumps(quality), flush=True)
        if "balanced" in report["training"]:
            report["predict_csv_to_csv"] = bulk_predict(
                scratch / "balanced", scratch, args.predict_tickets
            )
            print("predict", json.dumps(report["predict_csv_to_csv"]), flush=True)
            report["single_ticket_latency"] = latency(
                scratch / "balanced", store, args.requests, not args.no_http
            )
            print("latency", json.dumps(report["single_ticket_latency"]), flush=True)
    report["benchmark_seconds"] = round(time.perf_counter() - started)
    report["machine"]["load_average_1_min_at_end"] = round(os.getloadavg()[0], 2)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(report, indent=2) + "\n")
    print()
    print(table(report))


def table(report):
    """Markdown: per dataset, both tools' training times and scores."""
    lines = [
        "| dataset | product in-process / as a process (s) | fastText (s) | product | fastText "
        "| linear baseline |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, t in report["training"].items():
        q = report["quality"][name]
        key = "macro_f1" if "product_macro_f1" in q else "priority_rmse"
        lines.append(
            f"| {name} | {t['product_in_process_s']} / {t['product_as_process_s']} | "
            f"{t['fasttext_in_process_s']} / {t['fasttext_as_process_s']} | "
            f"{key} {q[f'product_{key}']} | {q.get(f'fasttext_{key}', '-')} | "
            f"{q[f'linear_baseline_{key}']} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
