"""Shared fixtures: the real Hydra config composed from conf/, and small prepared datasets."""

from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir

ROOT = Path(__file__).resolve().parents[1]
CONF = ROOT / "conf"
REALDATA = ROOT.parent / "shared" / "realdata" / "hadoop_bugs.csv"


def compose_config(config_name, overrides=()):
    """Compose ``conf/<config_name>.yaml`` with overrides, exactly as the entry point would."""
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        return compose(config_name=config_name, overrides=list(overrides))


@pytest.fixture
def prepare_config(tmp_path):
    """A function composing the prepare config with outputs under ``tmp_path``."""

    def make(*overrides):
        return compose_config("prepare", [f"paths.data_dir={tmp_path}/data", *overrides])

    return make
