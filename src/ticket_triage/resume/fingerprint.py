"""Which configuration made a backup, so that a run resumes only its own training.

The fingerprint is the resolved train config, flattened to ``dotted.key -> value``, plus a digest
of the prepared data. Keys that do not change what is trained (the progress bar, the backup
interval, where this job's outputs go) are left out, so changing them does not block a resume.

Example:
    >>> differing_keys({"a.b": "1", "c": "2"}, {"a.b": "3", "c": "2", "d": "4"})
    ['a.b', 'd']
"""

import hashlib
import json
from pathlib import Path

from omegaconf import OmegaConf

IGNORED = (
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
        key: json.dumps(value, sort_keys=True)
        for key, value in flat.items()
        if not any(key == ignored or key.startswith(ignored) for ignored in IGNORED)
    }
    kept[DATA_KEY] = data_digest(cfg.paths.prepared_dir)
    return kept


def differing_keys(saved, current):
    """The keys whose values differ (or exist on one side only), sorted."""
    keys = saved.keys() | current.keys()
    return sorted(key for key in keys if saved.get(key) != current.get(key))


def data_digest(prepared_dir):
    """MD5 over the prepared files' names and contents (what ``prepare`` wrote)."""
    digest = hashlib.md5()
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
