"""Creating the MLflow run of a training job, its sweep parent, and finding it again later.

A training job gets one run, tagged with the process that owns it (``tracking.orphans``); before
creating it, the job marks FAILED the runs of this host whose process died without ending them.
In a Hydra multirun (a grid, or an Optuna search) every job is a child of one parent run per
sweep, created and ended by the launching process (``tracking.sweep``) and found here by the
sweep's id. The store's tables and the experiment are created under a file lock, so parallel
jobs agree. The run id is written to ``models/mlflow_run.json`` so that ``evaluate`` and
``extract_features`` log into the run that produced the model.
"""

import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path

from filelock import FileLock

from ticket_triage.tracking import store
from ticket_triage.tracking.context import sweep_id
from ticket_triage.tracking.ending import END_TAG
from ticket_triage.tracking.orphans import end_orphaned_runs, process_tags

log = logging.getLogger(__name__)

RUN_FILE = "mlflow_run.json"
PARENT_TAG = "sweep_parent"


@dataclass
class TrackedRun:
    """Where a run lives. ``client`` is an ``mlflow.MlflowClient`` for ``tracking_uri``;
    ``model_uri`` is the labeled model the run logged (``models:/<id>``), once logged."""

    tracking_uri: str
    experiment_id: str
    run_id: str
    model_uri: str | None = None

    @property
    def client(self):
        from mlflow import MlflowClient

        return MlflowClient(self.tracking_uri)

    def save(self, models_dir):
        (Path(models_dir) / RUN_FILE).write_text(json.dumps(asdict(self), indent=2) + "\n")

    @staticmethod
    def forget(models_dir):
        (Path(models_dir) / RUN_FILE).unlink(missing_ok=True)

    @classmethod
    def load(cls, models_dir):
        """The run recorded beside a model, or ``None`` when training was not tracked."""
        path = Path(models_dir) / RUN_FILE
        return cls(**json.loads(path.read_text())) if path.exists() else None


def start_training_run(tracking_cfg, tags, run_name, launch):
    """Create the job's run under its sweep parent, if any; raise ``TrackingUnavailable`` if the
    store is down."""
    client, uri, experiment_id = open_experiment(tracking_cfg)
    end_orphaned_runs(client, experiment_id)
    run_tags = {**tags, **process_tags()}
    if launch["multirun"] and (
        parent_id := find_sweep_parent(client, experiment_id, launch["sweep_dir"])
    ):
        run_tags["mlflow.parentRunId"] = parent_id
    run = store.retrying(client.create_run, experiment_id, tags=run_tags, run_name=run_name)
    log.info(
        "MLflow run %s in experiment '%s' at %s", run.info.run_id, tracking_cfg.experiment, uri
    )
    return TrackedRun(uri, experiment_id, run.info.run_id)


def resume_training_run(tracking_cfg, run_id):
    """Reopen the run of an interrupted training job, or return ``None`` if the store lost it.

    The run becomes RUNNING again and owned by this process; the ``ended_by`` tag that a
    signal, or the next run's search for orphans, left on it is removed.
    """
    from mlflow.exceptions import MlflowException

    client, uri, experiment_id = open_experiment(tracking_cfg)
    try:
        run = store.retrying(client.get_run, run_id)
    except MlflowException as error:
        if error.error_code != "RESOURCE_DOES_NOT_EXIST":
            raise
        run = None
    if run is None or run.info.experiment_id != experiment_id:
        log.warning("MLflow run %s of the backup is gone: this training gets a new run", run_id)
        return None
    for key, value in process_tags().items():
        store.retrying(client.set_tag, run_id, key, value)
    if END_TAG in run.data.tags:
        store.retrying(client.delete_tag, run_id, END_TAG)
    store.retrying(client.update_run, run_id, status="RUNNING")
    end_orphaned_runs(client, experiment_id)
    log.info("MLflow run %s continued at %s", run_id, uri)
    return TrackedRun(uri, experiment_id, run_id)


def start_sweep_parent(tracking_cfg, sweep_dir):
    """Create the parent run of the sweep writing to ``sweep_dir``, owned by this process."""
    client, uri, experiment_id = open_experiment(tracking_cfg)
    parent = store.retrying(
        client.create_run,
        experiment_id,
        run_name=f"sweep {Path(sweep_dir).name}",
        tags={
            "sweep_id": sweep_id(sweep_dir),
            PARENT_TAG: "true",
            "sweep_dir": sweep_dir,
            **process_tags(),
        },
    )
    log.info("MLflow sweep parent run %s at %s", parent.info.run_id, uri)
    return TrackedRun(uri, experiment_id, parent.info.run_id)


def find_sweep_parent(client, experiment_id, sweep_dir):
    """The id of the newest parent run of the sweep writing to ``sweep_dir``, or ``None``."""
    found = store.retrying(
        client.search_runs,
        [experiment_id],
        filter_string=f"tags.sweep_id = '{sweep_id(sweep_dir)}' and tags.{PARENT_TAG} = 'true'",
        order_by=["attributes.start_time DESC"],
        max_results=1,
    )
    if not found:
        log.warning("no MLflow parent run for sweep %s: this job's run stands alone", sweep_dir)
        return None
    return found[0].info.run_id


def open_experiment(tracking_cfg):
    """``(client, uri, experiment id)`` of the configured store and experiment, creating them if
    new; raise ``TrackingUnavailable`` if the store is down."""
    from mlflow import MlflowClient

    uri = store.resolve_uri(tracking_cfg.uri)
    store.bounded_http_retries()
    store.check_reachable(uri)
    with FileLock(str(store.lock_path(uri)), timeout=300):
        client = MlflowClient(uri)  # the first client of a new SQLite store creates its tables
        experiment_id = _experiment(client, tracking_cfg.experiment)
    return client, uri, experiment_id


def _experiment(client, name):
    experiment = store.retrying(client.get_experiment_by_name, name)
    if experiment is not None:
        return experiment.experiment_id
    return store.retrying(client.create_experiment, name)
