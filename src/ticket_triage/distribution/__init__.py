"""Training on several devices and machines with ``tf.distribute`` (``distribution=``).

``strategy`` makes the configured strategy (none, mirrored, multi_worker); ``worker`` says which
worker this process is and moves what a non-chief worker writes out of the chief's way;
``agreement`` lets workers stop together; ``distributed_fit`` makes ``fit`` work on several
replicas; ``local_workers`` starts a multi-worker training on this machine.
"""
