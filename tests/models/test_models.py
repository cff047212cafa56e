"""The four model APIs: same architecture, same numbers, save/load, training vs inference."""

import keras
import numpy as np
import pytest

from tests.conftest import compose_config
from tests.models.apis import BUILDERS
from ticket_triage.instantiate import build
from ticket_triage.models import features as feature_models
from ticket_triage.models.spec import DEPARTMENT, FEATURES, PRIORITY, TicketSpec

SPEC = TicketSpec(title_dim=40, body_dim=60, tags_dim=12, num_departments=4)
TRUNK = {"width": 16, "depth": 2, "dropout": 0.3, "batch_norm": True}
GRAPH_APIS = ("functional", "subclassed", "mixed")


def batch(spec=SPEC, size=8, seed=0):
    rng = np.random.default_rng(seed)
    return {
        name: (rng.random((size, dim)) < 0.2).astype("float32")
        for name, dim in spec.input_dims.items()
    }


def merged(inputs):
    return np.concatenate(list(inputs.values()), axis=1)


def numpy_outputs(outputs):
    return {name: keras.ops.convert_to_numpy(value) for name, value in outputs.items()}


@pytest.fixture(scope="module")
def models():
    keras.utils.set_random_seed(0)
    return {api: BUILDERS[api](SPEC, **TRUNK) for api in BUILDERS}


@pytest.mark.parametrize("api", list(BUILDERS))
def test_each_model_option_is_built_by_instantiate_from_its_yaml_alone(api):
    """``model=<api>`` builds the API its ``_target_`` names with exactly the YAML's settings
    (a command-line override among them), its ``name`` label not passed on."""
    node = compose_config("train", [f"model={api}", "model.width=24"]).model
    keras.utils.set_random_seed(0)
    built = build(node, spec=SPEC, sparse=False)
    settings = {key: value for key, value in node.items() if key not in ("name", "_target_")}
    keras.utils.set_random_seed(0)
    expected = BUILDERS[api](SPEC, **settings)
    assert (built.name, built.count_params()) == (expected.name, expected.count_params())
    assert built.count_params() != BUILDERS[api](SPEC, **{**settings, "width": 8}).count_params()
    inputs = merged(batch()) if api == "sequential" else batch()
    got, want = built(inputs, training=False), expected(inputs, training=False)
    for head, value in numpy_outputs(want if isinstance(want, dict) else {"out": want}).items():
        got_head = numpy_outputs(got if isinstance(got, dict) else {"out": got})[head]
        np.testing.assert_allclose(got_head, value, atol=1e-6)


def test_three_apis_build_the_same_architecture(models):
    counts = {api: models[api].count_params() for api in GRAPH_APIS}
    assert len(set(counts.values())) == 1, counts
    shapes = {api: [tuple(w.shape) for w in models[api].weights] for api in GRAPH_APIS}
    assert shapes["functional"] == shapes["subclassed"] == shapes["mixed"]


def test_same_weights_give_the_same_outputs(models):
    weights = models["functional"].get_weights()
    inputs = batch()
    expected = numpy_outputs(models["functional"](inputs, training=False))
    assert set(expected) == {PRIORITY, DEPARTMENT}
    for api in ("subclassed", "mixed"):
        models[api].set_weights(weights)
        got = numpy_outputs(models[api](inputs, training=False))
        for head in expected:
            np.testing.assert_allclose(got[head], expected[head], atol=1e-6)


@pytest.mark.parametrize("api", list(BUILDERS))
def test_saves_to_keras_and_loads_back_in_safe_mode(models, api, tmp_path):
    model = models[api]
    inputs = merged(batch()) if api == "sequential" else batch()
    before = model(inputs, training=False)
    path = tmp_path / f"{api}.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    after = loaded(inputs, training=False)
    if api == "sequential":
        before, after = {DEPARTMENT: before}, {DEPARTMENT: after}
    for head, value in numpy_outputs(before).items():
        np.testing.assert_allclose(numpy_outputs(after)[head], value, atol=1e-6)


@pytest.mark.parametrize("api", GRAPH_APIS)
def test_training_flag_changes_dropout_and_batch_norm(models, api):
    model = models[api]
    inputs = batch(size=32, seed=1)
    inference = numpy_outputs(model(inputs, training=False))
    again = numpy_outputs(model(inputs, training=False))
    np.testing.assert_array_equal(inference[PRIORITY], again[PRIORITY])  # deterministic
    training = numpy_outputs(model(inputs, training=True))
    assert np.abs(training[PRIORITY] - inference[PRIORITY]).max() > 1e-4


