"""The sparse input path computes what the chapter's dense multi-hot path computes.

Every model API is built once (dense inputs declared) and once with sparse inputs; with the same
weights, the same tickets give the same outputs, training or not, and the first layer's gradient
is the dense one, held as rows (``tf.IndexedSlices``) of the tokens present only; in training,
both with the compiled kernels (``ticket_triage.kernels``) and with the TensorFlow ops that stand
in for them.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

from tests.models.apis import BUILDERS
from tests.models.test_models import SPEC, TRUNK, batch, merged, numpy_outputs
from ticket_triage import kernels
from ticket_triage.models.token_dense import TokenDense


def weighted_batch(size=16, seed=3):
    """Multi-hots with TF-IDF-like values; the first and last tickets have no token."""
    inputs = batch(size=size, seed=seed)
    rng = np.random.default_rng(seed)
    inputs = {name: value * rng.uniform(0.5, 3.0, value.shape) for name, value in inputs.items()}
    for value in inputs.values():
        value[0] = value[-1] = 0.0
    return {name: value.astype("float32") for name, value in inputs.items()}


def as_sparse(inputs):
    return {name: tf.sparse.from_dense(value) for name, value in inputs.items()}


def model_inputs(api, inputs):
    return merged(inputs) if api == "sequential" else inputs


@pytest.mark.usefixtures("kernel_path")
@pytest.mark.parametrize("training", [False, True])
@pytest.mark.parametrize("api", list(BUILDERS))
def test_same_weights_give_the_same_outputs_from_sparse_inputs(api, training):
    trunk = {**TRUNK, "dropout": 0.0} if training else TRUNK  # batch statistics, no masks
    keras.utils.set_random_seed(0)
    dense_model = BUILDERS[api](SPEC, **trunk, sparse=False)
    sparse_model = BUILDERS[api](SPEC, **trunk, sparse=True)
    sparse_model.set_weights(dense_model.get_weights())
    inputs = weighted_batch()
    dense_in = model_inputs(api, inputs)
    sparse_in = tf.sparse.from_dense(dense_in) if api == "sequential" else as_sparse(dense_in)
    expected = dense_model(dense_in, training=training)
    got = sparse_model(sparse_in, training=training)
    if api == "sequential":
        expected, got = {"department": expected}, {"department": got}
    expected, got = numpy_outputs(expected), numpy_outputs(got)
    assert set(got) == set(expected)
    for head in expected:
        np.testing.assert_allclose(got[head], expected[head], rtol=1e-5, atol=1e-6)


@pytest.mark.usefixtures("kernel_path")
@pytest.mark.parametrize("training", [False, True])
def test_first_layer_gradient_is_the_dense_one_on_the_tokens_present_only(training):
    layer = TokenDense(8)
    values = weighted_batch()["title"]
    layer.build(values.shape)
    with tf.GradientTape() as tape:
        dense_loss = tf.reduce_sum(layer(values) ** 2)
    (expected,) = tape.gradient(dense_loss, [layer.kernel])
    with tf.GradientTape() as tape:
        sparse_loss = tf.reduce_sum(layer(tf.sparse.from_dense(values), training=training) ** 2)
    (got,) = tape.gradient(sparse_loss, [layer.kernel])

    assert isinstance(got, tf.IndexedSlices)
    present = np.flatnonzero(values.any(axis=0))
    rows = got.indices.numpy().tolist()
    assert sorted(set(rows)) == present.tolist()  # those rows only
    if training:  # the training product's gradient has each row once: nothing left to sum
        assert len(rows) == len(present)
    np.testing.assert_allclose(float(sparse_loss), float(dense_loss), rtol=1e-5)
    np.testing.assert_allclose(tf.convert_to_tensor(got), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.usefixtures("kernel_path")
def test_the_gradient_for_each_tokens_value_is_the_dense_inputs_gradient():
    """What an explanation (gradient x input) reads: d output / d value of each token present."""
    layer = TokenDense(8)
    values = weighted_batch()["title"]
    layer.build(values.shape)
    dense = tf.constant(values)
    with tf.GradientTape() as tape:
        tape.watch(dense)
        dense_loss = tf.reduce_sum(layer(dense) ** 2)
    expected = tape.gradient(dense_loss, dense).numpy()
    sparse = tf.sparse.from_dense(values)
    watched = tf.identity(sparse.values)
    with tf.GradientTape() as tape:
        tape.watch(watched)
        tokens = tf.SparseTensor(sparse.indices, watched, sparse.dense_shape)
        sparse_loss = tf.reduce_sum(layer(tokens, training=False) ** 2)
    got = tape.gradient(sparse_loss, watched).numpy()

    at = sparse.indices.numpy()
    np.testing.assert_allclose(got, expected[at[:, 0], at[:, 1]], rtol=1e-5, atol=1e-6)


def test_the_compiled_product_names_an_entry_outside_the_shape():
    layer = TokenDense(4)
    layer.build((None, 6))
    outside = tf.SparseTensor([[0, 1], [1, 6]], [1.0, 1.0], [2, 6])  # column 6 of 6
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"entry 1 \(1, 6\) is outside"):
        layer(outside, training=True)


def test_the_compiled_sum_refuses_a_row_outside_the_gathered_rows():
    rows, tickets = tf.ones((3, 2)), tf.constant([1, 10], tf.int64)  # 3 rows, 1 ticket
    indices, values = tf.constant([[0, 5]], tf.int64), tf.ones((1,))
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"entry 0 \(ticket 0, row 3\)"):
        kernels.compiled().token_rows_sum(rows, indices, tf.constant([3]), values, tickets)


def test_token_dense_saves_and_loads_as_itself(tmp_path):
    keras.utils.set_random_seed(0)
    model = BUILDERS["functional"](SPEC, **TRUNK, sparse=True)
    model.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras", safe_mode=True)
    assert isinstance(loaded.get_layer("trunk_dense_0"), TokenDense)
    inputs = as_sparse(weighted_batch())
    expected = numpy_outputs(model(inputs, training=False))
    got = numpy_outputs(loaded(inputs, training=False))
    for head in expected:
        np.testing.assert_allclose(got[head], expected[head], rtol=1e-6)
