"""The train split's batch order: every ticket once per epoch, a pure function of the seed and
the epoch, resumable at any batch, and the order the training batches really follow."""

import numpy as np
import pytest

from ticket_triage.inputs.pipeline import TicketData
from ticket_triage.resume.position import Position


@pytest.fixture(scope="module")
def data(prepared_dir):
    return TicketData.load(prepared_dir, batch_size=64, sparse=True, seed=3)


def batches(data, epochs, start=None):
    return [rows.numpy() for rows in data.train_order(epochs, start)]


def test_each_epoch_takes_every_ticket_once_in_batches(data):
    size, steps = data.size("train"), data.steps("train")
    assert size % 64, "the fixture should leave a partial last batch"
    order = batches(data, epochs=2)
    assert len(order) == 2 * steps
    for epoch in (order[:steps], order[steps:]):
        assert [len(rows) for rows in epoch] == [64] * (steps - 1) + [size % 64]
        assert sorted(np.concatenate(epoch)) == list(range(size))
    assert not np.array_equal(np.concatenate(order[:steps]), np.concatenate(order[steps:]))


def test_the_order_follows_the_seed_alone(data, prepared_dir):
    again = TicketData.load(prepared_dir, batch_size=64, sparse=False, seed=3)
    other = TicketData.load(prepared_dir, batch_size=64, sparse=True, seed=4)
    first = np.concatenate(batches(data, epochs=1))
    np.testing.assert_array_equal(first, np.concatenate(batches(again, epochs=1)))
    assert not np.array_equal(first, np.concatenate(batches(other, epochs=1)))


def test_a_resumed_order_skips_the_batches_already_trained(data):
    steps = data.steps("train")
    whole = batches(data, epochs=3)
    resumed = batches(data, epochs=3, start=Position(epoch=1, batch=2))
    assert len(resumed) == len(whole) - steps - 2
    for expected, got in zip(whole[steps + 2 :], resumed, strict=True):
        np.testing.assert_array_equal(expected, got)


def test_the_training_batches_follow_the_order(data):
    priority = data.frames["train"]["priority"].to_numpy("float32")
    trained = data.dataset("train", ["priority"], epochs=2)
    for rows, (_, targets) in zip(data.train_order(epochs=2), trained, strict=True):
        np.testing.assert_array_equal(targets["priority"].numpy()[:, 0], priority[rows.numpy()])
