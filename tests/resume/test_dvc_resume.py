"""``dvc repro`` after a killed ``train`` resumes it: the backup lives outside ``models/``, which
DVC removes before running the stage again. A fresh clone, the real git and DVC."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from tests.project_copy import fresh_clone, git, run_in
from tests.resume.processes import after_backup


@pytest.mark.slow
def test_dvc_repro_after_a_killed_train_resumes_it(tmp_path):
    clone = fresh_clone(tmp_path)
    params = yaml.safe_load((clone / "params.yaml").read_text())
    params["prepare"]["num_tickets"] = 1500
    params["train"]["epochs"] = 4
    (clone / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    git("commit", "-qam", "small pipeline", cwd=clone)
    env = {"MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path}/mlruns.db"}
    run_in(clone, "dvc", "repro", "prepare", env=env)

    repro = subprocess.Popen(
        ["dvc", "repro", "train"],
        cwd=clone,
        env=dict(os.environ, PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}", **env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    ready = after_backup(clone / "models-backup", 1)  # the first epoch's backup
    deadline = time.monotonic() + 300
    while not ready():
        assert repro.poll() is None and time.monotonic() < deadline, "train ended too soon"
        time.sleep(0.002)
    os.kill(train_process(clone), signal.SIGKILL)
    assert repro.wait(timeout=120) != 0

    resumed = run_in(clone, "dvc", "repro", env=env)
    assert "Running stage 'train'" in resumed and "resuming from" in resumed
    assert "Running stage 'evaluate'" in resumed
    assert not (clone / "models-backup").exists()
    assert (clone / "models" / "best.keras").exists()
    assert "up to date" in run_in(clone, "dvc", "status")


def train_process(clone):
    """The pid of the ``python -m pipelines.train`` that DVC started in ``clone``."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().split(b"\0")
            folder = os.readlink(entry / "cwd")
        except OSError:
            continue
        if b"pipelines.train" in command and Path(folder) == clone:
            return int(entry.name)
    raise AssertionError("no train process found")
