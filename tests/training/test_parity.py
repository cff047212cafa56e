"""The four loop modes are one algorithm: same seed, same data, same weights and losses."""

import keras
import numpy as np
import pytest

from tests.conftest import compose_config
from ticket_triage.inputs.pipeline import TicketData
from ticket_triage.instantiate import build
from ticket_triage.models.spec import TicketSpec
from ticket_triage.objectives import Objectives
from ticket_triage.training.run import seed_everything

pytestmark = pytest.mark.trains  # trains models: left out of make test-fast

LOOPS = ("fit", "eager", "graph", "train_step")


def train_once(cfg, loop, variant="trackers", class_weight="none", loss_weights=None):
    seed_everything(cfg.seed, deterministic=True)
    spec = TicketSpec.from_prepared(cfg.paths.prepared_dir)
    data = TicketData.load(cfg.paths.prepared_dir, batch_size=32, seed=cfg.seed)
    data.weigh_classes(class_weight)
    model = build(cfg.model, spec=spec, sparse=True)
    objectives = Objectives(spec.heads, loss_weights=loss_weights)
    train_loop = loop_function(loop, variant)
    history = train_loop(model, data, objectives, build(cfg.optimizer), [], 2)
    return [w.numpy() for w in model.weights], history.history


def loop_function(loop, variant):
    """``conf/loop/<loop>.yaml``'s function, silent, one step per call, with ``variant``."""
    node = compose_config("train", [f"loop={loop}", "loop.verbose=0"]).loop
    settings = {"steps_per_execution": 1} if "steps_per_execution" in node else {}
    return build(node, **settings, **({"variant": variant} if "variant" in node else {}))


@pytest.fixture(scope="module")
def parity_config(prepared_dir):
    """Dropout and batch norm on: the parity must hold where training and inference differ."""
    return compose_config(
        "train",
        [
            f"paths.prepared_dir={prepared_dir}",
            "model.width=16",
            "model.depth=2",
            "model.dropout=0.2",
            "model.batch_norm=true",
        ],
    )


@pytest.fixture(scope="module")
def runs(parity_config):
    cfg = parity_config
    results = {loop: train_once(cfg, loop) for loop in LOOPS}
    results["train_step_compiled"] = train_once(cfg, "train_step", variant="compiled")
    return results


@pytest.fixture(scope="module")
def weighted_runs(parity_config):
    """Class weights and loss weights: every loop must apply them the same way."""
    weighting = {"class_weight": "balanced", "loss_weights": {"department": 2.0}}
    results = {loop: train_once(parity_config, loop, **weighting) for loop in LOOPS}
    results["train_step_compiled"] = train_once(
        parity_config, "train_step", variant="compiled", **weighting
    )
    return results


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("loop", ["eager", "graph", "train_step", "train_step_compiled"])
def test_same_weights_after_the_same_steps(runs, weighted_runs, loop, weighted):
    results = weighted_runs if weighted else runs
    reference, _ = results["fit"]
    weights, _ = results[loop]
    assert len(weights) == len(reference)
    for got, expected in zip(weights, reference, strict=True):
        np.testing.assert_allclose(got, expected, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("loop", ["eager", "graph", "train_step", "train_step_compiled"])
def test_same_reported_losses_and_metrics(runs, loop):
    _, reference = runs["fit"]
    _, history = runs[loop]
    for name in (
        "loss",
        "priority_loss",
        "department_loss",
        "priority_rmse",
        "department_accuracy",
        "val_loss",
        "val_priority_rmse",
    ):
        np.testing.assert_allclose(history[name], reference[name], rtol=1e-4, err_msg=name)


def test_class_and_loss_weights_change_what_is_learned(runs, weighted_runs):
    """Guard against weights that are silently ignored: the weighted run ends elsewhere."""
    for loop in runs:
        plain, weighted = runs[loop][0], weighted_runs[loop][0]
        assert max(np.abs(p - w).max() for p, w in zip(plain, weighted, strict=True)) > 1e-3
    _, plain_history = runs["fit"]
    _, weighted_history = weighted_runs["fit"]
    assert weighted_history["loss"][0] != pytest.approx(plain_history["loss"][0], rel=1e-3)


def test_training_moved_the_weights(runs, parity_config, prepared_dir):
    """Guard against a vacuous parity: the weights after training differ from the initial ones."""
    cfg = parity_config
    seed_everything(cfg.seed, deterministic=True)
    initial = build(cfg.model, spec=TicketSpec.from_prepared(prepared_dir), sparse=True)
    trained, _ = runs["fit"]
    moved = [not np.allclose(w.numpy(), t) for w, t in zip(initial.weights, trained, strict=True)]
    assert sum(moved) >= len(moved) - 4  # all but, at most, untouched batch-norm statistics
    assert keras.ops.convert_to_numpy(initial.weights[0]).shape == trained[0].shape
