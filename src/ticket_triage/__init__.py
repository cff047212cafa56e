"""ticket-triage: a Keras pipeline that scores a support ticket's priority and routes it.

Subpackages keep TensorFlow out of the parts that do not need it: ``ticket_triage.data``
(except ``data.pipeline``) imports only pandas and pyarrow, so ``prepare`` starts in a second.
"""

__version__ = "0.1.0"
