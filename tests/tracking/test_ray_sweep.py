"""A Hydra sweep on a real local Ray cluster (``hydra/launcher=ray_cluster``): the test starts
the cluster (``ray start --head`` on 127.0.0.1, a free port), runs a two-job sweep through it,
and stops the cluster; the jobs land in MLflow as children of one parent run."""

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.tracking.test_sweep_parent import sweep_runs
from ticket_triage.local_servers import free_port

RAY = str(Path(sys.executable).parent / "ray")


@pytest.fixture
def ray_cluster(tmp_path):
    """The address of a one-node Ray cluster started from the project root (jobs' cwd)."""
    port = free_port()
    try:
        yield start_cluster(port)
    finally:
        stopped = subprocess.run([RAY, "stop"], capture_output=True, text=True, timeout=120)
        assert stopped.returncode == 0, stopped.stderr[-2000:]


def start_cluster(port):
    started = subprocess.run(
        [
            RAY,
            "start",
            "--head",
            "--node-ip-address=127.0.0.1",
            f"--port={port}",
            "--num-cpus=2",
            "--include-dashboard=false",
            "--disable-usage-stats",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert started.returncode == 0, started.stderr[-3000:]
    return f"127.0.0.1:{port}"


@pytest.mark.slow
def test_a_sweep_on_a_ray_cluster_lands_under_one_parent_run(ray_cluster, prepared_dir, tmp_path):
    db = f"sqlite:///{tmp_path}/sweep.db"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipelines.train",
            "-m",
            "hydra/launcher=ray_cluster",
            f"hydra.launcher.ray.init.address={ray_cluster}",
            f"hydra.sweep.dir={tmp_path}/multirun",
            f"paths.prepared_dir={prepared_dir}",
            f"paths.models_dir={tmp_path}/models",
            f"tracking.uri={db}",
            "trainer.epochs=1",
            "trainer.batch_size=32",
            "model.width=16",
            "loop.verbose=0",
            "seed=1,2",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Ray Launcher is launching 2 jobs" in result.stdout + result.stderr
    parent, jobs = sweep_runs(db)
    assert parent.info.status == "FINISHED"
    assert sorted(job.data.params["seed"] for job in jobs) == ["1", "2"]
    assert {job.info.status for job in jobs} == {"FINISHED"}
    assert len({job.data.tags["process_id"] for job in jobs}) == 2  # a fresh worker per job
    for number in range(2):
        assert (tmp_path / "multirun" / str(number) / "models" / "best.keras").exists()
