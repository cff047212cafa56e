"""The MLflow callback every loop mode drives (``fit``, ``eager``, ``graph``, ``train_step``).

MLflow's own Keras callback logs no checkpoints or models, and autologging patches only
``fit()``; this one is a plain ``keras.callbacks.Callback``, so the hand-written loops drive it
too. It records:

* at train begin: params (the resolved config, flattened), the resolved config as YAML, the
  model summary, layer table and ``plot_model`` images, and the data splits as dataset inputs;
* each epoch: every training and validation metric (custom RMSE included) and the learning rate,
  at ``step=epoch``; optionally every N batches;
* each checkpoint ModelCheckpoint saves, as it is saved;
* at train end: the other callbacks' files (the CSV log, the LossHistory plots, the TensorBoard
  logs, under their configured names), and two models with
  signature: ``keras_model``, the raw Keras serving model (arrays out), and
  ``model``, the labeled model that the export it is handed logs itself (for the ticket models:
  department names and priority bands out), whose URI is saved in ``models/mlflow_run.json`` for
  the registry, with an input example: the request a user sends.

Metrics wait in ``pending`` until ``flush``, which the callback list calls right after each
backup (``resume``): so what MLflow has is always covered by a backup, and a run resumed from
one logs no step twice. A resumed run (``resumed=True``) continues the same MLflow run: params,
config and datasets are already there, and pending metrics that did reach MLflow before the
crash are not sent again.

Ending the run is not its job: Keras skips ``on_train_end`` when training raises, so
``tracking.ending.tracked_run`` around the training call ends it, however training ends.
A store that fails mid-run costs one warning: logging stops, training and checkpoints go on.
"""

import logging
import time
from pathlib import Path

import keras

from ticket_triage.tracking import params as mlflow_params
from ticket_triage.tracking import store

log = logging.getLogger(__name__)

METRICS_PER_BATCH = 1000  # MLflow's limit for one log_batch call


