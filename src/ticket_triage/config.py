"""Helpers the Hydra entry points share: one clear message for user mistakes, per-job paths."""

import contextlib
import sys
from pathlib import Path

from omegaconf import OmegaConf

from ticket_triage import params  # noqa: F401  (registers the ${params:...} resolver conf/ uses)
from ticket_triage.errors import USAGE_ERROR, USER_ERRORS
from ticket_triage.resume.fingerprint import job_folder


@contextlib.contextmanager
def user_errors():
    """Report a user's mistake (bad data or mapping, a tracking server that is down) as one line
    and exit 2, without a traceback.

    Programming errors are not caught: they keep their traceback.

    Example:
        >>> with user_errors():                                   # doctest: +SKIP
        ...     prepare_dataset(cfg)
    """
    try:
        yield
    except USER_ERRORS as error:
        print(f"error: {error}", file=sys.stderr)
        raise SystemExit(USAGE_ERROR) from error


def per_job_paths(cfg):
    """In a Hydra multirun, move ``paths.models_dir`` and ``paths.reports_dir`` into the job's
    own output folder, so parallel jobs never overwrite each other's models; otherwise ``cfg``.

    Each job's backups go to a folder of ``paths.backup_dir`` named after the job's overrides
    (``resume.fingerprint.job_folder``), not its output folder (a new one per launch): so
    running a sweep again after a crash lets every job resume its own training.

    Example: job 3 of ``python -m pipelines.train -m seed=1,2,3,4`` writes
    ``multirun/<date>/<time>/3/models/best.keras``, and backs up to
    ``models-backup/seed=4-<hash>``.
    """
    from ticket_triage.tracking.context import hydra_launch

    if not hydra_launch()["multirun"]:
        return cfg
    from hydra.core.hydra_config import HydraConfig

    job_dir = Path(HydraConfig.get().runtime.output_dir)
    cfg = OmegaConf.create(OmegaConf.to_container(cfg, resolve=True))
    cfg.paths.models_dir = str(job_dir / Path(cfg.paths.models_dir).name)
    cfg.paths.reports_dir = str(job_dir / Path(cfg.paths.reports_dir).name)
    overrides = HydraConfig.get().overrides.task
    cfg.paths.backup_dir = str(Path(cfg.paths.backup_dir) / job_folder(overrides))
    return cfg
