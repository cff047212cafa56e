"""Tickets (schema columns) -> the string inputs of the Keras serving model. No TensorFlow.

The serving model takes ``title``, ``text_body`` and ``tags`` as ``(n, 1)`` string arrays, tags
joined by ``TAG_SEPARATOR``, exactly as the training pipeline feeds the vectorizer. The input
example logged with the model and bulk ``predict`` build them here from prepared tickets; the
served MLflow model builds them from request rows (``mlflow_model.request_inputs``).

Example:
    >>> frame = pd.DataFrame({"title": ["Refund"], "body": ["Charged twice"], "tags": [["bill"]]})
    >>> serving_inputs(frame, ["title", "text_body", "tags"])["text_body"]
    array([['Charged twice']], dtype=object)
"""

import pandas as pd

from ticket_triage.data import schema


def serving_inputs(frame, input_names):
    """``{input name: (n, 1) object array}`` for the inputs the serving model has.

    Args:
        frame: tickets with ``title``, ``body`` and, when the model has a tags input, ``tags``
            (a list of tags per ticket; a missing column counts as no tags).
        input_names: the serving model's input names.
    """
    columns = {schema.INPUT_TITLE: frame[schema.TITLE], schema.INPUT_BODY: frame[schema.BODY]}
    if schema.INPUT_TAGS in input_names:
        tags = frame[schema.TAGS] if schema.TAGS in frame else pd.Series([[]] * len(frame))
        columns[schema.INPUT_TAGS] = tags.map(schema.TAG_SEPARATOR.join)
    return {name: values.to_numpy(object).reshape(-1, 1) for name, values in columns.items()}
