"""Config mistakes read like data mistakes: one line naming the key, the value and the choices,
no traceback, exit status 2."""

import subprocess
import sys

import pytest

from tests.conftest import CONF, ROOT
from ticket_triage.config_groups import extra_config_dirs, unknown_choices
from ticket_triage.errors import ConfigError


def run_stage(stage, *overrides):
    return subprocess.run(
        [sys.executable, "-m", f"pipelines.{stage}", *overrides],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize(
    ("stage", "override", "choices"),
    [
        ("train", "loop=fitt", "eager, fit, graph, train_step"),
        ("train", "model=functionl", "functional, mixed, sequential, subclassed"),
        ("train", "optimizer=adamw", "adam, rmsprop"),
        ("prepare", "data=hadoop", "csv, hadoop_jira, synthetic"),
    ],
)
def test_an_unknown_group_option_is_one_line_and_exit_2(stage, override, choices):
    result = run_stage(stage, override)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert lines[0].startswith(f"error: {override}: no such option in conf/")
    assert lines[0].endswith(f"choices: {choices}")


def test_a_sweep_names_only_its_unknown_options(monkeypatch):
    monkeypatch.chdir(ROOT)
    problems = unknown_choices(["-m", "loop=fit,eagr,graph", "seed=1,2"], [CONF])
    assert problems == [
        "loop=eagr: no such option in conf/loop; choices: eager, fit, graph, train_step"
    ]


def test_options_in_an_extra_config_dir_count(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "my_export.yaml").write_text("defaults: [csv, _self_]\n")
    argv = ["--config-dir", str(tmp_path), "data=my_export"]
    assert extra_config_dirs(argv) == [tmp_path]
    assert unknown_choices(argv, [CONF, *extra_config_dirs(argv)]) == []
    assert unknown_choices(["data=my_export"], [CONF])  # without the folder it is unknown
    searchpath = [f"hydra.searchpath=[file://{tmp_path}]", "data=my_export"]
    assert extra_config_dirs(searchpath) == [tmp_path]


def test_an_unknown_name_inside_a_group_is_a_config_error(train_config):
    from ticket_triage.training.run import train

    with pytest.raises(ConfigError, match=r"optimizer.name = 'adamw' is not one of: rmsprop"):
        train(train_config("optimizer.name=adamw"))
    with pytest.raises(ConfigError, match=r"loop.name = 'fitt' is not one of: fit, eager"):
        train(train_config("loop.name=fitt"))


def test_a_missing_prepared_folder_is_one_line_and_exit_2(tmp_path):
    result = run_stage(
        "train",
        f"paths.prepared_dir={tmp_path}/nothing",
        f"paths.models_dir={tmp_path}/models",
        f"paths.reports_dir={tmp_path}/reports",
        f"hydra.run.dir={tmp_path}/h",
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"error: {tmp_path}/nothing holds no prepared tickets" in result.stderr
