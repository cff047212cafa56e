"""What a run is tagged with: code version, data version, and how it was launched.

Example:
    >>> sorted(run_tags("fit", "functional", "data/prepared"))  # doctest: +SKIP
    ['data_version', 'git_commit', 'git_dirty', 'hydra_overrides', 'loop', 'model', ...]
"""

import hashlib
import subprocess
from pathlib import Path


def git_commit(cwd=None):
    """``(commit, dirty)`` of the working tree, or ``("unknown", False)`` outside git."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=cwd,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return "unknown", False
    return commit, bool(status.strip())


def data_version(prepared_dir):
    """A short hash of the prepared data's files (contents, not dates)."""
    digest = hashlib.sha256()
    for path in sorted(Path(prepared_dir).glob("*")):
        if path.is_file():
            digest.update(path.name.encode())
            with path.open("rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
    return digest.hexdigest()[:16]


def hydra_launch():
    """Overrides, mode, sweep directory and job number of the current Hydra job, if any."""
    try:
        from hydra.core.hydra_config import HydraConfig

        hydra = HydraConfig.get()
    except (ImportError, ValueError):
        return {"overrides": [], "multirun": False, "sweep_dir": None, "job_num": None}
    multirun = str(hydra.mode) == "RunMode.MULTIRUN"
    return {
        "overrides": list(hydra.overrides.task),
        "multirun": multirun,
        "sweep_dir": str(Path(hydra.sweep.dir).resolve()) if multirun else None,
        "job_num": hydra.job.num if multirun else None,
    }


def run_tags(loop, model, prepared_dir, launch):
    commit, dirty = git_commit()
    tags = {
        "git_commit": commit,
        "git_dirty": str(dirty),
        "data_version": data_version(prepared_dir),
        "loop": loop,
        "model": model,
        "hydra_overrides": " ".join(launch["overrides"]) or "(none)",
    }
    if launch["multirun"]:
        tags["sweep_id"] = sweep_id(launch["sweep_dir"])
        tags["job_num"] = str(launch["job_num"])
    return tags


def sweep_id(sweep_dir):
    return hashlib.sha256(sweep_dir.encode()).hexdigest()[:12]