class MlflowLogger(keras.callbacks.Callback):
    """Log a training run to MLflow.

    Args:
        run: the ``TrackedRun`` to log into.
        params: flat ``{name: value}`` params (see ``tracking.params.flatten``).
        config_yaml: the resolved config, as YAML text.
        models_dir: the run's folder (its ``inspection/`` is logged at train begin).
        checkpoint: the best checkpoint's path, or ``None`` without one.
        outputs: the files (logged at the root) and folders (logged under their own name) the
            other callbacks write, logged at train end.
        serving_model: a function returning what to log at train end: the Keras serving
            ``model``, its ``input_example``, and ``log_labeled_model(answer, **log_model_args)``,
            which logs the labeled model into the active run and returns its ``ModelInfo``
            (``training.run.ServingExport``).
        datasets: the run's dataset inputs (``tracking.datasets.split_inputs``).
        pip_requirements: requirements recorded with the model (inferring them takes ~15 s).
        code_paths: this package's source, shipped with the model so it loads anywhere.
        custom_objects: the registered classes the model needs to deserialise.
        log_every_n_batches: also log batch metrics every N batches (0: never).
        resumed: the run continues an interrupted training's run.
    """

    def __init__(
        self,
        run,
        params,
        config_yaml,
        models_dir,
        checkpoint,
        outputs,
        serving_model,
        pip_requirements,
        datasets=(),
        code_paths=(),
        custom_objects=None,
        log_every_n_batches=0,
        resumed=False,
    ):
        super().__init__()
        self.run = run
        self.run_params = params
        self.config_yaml = config_yaml
        self.models_dir = Path(models_dir)
        self.checkpoint = Path(checkpoint) if checkpoint is not None else None
        self.outputs = [Path(path) for path in outputs]
        self.serving_model = serving_model
        self.datasets = list(datasets)
        self.pip_requirements = pip_requirements
        self.code_paths = list(code_paths)
        self.custom_objects = custom_objects
        self.log_every_n_batches = log_every_n_batches
        self.resumed = resumed
        self.pending = []  # (name, value, step) not yet sent: see flush
        self.client = run.client
        self.failed = False
        self._checkpoint_mtime = None
        self._epoch = 0

    def on_train_begin(self, logs=None):
        if self.resumed:
            return
        for batch in mlflow_params.batches(self.run_params):
            self._safely(self._log_params, batch)
        self._safely(self.client.log_text, self.run.run_id, self.config_yaml, "config.yaml")
        if self.datasets:
            self._safely(self.client.log_inputs, self.run.run_id, self.datasets)
        inspection = self.models_dir / "inspection"
        if inspection.exists():
            self._safely(self.client.log_artifacts, self.run.run_id, str(inspection), "inspection")

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.log_every_n_batches and (batch + 1) % self.log_every_n_batches == 0:
            step = self._epoch * (self.params.get("steps") or 0) + batch  # Keras's params
            self._add({f"batch_{k}": v for k, v in (logs or {}).items()}, step)

    def on_epoch_end(self, epoch, logs=None):
        metrics = dict(logs or {})
        metrics.setdefault(
            "learning_rate", float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate))
        )
        self._add(metrics, epoch)
        saved = self.checkpoint is not None and self.checkpoint.exists()
        if saved and self.checkpoint.stat().st_mtime != self._checkpoint_mtime:
            self._checkpoint_mtime = self.checkpoint.stat().st_mtime
            self._safely(
                self.client.log_artifact, self.run.run_id, str(self.checkpoint), "checkpoints"
            )

    def on_train_end(self, logs=None):
        self.flush()
        for path in self.outputs:
            if path.is_dir():
                self._safely(self.client.log_artifacts, self.run.run_id, str(path), path.name)
            elif path.exists():
                self._safely(self.client.log_artifact, self.run.run_id, str(path))
        self._safely(self._log_model)

    def flush(self):
        """Send the pending metrics."""
        if self.pending:
            self._safely(self._log_metrics, self.pending)
            self.pending = []

    def get_state(self):
        """For a backup: the metrics not sent yet (a crash may come before the next flush)."""
        return {"pending": [list(entry) for entry in self.pending]}

    def set_state(self, state):
        """Keep the pending metrics of the backup that MLflow does not have yet.

        If MLflow cannot say which it has, all are kept: a step logged twice beats a lost one.
        """
        self.pending = [tuple(entry) for entry in state["pending"]]
        logged = {}
        try:
            for name in {name for name, _, _ in self.pending}:
                history = store.retrying(self.client.get_metric_history, self.run.run_id, name)
                logged[name] = {metric.step for metric in history}
        except store.outage_errors() as error:
            log.warning("could not check which metrics MLflow has (%s): sending them all", error)
            return
        self.pending = [entry for entry in self.pending if entry[2] not in logged[entry[0]]]

    def _add(self, metrics, step):
        self.pending.extend((name, float(value), step) for name, value in metrics.items())

    def _log_params(self, batch):
        from mlflow.entities import Param

        self.client.log_batch(
            self.run.run_id, params=[Param(key, value) for key, value in batch.items()]
        )

    def _log_metrics(self, entries):
        from mlflow.entities import Metric

        now = int(time.time() * 1000)
        for first in range(0, len(entries), METRICS_PER_BATCH):
            self.client.log_batch(
                self.run.run_id,
                metrics=[
                    Metric(name, value, now, step)
                    for name, value, step in entries[first : first + METRICS_PER_BATCH]
                ],
            )

    def _log_model(self):
        """Log both models, each signature from one in-process answer to the example.

        The Keras model is logged without its input example: MLflow would load it again to
        answer the example (1.3 s on 2 cores) only to warn if it failed; the labeled model,
        the one that is served, keeps its example (the request a user sends).
        """
        import mlflow
        from mlflow.models import infer_signature

        export = self.serving_model()
        answer = _numpy(export.model.predict(export.input_example, verbose=0))
        # The run must be active, or MLflow files the model under its default experiment. Leaving
        # the block marks the run FINISHED; ``tracked_run`` sets the final status after training.
        run_id, uri = self.run.run_id, self.run.tracking_uri
        with store.fluent_tracking_uri(uri), mlflow.start_run(run_id=run_id):
            mlflow.tensorflow.log_model(
                export.model,
                name="keras_model",
                signature=infer_signature(export.input_example, answer),
                pip_requirements=self.pip_requirements,
                code_paths=self.code_paths,
                custom_objects=self.custom_objects,
            )
            labeled = export.log_labeled_model(
                answer, pip_requirements=self.pip_requirements, code_paths=self.code_paths
            )
        self.run.model_uri = labeled.model_uri
        self.run.save(self.models_dir)

    def _safely(self, call, *args):
        """Run one MLflow call; after the first store failure, warn once and stop logging.

        Only failures of the store or the network are caught: a bug in what we log still raises.
        """
        if self.failed:
            return None
        try:
            return store.retrying(call, *args)
        except store.outage_errors() as error:  # a tracking outage must never stop training
            self.failed = True
            log.warning(
                "MLflow logging failed and is switched off for this run (training "
                "continues, checkpoints are still written): %s",
                error,
            )


def _numpy(outputs):
    return {name: keras.ops.convert_to_numpy(value) for name, value in outputs.items()}
