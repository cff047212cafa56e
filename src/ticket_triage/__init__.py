"""ticket-triage: a Keras pipeline that scores a support ticket's priority and routes it.

Subpackages keep TensorFlow out of the parts that do not need it: ``ticket_triage.data``
imports only pandas and pyarrow, so ``prepare`` starts in a second; the vectorizer layer and the
``tf.data`` pipeline are ``ticket_triage.inputs``. ``pyproject.toml``'s import-linter contracts
hold the package to that, and to one-way layers.
"""

__version__ = "0.1.0"
