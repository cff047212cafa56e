"""A fresh git clone of this project in a temporary folder, for running the real `dvc repro`.

The working tree (committed and not yet committed files, minus what git ignores) is committed
into a scratch repository, which is then cloned: the clone is what a newcomer would get.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def git(*args, cwd):
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True)


def fresh_clone(tmp_path, with_lock=False):
    """Return the path of a fresh clone of the current working tree.

    ``dvc.lock`` is left out unless ``with_lock``: outputs are not copied, so their lock would
    describe files the clone does not have.
    """
    origin = tmp_path / "origin"
    listed = git("ls-files", "--cached", "--others", "--exclude-standard", "-z", cwd=ROOT).stdout
    for name in filter(None, listed.split("\0")):
        if name == "dvc.lock" and not with_lock:
            continue
        source = ROOT / name
        if source.is_file():
            target = origin / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    git("init", "-q", "-b", "main", cwd=origin)
    git("add", "-A", cwd=origin)
    git(
        "-c",
        "user.name=test",
        "-c",
        "user.email=test@example.com",
        "commit",
        "-q",
        "-m",
        "snapshot",
        cwd=origin,
    )
    clone = tmp_path / "clone"
    git("clone", "-q", str(origin), str(clone), cwd=tmp_path)
    git("config", "user.name", "test", cwd=clone)
    git("config", "user.email", "test@example.com", cwd=clone)
    return clone


def run_in(clone, *command, timeout=900, env=None):
    """Run a command in the clone with this interpreter's `dvc` and `python` (and ``env``)."""
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    env = dict(os.environ, PATH=path, **(env or {}))
    result = subprocess.run(
        list(command), cwd=clone, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, f"{command} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout + result.stderr
