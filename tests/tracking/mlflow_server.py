"""A real `mlflow server` process on 127.0.0.1 and a free port, started and stopped by tests."""

import os
import signal
import subprocess
import sys
from pathlib import Path

from ticket_triage.local_servers import free_port, wait_until_answers


class MlflowServer:
    """``with MlflowServer(folder) as url:`` runs a server with its own store and artifacts."""

    def __init__(self, folder, startup_timeout=180):
        self.folder = Path(folder)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.startup_timeout = startup_timeout
        self.process = None

    def __enter__(self):
        self.folder.mkdir(parents=True, exist_ok=True)
        self.log = (self.folder / "server.log").open("w")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "mlflow",
                "server",
                "--backend-store-uri",
                f"sqlite:///{self.folder}/server.db",
                "--artifacts-destination",
                str(self.folder / "artifacts"),
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--workers",
                "1",
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            wait_until_answers(
                f"{self.url}/health",
                self.process,
                "mlflow server",
                self.folder / "server.log",
                self.startup_timeout,
            )
        except BaseException:
            self.stop()
            raise
        return self.url

    def stop(self):
        """Stop the server and its workers (its own process group)."""
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=20)

    def __exit__(self, *exc):
        self.stop()
        self.log.close()
