"""``trainer.op_threads``: one thread per op on sparse inputs and TensorFlow's default on dense
ones, fixed before TensorFlow starts; a process where it has started keeps its count and says so.

The training runs that use it are in ``tests/distribution`` (their logs name the count).
"""

import logging
import subprocess
import sys

import pytest
import tensorflow as tf

from tests.conftest import ROOT, compose_config
from ticket_triage.errors import ConfigError
from ticket_triage.training.op_threads import resolve_op_threads, use_op_threads


def test_the_default_config_picks_one_thread_for_sparse_inputs_only():
    setting = compose_config("train", []).trainer.op_threads
    assert resolve_op_threads(setting, sparse=True) == 1
    assert resolve_op_threads(setting, sparse=False) == 0


@pytest.mark.parametrize("setting", [-1, "many", True, 1.5])
def test_a_setting_that_is_not_a_count_names_the_key(setting):
    with pytest.raises(ConfigError, match=r"trainer\.op_threads"):
        resolve_op_threads(setting, sparse=True)


def test_a_count_is_taken_as_given():
    assert resolve_op_threads(3, sparse=False) == 3
    assert resolve_op_threads(0, sparse=True) == 0


def test_a_fresh_process_keeps_the_count_it_started_with():
    """Set before the first op, the count holds: asking for another one afterwards keeps it."""
    code = (
        "import tensorflow as tf\n"
        "from ticket_triage.training.op_threads import use_op_threads\n"
        "print(use_op_threads(1))\n"
        "tf.reduce_sum(tf.ones(8)).numpy()\n"
        "print(use_op_threads(2))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == ["1", "1"]
    assert "trainer.op_threads=2 takes effect in a new process" in done.stderr


def test_a_started_process_keeps_its_count_and_says_so(caplog):
    tf.reduce_sum(tf.ones(8)).numpy()  # TensorFlow has started in this process
    running = tf.config.threading.get_intra_op_parallelism_threads()
    with caplog.at_level(logging.WARNING):
        assert use_op_threads(running + 5) == running
    assert f"trainer.op_threads={running + 5}" in caplog.text
