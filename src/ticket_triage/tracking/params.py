"""The resolved config as MLflow params: dotted keys, values within MLflow's limits, in batches.

Example:
    >>> flatten({"model": {"name": "functional", "width": 64}, "tags": [1, 2]})
    {'model.name': 'functional', 'model.width': '64', 'tags': '[1, 2]'}
    >>> [len(batch) for batch in batches({str(i): "v" for i in range(250)})]
    [100, 100, 50]
"""

from itertools import islice

MAX_PARAMS_PER_BATCH = 100  # MLflow's log_batch limit
MAX_VALUE_LENGTH = 6000  # MLflow's param value limit
MAX_KEY_LENGTH = 250
TRUNCATED = "...[truncated]"


def flatten(tree, prefix=""):
    """Nested dicts -> ``{"a.b.c": "value"}``; lists and scalars become their string form."""
    flat = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            flat.update(flatten(value, prefix=f"{name}."))
        else:
            flat[name[:MAX_KEY_LENGTH]] = _fit(str(value))
    return flat


def batches(params):
    """Split a params dict into chunks MLflow accepts in one call."""
    items = iter(params.items())
    while chunk := dict(islice(items, MAX_PARAMS_PER_BATCH)):
        yield chunk


def _fit(value):
    if len(value) <= MAX_VALUE_LENGTH:
        return value
    return value[: MAX_VALUE_LENGTH - len(TRUNCATED)] + TRUNCATED
