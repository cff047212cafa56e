"""Where the time of a default `train` goes: the steps, and everything an epoch adds to them.

A throughput callback reports the steps; a user waits for the whole run. This benchmark trains
the default configuration (``conf/``, MLflow into a scratch store) on the default synthetic
corpus and times, without a sampling profiler's overhead, every call the training loop makes:
the compiled train and test functions (their first call traces them), every callback hook of
every callback (Keras's progress bar and History included), the callback list's own work (the
backups ``resume`` writes at each epoch end and every ``trainer.backup.every_n_batches``
batches) and ``fit``'s own Python around them. Per epoch (the mean over the epochs after the
first) it reports:

- ``steps``: the compiled train function's calls (``loop.steps_per_execution`` batches each),
  input pipeline included: what a run would cost with nothing around the steps;
- ``batch_hooks``: callbacks between those calls (the progress bar, LossHistory, the backup
  check), ``loop_rest``: ``fit``'s own Python in the training part of an epoch;
- ``validation``: the val split (its compiled test function, the iterator, the hooks);
- ``epoch_end``: each callback's ``on_epoch_end`` and the backup;
- ``ratio``: the epoch's wall time over its steps (the aim: at most 1.3).

Per run: tokenizing and building the datasets before the first epoch, tracing (the first call
of each function less a steady one), ``on_train_end`` (the MLflow models), and the work of
``train`` outside its ``seconds`` (MLflow run start, model inspection, serving export).

Each row trains in its own process (TensorFlow fixes its threads per op at start) with one
change to the defaults: the default (whose breakdown prices each callback); without MLflow;
without the per-epoch extras (``EXTRAS_OFF``: TensorBoard, LossHistory, backups between epoch
ends, MLflow, the progress bar); one batch per compiled call, and 31 (a divisor of the 248
batches of an epoch: 16 is not, and ``fit`` cannot run a last partial chunk); the extras off
with 31; the dense input path. Every row runs ``--rounds`` times, the rows alternating
forwards and backwards; the round with the shortest epochs is reported, and every round's
``seconds`` and epoch time beside it: their spread is the noise of a shared machine.

    python benchmarks/train_overhead.py [--tickets 20000] [--rounds 2] [--only default,...]

Results go to ``benchmarks/results/train_overhead.json`` and a Markdown table on stdout.
"""

import argparse
import collections
import functools
import importlib
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

from benchmarks.scratch import path_overrides  # noqa: E402

OUT = ROOT / "benchmarks" / "results" / "train_overhead.json"
EXTRAS_OFF = [
    "callbacks.tensorboard.enabled=false",
    "callbacks.loss_history.enabled=false",
    "trainer.backup.every_n_batches=0",
    "tracking=none",
    "loop.verbose=0",
]
ROWS = {  # name -> overrides of the default train config
    "default": [],
    "mlflow_off": ["tracking=none"],
    "extras_off": EXTRAS_OFF,
    "steps_per_execution_1": ["loop.steps_per_execution=1"],
    "steps_per_execution_31": ["loop.steps_per_execution=31"],
    "extras_off_spe_31": [*EXTRAS_OFF, "loop.steps_per_execution=31"],
    "dense_inputs": ["trainer.sparse_inputs=false"],
}


class Timeline:
    """Seconds spent per (epoch or None, what), each call's seconds, and the loop's phase marks.

    A timed call that runs inside another counts once: the outer one's own time excludes it.
    """

    def __init__(self):
        self.spent = collections.defaultdict(float)
        self.calls = collections.defaultdict(list)  # what -> [(epoch, start, seconds)]
        self.marks = collections.defaultdict(list)  # phase -> [time]
        self.epoch = None
        self._inner = []

    def timed(self, what, function):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            self._inner.append(0.0)
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                total = time.perf_counter() - started
                inner = self._inner.pop()
                if self._inner:
                    self._inner[-1] += total
                self.spent[(self.epoch, what)] += total - inner
                self.calls[what].append((self.epoch, started, total))

        wrapper.timed = True
        return wrapper

    def marked(self, phase, function, after=False):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            if not after:
                self.marks[phase].append(time.perf_counter())
            result = function(*args, **kwargs)
            if after:
                self.marks[phase].append(time.perf_counter())
            return result

        return wrapper

    def spent_in(self, epoch, suffixes):
        return sum(
            s for (at, what), s in self.spent.items() if at == epoch and what.endswith(suffixes)
        )


