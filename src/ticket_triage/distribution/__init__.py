"""Training on several devices and machines with ``tf.distribute`` (``distribution=``).

``strategy`` makes the configured strategy (none, mirrored, multi_worker); ``worker`` says which
worker this process is and moves what a non-chief worker writes out of the chief's way;
``replicas`` holds what the hand-written loops need to run one step on every replica.
"""
