"""Free ports and waiting for a server, with real processes: one that serves, one that dies, one
that never answers."""

import socket
import subprocess
import sys

import pytest

from ticket_triage.local_servers import HOST, free_ports, wait_until_answers


def test_free_ports_differ_and_can_be_bound():
    ports = free_ports(3)
    assert len(set(ports)) == 3
    for port in ports:
        with socket.socket() as probe:
            probe.bind((HOST, port))


@pytest.fixture
def started(tmp_path):
    """Start ``python <args>`` with its output in a log; stopped after the test."""
    processes = []

    def start(*args):
        log = tmp_path / f"server-{len(processes)}.log"
        with log.open("w") as out:
            process = subprocess.Popen([sys.executable, *args], stdout=out, stderr=out)
        processes.append(process)
        return process, log

    yield start
    for process in processes:
        process.kill()
        process.wait()


def test_waits_until_a_server_answers(started, tmp_path):
    (port,) = free_ports(1)
    (tmp_path / "health").write_text("ok")
    server, log = started("-m", "http.server", str(port), "-b", HOST, "-d", str(tmp_path))
    wait_until_answers(f"http://{HOST}:{port}/health", server, "http.server", log, timeout=60)
    assert server.poll() is None


def test_a_server_that_exits_fails_at_once_with_its_log(started):
    (port,) = free_ports(1)
    server, log = started("-c", "import sys; print('no config'); sys.exit(3)")
    with pytest.raises(RuntimeError, match="dies exited with 3") as error:
        wait_until_answers(f"http://{HOST}:{port}/", server, "dies", log, timeout=60)
    assert "no config" in str(error.value)


def test_a_server_that_never_answers_fails_after_the_timeout(started):
    (port,) = free_ports(1)
    server, log = started("-c", "import time; time.sleep(60)")
    with pytest.raises(RuntimeError, match=f"silent did not answer http://{HOST}:{port}/ in 1 s"):
        wait_until_answers(f"http://{HOST}:{port}/", server, "silent", log, timeout=1)
