"""dvc.yaml's dependencies cannot drift from the code: each stage's code and config deps are the
ones generated from what its entry point imports and composes (scripts/stage_deps.py)."""

import pytest
import yaml

from scripts.stage_deps import DVC_YAML, code_files, config_files, generated_deps, target_modules

STAGES = yaml.safe_load(DVC_YAML.read_text())["stages"]


@pytest.mark.parametrize("stage", list(STAGES))
def test_each_stage_depends_on_exactly_the_generated_code_and_config(stage):
    assert STAGES[stage]["deps"] == generated_deps(stage, STAGES[stage]["deps"]), (
        "run: python scripts/stage_deps.py"
    )


def test_function_level_imports_count():
    """config.per_job_paths imports tracking.context inside the function: still a dependency."""
    assert "src/ticket_triage/tracking/context.py" in {
        str(path) for path in code_files("pipelines.prepare")
    }
    files = {str(path) for path in code_files("pipelines.train")}
    assert "src/ticket_triage/training/run.py" in files
    assert "src/ticket_triage/kernels/token_rows.cc" in files  # the library's sources too
    assert "src/ticket_triage/data/synthetic.py" not in files  # prepare's, not train's
    prepare = {str(path) for path in code_files("pipelines.prepare")}
    assert "src/ticket_triage/data/phrases/en.yaml" in prepare  # package data it reads
    assert {str(path) for path in config_files("prepare")} >= {"conf/prepare.yaml", "conf/data"}


def test_modules_named_by_a_target_count():
    """The loops, model builders and callbacks that Hydra's instantiate loads from a config's
    ``_target_`` are dependencies, though nothing imports them."""
    modules = target_modules(config_files("train"))
    assert {"ticket_triage.loops.fit", "ticket_triage.models.sequential"} <= modules
    imported = {str(path) for path in code_files("pipelines.train")}
    loaded = {str(path) for path in code_files("pipelines.train", *modules)}
    assert "src/ticket_triage/loops/fit.py" in loaded - imported
    assert "src/ticket_triage/callbacks/loss_history.py" in loaded - imported
