"""A team's tracking server: PostgreSQL for runs and metrics, a folder for artifacts, MLflow.

``python -m ticket_triage.tracking.team_server start`` (``make tracking-server``) starts, on
127.0.0.1, a PostgreSQL cluster of its own (``initdb`` on first use) and ``mlflow server`` on
it, runs MLflow's migrations (``mlflow db upgrade``) and prints as its last line the line to
export, ``MLFLOW_TRACKING_URI=http://127.0.0.1:<port>``. ``stop`` (``make tracking-server-stop``)
stops both, by the process ids it recorded. Everything lives in one folder (default
``.tracking-server/``): the database cluster (``postgres/``), the artifacts, the logs and
``server.json``; data survives a stop and a start, which reuse the same ports.

Security: both listen on 127.0.0.1 only, and the database trusts local connections (any user of
this machine can reach it). For a server others use, see the README.

SQLite (the default store) serialises writers; PostgreSQL takes a sweep's parallel jobs and a
team's runs. PostgreSQL refuses to run as root: as root, the cluster runs as the ``postgres``
user (Debian's ``postgresql`` package creates it). The driver is ``psycopg2`` (MLflow still has
open bugs with psycopg 3).

Example:
    $ make tracking-server
    ...
    MLFLOW_TRACKING_URI=http://127.0.0.1:5500
    $ export MLFLOW_TRACKING_URI=http://127.0.0.1:5500
    $ python -m pipelines.train -m hydra/launcher=joblib seed=1,2,3,4
"""

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from ticket_triage.local_servers import answers, free_ports, wait_until_answers

DATABASE = "mlflow"
ROLE = "mlflow"
STATE = "server.json"


def start(folder, mlflow_port=None, postgres_port=None, timeout=180):
    """Start (or find running) PostgreSQL and MLflow for ``folder``; return the tracking URI."""
    folder = Path(folder).resolve()
    state = _read_state(folder)
    if _is_mlflow(state.get("mlflow_pid")) and _postgres_running(folder) and _healthy(state):
        return state["uri"]
    if _is_mlflow(state.get("mlflow_pid")):  # up, but PostgreSQL or its health is not
        _stop_process_group(state["mlflow_pid"])
    free = iter(free_ports(2))
    postgres_port = postgres_port or state.get("postgres_port") or next(free)
    mlflow_port = mlflow_port or state.get("mlflow_port") or next(free)
    uri = f"http://127.0.0.1:{mlflow_port}"
    state = {"uri": uri, "mlflow_pid": None, "mlflow_port": mlflow_port}
    state["postgres_port"] = postgres_port
    folder.mkdir(parents=True, exist_ok=True)
    _write_state(folder, state)  # the ports first: a failed start is retried on the same ones
    _start_postgres(folder, postgres_port)
    database_uri = f"postgresql+psycopg2://{ROLE}@127.0.0.1:{postgres_port}/{DATABASE}"
    _run([sys.executable, "-m", "mlflow", "db", "upgrade", database_uri], folder / "mlflow.log")
    server = _start_mlflow(folder, database_uri, mlflow_port)
    try:
        wait_until_answers(f"{uri}/health", server, "mlflow server", folder / "mlflow.log", timeout)
    except BaseException:
        _stop_process_group(server.pid)
        raise
    state.update(mlflow_pid=server.pid, backend_store_uri=database_uri)
    state["artifacts"] = str(folder / "artifacts")
    _write_state(folder, state)
    return uri


def stop(folder):
    """Stop MLflow (its process group) and PostgreSQL; their data stays in ``folder``."""
    folder = Path(folder).resolve()
    state = _read_state(folder)
    if _is_mlflow(state.get("mlflow_pid")):
        _stop_process_group(state["mlflow_pid"])
    if state:
        _write_state(folder, {**state, "mlflow_pid": None})
    if _postgres_running(folder):
        _as_postgres(
            [_binary("pg_ctl", folder), "stop", "-D", str(_pgdata(folder)), "-m", "fast", "-w"],
            folder,
        )


def status(folder):
    """What runs for ``folder``: ``{"uri", "mlflow": bool, "postgres": bool}``."""
    folder = Path(folder).resolve()
    state = _read_state(folder)
    return {
        "uri": state.get("uri"),
        "mlflow": _is_mlflow(state.get("mlflow_pid")),
        "postgres": _postgres_running(folder),
    }


def _start_postgres(folder, port):
    """Start the cluster in ``folder/postgres`` (made on first use), reachable on TCP only."""
    _check_reachable_by_postgres(folder)
    pgdata = _pgdata(folder)
    if not (pgdata / "PG_VERSION").exists():
        pgdata.mkdir(parents=True, exist_ok=True)
        _give_to_postgres(folder)
        _as_postgres(
            [
                _binary("initdb", folder),
                "-D",
                str(pgdata),
                "-U",
                ROLE,
                "--auth=trust",
                "--no-locale",
                "-E",
                "UTF8",
            ],
            folder,
        )
    _give_to_postgres(folder)
    if not _postgres_running(folder):
        # No Unix socket: clients use 127.0.0.1, and deep folders would exceed its path limit.
        options = f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''"
        log = pgdata.parent / "postgres.log"
        _as_postgres(
            [
                _binary("pg_ctl", folder),
                "start",
                "-D",
                str(pgdata),
                "-o",
                options,
                "-l",
                str(log),
                "-w",
            ],
            folder,
        )
    listed = _as_postgres(
        [
            _binary("psql", folder),
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
            "-U",
            ROLE,
            "-d",
            "postgres",
            "-tAc",
            f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE}'",
        ],
        folder,
    )
    if listed.strip() != "1":
        _as_postgres(
            [_binary("createdb", folder), "-h", "127.0.0.1", "-p", str(port), "-U", ROLE, DATABASE],
            folder,
        )


