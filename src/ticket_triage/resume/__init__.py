"""Exact resume after a crash: backups of the whole training state, and reading them back.

A backup holds everything the next batch depends on: weights, optimizer slots, the running
metrics of the epoch, random state, every callback's state, the position in the data (epoch,
batch) and the MLflow run. Since the training order is a pure function of ``(seed, epoch)``, a
resumed run skips the batches it has consumed and goes on as if nothing had happened.

    store.py          atomic backup files in a folder outside ``models/`` (no TensorFlow)
    fingerprint.py    which configuration made a backup, and what differs (no TensorFlow)
    position.py       where in training a backup was taken (no TensorFlow)
    plan.py           resume, start over, or refuse: ``trainer.resume`` (no TensorFlow)
    callback_state.py the state of each callback, built-in or ours
    callback_list.py  the callback list every loop drives: it writes and restores backups
"""
