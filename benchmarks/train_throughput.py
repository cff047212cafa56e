"""Training throughput at the chapter's vocabulary caps, per loop mode and input path, in one run.

The data: synthetic tickets (100,000 by default) whose titles and bodies also carry words drawn
from a Zipf-distributed lexicon, so that ``prepare`` fills the title and body vocabularies to
``--vocabulary`` tokens each (words and bigrams; about 20,100 input columns with the tags at
10,000), as a real export does; multi-hot, the chapter's encoding, so that validation metrics
compare input paths rather than encodings. Every row trains the chapter's architecture (Dense 64, no
dropout or batch norm, RMSprop at 1e-3, loss weights 1, no class weights) for ``--epochs`` at
the same batch size, so only the input path, loop and optimizer update differ; throughput counts
training only (validation excluded) over the epochs after the first, which pays for tracing.
Each row runs in its own process, for its peak memory (RSS). Rows:

    default-<loop>          the project's defaults: sparse inputs chosen by width (TokenDense),
                            SparseRMSprop, loop.steps_per_execution; loop fit, eager, graph,
                            train_step
    default-fit-adam        the same with Adam (SummedAdam: a dense update every step)
    default-fit-dense-rmsprop  sparse inputs, but RMSprop updating the whole kernel every step
    default-fit-all-threads the default with TensorFlow's own threads per op (op_threads=0)
    dense-fit               dense multi-hot inputs (trainer.sparse_inputs=false)
    dense-fit-one-thread    the same with one thread per op (auto: TensorFlow's default for dense)
    chapter-fit             chapter 7's set-up: dense NumPy multi-hot arrays in memory
                            (TextVectorization), Keras RMSprop, fit() at the same batch size,
                            on the project's batches (same seed: same batches, same start)
    small-*                 the plain synthetic corpus (about 3,000 columns): the default, the
                            dense and sparse paths, dense with one thread per op, and the first
                            default (dense, one step per call)

Two epochs from one seed leave the priority RMSE spread by several percent across seeds (the
weights' start and the batch order), more than the input paths differ. So every row trains on
the same batches from the same start weights: the chapter's row takes the project's batch order
(a pure function of the seed and the epoch) instead of drawing its own shuffle, and its metrics
differ from the project's rows only by the input path. ``default-fit``, ``default-graph`` and
``chapter-fit`` are also trained from ``--seeds`` (1,2,3 by default), alternately, for means
over seeds and median throughputs; the headline ratios are ratios of the medians, because a
single run moves with the load of a shared machine.

    python benchmarks/train_throughput.py [--vocabulary 10000] [--tickets 100000] [--epochs 2]

Results go to ``benchmarks/results/train_throughput.json`` and a Markdown table on stdout.
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

OUT = ROOT / "benchmarks" / "results" / "train_throughput.json"
SEED = 42  # every row's seed: the project's default (conf/train.yaml)
METRICS = ("val_loss", "val_priority_rmse", "val_department_accuracy")
COMPARED = ("default-fit", "default-graph", "chapter-fit")  # over seeds: the targets' rows
CHAPTER_ARCHITECTURE = [
    "model=functional",
    "model.width=64",
    "model.dropout=0.0",
    "model.batch_norm=false",
    "optimizer=rmsprop",
    "optimizer.learning_rate=0.001",
    "trainer.objectives.loss_weights.priority=1.0",
    "trainer.class_weight=none",
]
ROWS = {  # name -> (data: "wide" or "small", train overrides); chapter-fit is separate
    "default-fit": ("wide", ["loop=fit"]),
    "default-eager": ("wide", ["loop=eager"]),
    "default-graph": ("wide", ["loop=graph"]),
    "default-train_step": ("wide", ["loop=train_step"]),
    "default-fit-adam": ("wide", ["loop=fit", "optimizer=adam", "optimizer.learning_rate=0.001"]),
    "default-fit-dense-rmsprop": (
        "wide",
        ["loop=fit", "optimizer._target_=benchmarks.dense_rmsprop.DenseRMSprop"],
    ),
    "default-fit-all-threads": ("wide", ["loop=fit", "trainer.op_threads=0"]),
    "dense-fit": ("wide", ["loop=fit", "trainer.sparse_inputs=false"]),
    "dense-fit-one-thread": (
        "wide",
        ["loop=fit", "trainer.sparse_inputs=false", "trainer.op_threads=1"],
    ),
    "chapter-fit": ("wide", []),
    "small-default-fit": ("small", ["loop=fit"]),
    "small-dense-fit": ("small", ["loop=fit", "trainer.sparse_inputs=false"]),
    "small-sparse-fit": ("small", ["loop=fit", "trainer.sparse_inputs=true"]),
    "small-dense-fit-one-thread": (
        "small",
        ["loop=fit", "trainer.sparse_inputs=false", "trainer.op_threads=1"],
    ),
    "small-before-fit": (
        "small",
        ["loop=fit", "trainer.sparse_inputs=false", "loop.steps_per_execution=1"],
    ),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vocabulary", type=int, default=10_000, help="title and body caps")
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--small-tickets", type=int, default=20_000)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--rows", default=",".join(ROWS), help="comma-separated row names")
    parser.add_argument("--seeds", default="1,2,3", help="extra seeds for the metric comparison")
    parser.add_argument("--row", help=argparse.SUPPRESS)  # one row, in a child process
    parser.add_argument("--seed", type=int, default=SEED, help=argparse.SUPPRESS)
    parser.add_argument("--prepared", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.row:
        print(json.dumps(run_row(args)))
        return

    results = {}
    with tempfile.TemporaryDirectory() as scratch:
        prepared = {
            "wide": prepare_wide(Path(scratch) / "wide", args.tickets, args.vocabulary),
            "small": prepare_small(Path(scratch) / "small", args.small_tickets),
        }
        for name in args.rows.split(","):
            data, _ = ROWS[name]
            print(f"{name} ...", file=sys.stderr, flush=True)
            results[name] = run_child(args, name, prepared[data])
        seeds = [int(seed) for seed in args.seeds.split(",") if seed]
        over_seeds = compare_over_seeds(args, results, prepared["wide"], seeds)
    report = {
        "vocabulary": args.vocabulary,
        "tickets": args.tickets,
        "small_tickets": args.small_tickets,
        "batch_size": args.batch_size,
        "epochs": args.epochs,
        "rows": results,
        "metrics_over_seeds": over_seeds,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(report, indent=2) + "\n")
    print_table(report)
    print_seed_table(report)


def compare_over_seeds(args, results, prepared, seeds):
    """``COMPARED`` rows over ``SEED`` and ``seeds``: mean validation metrics and median
    throughput.

    The rows alternate seed by seed, so that all meet the same load on a shared machine: a
    single run of the chapter's row has ranged from 3,900 to 8,900 tickets/s here.
    """
    names = [name for name in COMPARED if name in results and "error" not in results[name]]
    runs = {name: [{"seed": SEED, **pick(results[name])}] for name in names}
    for seed in seeds:
        for name in names:
            print(f"{name} seed {seed} ...", file=sys.stderr, flush=True)
            row = run_child(args, name, prepared, seed)
            if "error" not in row:
                runs[name].append({"seed": seed, **pick(row)})
    return {
        name: {
            **{key: round(sum(run[key] for run in rows) / len(rows), 4) for key in METRICS},
            "tickets_per_second_median": statistics.median(
                run["tickets_per_second"] for run in rows
            ),
            "runs": rows,
        }
        for name, rows in runs.items()
    }


def pick(row):
    """A row's throughput and validation metrics."""
    return {key: row[key] for key in ("tickets_per_second", *METRICS)}


