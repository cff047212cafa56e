"""Training throughput on 1 and 2 replicas, and what the cross-replica reduction costs per step.

Every row is a real ``train`` process (logical CPU devices can only be made before TensorFlow
starts) on the same prepared synthetic tickets, default model and batch; throughput is the
``Throughput`` callback's (training batches only, epochs after the first):

* ``none``: one device;
* ``mirrored``: ``MirroredStrategy`` over 2 logical CPU devices of this one CPU;
* ``multi_worker``: 2 worker processes on 127.0.0.1 (``scripts/local-workers 2``).

Then, in one ``mirrored`` process, the reduction itself: an all-reduce (sum) of tensors shaped
like the default model's gradients, timed inside a ``tf.function``, against one training step.

On a machine with 2 cores, the replicas share them with each other and with the input pipeline:
expect 2 replicas to be slower, not faster. On GPUs (``distribution=mirrored`` with
``cpu_replicas=0``) each replica has its own device.

    python benchmarks/distribution_throughput.py [--tickets 20000] [--epochs 3]

Writes ``benchmarks/results/distribution_throughput.json`` and prints a table.
"""

import argparse
import json
import math
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SETUPS = {
    "none": [],
    "mirrored": ["distribution=mirrored", "distribution.cpu_replicas=2"],
    "multi_worker": None,  # started through scripts/local-workers
}
LOOPS = ("fit", "graph")

REDUCTION_PROBE = """
import json, time, sys
import tensorflow as tf
tf.config.set_logical_device_configuration(
    tf.config.list_physical_devices("CPU")[0], [tf.config.LogicalDeviceConfiguration()] * 2)
strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
shapes = json.loads(sys.argv[1])
with strategy.scope():
    grads = [tf.random.normal(shape) for shape in shapes]

@tf.function
def reduce():
    per_replica = strategy.run(lambda: [tf.identity(g) for g in grads])
    return [strategy.reduce("SUM", value, axis=None) for value in per_replica]

reduce()
start = time.perf_counter()
for _ in range(200):
    reduce()
print(json.dumps({"ms_per_reduction": 1000 * (time.perf_counter() - start) / 200}))
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=20_000)
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args()

    from tests.conftest import prepare_synthetic

    results = {"tickets": args.tickets, "epochs": args.epochs, "rows": {}}
    with tempfile.TemporaryDirectory() as scratch:
        prepared = prepare_synthetic(f"{scratch}/data", args.tickets)
        for loop in LOOPS:
            for setup, overrides in SETUPS.items():
                name = f"{setup}-{loop}"
                out = Path(scratch) / name
                settings = [
                    f"paths.prepared_dir={prepared}",
                    f"paths.models_dir={out}/models",
                    f"paths.reports_dir={out}/reports",
                    f"hydra.run.dir={out}/hydra",
                    f"loop={loop}",
                    "tracking=none",
                    "loop.verbose=0",
                    f"trainer.epochs={args.epochs}",
                    "callbacks.early_stopping.enabled=false",
                ]
                command = (
                    [str(ROOT / "scripts" / "local-workers"), "2", "--", *settings]
                    if overrides is None
                    else [sys.executable, "-m", "pipelines.train", *settings, *overrides]
                )
                subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
                metrics = json.loads((out / "reports" / "train_metrics.json").read_text())
                results["rows"][name] = {
                    "tickets_per_second": metrics["tickets_per_second"],
                    "val_loss": round(metrics["final"]["val_loss"], 4),
                    "batch_size": metrics["config"]["batch_size"],
                }
                print(name, results["rows"][name], flush=True)
        checkpoint = Path(scratch) / "none-graph" / "models" / "best.keras"
        results["reduction"] = reduction_cost(checkpoint, results)
    print(json.dumps(results["reduction"]))
    target = ROOT / "benchmarks" / "results" / "distribution_throughput.json"
    target.write_text(json.dumps(results, indent=2) + "\n")
    print_table(results)


def reduction_cost(checkpoint, results):
    """Milliseconds per all-reduce of the default model's gradients, against one step."""
    import keras

    import ticket_triage.models  # noqa: F401  (registers the models' classes)

    model = keras.saving.load_model(checkpoint, safe_mode=True)
    shapes = [list(weight.shape) for weight in model.trainable_weights]
    probe = subprocess.run(
        [sys.executable, "-c", REDUCTION_PROBE, json.dumps(shapes)],
        capture_output=True,
        text=True,
        check=True,
    )
    reduction = json.loads(probe.stdout.strip().splitlines()[-1])
    one_device = results["rows"]["none-graph"]
    return {
        "ms_per_reduction": round(reduction["ms_per_reduction"], 3),
        "ms_per_step_one_device": round(
            1000 * one_device["batch_size"] / one_device["tickets_per_second"], 3
        ),
        "gradient_values": sum(math.prod(shape) for shape in shapes),
    }


def print_table(results):
    base = {loop: results["rows"][f"none-{loop}"]["tickets_per_second"] for loop in LOOPS}
    print("| setup | loop | tickets/s | x one device | val_loss |")
    print("|---|---|---:|---:|---:|")
    for name, row in results["rows"].items():
        setup, loop = name.rsplit("-", 1)
        speed = row["tickets_per_second"]
        print(f"| {setup} | {loop} | {speed:,.0f} | {speed / base[loop]:.2f} | {row['val_loss']} |")


if __name__ == "__main__":
    main()
