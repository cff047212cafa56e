"""Which configuration made a backup, so that a run resumes only its own training.

The fingerprint is the resolved train config, flattened to ``dotted.key -> value``, plus a digest
of the prepared data. Keys that do not change what is trained (the progress bar, the backup
interval, where this job's outputs go) are left out, so changing them does not block a resume.
Tracking settings stay in: the MLflow run a resumed training continues must be in the same
store and experiment.

Example:
    >>> differing_keys({"a.b": "1", "c": "2"}, {"a.b": "3", "c": "2", "d": "4"})
    ['a.b', 'd']
"""

import hashlib
import json
import re
from pathlib import Path

from omegaconf import OmegaConf

IGNORED = (  # keys (or key prefixes, ending in ".") that do not decide the training
    "trainer.resume",
    "trainer.backup.",
    "loop.verbose",
    "paths.",  # where files go; the data itself is in the digest
    "tracking.optional",
)
DATA_KEY = "prepared data (digest of data/prepared)"


def fingerprint(cfg):
    """``{key: value as JSON}`` of what decides the training of ``cfg``."""
    flat = _flatten(OmegaConf.to_container(cfg, resolve=True))
    kept = {
        key: json.dumps(value, sort_keys=True) for key, value in flat.items() if not ignored(key)
    }
    kept[DATA_KEY] = data_digest(cfg.paths.prepared_dir)
    return kept


def ignored(key):
    """Whether ``key`` is left out of the fingerprint."""
    return any(key == name or (name.endswith(".") and key.startswith(name)) for name in IGNORED)


def job_folder(overrides):
    """A backup folder name for a sweep job, from its command-line ``key=value`` overrides.

    Overrides the fingerprint ignores are left out, so a job run again with another backup
    interval or ``trainer.resume=false`` finds (or clears) its own backups. The name is the
    overrides, readable and cut short, then a hash of them all.

    Example:
        >>> job_folder(["seed=1", "loop.verbose=0", "model.width=32"])
        'model.width=32,seed=1-95345ee13a'
    """
    kept = sorted(o for o in overrides if not ignored(o.split("=", 1)[0].lstrip("+~")))
    text = ",".join(kept) or "defaults"
    digest = hashlib.sha1(text.encode()).hexdigest()[:10]
    return f"{re.sub(r'[^A-Za-z0-9=.,_-]+', '_', text)[:80]}-{digest}"


def differing_keys(saved, current):
    """The keys whose values differ (or exist on one side only), sorted."""
    keys = saved.keys() | current.keys()
    return sorted(key for key in keys if saved.get(key) != current.get(key))


def data_digest(prepared_dir):
    """MD5 over the prepared files' names and contents (what ``prepare`` wrote)."""
    digest = hashlib.md5(usedforsecurity=False)
    for path in sorted(Path(prepared_dir).rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(prepared_dir).as_posix().encode())
            with path.open("rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
    return digest.hexdigest()


def _flatten(tree, prefix=""):
    if not isinstance(tree, dict):
        return {prefix[:-1]: tree}
    flat = {}
    for key, value in tree.items():
        flat.update(_flatten(value, f"{prefix}{key}."))
    return flat
