"""Training throughput of every loop mode, and of the chapter's own dense-input model, in one run.

Same prepared data (synthetic, 20,000 tickets by default), the chapter's functional architecture
(Dense 64, no dropout or batch norm), batch size and epochs for every row. Throughput counts
training only (validation excluded) over the epochs after the first, which pays for tracing.
Rows:

    fit / eager / graph / train_step   the project's default input path: tf.data, multi-hots
                                       vectorised per batch (dense)
    fit, sparse inputs                 the same pipeline with tf.SparseTensor multi-hots
    chapter model (dense arrays)       chapter 7's set-up: vocabulary 10,000, 100 tags, dense
                                       NumPy multi-hot arrays in memory, fit() on them, at the
                                       same batch size and at fit()'s default of 32

    python benchmarks/train_throughput.py [--tickets 20000] [--epochs 3] [--batch-size 128]
"""

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=20_000)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=128)
    args = parser.parse_args()

    from tests.conftest import prepare_synthetic

    with tempfile.TemporaryDirectory() as scratch:
        prepare_synthetic(f"{scratch}/data", args.tickets)
        prepared = f"{scratch}/data/prepared"
        rows = []
        for loop, sparse in (
            ("fit", False),
            ("eager", False),
            ("graph", False),
            ("train_step", False),
            ("fit", True),
        ):
            rows.append(run_project_loop(prepared, scratch, loop, sparse, args))
        rows.append(run_chapter_model(prepared, args, args.batch_size))
        rows.append(run_chapter_model(prepared, args, 32))
    print_table(rows, args)


def run_project_loop(prepared, scratch, loop, sparse, args):
    from tests.conftest import compose_config
    from ticket_triage.training.run import train

    cfg = compose_config(
        "train",
        [
            f"paths.prepared_dir={prepared}",
            f"paths.models_dir={scratch}/models_{loop}_{sparse}",
            f"paths.reports_dir={scratch}/reports",
            f"loop={loop}",
            "loop.verbose=0",
            f"trainer.epochs={args.epochs}",
            f"trainer.batch_size={args.batch_size}",
            f"trainer.sparse_inputs={str(sparse).lower()}",
            "model.dropout=0.0",  # the chapter's architecture, so only the input path differs
            "model.batch_norm=false",
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
    label = f"{loop}, sparse inputs" if sparse else loop
    return label, summary["tickets_per_second"], summary["final"]


def run_chapter_model(prepared, args, batch_size):
    """Chapter 7.2.2's model and data shapes: dense (N, 10000) multi-hot arrays, fit() on them."""
    import keras
    import numpy as np
    import pandas as pd
    import tensorflow as tf

    from ticket_triage.callbacks.throughput import Throughput
    from ticket_triage.data.vectorizer import load_vocabularies
    from ticket_triage.models.functional import build_functional_model
    from ticket_triage.models.spec import TicketSpec
    from ticket_triage.objectives import Objectives

    vocab = load_vocabularies(prepared)
    layers = {
        "title": keras.layers.TextVectorization(
            max_tokens=10_000,
            pad_to_max_tokens=True,
            output_mode="multi_hot",
            vocabulary=vocab["title"],
        ),
        "text_body": keras.layers.TextVectorization(
            max_tokens=10_000,
            pad_to_max_tokens=True,
            output_mode="multi_hot",
            vocabulary=vocab["body"],
        ),
        "tags": keras.layers.StringLookup(
            max_tokens=100,
            pad_to_max_tokens=True,
            output_mode="multi_hot",
            vocabulary=vocab["tags"],
        ),
    }
    departments = keras.layers.StringLookup(vocabulary=vocab["department"], num_oov_indices=0)

    def arrays(split):
        frame = pd.read_parquet(f"{prepared}/{split}.parquet")
        texts = {"title": frame["title"], "text_body": frame["body"], "tags": frame["tags"]}
        inputs = {}
        for name, layer in layers.items():
            chunks = []
            for start in range(0, len(frame), 2048):
                values = texts[name].iloc[start : start + 2048]
                batch = (
                    tf.ragged.constant([list(tags) for tags in values], dtype=tf.string)
                    if name == "tags"
                    else values.tolist()
                )
                chunks.append(np.asarray(layer(batch)))
            inputs[name] = np.concatenate(chunks)
        targets = {
            "priority": frame["priority"].to_numpy("float32")[:, None],
            "department": np.asarray(departments(frame["department"].tolist())),
        }
        return inputs, targets

    (x_train, y_train), (x_val, y_val) = arrays("train"), arrays("val")
    keras.utils.set_random_seed(0)
    model = build_functional_model(TicketSpec(10_000, 10_000, 100, num_departments=4))
    model.compile(optimizer="rmsprop", **Objectives(["priority", "department"]).compile_args())
    throughput = Throughput(len(y_train["priority"]))
    history = model.fit(
        x_train,
        y_train,
        validation_data=(x_val, y_val),
        epochs=args.epochs,
        batch_size=batch_size,
        callbacks=[throughput],
        verbose=0,
    )
    final = {name: values[-1] for name, values in history.history.items()}
    return f"chapter model (dense arrays), batch {batch_size}", throughput.tickets_per_second, final


def print_table(rows, args):
    chapter = rows[-2][1]  # the chapter's model at the same batch size
    print(f"\n{args.tickets:,} synthetic tickets, batch {args.batch_size}, {args.epochs} epochs\n")
    print("| mode | tickets/s | x chapter | val_loss | val priority RMSE | val department acc |")
    print("|---|---:|---:|---:|---:|---:|")
    for label, speed, final in rows:
        print(
            f"| {label} | {speed:,.0f} | {speed / chapter:.1f} | {final['val_loss']:.4f} | "
            f"{final['val_priority_rmse']:.4f} | {final['val_department_accuracy']:.4f} |"
        )


if __name__ == "__main__":
    main()
