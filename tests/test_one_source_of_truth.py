"""``dvc repro`` and the direct commands compose the same configuration: params.yaml is the only
home of the knobs a pipeline run chooses, and conf/ reads them instead of restating them."""

import shlex

import pytest
import yaml
from omegaconf import OmegaConf

from tests.conftest import ROOT, compose_config

PARAMS = yaml.safe_load((ROOT / "params.yaml").read_text())
STAGES = yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"]
# params.yaml key -> (stage config, where conf/ puts it; "choice:" marks a config group choice)
HOMES = {
    "prepare.data": ("prepare", "choice:data"),
    "prepare.num_tickets": ("prepare", "data.num_tickets"),
    "prepare.seed": ("prepare", "seed"),
    "train.model": ("train", "choice:model"),
    "train.loop": ("train", "choice:loop"),
    "train.distribution": ("train", "choice:distribution"),
    "train.optimizer": ("train", "choice:optimizer"),
    "train.learning_rate": ("train", "optimizer.learning_rate"),
    "train.epochs": ("train", "trainer.epochs"),
    "train.batch_size": ("train", "trainer.batch_size"),
    "train.seed": ("train", "seed"),
}


def stage_overrides(stage):
    """The Hydra overrides that dvc.yaml's command passes to the stage's entry point."""
    words = shlex.split(STAGES[stage]["cmd"])
    assert words[:3] == ["python", "-m", f"pipelines.{stage}"]
    return [word for word in words[3:] if not word.startswith("hydra.")]


def resolved(stage, overrides=()):
    return OmegaConf.to_container(compose_config(stage, overrides), resolve=True)


@pytest.mark.parametrize("stage", list(STAGES))
def test_dvc_repro_and_the_direct_command_compose_the_same_settings(stage):
    assert resolved(stage, stage_overrides(stage)) == resolved(stage)


def test_every_knob_of_params_yaml_is_covered_and_listed_by_its_stage():
    listed = {f"{section}.{key}" for section, values in PARAMS.items() for key in values}
    assert listed == set(HOMES)
    for key, (stage, _) in HOMES.items():
        assert key.split(".")[0] in STAGES[stage]["params"]  # DVC reruns the stage on a change


@pytest.mark.parametrize("key", list(HOMES))
def test_conf_reads_each_knob_from_params_yaml(key, tmp_path, monkeypatch):
    """Changing params.yaml alone changes what the stage composes: conf/ has no second copy."""
    stage, home = HOMES[key]
    changed = {
        "prepare.data": "csv",
        "train.model": "mixed",
        "train.loop": "graph",
        "train.distribution": "mirrored",
        "train.optimizer": "adam",
    }.get(key, 7)
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    section, name = key.split(".")
    params[section][name] = changed
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(params))
    monkeypatch.chdir(tmp_path)
    overrides = ["data.path=tickets.csv"] if key == "prepare.data" else []
    cfg = compose_config(stage, overrides, return_hydra_config=True)
    if home.startswith("choice:"):
        assert cfg.hydra.runtime.choices[home.removeprefix("choice:")] == changed
    else:
        assert OmegaConf.select(cfg, home) == changed


def test_a_null_learning_rate_leaves_each_optimizer_its_own():
    assert PARAMS["train"]["learning_rate"] is None
    rates = {
        name: compose_config("train", [f"optimizer={name}"]).optimizer.learning_rate
        for name in ("rmsprop", "adam")
    }
    assert rates == {"rmsprop": 1.5e-3, "adam": 1e-3}


def test_an_export_is_not_capped_by_the_synthetic_count():
    cfg = compose_config("prepare", ["data=csv", "data.path=tickets.csv"])
    assert cfg.data.num_tickets is None
