"""``distribution=multi_worker``: two worker processes on 127.0.0.1, started by
``scripts/local-workers``, train every loop mode (``fit`` and ``train_step`` through the
keras#20585 workaround) as one device does; only the chief logs to MLflow; a failing worker
stops them all (tolerances: ``conftest.TOLERANCES``).
"""

import signal
import subprocess
import time

import psutil
import pytest
from mlflow import MlflowClient

from tests.conftest import ROOT
from tests.distribution.conftest import LOOPS, assert_same_training, training_overrides

SCRIPT = ROOT / "scripts" / "local-workers"


@pytest.mark.slow
def test_two_workers_train_every_loop_mode_and_only_the_chief_logs(
    single_device, prepared_dir, tmp_path
):
    store = f"sqlite:///{tmp_path}/mlruns.db"
    result = subprocess.run(
        [
            str(SCRIPT),
            "2",
            "--",
            "-m",
            f"loop={','.join(LOOPS)}",
            f"hydra.sweep.dir={tmp_path}/multirun",
            f"tracking.uri={store}",
            *training_overrides(prepared_dir, tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert result.returncode == 0, result.stdout[-4000:]
    for index in (0, 1):
        assert f"[worker {index}]" in result.stdout
    chief = tmp_path / "multirun" / "worker-0"
    for job, loop in enumerate(LOOPS):
        assert "worker 0 of 2" in (chief / str(job) / "train.log").read_text()
        assert_same_training(chief / str(job), single_device[loop], loop)
    left = [
        path
        for path in (tmp_path / "models-backup").rglob("*")
        if path.is_file() or path.name.startswith("worker-")
    ]
    assert not left, f"backups or a non-chief worker's files left behind: {left}"

    client = MlflowClient(store)
    runs = client.search_runs([client.get_experiment_by_name("ticket-triage").experiment_id])
    parents = [run for run in runs if run.data.tags.get("sweep_parent") == "true"]
    jobs = [run for run in runs if run not in parents]
    assert len(parents) == 1 and parents[0].info.status == "FINISHED"
    assert sorted(run.data.params["loop.name"] for run in jobs) == sorted(LOOPS)
    assert all(run.info.status == "FINISHED" for run in jobs)


def start_long_training(prepared_dir, tmp_path):
    """``scripts/local-workers 2`` on a long training; return it once the chief ended an epoch."""
    started = time.monotonic()
    script = subprocess.Popen(
        [
            str(SCRIPT),
            "2",
            "--",
            "loop=graph",
            "tracking=none",
            "trainer.epochs=200",
            f"hydra.run.dir={tmp_path}/run",
            *training_overrides(prepared_dir, tmp_path),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    history = tmp_path / "models" / "history.csv"  # CSVLogger: a header at train begin
    while not (history.exists() and len(history.read_text().splitlines()) > 1):
        assert script.poll() is None and time.monotonic() - started < 300
        time.sleep(0.2)
    return script


@pytest.mark.slow
def test_a_failing_worker_stops_them_all(prepared_dir, tmp_path):
    script = start_long_training(prepared_dir, tmp_path)
    workers = psutil.Process(script.pid).children()
    workers[1].kill()
    output, _ = script.communicate(timeout=300)
    assert script.returncode == 128 + signal.SIGKILL
    assert "worker 1 exited with -9: stopping all" in output
    assert not any(worker.is_running() and worker.status() != "zombie" for worker in workers)


@pytest.mark.slow
def test_ctrl_c_backs_up_every_worker_once_and_exits_130(prepared_dir, tmp_path):
    script = start_long_training(prepared_dir, tmp_path)
    script.send_signal(signal.SIGINT)
    output, _ = script.communicate(timeout=300)
    assert script.returncode == 128 + signal.SIGINT, output[-4000:]
    assert "stopping all" not in output
    for index in (0, 1):
        assert output.count(f"[worker {index}] ") > 0
    assert output.count("SIGINT received") == 2  # passed on once to each worker
    backups = tmp_path / "models-backup"
    assert any(backups.glob("backup-*.npz")), sorted(backups.rglob("*"))
    assert any((backups / "worker-1" / "backup").glob("backup-*.npz")), sorted(backups.rglob("*"))
