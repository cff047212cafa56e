"""Several batches per compiled call (``loop.steps_per_execution``) train the same model.

With deterministic ops, every loop that runs several steps per call ends with the metrics of one
step per call, on dense and on sparse inputs; the graph loop still hands every batch to the
callbacks (LossHistory records each), ``fit`` the last of each call.
"""

import json
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import compose_config
from ticket_triage.errors import ConfigError
from ticket_triage.loops.execution import fit_steps_per_execution
from ticket_triage.models.spec import TicketSpec, choose_sparse
from ticket_triage.training.run import train

pytestmark = pytest.mark.trains  # trains models: left out of make test-fast


def run(train_config, tmp_path, loop, steps, *overrides):
    cfg = train_config(
        f"loop={loop}",
        f"loop.steps_per_execution={steps}",
        f"paths.models_dir={tmp_path}/models_{loop}_{steps}",
        "model.dropout=0.0",
        "trainer.deterministic=true",
        *overrides,
    )
    summary = train(cfg)
    losses = pd.read_csv(Path(cfg.paths.models_dir) / "loss_history" / "per_batch_losses.csv")
    return summary, losses


@pytest.mark.parametrize("sparse", ["false", "true"])
@pytest.mark.parametrize("loop", ["fit", "graph", "train_step"])
def test_several_steps_per_call_train_the_same_model(train_config, tmp_path, loop, sparse):
    one, one_losses = run(train_config, tmp_path, loop, 1, f"trainer.sparse_inputs={sparse}")
    four, four_losses = run(train_config, tmp_path, loop, 4, f"trainer.sparse_inputs={sparse}")
    for name, value in one["final"].items():
        if name == "tickets_per_second":  # the one that should differ
            continue
        assert four["final"][name] == pytest.approx(value, rel=1e-5, abs=1e-6), name

    steps = len(one_losses) // 2  # two epochs, one row per batch
    if loop == "graph":  # every batch reaches the callbacks
        assert len(four_losses) == len(one_losses)
        assert four_losses["loss"].tolist() == pytest.approx(one_losses["loss"].tolist(), 1e-4)
    else:  # fit: the last batch of each call; 4 does not divide the batches, so a divisor runs
        per_call = fit_steps_per_execution(4, steps)
        assert 1 < per_call < 4 or steps % 4 == 0
        assert len(four_losses) == len(one_losses) // per_call


def test_fit_runs_the_largest_divisor_of_the_batches_per_epoch():
    assert fit_steps_per_execution(8, 1250) == 5
    assert fit_steps_per_execution(8, 1600) == 8
    assert fit_steps_per_execution(8, 1607) == 1  # a prime
    assert fit_steps_per_execution(8, 1600, distributed=True) == 1
    with pytest.raises(ConfigError, match="steps_per_execution = 0"):
        fit_steps_per_execution(0, 10)


@pytest.mark.parametrize("loop", ["fit", "train_step"])
def test_the_default_runs_ten_steps_per_call_at_1250_batches(loop):
    """Up to 16: at 8, 1,250 batches per epoch ran 5 per call, about a sixth slower on wide
    sparse inputs (benchmarks/train_throughput.py); 248 (the default pipeline's) keep 8."""
    requested = compose_config("train", [f"loop={loop}"]).loop.steps_per_execution
    assert fit_steps_per_execution(requested, 1250) == 10
    assert fit_steps_per_execution(requested, 248) == 8


def test_the_graph_loop_runs_sixteen_steps_per_call():
    """As fit and train_step: at 8, it trained about 5% slower than fit on wide sparse inputs
    (49,505 and 48,881 tickets/s against 52,567 and 51,145 at 16; fit 52,182 and 49,802)."""
    assert compose_config("train", ["loop=graph"]).loop.steps_per_execution == 16


def test_auto_picks_sparse_inputs_by_width(train_config, tmp_path, prepared_dir):
    width = TicketSpec.from_prepared(prepared_dir).width
    assert choose_sparse("auto", TicketSpec(10001, 10001, 101), 8000) is True
    assert choose_sparse("auto", TicketSpec(501, 501, 21), 8000) is False
    with pytest.raises(ConfigError, match="sparse_inputs"):
        choose_sparse("yes", TicketSpec(1, 1), 8000)
    for threshold, sparse in ((width, True), (width + 1, False)):
        models = tmp_path / f"models_{threshold}"
        train(
            train_config(
                "trainer.epochs=1",
                f"trainer.sparse_from_columns={threshold}",
                f"paths.models_dir={models}",
            )
        )
        assert json.loads((models / "spec.json").read_text())["sparse_inputs"] is sparse
