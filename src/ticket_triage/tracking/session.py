"""Turning ``conf/tracking/`` into a run and its callback, for the ``train`` stage.

``tracking=mlflow`` (default) creates the run before any training, so an unreachable server stops
the stage at once with one message, unless ``tracking.optional`` is set, in which case training
goes on untracked after a warning. ``tracking=none`` turns tracking off.
"""

import logging
from pathlib import Path

import keras
from omegaconf import OmegaConf

import ticket_triage
from ticket_triage.errors import TrackingUnavailable
from ticket_triage.tracking import context, params
from ticket_triage.tracking.datasets import split_inputs
from ticket_triage.tracking.mlflow_logger import MlflowLogger
from ticket_triage.tracking.runs import TrackedRun, resume_training_run, start_training_run

log = logging.getLogger(__name__)


def start_tracking(cfg, serving_model, splits, checkpoint, outputs, resume_run_id=None):
    """``(run, callback)`` for a training job, or ``(None, None)`` when tracking is off.

    Args:
        cfg: the resolved train config.
        serving_model: a function returning what to log at the end of training (see
            ``MlflowLogger``), called once then.
        splits: the prepared splits (name -> DataFrame), logged as the run's datasets.
        checkpoint: the best checkpoint's path (``None`` without one), logged as it is saved.
        outputs: the callbacks' other files and folders, logged at the end.
        resume_run_id: the run of the interrupted training this one resumes, to continue.
    """
    TrackedRun.forget(cfg.paths.models_dir)  # a run file left by an earlier run is not this run's
    if not cfg.tracking.enabled:
        return None, None
    launch = context.hydra_launch()
    tags = context.run_tags(cfg.loop.name, cfg.model.name, cfg.paths.prepared_dir, launch)
    try:
        run = resume_training_run(cfg.tracking, resume_run_id) if resume_run_id else None
        resumed = run is not None
        if not resumed:
            run = start_training_run(cfg.tracking, tags, _run_name(cfg, launch), launch)
    except TrackingUnavailable as error:
        if not cfg.tracking.optional:
            raise
        log.warning("%s: training goes on without tracking (tracking.optional=true)", error)
        return None, None
    run.save(cfg.paths.models_dir)
    resolved = OmegaConf.to_container(cfg, resolve=True)
    logger = MlflowLogger(
        run,
        params=params.flatten(resolved),
        config_yaml=OmegaConf.to_yaml(cfg, resolve=True),
        models_dir=cfg.paths.models_dir,
        checkpoint=checkpoint,
        outputs=outputs,
        serving_model=serving_model,
        pip_requirements=pip_requirements(),
        datasets=split_inputs(cfg.paths.prepared_dir, splits),
        code_paths=[str(Path(ticket_triage.__file__).parent)],
        custom_objects={
            name: obj
            for name, obj in keras.saving.get_custom_objects().items()
            if name.startswith("ticket_triage>")
        },
        log_every_n_batches=cfg.tracking.log_every_n_batches,
        resumed=resumed,
    )
    return run, logger


def pip_requirements():
    """The logged model's requirements, stated (MLflow's inference costs 12-15 s a model)."""
    from importlib.metadata import PackageNotFoundError, version

    try:  # Linux installs tensorflow-cpu, macOS tensorflow (pyproject.toml's markers)
        tensorflow = f"tensorflow-cpu=={version('tensorflow-cpu')}"
    except PackageNotFoundError:
        tensorflow = f"tensorflow=={version('tensorflow')}"
    packages = ("keras", "mlflow", "pandas", "pyarrow")
    return [tensorflow, *(f"{name}=={version(name)}" for name in packages)]


def _run_name(cfg, launch):
    name = f"{cfg.model.name}-{cfg.loop.name}"
    return f"{name}-job{launch['job_num']}" if launch["multirun"] else name
