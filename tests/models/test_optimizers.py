"""The optimizers apply the first layer's sparse gradients as the dense gradients they stand for.

The reference is Keras's own optimizer given the dense gradient. ``SparseRMSprop`` must match it
to float rounding while updating only the touched rows, through rows repeated in one gradient,
rows left untouched for several steps, and a dense step in between, both with its compiled row
update (built by ``make setup``) and with the TensorFlow ops it falls back to; ``SummedAdam``
must match Adam.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

from ticket_triage import kernels
from ticket_triage.optimizers.sparse_rmsprop import SparseRMSprop
from ticket_triage.optimizers.summed_adam import SummedAdam

ROWS, UNITS = 12, 3
# Per step: the rows a sparse gradient touches (repeats included), or None for a dense step.
STEPS = [[0, 3, 3, 7], [1, 2], [3, 11, 0, 0], None, [5], [7, 3, 3, 3], [0, 1, 2, 3, 4, 5]]


def gradients(seed=0):
    rng = np.random.default_rng(seed)
    for rows in STEPS:
        if rows is None:
            yield tf.constant(rng.normal(size=(ROWS, UNITS)), tf.float32)
            continue
        values = tf.constant(rng.normal(size=(len(rows), UNITS)), tf.float32)
        yield tf.IndexedSlices(values, tf.constant(rows), tf.constant([ROWS, UNITS]))


def train(optimizer, densify):
    variable = keras.Variable(
        np.linspace(-1, 1, ROWS * UNITS).reshape(ROWS, UNITS), dtype="float32"
    )
    optimizer.build([variable])
    step = tf.function(lambda gradient: optimizer.apply([gradient], [variable]))
    for gradient in gradients():
        if densify and isinstance(gradient, tf.IndexedSlices):
            gradient = tf.convert_to_tensor(gradient)
        step(gradient)
    return keras.ops.convert_to_numpy(variable)


@pytest.mark.usefixtures("kernel_path")
def test_sparse_rmsprop_updates_as_dense_rmsprop():
    expected = train(keras.optimizers.RMSprop(learning_rate=0.05), densify=True)
    got = train(SparseRMSprop(learning_rate=0.05), densify=False)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


def test_the_compiled_row_update_matches_the_tensorflow_ops(monkeypatch):
    compiled = train(SparseRMSprop(learning_rate=0.05), densify=False)
    monkeypatch.setattr(kernels, "compiled", lambda: None)
    ops = train(SparseRMSprop(learning_rate=0.05), densify=False)
    np.testing.assert_allclose(compiled, ops, rtol=1e-6, atol=1e-7)


def test_the_compiled_row_update_names_an_index_out_of_range():
    optimizer = SparseRMSprop(learning_rate=0.05)
    variable = keras.Variable(np.zeros((ROWS, UNITS)), dtype="float32")
    optimizer.build([variable])
    gradient = tf.IndexedSlices(
        tf.ones((2, UNITS)), tf.constant([4, ROWS]), tf.constant([ROWS, UNITS])
    )
    with pytest.raises(tf.errors.InvalidArgumentError, match=f"index {ROWS} at position 1"):
        optimizer.apply([gradient], [variable])
    assert not np.any(keras.ops.convert_to_numpy(variable)), "a bad gradient changed rows"


@pytest.mark.parametrize(
    "sparse_aware, reference",
    [(SummedAdam, keras.optimizers.Adam)],
)
def test_sparse_gradients_update_as_the_dense_ones(sparse_aware, reference):
    expected = train(reference(learning_rate=0.05), densify=True)
    got = train(sparse_aware(learning_rate=0.05), densify=False)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


def test_keras_rmsprop_alone_gets_repeated_rows_wrong():
    """Why the project has its own: Keras 3.15 squares each repeated row separately."""
    expected = train(keras.optimizers.RMSprop(learning_rate=0.05), densify=True)
    got = train(keras.optimizers.RMSprop(learning_rate=0.05), densify=False)
    assert np.abs(got - expected).max() > 1e-3


@pytest.mark.usefixtures("kernel_path")
def test_sparse_rmsprop_writes_only_the_rows_touched():
    optimizer = SparseRMSprop(learning_rate=0.05)
    variable = keras.Variable(np.zeros((ROWS, UNITS)), dtype="float32")
    optimizer.build([variable])
    gradient = tf.IndexedSlices(
        tf.ones((2, UNITS)), tf.constant([4, 9]), tf.constant([ROWS, UNITS])
    )
    optimizer.apply([gradient], [variable])
    changed = np.flatnonzero(np.abs(keras.ops.convert_to_numpy(variable)).sum(axis=1))
    assert changed.tolist() == [4, 9]


def test_sparse_rmsprop_saves_with_its_model(tmp_path):
    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Dense(2)(inputs))
    model.compile(optimizer=SparseRMSprop(learning_rate=0.01), loss="mse")
    model.fit(np.ones((8, 4)), np.zeros((8, 2)), verbose=0)
    model.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras", safe_mode=True)
    assert isinstance(loaded.optimizer, SparseRMSprop)
    assert len(loaded.optimizer.variables) == len(model.optimizer.variables)
