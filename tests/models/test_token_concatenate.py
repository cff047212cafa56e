"""``TokenConcatenate`` merges sparse inputs into the vector ``Concatenate`` makes, unsorted, and
``TokenDense`` reads it whatever the order of its entries."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from tests.models.test_token_dense import as_sparse, weighted_batch
from ticket_triage.models.token_concatenate import TokenConcatenate
from ticket_triage.models.token_dense import TokenDense


def test_sparse_inputs_merge_into_the_concatenated_vector():
    inputs = weighted_batch()
    expected = keras.layers.Concatenate()(list(inputs.values()))
    merged = TokenConcatenate()(list(as_sparse(inputs).values()))
    assert isinstance(merged, tf.SparseTensor)
    assert merged.dense_shape.numpy().tolist() == list(expected.shape)
    np.testing.assert_array_equal(tf.sparse.to_dense(tf.sparse.reorder(merged)), expected)


def test_dense_inputs_take_keras_concatenate():
    inputs = list(weighted_batch().values())
    np.testing.assert_array_equal(TokenConcatenate()(inputs), keras.layers.Concatenate()(inputs))


@pytest.mark.parametrize("training", [False, True])
def test_token_dense_reads_entries_in_any_order(training):
    values = weighted_batch()["text_body"]
    layer = TokenDense(8)
    layer.build(values.shape)
    sparse = tf.sparse.from_dense(values)
    order = np.random.default_rng(0).permutation(int(tf.size(sparse.values)))
    shuffled = tf.SparseTensor(
        tf.gather(sparse.indices, order), tf.gather(sparse.values, order), sparse.dense_shape
    )
    got = layer(shuffled, training=training)
    np.testing.assert_allclose(got, layer(values), rtol=1e-5, atol=1e-6)


def test_saves_and_loads_as_itself(tmp_path):
    inputs = {name: keras.Input((4,), name=name, sparse=True) for name in ("a", "b")}
    model = keras.Model(inputs, TokenDense(3)(TokenConcatenate()(list(inputs.values()))))
    model.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras", safe_mode=True)
    assert isinstance(loaded.layers[-2], TokenConcatenate)
    batch = {name: tf.sparse.from_dense(np.eye(2, 4, k, "float32")) for k, name in enumerate("ab")}
    np.testing.assert_allclose(loaded(batch), model(batch), rtol=1e-6)
