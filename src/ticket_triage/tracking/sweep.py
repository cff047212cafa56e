"""A Hydra sweep's parent run: created before the first job starts, ended after the last one.

Hydra calls ``hydra.callbacks`` in the launching process, whichever launcher runs the jobs
(``conf/tracking/mlflow.yaml`` registers ``SweepParentRun``). The parent is created in
``on_multirun_start``, before any job, so parallel jobs all find the same one, and it is tagged
with the launching process, so a launcher killed with SIGKILL leaves an orphan the next training
run ends (``tracking.orphans``). ``on_multirun_end`` ends it FINISHED, or FAILED if a job's run
did not finish. When a job raises, Hydra stops the sweep with that error and skips
``on_multirun_end``; an exit hook then ends the parent: KILLED if a job was stopped by a signal,
FAILED otherwise.
"""

import atexit
from pathlib import Path

from hydra.experimental.callback import Callback

from ticket_triage.distribution.worker import Worker
from ticket_triage.tracking import store
from ticket_triage.tracking.ending import end_run
from ticket_triage.tracking.runs import start_sweep_parent

ABORTED = "the sweep ended with an error: a job failed or was stopped"


class SweepParentRun(Callback):
    """Start and end the MLflow parent run of a Hydra multirun (a grid or an Optuna search).

    If the store cannot be reached, ``on_multirun_start`` raises, Hydra turns that into a
    warning, and the jobs handle the store as single runs do.
    """

    def __init__(self):
        self.parent = None

    def on_multirun_start(self, config, **kwargs):
        if not config.tracking.enabled or not _on_chief(config):
            return
        sweep_dir = str(Path(config.hydra.sweep.dir).resolve())  # as the jobs see it
        self.parent = start_sweep_parent(config.tracking, sweep_dir)
        atexit.register(self.end_aborted)

    def on_multirun_end(self, config, **kwargs):
        if self.parent is None:
            return
        atexit.unregister(self.end_aborted)
        statuses = self._job_statuses()
        unfinished = sum(status != "FINISHED" for status in statuses)
        if unfinished:
            reason = f"{unfinished} of {len(statuses)} jobs did not finish"
            end_run(self.parent.client, self.parent.run_id, "FAILED", reason)
        else:
            end_run(self.parent.client, self.parent.run_id, "FINISHED")

    def end_aborted(self):
        """The exit hook: end the parent of a sweep that stopped early, KILLED or FAILED."""
        status = "KILLED" if "KILLED" in self._job_statuses() else "FAILED"
        end_run(self.parent.client, self.parent.run_id, status, ABORTED)

    def _job_statuses(self):
        query = f"tags.`mlflow.parentRunId` = '{self.parent.run_id}'"
        jobs = store.search_all(self.parent.client, self.parent.experiment_id, query)
        return [job.info.status for job in jobs]


def _on_chief(config):
    """Under ``distribution=multi_worker`` all workers run the sweep; the chief owns the parent."""
    return Worker.current(config.get("distribution", {}).get("name", "none")).chief
