"""The ``train`` stage: prepared data -> model -> loop -> callbacks -> files DVC tracks.

Outputs (``paths.models_dir`` and ``paths.reports_dir``):
    models/best.keras               best checkpoint by val_loss (ModelCheckpoint)
    models/history.csv              per-epoch metrics (CSVLogger)
    models/loss_history/            per-batch losses and a plot per epoch (LossHistory)
    models/tensorboard/             scalars, graph, weight histograms (TensorBoard)
                                    (the callbacks' files under their configured names)
    models/serving.keras            raw strings in, priority + calibrated department out
    models/trust.json               temperature, review threshold, drift reference (validation)
    models/departments.txt          the department classes, in the order of the model's output
    models/spec.json                what was built: inputs, heads, model API, sparse or dense,
                                    and the callbacks' file names
    models/mlflow_run.json          the MLflow run, for evaluate and extract_features
    reports/train_metrics.json      final and best-epoch metrics, throughput
    models/inspection/              summary, layer table, plot_model images

The model, optimizer, objectives, loop and callbacks are built by Hydra's ``instantiate`` from
their config nodes (``ticket_triage.instantiate``), given what only this run knows: the data's
spec, the model's heads, the training split's size.

Under ``distribution=mirrored|multi_worker`` the model, its optimizer (built there, before the
first step) and the metrics are made in the ``tf.distribute`` strategy's scope; the loops take the
strategy from the model. Only the chief worker writes these files and logs to MLflow
(``distribution.worker``).

While it runs, the whole training state is backed up in ``paths.backup_dir`` (outside
``models/``, which DVC removes before a run), so that running the same command again after a
crash resumes where it stopped (``resume``); a training that ends removes its backups.
"""

import functools
import json
import logging
import time
from pathlib import Path
from typing import NamedTuple

import keras
import pandas as pd
import tensorflow as tf
from omegaconf import OmegaConf

from ticket_triage.callbacks.factory import callback_outputs, instantiate_callbacks, monitoring
from ticket_triage.callbacks.throughput import Throughput
from ticket_triage.config import per_job_paths
from ticket_triage.data import schema
from ticket_triage.distribution.agreement import wait_for_all
from ticket_triage.distribution.strategy import make_strategy
from ticket_triage.distribution.worker import Worker, remove_scratch, worker_config
from ticket_triage.errors import ConfigError
from ticket_triage.inputs.pipeline import TicketData
from ticket_triage.instantiate import build
from ticket_triage.models.inspection import inspect_model
from ticket_triage.models.serving import build_serving_model
from ticket_triage.models.spec import TicketSpec, TrainedModelInfo, choose_sparse
from ticket_triage.objectives import MetricSet
from ticket_triage.outputs import fresh_in_place
from ticket_triage.resume.plan import ResumePlan
from ticket_triage.tracking.ending import tracked_run
from ticket_triage.tracking.session import start_tracking
from ticket_triage.training.op_threads import resolve_op_threads, use_op_threads
from ticket_triage.training.trust import fit_trust
from ticket_triage.triage import artifacts
from ticket_triage.triage.inputs import serving_inputs

log = logging.getLogger(__name__)


