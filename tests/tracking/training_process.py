"""A real ``python -m pipelines.train`` process that trains long enough to be signalled."""

import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import ROOT


def start_training(prepared_dir, out_dir, tracking_uri, epochs=2000):
    """Start training on ``prepared_dir`` with outputs under ``out_dir``; its output goes to
    ``out_dir/stdout.txt`` and ``out_dir/stderr.txt``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with (out_dir / "stdout.txt").open("w") as stdout, (out_dir / "stderr.txt").open("w") as stderr:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "pipelines.train",
                f"paths.prepared_dir={prepared_dir}",
                f"paths.models_dir={out_dir}/models",
                f"paths.reports_dir={out_dir}/reports",
                f"hydra.run.dir={out_dir}/hydra",
                f"tracking.uri={tracking_uri}",
                f"trainer.epochs={epochs}",
                "trainer.batch_size=32",
                "model.width=16",
                "loop.verbose=0",
                "callbacks.early_stopping.enabled=false",
            ],
            cwd=ROOT,
            stdout=stdout,
            stderr=stderr,
        )


def wait_for_epochs(process, out_dir, epochs, timeout=300):
    """Wait until the process has finished ``epochs`` epochs (rows of its CSV log)."""
    history = Path(out_dir) / "models" / "history.csv"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            stderr = (Path(out_dir) / "stderr.txt").read_text()
            raise AssertionError(f"training exited early ({process.returncode}): {stderr[-3000:]}")
        if history.exists() and len(history.read_text().splitlines()) > epochs:
            return
        time.sleep(0.2)
    process.kill()
    raise AssertionError(f"no {epochs} epochs in {timeout} s")
