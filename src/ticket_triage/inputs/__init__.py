"""The TensorFlow side of the ticket data: the vectorizer layer and the ``tf.data`` pipeline.

Kept apart from ``ticket_triage.data``, which reads, cleans, splits and counts with pandas and
pyarrow only, so that ``prepare`` never loads TensorFlow.
"""