def train(cfg):
    """Train the configured model with the configured loop; return the summary metrics."""
    loop = build(cfg.loop)
    spec = TicketSpec.from_prepared(cfg.paths.prepared_dir)
    sparse = choose_sparse(cfg.trainer.sparse_inputs, spec, cfg.trainer.sparse_from_columns)
    # These two first: TensorFlow must not have started yet.
    op_threads = use_op_threads(resolve_op_threads(cfg.trainer.op_threads, sparse))
    strategy = make_strategy(cfg.distribution)
    worker = Worker.current(cfg.distribution.name)
    seed_everything(cfg.seed, cfg.trainer.deterministic)
    cfg = worker_config(per_job_paths(cfg), worker)
    models_dir, reports_dir = Path(cfg.paths.models_dir), Path(cfg.paths.reports_dir)
    reports_dir.mkdir(parents=True, exist_ok=True)
    plan = ResumePlan.open(cfg, cfg.paths.backup_dir)
    # No file of an earlier run survives in models/ (a failed run puts the earlier one back).
    with fresh_in_place(models_dir, resuming=plan.backup is not None):
        built = TrainedModelInfo(spec, cfg.model.name, sparse, callback_outputs(cfg.callbacks))
        built.save(models_dir)
        data = TicketData.load(
            cfg.paths.prepared_dir,
            batch_size=cfg.trainer.batch_size,
            sparse=built.sparse_inputs,
            seed=cfg.seed,
            merge_inputs=built.sequential,
        )
        data.weigh_classes(cfg.trainer.class_weight)
        with strategy.scope():
            model = build(cfg.model, spec=built.spec, sparse=built.sparse_inputs)
            optimizer = build(cfg.optimizer)
            optimizer.build(model.trainable_variables)  # in scope, before any step: keras#23085
        objectives = build(
            cfg.trainer.objectives,
            heads=built.heads,
            named_outputs=not built.sequential,
            num_departments=built.spec.num_departments,
        )
        check_optimized_metric(cfg.get("optimized_metric"), objectives)
        inspect_model(model, models_dir / "inspection")

        callbacks = instantiate_callbacks(
            cfg.callbacks,
            models_dir,
            data.size("train"),
            resuming=plan.backup is not None,
            headline=objectives.headline_monitor(),
        )
        files = {name: models_dir / path for name, path in built.outputs.items()}
        best = files.pop("checkpoint", None)
        export = functools.cache(
            lambda: export_serving_model(
                model, data, models_dir, cfg.paths.prepared_dir, cfg.triage, best
            )
        )
        run, tracker = start_tracking(
            cfg, export, data.frames, best, list(files.values()), resume_run_id=plan.run_id
        )
        plan.run_id = run.run_id if run else None
        if tracker is not None:
            callbacks.append(tracker)  # last: it logs what the other callbacks have written
        log.info(
            "training %s with loop=%s on %d tickets (%d steps/epoch, %s inputs, %d columns, %s "
            "thread(s) per op) on %d replica(s)%s",
            model.name,
            cfg.loop.name,
            data.size("train"),
            data.steps("train"),
            "sparse" if built.sparse_inputs else "dense",
            built.spec.width,
            op_threads or "default",
            strategy.num_replicas_in_sync,
            "" if worker.count == 1 else f", worker {worker.index} of {worker.count}",
        )
        start = plan.start  # where this process begins: the backup's position after a resume
        started = time.perf_counter()
        with tracked_run(run):  # the MLflow run ends FINISHED, FAILED or KILLED, whatever happens
            history = loop(model, data, objectives, optimizer, callbacks, cfg.trainer.epochs, plan)
        summary = summarize(
            history,
            monitoring(cfg.callbacks.checkpoint, objectives.headline_monitor()),
            next(c for c in callbacks if isinstance(c, Throughput)),
            time.perf_counter() - started,
            cfg,
            trained_here=start.tickets_before(data.size("train"), cfg.trainer.batch_size),
        )
        summary["learning_rate_at_end"] = float(keras.ops.convert_to_numpy(optimizer.learning_rate))
        if worker.chief:  # the other workers' models are thrown away
            export()
            (reports_dir / "train_metrics.json").write_text(json.dumps(summary, indent=2) + "\n")
        wait_for_all(strategy)  # no backup goes while another worker may still need to resume
        plan.finish()
        remove_scratch(cfg, worker)
        log.info("done: %s", {k: summary[k] for k in ("epochs_run", "best_epoch", "seconds")})
        return summary


def check_optimized_metric(name, objectives):
    """Fail before training when a sweeper is told to optimise a metric this run will not log."""
    if name is None:
        return
    logged = {
        f"{prefix}{metric}" for prefix in ("", "val_") for metric in MetricSet(objectives).result()
    }
    if name not in logged:
        raise ConfigError(
            f"optimized_metric = '{name}' is not a metric of this run; it logs: "
            f"{', '.join(sorted(logged))}"
        )


def optimized_value(summary, name):
    """The best epoch's value of ``name``, for a sweeper (``None`` when nothing is optimised)."""
    return None if name is None else summary["best"][name]