@pytest.mark.parametrize("api", GRAPH_APIS)
def test_batch_norm_statistics_are_non_trainable_and_move_only_in_training(api):
    model = BUILDERS[api](SPEC, **TRUNK)
    moving = [w for w in model.non_trainable_weights if "moving" in w.path]
    assert len(moving) == 2 * TRUNK["depth"]  # a moving mean and variance per block
    assert not {id(w) for w in moving} & {id(w) for w in model.trainable_weights}
    snapshot = [w.numpy().copy() for w in moving]
    model(batch(size=32), training=False)
    assert all(np.array_equal(w.numpy(), s) for w, s in zip(moving, snapshot, strict=True))
    model(batch(size=32), training=True)
    assert any(not np.allclose(w.numpy(), s) for w, s in zip(moving, snapshot, strict=True))


def test_inputs_and_heads_follow_the_data():
    no_tags_no_departments = TicketSpec(title_dim=40, body_dim=60, priority=True)
    for api in GRAPH_APIS:
        model = BUILDERS[api](no_tags_no_departments, width=8)
        outputs = model(batch(no_tags_no_departments), training=False)
        assert set(outputs) == {PRIORITY}, api
    with pytest.raises(ValueError, match="sequential predicts the department"):
        BUILDERS["sequential"](no_tags_no_departments)


def test_sequential_is_one_input_one_output(models):
    model = models["sequential"]
    assert len(model.inputs) == 1 and len(model.outputs) == 1
    assert model.inputs[0].shape[1] == sum(SPEC.input_dims.values())
    assert model.layers[-1].name == DEPARTMENT and model.get_layer(FEATURES).units == 16


@pytest.mark.parametrize("api", list(BUILDERS))
def test_feature_extraction_shares_the_trained_weights(models, api):
    model = models[api]
    inputs = merged(batch()) if api == "sequential" else batch()
    extractor = feature_models.feature_extractor(model)
    with_difficulty = feature_models.add_difficulty_head(model)
    vectors = keras.ops.convert_to_numpy(extractor(inputs, training=False))
    assert vectors.shape == (8, 16)
    outputs = numpy_outputs(with_difficulty(inputs, training=False))
    assert outputs["difficulty"].shape == (8, 3)
    original = model(inputs, training=False)
    original = numpy_outputs(original if isinstance(original, dict) else {DEPARTMENT: original})
    np.testing.assert_allclose(outputs[DEPARTMENT], original[DEPARTMENT], atol=1e-6)
    shared = {id(w) for w in model.weights}
    assert sum(id(w) in shared for w in with_difficulty.weights) == len(model.weights)
    trunk_kernel = next(w for w in model.trainable_weights if "kernel" in w.path)
    trunk_kernel.assign(trunk_kernel.numpy() * 2.0)  # a change to the original shows through
    changed = keras.ops.convert_to_numpy(extractor(inputs, training=False))
    trunk_kernel.assign(trunk_kernel.numpy() / 2.0)
    assert not np.allclose(changed, vectors)


def test_the_wide_path_is_the_same_in_every_graph_api_and_survives_a_save(tmp_path):
    """model.wide: the same weights in the same order in the three graph APIs, the same outputs
    from the same weights, and a saved model that loads with safe_mode and answers the same."""
    from ticket_triage.errors import ConfigError

    keras.utils.set_random_seed(0)
    wide = {api: BUILDERS[api](SPEC, **TRUNK, wide=6) for api in GRAPH_APIS}
    shapes = {api: [tuple(w.shape) for w in wide[api].weights] for api in GRAPH_APIS}
    assert shapes["functional"] == shapes["subclassed"] == shapes["mixed"]
    assert (sum(SPEC.input_dims.values()), 6) in shapes["functional"]  # the wide kernel
    inputs = batch()
    for api in ("subclassed", "mixed"):
        wide[api].set_weights(wide["functional"].get_weights())
    reference = numpy_outputs(wide["functional"](inputs, training=False))
    for api in GRAPH_APIS:
        np.testing.assert_allclose(
            numpy_outputs(wide[api](inputs))[DEPARTMENT], reference[DEPARTMENT], atol=1e-5
        )
        path = tmp_path / f"{api}.keras"
        wide[api].save(path)
        loaded = keras.saving.load_model(path, safe_mode=True)
        np.testing.assert_allclose(
            numpy_outputs(loaded(inputs))[PRIORITY], reference[PRIORITY], atol=1e-5
        )
    with pytest.raises(ConfigError, match="no wide path"):
        BUILDERS["sequential"](SPEC, width=8, wide=6)