def _start_mlflow(folder, database_uri, port):
    log = (folder / "mlflow.log").open("a")
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mlflow",
            "server",
            "--backend-store-uri",
            database_uri,
            "--artifacts-destination",
            str(folder / "artifacts"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "2",
        ],
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: stop() ends its workers too
    )


def _healthy(state):
    return "uri" in state and answers(f"{state['uri']}/health")


def _stop_process_group(pid):
    """SIGTERM the group of ``pid``, then SIGKILL what is left after 30 s."""
    for signum, wait in ((signal.SIGTERM, 30), (signal.SIGKILL, 10)):
        try:
            os.killpg(pid, signum)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + wait
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        if not _alive(pid):
            return


def _pgdata(folder):
    return Path(folder) / "postgres" / "pgdata"


def _binary(name, folder):
    """A PostgreSQL program: the version of the cluster in ``folder`` (the newest for a new one)
    from Debian's /usr/lib/postgresql/<version>/bin, else the one on PATH."""
    version_file = _pgdata(folder) / "PG_VERSION"
    versions = sorted(
        Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda p: int(p.parts[-3])
    )
    if version_file.exists():
        versions = [p for p in versions if p.parts[-3] == version_file.read_text().strip()]
    if versions:
        return str(versions[-1])
    found = shutil.which(name)
    if found:
        return found
    raise RuntimeError(f"PostgreSQL's {name} is not installed (Debian: apt-get install postgresql)")


def _as_postgres(command, folder, check=True):
    """Run a PostgreSQL program: as the ``postgres`` user when we are root (it refuses root).

    Returns its output; on failure raises, or with ``check=False`` returns ``None``.
    """
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    result = subprocess.run(
        command, cwd=folder, env=environment, capture_output=True, text=True, timeout=120
    )
    if result.returncode != 0 and not check:
        return None
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def _postgres_running(folder):
    """Whether the cluster in ``folder`` runs (``pg_ctl status``: a stale pid file does not)."""
    if not (_pgdata(folder) / "PG_VERSION").exists():
        return False
    command = [_binary("pg_ctl", folder), "status", "-D", str(_pgdata(folder))]
    return _as_postgres(command, folder, check=False) is not None


def _check_reachable_by_postgres(folder):
    if (
        os.geteuid() == 0
        and subprocess.run(
            ["runuser", "-u", "postgres", "--", "test", "-x", str(folder)], check=False
        ).returncode
    ):
        raise RuntimeError(
            f"the postgres user cannot reach {folder} (a parent folder is private): "
            "use --folder with a path it can reach"
        )


def _give_to_postgres(folder):
    """As root, the cluster's folder belongs to ``postgres``, private; the rest stays ours."""
    if os.geteuid() == 0:
        cluster = _pgdata(folder).parent
        subprocess.run(["chown", "-R", "postgres:postgres", str(cluster)], check=True)
        os.chmod(cluster, 0o700)


def _run(command, log):
    with Path(log).open("a") as handle:
        result = subprocess.run(command, stdout=handle, stderr=subprocess.STDOUT, timeout=600)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed; see {log}")


def _is_mlflow(pid):
    """Whether ``pid`` is a running ``mlflow server`` (a recorded pid may have been reused)."""
    if not _alive(pid):
        return False
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return b"mlflow" in command and b"server" in command


def _alive(pid):
    """Whether process ``pid`` runs; a zombie (ended, not yet reaped by its parent) does not."""
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().rsplit(")", 1)[-1].split()[0] == "Z")


def _read_state(folder):
    path = Path(folder) / STATE
    return json.loads(path.read_text()) if path.exists() else {}


def _write_state(folder, state):
    (Path(folder) / STATE).write_text(json.dumps(state, indent=2) + "\n")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("start", "stop", "status"))
    parser.add_argument("--folder", default=".tracking-server", help="data, logs and state")
    parser.add_argument("--port", type=int, help="MLflow's port (default: free, then kept)")
    args = parser.parse_args(argv)
    if args.action == "stop":
        stop(args.folder)
        print(f"stopped the tracking server of {args.folder}")
        return
    if args.action == "status":
        print(json.dumps(status(args.folder)))
        return
    uri = start(args.folder, mlflow_port=args.port)
    print(f"MLflow UI and API at {uri} (PostgreSQL store, artifacts in {args.folder}/artifacts)")
    print(f"MLFLOW_TRACKING_URI={uri}")


if __name__ == "__main__":
    main()