def export_serving_model(model, data, models_dir, prepared_dir, triage_settings, checkpoint=None):
    """Save the string-input serving model, the department names and its ``Trust`` beside it.

    The served model is the best checkpoint when there is one: the model ``evaluate`` scores and
    registers, whatever the weights at the end of training (early stopping may not restore).
    Its department probabilities are calibrated on the validation split, where the review
    threshold for ``triage_settings.target_precision`` and the drift reference are measured
    too (``trust``).

    Returns:
        A :class:`ServingExport`, with three validation tickets as the example to log.
    """
    if checkpoint is not None and Path(checkpoint).exists():
        model = keras.saving.load_model(checkpoint, safe_mode=True)
    trust = fit_trust(
        model, data, TrainedModelInfo.load(models_dir).heads, triage_settings.target_precision
    )
    trust_file = trust.save(models_dir)
    serving = build_serving_model(model, data.vectorizer, trust.temperature)
    serving_file, departments_file = artifacts.save(serving, prepared_dir, models_dir)
    tickets = data.frames["val"].head(3)
    return ServingExport(
        serving,
        serving_inputs(tickets, data.vectorizer.input_names),
        tickets,
        serving_file,
        departments_file,
        trust_file,
        OmegaConf.to_container(triage_settings, resolve=True),
    )


class ServingExport(NamedTuple):
    """What training hands to tracking to log: the Keras serving model, and the labeled model
    that wraps it (``triage.mlflow_model``), which tracking does not need to know about."""

    model: keras.Model  # raw strings in: the ``keras_model`` of the MLflow run
    input_example: dict  # its inputs for a few tickets
    tickets: pd.DataFrame  # those tickets, for the labeled model's example request
    serving_file: Path
    departments_file: Path | None
    trust_file: Path  # calibration, review threshold and drift reference (``trust.profile``)
    triage_settings: dict  # the ``triage`` config: priority bands, departments per answer

    def log_labeled_model(self, answer, **log_model_args):
        """Log the labeled model into the active MLflow run as ``model``; return its
        ``ModelInfo``. ``answer``: the serving model's outputs for ``input_example``;
        ``log_model_args`` go to ``mlflow.pyfunc.log_model``."""
        from ticket_triage.triage.mlflow_model import log_triage_model, request_example

        example = request_example(self.tickets, with_tags=schema.INPUT_TAGS in self.input_example)
        return log_triage_model(
            self.serving_file,
            self.departments_file,
            self.trust_file,
            example,
            answer,
            self.triage_settings,
            **log_model_args,
        )


def seed_everything(seed, deterministic):
    """Seed Python, NumPy and TensorFlow; optionally make TensorFlow's ops deterministic."""
    keras.utils.set_random_seed(seed)
    if deterministic:
        tf.config.experimental.enable_op_determinism()


def summarize(history, monitored, throughput, seconds, cfg, trained_here):
    """Final-epoch and best-epoch (by the checkpoint's ``monitored`` metric and mode) metrics,
    and throughput: the steps' (``tickets_per_second``, the throughput callback's) beside the
    whole run's (``run_tickets_per_second``: the tickets this process trained over its
    ``seconds``, everything around the steps included).

    ``trained_here(epochs)``: the tickets trained in this process after ``epochs`` epochs in
    all (a resumed run's history holds the epochs before the crash too)."""
    epochs = history.history
    values = epochs.get(monitored["monitor"]) or epochs["loss"]
    best = (
        min(range(len(values)), key=values.__getitem__)
        if monitored["mode"] != "max"
        else max(range(len(values)), key=values.__getitem__)
    )
    return {
        "loop": cfg.loop.name,
        "model": cfg.model.name,
        "epochs_run": len(values),
        "best_epoch": best + 1,
        "monitor": monitored["monitor"],
        "best": {name: float(series[best]) for name, series in epochs.items()},
        "final": {name: float(series[-1]) for name, series in epochs.items()},
        "seconds": round(seconds, 2),
        "tickets_per_second": round(throughput.tickets_per_second, 1),
        "run_tickets_per_second": round(trained_here(len(values)) / seconds, 1),
        "config": OmegaConf.to_container(cfg.trainer, resolve=True),
    }