def prepare_wide(root, tickets, vocabulary):
    """Synthetic tickets with a Zipf lexicon added, prepared with ``vocabulary``-token caps."""
    import numpy as np

    from tests.conftest import compose_config
    from ticket_triage.data.prepare import prepare_dataset
    from ticket_triage.data.synthetic import generate_tickets

    frame = generate_tickets(tickets, seed=7)
    rng = np.random.default_rng(7)
    lexicon = np.array([f"w{i:05x}" for i in range(4 * vocabulary)])

    def words(count):
        ranks = np.minimum(rng.zipf(1.15, size=(len(frame), count)), len(lexicon)) - 1
        return [" ".join(row) for row in lexicon[ranks]]

    frame["title"] = frame["title"] + " " + words(3)
    frame["body"] = frame["body"] + " " + words(12)
    frame["tags"] = frame["tags"].map(",".join)
    root.mkdir(parents=True)
    frame.to_parquet(root / "tickets.parquet")
    prepare_dataset(
        compose_config(
            "prepare",
            [
                f"paths.data_dir={root}",
                "data=csv",
                f"data.path={root}/tickets.parquet",
                "data.columns.difficulty=difficulty",
                f"vocab.max_title_tokens={vocabulary}",
                f"vocab.max_body_tokens={vocabulary}",
                "vocab.output_mode=multi_hot",  # the chapter's encoding: metrics compare paths
            ],
        )
    )
    return root / "prepared"


