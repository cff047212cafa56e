"""Runs whose process died without a word (SIGKILL, the OOM killer, a power cut) end as FAILED.

Such a process cannot end its own run, which would stay RUNNING forever. So every training run
and sweep parent records the process that owns it (``process_tags``: pid and host), and each new
training run first looks for RUNNING runs of its experiment owned by a process of this host that
no longer exists, and marks them FAILED (``end_orphaned_runs``).

Runs of other hosts are left alone (their processes cannot be checked from here), and so are
runs of live processes, such as parallel sweep jobs. A pid already reused by a new process hides
an orphan until that process ends: when in doubt, a run is left alone.
"""

import os
import socket

from ticket_triage.tracking import store
from ticket_triage.tracking.ending import end_run

PROCESS_TAG = "process_id"
HOST_TAG = "host"
REASON = "next run found its process gone"


def process_tags():
    """The tags that name the process owning a run."""
    return {PROCESS_TAG: str(os.getpid()), HOST_TAG: socket.gethostname()}


def end_orphaned_runs(client, experiment_id):
    """Mark FAILED the RUNNING runs of ``experiment_id`` whose process on this host is gone.

    Returns their run ids.
    """
    query = f"attributes.status = 'RUNNING' and tags.{HOST_TAG} = '{socket.gethostname()}'"
    orphans = [
        run.info.run_id
        for run in store.search_all(client, experiment_id, query)
        if not _alive(run.data.tags.get(PROCESS_TAG, ""))
    ]
    for run_id in orphans:
        end_run(client, run_id, "FAILED", REASON)
    return orphans


def _alive(pid):
    """Whether process ``pid`` exists; an unreadable pid counts as alive (leave the run alone)."""
    if not pid.isdigit() or int(pid) <= 0:
        return True
    try:
        os.kill(int(pid), 0)  # signal 0: checks existence, sends nothing
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by another user
        return True
    return True