# Parts of `train` timed where the product has them (names as of this benchmark's writing; a
# renamed one is left out of the breakdown, not an error).
PARTS = {
    "tokenizing": ("ticket_triage.inputs.pipeline", "TicketData.tokens"),
    "mlflow_run_start": ("ticket_triage.training.run", "start_tracking"),
    "model_inspection": ("ticket_triage.training.run", "inspect_model"),
    "serving_export": ("ticket_triage.training.run", "export_serving_model"),
    "mlflow_models": ("ticket_triage.tracking.mlflow_logger", "MlflowLogger._log_model"),
}
LOOP_FUNCTIONS = [  # the _target_ of each conf/loop/*.yaml
    ("ticket_triage.loops.fit", "train_with_fit"),
    ("ticket_triage.loops.custom_step", "train_with_train_step"),
    ("ticket_triage.loops.gradient_tape", "train_with_eager_loop"),
    ("ticket_triage.loops.gradient_tape", "train_with_graph_loop"),
]
HOOKS = [
    f"on_{when}_{what}"
    for when in ("train", "test", "epoch", "train_batch", "test_batch")
    for what in ("begin", "end")
]


def instrument(timeline):
    """Time every callback hook, the compiled functions, ``fit`` and the loop (wraps Keras)."""
    import keras
    from keras.src.backend.tensorflow import trainer

    original_init = keras.callbacks.CallbackList.__init__

    def init(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        for callback in self.callbacks:
            for hook in HOOKS:
                name = f"{type(callback).__name__}.{hook}"
                setattr(callback, hook, timeline.timed(name, getattr(callback, hook)))
        for hook in HOOKS:
            setattr(self, hook, timeline.timed(f"callback list.{hook}", getattr(self, hook)))
        begin = self.on_epoch_begin

        def on_epoch_begin(epoch, logs=None):
            timeline.epoch = epoch
            timeline.marks["epoch_begin"].append(time.perf_counter())
            return begin(epoch, logs)

        self.on_epoch_begin = on_epoch_begin
        self.on_test_begin = timeline.marked("test_begin", self.on_test_begin)
        self.on_test_end = timeline.marked("test_end", self.on_test_end, after=True)
        self.on_epoch_end = timeline.marked(
            "epoch_end_begin", timeline.marked("epoch_end", self.on_epoch_end, after=True)
        )

    keras.callbacks.CallbackList.__init__ = init
    for kind in ("train", "test"):
        name = f"make_{kind}_function"
        setattr(
            trainer.TensorFlowTrainer,
            name,
            timed_maker(timeline, kind, getattr(trainer.TensorFlowTrainer, name)),
        )
    trainer.TensorFlowTrainer.fit = timeline.timed("fit", trainer.TensorFlowTrainer.fit)
    for module, name in LOOP_FUNCTIONS:  # Hydra finds a loop's _target_ by this attribute
        owner = importlib.import_module(module)
        setattr(owner, name, timeline.timed("loop", getattr(owner, name)))
    for part, (module, path) in PARTS.items():
        owner = importlib.import_module(module)
        *outer, attribute = path.split(".")
        for name in outer:
            owner = getattr(owner, name)
        if hasattr(owner, attribute):
            setattr(owner, attribute, timeline.timed(part, getattr(owner, attribute)))


def timed_maker(timeline, kind, make):
    """``make_train_function`` (or test): the function it makes, timed per call."""
    name = f"{kind}_function"

    def make_timed(self, force=False):
        made = make(self, force)
        if not getattr(getattr(self, name), "timed", False):
            setattr(self, name, timeline.timed(name, getattr(self, name)))
        return made

    return make_timed


def breakdown(timeline, summary, train_tickets, train_seconds):
    """Per-epoch and per-run figures of one training's timeline."""
    marks = timeline.marks
    epochs = len(marks["epoch_end"])
    steady = list(range(1, epochs)) if epochs > 1 else [0]

    def mean(values):
        return statistics.mean(values[i] for i in steady)

    wall = [marks["epoch_end"][i] - marks["epoch_begin"][i] for i in range(epochs)]
    training = [marks["test_begin"][i] - marks["epoch_begin"][i] for i in range(epochs)]
    steps = [timeline.spent[(i, "train_function")] for i in range(epochs)]
    batch_hooks = [
        timeline.spent_in(i, ("train_batch_begin", "train_batch_end")) for i in range(epochs)
    ]
    rest = [training[i] - steps[i] - batch_hooks[i] for i in range(epochs)]
    validation = [marks["test_end"][i] - marks["test_begin"][i] for i in range(epochs)]
    ending = [marks["epoch_end"][i] - marks["test_end"][i] for i in range(epochs)]
    between = [marks["epoch_end_begin"][i] - marks["test_end"][i] for i in range(epochs)]
    epoch_end = collections.Counter()
    for i in steady:
        for (at, what), seconds in timeline.spent.items():
            if at == i and what.endswith(".on_epoch_end"):
                name = what.removesuffix(".on_epoch_end").replace("callback list", "backup")
                epoch_end[name] += seconds / len(steady)

    def first_less_steady(what):
        calls = timeline.calls[what]
        later = [s for epoch, _, s in calls if epoch is not None and epoch >= 1] or [0.0]
        return calls[0][2] - statistics.median(later)

    _, loop_start, loop_seconds = timeline.calls["loop"][0]
    per_epoch = {
        "wall_s": mean(wall),
        "steps_s": mean(steps),
        "batch_hooks_s": mean(batch_hooks),
        "loop_rest_s": mean(rest),
        "validation_s": mean(validation),
        "of_which_test_function_s": mean(
            [timeline.spent[(i, "test_function")] for i in range(epochs)]
        ),
        "epoch_end_s": mean(ending),
        "of_which_before_callbacks_s": mean(between),
    }
    per_run = {
        "before_first_epoch_s": marks["epoch_begin"][0] - loop_start,
        "first_epoch_extra_s": wall[0] - mean(wall),
        "of_which_tracing_train_s": first_less_steady("train_function"),
        "of_which_tracing_test_s": first_less_steady("test_function"),
        "after_last_epoch_s": loop_start + loop_seconds - marks["epoch_end"][-1],
        "outside_seconds_s": train_seconds - loop_seconds,
        **{
            f"{part}_s": sum(s for _, _, s in timeline.calls[part])
            for part in PARTS
            if part in timeline.calls
        },
    }
    return {
        "epochs_run": epochs,
        "seconds": summary["seconds"],
        "train_call_s": round(train_seconds, 2),
        "ratio": round(mean(wall) / mean(steps), 2),
        "steps_tickets_per_second": round(train_tickets / mean(steps)),
        "epoch_tickets_per_second": round(train_tickets / mean(wall)),
        "run_tickets_per_second": round(train_tickets * epochs / summary["seconds"]),
        "callback_tickets_per_second": round(summary["tickets_per_second"]),
        "per_epoch": {k: round(v, 3) for k, v in per_epoch.items()},
        "epoch_end": {name: round(s, 3) for name, s in epoch_end.most_common() if s >= 5e-4},
        "per_run": {k: round(v, 2) for k, v in per_run.items()},
        "on_train_end": {
            what.removesuffix(".on_train_end"): round(s, 2)
            for (_, what), s in timeline.spent.items()
            if what.endswith(".on_train_end") and s >= 0.005
        },
        "val_department_macro_f1": round(summary["best"]["val_department_macro_f1"], 4),
        "val_priority_rmse": round(summary["best"]["val_priority_rmse"], 4),
    }


def run_row(root, store, overrides):
    """Train once with ``overrides``, instrumented; return its breakdown."""
    from tests.conftest import compose_config

    timeline = Timeline()
    instrument(timeline)
    from ticket_triage.training.run import train

    tracking = [] if "tracking=none" in overrides else [f"tracking.uri={store}"]
    cfg = compose_config("train", [*path_overrides(root), *tracking, *overrides])
    started = time.perf_counter()
    summary = train(cfg)
    seconds = time.perf_counter() - started
    import pandas as pd

    tickets = len(pd.read_parquet(Path(root) / "data" / "prepared" / "train.parquet"))
    return breakdown(timeline, summary, tickets, seconds)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=20_000, help="synthetic tickets")
    parser.add_argument("--only", default=",".join(ROWS), help="comma-separated rows")
    parser.add_argument("--rounds", type=int, default=2, help="runs of each row")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--row", help=argparse.SUPPRESS)  # in a child process: one row
    parser.add_argument("--root", help=argparse.SUPPRESS)
    parser.add_argument("--store", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.row:
        result = run_row(args.root, args.store, ROWS[args.row])
        (Path(args.root) / f"{args.row}.json").write_text(json.dumps(result))
        return

    from tests.conftest import compose_config
    from ticket_triage.data.prepare import prepare_dataset

    rounds, load_at_start = {}, round(os.getloadavg()[0], 2)
    with tempfile.TemporaryDirectory() as scratch:
        store = f"sqlite:///{scratch}/mlruns.db"
        prepare_dataset(
            compose_config(
                "prepare",
                [*path_overrides(scratch), f"data.num_tickets={args.tickets}", f"seed={args.seed}"],
            )
        )
        names = args.only.split(",")
        for round_ in range(args.rounds):  # rows alternate: forwards, then backwards, ...
            for name in names if round_ % 2 == 0 else names[::-1]:
                subprocess.run(
                    [sys.executable, __file__, "--row", name, "--root", scratch, "--store", store],
                    check=True,
                    cwd=ROOT,
                    stdout=subprocess.DEVNULL,
                )
                result = json.loads((Path(scratch) / f"{name}.json").read_text())
                rounds.setdefault(name, []).append(result)
                print(name, json.dumps(result), flush=True)
    rows = {name: fastest(results) for name, results in rounds.items()}
    report = {
        "description": "One default training timed call by call, and one lever changed per row",
        "machine": {
            "cpus": os.cpu_count(),
            "load_average_1_min_at_start": load_at_start,
            "load_average_1_min_at_end": round(os.getloadavg()[0], 2),
        },
        "synthetic_tickets": args.tickets,
        "seed": args.seed,
        "rounds": args.rounds,
        **tables(rows),
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(report, indent=2) + "\n")
    print()
    print(table(rows))


def fastest(results):
    """The round of a row with the shortest epochs (the least disturbed by other work), with
    every round's ``seconds`` and epoch time beside it: their spread is the machine's noise."""
    best = dict(min(results, key=lambda r: r["per_epoch"]["wall_s"]))
    best["seconds_per_round"] = [r["seconds"] for r in results]
    best["epoch_s_per_round"] = [r["per_epoch"]["wall_s"] for r in results]
    return best


def tables(rows):
    """The rows as tables the benchmarks page shows: one row per lever in each."""
    summary = {}
    for name, r in rows.items():
        summary[name] = {
            "overrides": ROWS[name],
            **{k: v for k, v in r.items() if not isinstance(v, dict)},
            "epoch_s": r["per_epoch"]["wall_s"],
            "steps_s": r["per_epoch"]["steps_s"],
        }
    parts = ("per_epoch", "epoch_end", "per_run", "on_train_end")
    return {"levers": summary, **{part: {n: r[part] for n, r in rows.items()} for part in parts}}


def table(rows):
    lines = [
        "| row | epochs | seconds | epoch (s) | steps (s) | ratio | validation (s) | epoch end (s) "
        "| val macro-F1 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, r in rows.items():
        e = r["per_epoch"]
        lines.append(
            f"| {name} | {r['epochs_run']} | {r['seconds']} | {e['wall_s']} | {e['steps_s']} | "
            f"{r['ratio']} | {e['validation_s']} | {e['epoch_end_s']} | "
            f"{r['val_department_macro_f1']} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
