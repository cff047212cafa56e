"""The ``tf.distribute`` strategy of ``distribution=none|mirrored|multi_worker``.

* ``none``: TensorFlow's default strategy (one device; no cross-replica work at all).
* ``mirrored``: ``MirroredStrategy`` over every local GPU, or over ``cpu_replicas`` logical CPU
  devices carved out of the one physical CPU, so the distributed path can be tried and tested on
  any machine (it will not be faster there: the replicas share the same cores).
* ``multi_worker``: ``MultiWorkerMirroredStrategy``; the cluster and this process's place in it
  come from the ``TF_CONFIG`` environment variable (see ``scripts/local-workers``).

A process makes its strategy once: TensorFlow can split its CPU into logical devices and join a
cluster only before it starts, so a Hydra multirun's later jobs reuse the first job's strategy.

Example:
    >>> strategy = make_strategy(OmegaConf.create({"name": "none"}))  # doctest: +SKIP
    >>> strategy.num_replicas_in_sync  # doctest: +SKIP
    1
"""

import logging
import os

import tensorflow as tf

from ticket_triage.distribution.worker import Worker
from ticket_triage.errors import ConfigError, unknown_choice

STRATEGIES = ("none", "mirrored", "multi_worker")
_made = {}  # (name, cpu_replicas, communication) -> the strategy this process made


def make_strategy(distribution_cfg):
    """The strategy ``distribution_cfg`` asks for; the same object on every later call."""
    name = distribution_cfg.name
    if name not in STRATEGIES:
        raise unknown_choice("distribution.name", name, STRATEGIES)
    key = (name, distribution_cfg.get("cpu_replicas"), distribution_cfg.get("communication"))
    if key not in _made:
        if _made and name != "none":
            raise ConfigError(
                f"distribution={name}: this process already trains with "
                f"distribution={next(iter(_made))[0]}; a process holds one strategy"
            )
        _made[key] = _MAKERS[name](distribution_cfg)
    return _made[key]


def _default(_):
    return tf.distribute.get_strategy()


def _mirrored(distribution_cfg):
    replicas = distribution_cfg.cpu_replicas
    if not replicas:
        return tf.distribute.MirroredStrategy()  # every local GPU, else the CPU
    split_cpu(replicas)
    return tf.distribute.MirroredStrategy([f"/cpu:{index}" for index in range(replicas)])


def _multi_worker(distribution_cfg):
    cluster = os.environ.get("TF_CONFIG")
    if not cluster:
        raise ConfigError(
            "distribution=multi_worker needs the TF_CONFIG environment variable (the cluster "
            "and this worker's place in it); start local workers with scripts/local-workers"
        )
    Worker.current("multi_worker")  # a clear error for a TF_CONFIG without cluster or task
    implementation = {
        "auto": tf.distribute.experimental.CommunicationImplementation.AUTO,
        "ring": tf.distribute.experimental.CommunicationImplementation.RING,
        "nccl": tf.distribute.experimental.CommunicationImplementation.NCCL,
    }
    if distribution_cfg.communication not in implementation:
        raise unknown_choice(
            "distribution.communication", distribution_cfg.communication, implementation
        )
    tensorflow_log = logging.getLogger("tensorflow")
    tensorflow_log.setLevel(logging.WARNING)  # not an INFO line per all-reduce
    tensorflow_log.addFilter(_Once("eagerly has significant overhead"))  # loop=eager: every step
    return tf.distribute.MultiWorkerMirroredStrategy(
        communication_options=tf.distribute.experimental.CommunicationOptions(
            implementation=implementation[distribution_cfg.communication]
        )
    )


def split_cpu(replicas):
    """Make ``replicas`` logical CPU devices; TensorFlow allows it only before it starts."""
    (cpu,) = tf.config.list_physical_devices("CPU")
    try:
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration() for _ in range(replicas)]
        )
    except RuntimeError:
        if len(tf.config.list_logical_devices("CPU")) != replicas:
            raise ConfigError(
                f"distribution.cpu_replicas={replicas}: TensorFlow has already started in this "
                "process with another number of CPU devices; run training in a new process"
            ) from None


class _Once(logging.Filter):
    """Let a message containing ``text`` through once."""

    def __init__(self, text):
        super().__init__()
        self.text, self.seen = text, False

    def filter(self, record):
        if self.text not in record.getMessage():
            return True
        seen, self.seen = self.seen, True
        return not seen


_MAKERS = {"none": _default, "mirrored": _mirrored, "multi_worker": _multi_worker}
