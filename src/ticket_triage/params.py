"""``params.yaml``, the one home of the knobs a pipeline run chooses, as seen from ``conf/``.

DVC tracks ``params.yaml`` (``dvc exp run -S train.epochs=3`` edits it); Hydra composes
``conf/``. So that ``dvc repro`` and a direct ``python -m pipelines.train`` cannot train
different models, ``conf/`` never restates those knobs: it reads them with the ``params``
resolver, in values and in the defaults list alike::

    defaults:
      - model: ${params:train.model}
    epochs: ${params:train.epochs}
    learning_rate: ${params:train.learning_rate,1.5e-3}   # null in params.yaml: this default

A command-line override still wins (``trainer.epochs=3``, ``model=mixed``, sweeps). The file is
read from the project root: the directory the command started in (Hydra's ``runtime.cwd``, also
in a launcher's worker processes), where DVC runs its stages and where ``python -m
pipelines.<stage>`` finds the entry points.

Example:
    >>> lookup({"train": {"epochs": 16, "learning_rate": None}}, "train.epochs")
    16
    >>> lookup({"train": {"epochs": 16, "learning_rate": None}}, "train.learning_rate", 1e-3)
    0.001
"""

import functools
from pathlib import Path

import yaml
from hydra.core.hydra_config import HydraConfig
from omegaconf import OmegaConf

from ticket_triage.errors import ConfigError

FILE = "params.yaml"
_MISSING = object()


def lookup(params, key, default=_MISSING):
    """``params[a][b]`` for ``key`` ``"a.b"``; ``default`` where it is null (or, given, absent)."""
    value = params
    for part in key.split("."):
        if not isinstance(value, dict) or part not in value:
            if default is not _MISSING:
                return default
            raise ConfigError(f"{FILE} has no {key!r} (conf/ reads it with ${{params:{key}}})")
        value = value[part]
    return default if value is None and default is not _MISSING else value


def resolve(key, default=_MISSING):
    """The ``params`` resolver: ``key`` of ``params.yaml`` in the directory the run started in."""
    root = Path(HydraConfig.get().runtime.cwd) if HydraConfig.initialized() else Path.cwd()
    path = root / FILE
    if not path.is_file():
        raise ConfigError(
            f"{FILE} not found in {root}: run the stages from the project root (where "
            f"dvc.yaml is), or give the setting on the command line"
        )
    return lookup(_read(path, path.stat().st_mtime_ns), key, default)


@functools.lru_cache(maxsize=8)
def _read(path, mtime_ns):
    """The parsed file, read once per version: OmegaConf resolves an interpolation each time a
    config value is read, and conf/ holds a dozen of them."""
    del mtime_ns  # part of the cache key: an edited params.yaml is read again
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


if not OmegaConf.has_resolver("params"):
    OmegaConf.register_new_resolver("params", resolve)
