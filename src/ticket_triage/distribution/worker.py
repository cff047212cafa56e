"""Which worker this process is, and where a non-chief worker writes.

Every worker runs the same training and every callback (early stopping and learning-rate
reduction must decide alike everywhere, and reading a metric is a collective operation under
``multi_worker``), but only the chief writes what users read: ``models/``, ``reports/`` and the
MLflow run. The others write (their models, reports and own backups) into a folder of their own
beside the chief's backups, removed when training ends, and log nothing to MLflow (one run per
training, not one per worker, and one sweep parent).

This module reads ``TF_CONFIG`` itself, without TensorFlow, so Hydra's sweep callback can use it.
"""

import copy
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from ticket_triage.errors import ConfigError


@dataclass(frozen=True)
class Worker:
    """This process's place in the cluster.

    Args:
        index: its index among the workers (0 without a cluster).
        count: the number of worker processes (1 without a cluster).
        chief: whether it writes the outputs and logs to MLflow.
    """

    index: int = 0
    count: int = 1
    chief: bool = True

    @classmethod
    def current(cls, distribution, environ=None):
        """This process's worker under ``distribution.name``: from ``TF_CONFIG`` when it is
        ``multi_worker``, else the chief, alone.

        Example:
            >>> cluster = '"cluster": {"worker": ["a:1", "b:2"]}'
            >>> task = '"task": {"type": "worker", "index": 1}'
            >>> Worker.current("multi_worker", {"TF_CONFIG": "{" + cluster + ", " + task + "}"})
            Worker(index=1, count=2, chief=False)
        """
        environ = os.environ if environ is None else environ
        if distribution != "multi_worker" or not environ.get("TF_CONFIG"):
            return cls()
        try:
            config = json.loads(environ["TF_CONFIG"])
            cluster, kind, index = (
                config["cluster"],
                config["task"]["type"],
                config["task"]["index"],
            )
        except (json.JSONDecodeError, KeyError, TypeError) as error:
            raise ConfigError(f"TF_CONFIG is not a cluster and task ({error!r})") from None
        count = sum(len(cluster.get(group, [])) for group in ("chief", "worker"))
        chief = kind == "chief" or (kind == "worker" and index == 0 and "chief" not in cluster)
        return cls(index, count, chief)

    def scratch(self, backup_dir):
        """A non-chief worker's own folder: ``<backup_dir>/worker-<index>``."""
        return Path(backup_dir) / f"worker-{self.index}"


def worker_config(cfg, worker):
    """``cfg`` for this worker: unchanged on the chief; elsewhere, paths in the worker's own
    folder and MLflow off."""
    if worker.chief:
        return cfg
    cfg = copy.deepcopy(cfg)
    scratch = worker.scratch(cfg.paths.backup_dir)
    cfg.paths.models_dir = str(scratch / "models")
    cfg.paths.reports_dir = str(scratch / "reports")
    cfg.paths.backup_dir = str(scratch / "backup")
    cfg.tracking.enabled = False
    return cfg


def remove_scratch(cfg, worker):
    """After training, a non-chief worker's own folder goes: models, reports and backups."""
    if not worker.chief:
        shutil.rmtree(Path(cfg.paths.models_dir).parent, ignore_errors=True)
