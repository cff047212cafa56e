"""``trainer.resume``: continue from this job's backup, start over, or refuse a foreign one.

``auto`` (default) resumes from the newest readable backup in the job's backup folder when the
same configuration made it, and refuses one made by another configuration, naming the keys that
differ: resuming it would silently mix two trainings. ``false`` removes the backups and starts
over. A finished training removes its backups (``finish``), so the next run starts fresh.
"""

import logging
from dataclasses import dataclass

from ticket_triage.errors import ConfigError, unknown_choice
from ticket_triage.resume.fingerprint import differing_keys, fingerprint
from ticket_triage.resume.position import Position
from ticket_triage.resume.store import BackupStore

log = logging.getLogger(__name__)

MODES = ("auto", "false")
SHOWN_KEYS = 8  # at most this many differing keys in the message


@dataclass
class ResumePlan:
    """The backups of one training job and the one it resumes from, if any.

    Args:
        store: the job's ``BackupStore``.
        fingerprint: the configuration of this run (``fingerprint.fingerprint``).
        every_n_batches: back up every N training batches as well as at each epoch end
            (0: epoch ends only).
        backup: the backup to resume from, or ``None`` to start from the beginning.
        run_id: the MLflow run this training logs to: the backup's until tracking starts,
            then the one it continues or creates (written into every backup).
    """

    store: BackupStore
    fingerprint: dict
    every_n_batches: int = 0
    backup: object = None
    run_id: str | None = None

    @classmethod
    def open(cls, cfg, backup_dir):
        """Read ``cfg.trainer.resume`` and the backups in ``backup_dir``; decide."""
        mode = str(cfg.trainer.resume).lower()
        if mode not in MODES:
            raise unknown_choice("trainer.resume", cfg.trainer.resume, MODES)
        every = int(cfg.trainer.backup.every_n_batches)
        if every < 0:
            raise ConfigError(f"trainer.backup.every_n_batches = {every} must be 0 or more")
        plan = cls(BackupStore(backup_dir), fingerprint(cfg), every)
        if mode == "false":
            plan.store.clear()
            return plan
        plan.store.remove_partial_files()
        backup = plan.store.latest()
        if backup is None:
            return plan
        differing = differing_keys(backup.meta["fingerprint"], plan.fingerprint)
        if differing:
            raise ConfigError(_refusal(backup_dir, differing, backup.meta["fingerprint"], plan))
        plan.store.discard_newer_than(backup)
        plan.backup, plan.run_id = backup, backup.meta.get("run_id")
        log.info(
            "resuming from %s: epoch %d, batch %d%s",
            backup.path,
            plan.start.epoch + 1,
            plan.start.batch,
            f", MLflow run {plan.run_id}" if plan.run_id else "",
        )
        return plan

    @property
    def start(self):
        """Where training goes on: the backup's position, or the very beginning."""
        return Position(**self.backup.meta["position"]) if self.backup else Position()

    def finish(self):
        """Training ended normally: its backups are no longer needed."""
        self.store.clear()


def _refusal(backup_dir, keys, saved, plan):
    shown = ", ".join(
        f"{key} ({saved.get(key, 'unset')} there, {plan.fingerprint.get(key, 'unset')} now)"
        for key in keys[:SHOWN_KEYS]
    )
    more = f" and {len(keys) - SHOWN_KEYS} more" if len(keys) > SHOWN_KEYS else ""
    return (
        f"the backup in {backup_dir} was made by another configuration: {shown}{more}. "
        "Run with trainer.resume=false (or remove that folder) to start over, or with that "
        "configuration to resume it"
    )
