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


LOOP_CHOICES = "choices: eager, fit, graph, train_step"


@pytest.mark.parametrize(
    ("argv", "problems"),
    [
        (
            ["-m", "loop=choice(fit,eagr)"],
            [f"loop=eagr: no such option in conf/loop; {LOOP_CHOICES}"],
        ),
        (
            ["-m", "loop=shuffle(graph,fitt)"],
            [f"loop=fitt: no such option in conf/loop; {LOOP_CHOICES}"],
        ),
        (["-m", "loop=choice(fit,graph)", "seed=range(1,4)"], []),
        (
            ["-m", "loop=range(1,3)"],
            [f"loop={n}: no such option in conf/loop; {LOOP_CHOICES}" for n in (1, 2)],
        ),
        (["-m", "loop=glob(*)", "model=glob(*,exclude=sequential)"], []),
        (["-m", "loop=glob(f*)"], []),
        (
            ["-m", "loop=glob(zz*)"],
            [f"loop=glob(zz*): matches no option in conf/loop; {LOOP_CHOICES}"],
        ),
        (["~hparams_search", "~loop"], []),
        (["~loop=fitt"], [f"~loop=fitt: no such option in conf/loop; {LOOP_CHOICES}"]),
        (["model@extra=mixed", "+model@teacher.model=functional"], []),
        (
            ["+model@teacher=functionl"],
            [
                "+model@teacher=functionl: no such option in conf/model; "
                "choices: functional, mixed, sequential, subclassed"
            ],
        ),
        (["loop=[fit,eagr]"], [f"loop=eagr: no such option in conf/loop; {LOOP_CHOICES}"]),
        (["loop=null", "hydra/launcher=joblib", "seed=1", "loop.verbose=0"], []),
        (
            ["--cfg", "job", "-p", "loop", "loop=fitt"],
            [f"loop=fitt: no such option in conf/loop; {LOOP_CHOICES}"],
        ),
        (["loop=(fit", "loop=fitt"], [f"loop=fitt: no such option in conf/loop; {LOOP_CHOICES}"]),
    ],
)
def test_every_override_form_of_hydra_is_read_as_hydra_reads_it(monkeypatch, argv, problems):
    """Sweeps (choice, shuffle, range, glob, lists), deletions, packages, additions, Hydra's flags;
    what Hydra's grammar cannot parse (``loop=(fit``) is left for Hydra to report."""
    monkeypatch.chdir(ROOT)
    assert unknown_choices(argv, [CONF]) == problems


def test_options_in_an_extra_config_dir_count(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "my_export.yaml").write_text("defaults: [csv, _self_]\n")
    for argv in (
        ["--config-dir", str(tmp_path), "data=my_export"],
        ["-cd", str(tmp_path), "data=my_export"],
        [f"--config-dir={tmp_path}", "data=my_export"],
        ["data=my_export", f"hydra.searchpath=[pkg://elsewhere,file://{tmp_path}]"],
    ):
        assert extra_config_dirs(argv) == [tmp_path]
        assert unknown_choices(argv, [CONF, *extra_config_dirs(argv)]) == []
    assert unknown_choices(["data=my_export"], [CONF])  # without the folder it is unknown


def test_an_options_name_is_not_overridden_on_the_command_line():
    result = run_stage("train", "optimizer.name=adamw")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        "error: optimizer.name=adamw: optimizer.name is set by the option chosen; choose one "
        "with optimizer=<option>; choices: adam, rmsprop"
    ]


def test_a_target_that_names_nothing_is_a_config_error(train_config):
    from ticket_triage.training.run import train

    with pytest.raises(ConfigError, match=r"^optimizer._target_ = 'keras.optimizers.Adamw' names"):
        train(train_config("optimizer._target_=keras.optimizers.Adamw"))
    with pytest.raises(ConfigError, match=r"^loop._target_ = 'ticket_triage.loops.fit.fitt' names"):
        train(train_config("loop._target_=ticket_triage.loops.fit.fitt"))


def test_a_constructors_config_error_comes_out_of_instantiate_as_itself(train_config):
    from ticket_triage.training.run import train

    with pytest.raises(ConfigError, match=r"^model.wide = 6: model=sequential is one stack"):
        train(train_config("model=sequential", "+model.wide=6"))


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