def prepare_small(root, tickets):
    from tests.conftest import prepare_synthetic

    return prepare_synthetic(root, tickets)


def run_child(args, name, prepared, seed=SEED):
    command = [
        sys.executable,
        __file__,
        "--row",
        name,
        "--prepared",
        str(prepared),
        "--epochs",
        str(args.epochs),
        "--batch-size",
        str(args.batch_size),
        "--seed",
        str(seed),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode:  # recorded, and the other rows still run
        sys.stderr.write(done.stderr[-4000:])
        return {"error": done.stderr.strip().splitlines()[-1][:300], "tickets_per_second": 0}
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_row(args):
    """Train one row in this process; its throughput, validation metrics and peak memory."""
    started = time.perf_counter()
    if args.row == "chapter-fit":
        speed, final, width = run_chapter_model(args)
    else:
        speed, final, width = run_project(args)
    return {
        "tickets_per_second": round(speed, 1),
        "val_loss": round(final["val_loss"], 4),
        "val_priority_rmse": round(final["val_priority_rmse"], 4),
        "val_department_accuracy": round(final["val_department_accuracy"], 4),
        "input_columns": width,
        "peak_rss_mib": peak_rss_mib(),
        "seconds": round(time.perf_counter() - started, 1),
    }


def peak_rss_mib():
    """This process's peak resident memory (``VmHWM``: unlike ``ru_maxrss``, not inherited from
    the parent that started it)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024)
    return None


def run_project(args):
    import logging

    from tests.conftest import compose_config
    from ticket_triage.models.spec import TicketSpec
    from ticket_triage.training.run import train

    logging.disable(logging.INFO)
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
                f"trainer.batch_size={args.batch_size}",
                f"seed={args.seed}",
                *CHAPTER_ARCHITECTURE,
                *ROWS[args.row][1],
                *[
                    f"callbacks.{name}.enabled=false"
                    for name in (
                        "checkpoint",
                        "early_stopping",
                        "reduce_lr",
                        "csv_logger",
                        "tensorboard",
                        "loss_history",
                    )
                ],
            ],
        )
        summary = train(cfg)
    return (
        summary["tickets_per_second"],
        summary["final"],
        TicketSpec.from_prepared(args.prepared).width,
    )


def run_chapter_model(args):
    """Chapter 7.2.2's set-up: dense multi-hot NumPy arrays of the full vocabulary, fit()."""
    import keras
    import numpy as np
    import tensorflow as tf

    from ticket_triage.callbacks.throughput import Throughput
    from ticket_triage.data.vocab import load_vocabularies
    from ticket_triage.inputs.pipeline import TicketData
    from ticket_triage.models.functional import build_functional_model
    from ticket_triage.models.spec import TicketSpec
    from ticket_triage.objectives import Objectives

    data = TicketData.load(args.prepared, batch_size=args.batch_size, seed=args.seed)
    spec = TicketSpec.from_prepared(args.prepared)
    vocab = load_vocabularies(args.prepared)
    layers = {
        "title": keras.layers.StringLookup(vocabulary=vocab["title"], output_mode="multi_hot"),
        "text_body": keras.layers.StringLookup(vocabulary=vocab["body"], output_mode="multi_hot"),
        "tags": keras.layers.StringLookup(vocabulary=vocab["tags"], output_mode="multi_hot"),
    }
    departments = keras.layers.StringLookup(vocabulary=vocab["department"], num_oov_indices=0)

    def arrays(split):
        from ticket_triage.inputs.vectorizer import tf_tokenize

        frame = data.frames[split]
        inputs = {
            name: np.zeros((len(frame), dim), "float32") for name, dim in spec.input_dims.items()
        }
        for start in range(0, len(frame), 2048):
            part = frame.iloc[start : start + 2048]
            tokens = {
                "title": tf_tokenize(tf.constant(part["title"].tolist()), ngrams=2),
                "text_body": tf_tokenize(tf.constant(part["body"].tolist()), ngrams=2),
                "tags": tf.ragged.constant([list(tags) for tags in part["tags"]], tf.string),
            }
            for name, layer in layers.items():
                inputs[name][start : start + len(part)] = layer(tokens[name]).numpy()
        targets = {
            "priority": frame["priority"].to_numpy("float32")[:, None],
            "department": np.asarray(departments(frame["department"].tolist())),
        }
        return inputs, targets

    train = same_batches(data, args.epochs, arrays("train"))  # the NumPy arrays go after use
    x_val, y_val = arrays("val")
    keras.utils.set_random_seed(args.seed)
    model = build_functional_model(spec)
    model.compile(
        optimizer=keras.optimizers.RMSprop(1e-3),
        **Objectives(["priority", "department"]).compile_args(),
    )
    throughput = Throughput(data.size("train"))
    history = model.fit(
        train,
        steps_per_epoch=data.steps("train"),
        validation_data=(x_val, y_val),
        validation_batch_size=args.batch_size,
        epochs=args.epochs,
        callbacks=[throughput],
        verbose=0,
    )
    final = {name: values[-1] for name, values in history.history.items()}
    return throughput.tickets_per_second, final, spec.width


def same_batches(data, epochs, arrays):
    """The chapter's in-memory arrays, batched in the order the project's rows train in.

    ``fit(x, y, shuffle=True)`` would draw its own order; given the project's order (a pure
    function of the seed and the epoch), a row's seed fixes both the start weights and the
    batches, so the validation metrics compare the input paths, not two shuffles. The batches
    are gathered from the arrays as tensors, as Keras's own array adapter does.
    """
    import tensorflow as tf

    tensors = tf.nest.map_structure(tf.constant, arrays)
    return (
        data.train_order(epochs)
        .map(lambda rows: tf.nest.map_structure(lambda array: tf.gather(array, rows), tensors))
        .prefetch(tf.data.AUTOTUNE)
    )


def print_table(report):
    rows = report["rows"]
    chapter = rows.get("chapter-fit", {}).get("tickets_per_second")
    print(
        f"\n{report['tickets']:,} tickets (vocabulary caps {report['vocabulary']:,}), "
        f"small rows {report['small_tickets']:,}; batch {report['batch_size']}, "
        f"{report['epochs']} epochs\n"
    )
    print(
        "| row | columns | tickets/s | x chapter | val_loss | val priority RMSE "
        "| val department acc | peak RSS MiB |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, row in rows.items():
        if "error" in row:
            print(f"| {name} | failed: {row['error']} |")
            continue
        ratio = f"{row['tickets_per_second'] / chapter:.1f}" if chapter else "-"
        print(
            f"| {name} | {row['input_columns']:,} | {row['tickets_per_second']:,.0f} | {ratio} "
            f"| {row['val_loss']:.4f} | {row['val_priority_rmse']:.4f} "
            f"| {row['val_department_accuracy']:.4f} | {row['peak_rss_mib']:,} |"
        )


def print_seed_table(report):
    compared = report.get("metrics_over_seeds") or {}
    if not compared:
        return
    print("\nOver seeds, run alternately: median tickets/s and mean metrics (min-max):\n")
    print("| row | seeds | tickets/s | val_loss | val priority RMSE | val department acc |")
    print("|---|---|---:|---:|---:|---:|")
    for name, row in compared.items():
        speeds = [run["tickets_per_second"] for run in row["runs"]]
        cells = [f"{row['tickets_per_second_median']:,.0f} ({min(speeds):,.0f}-{max(speeds):,.0f})"]
        for key in METRICS:
            values = [run[key] for run in row["runs"]]
            cells.append(f"{row[key]:.4f} ({min(values):.4f}-{max(values):.4f})")
        seeds = ", ".join(str(run["seed"]) for run in row["runs"])
        print(f"| {name} | {seeds} | " + " | ".join(cells) + " |")
    print()
    for faster, slower in (("default-fit", "chapter-fit"), ("default-graph", "default-fit")):
        if faster in compared and slower in compared:
            ratio = (
                compared[faster]["tickets_per_second_median"]
                / compared[slower]["tickets_per_second_median"]
            )
            print(f"{faster} / {slower}, medians: {ratio:.2f}x")


if __name__ == "__main__":
    main()
