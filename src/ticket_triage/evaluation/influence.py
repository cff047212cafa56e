"""Which tokens choose each department: the explanations of the test tickets, added up.

Each test ticket is explained through the served model (``models.explain.Explainer``, gradient x
input); a token's weight for a department is the mean of its positive shares over the tickets
predicted as that department. The table shows what the model keys on: a department whose top
tokens are stop words or a product name learned by accident is one to look at.
"""

import logging
from collections import defaultdict

import keras
import pandas as pd

from ticket_triage.models.explain import Explainer
from ticket_triage.models.spec import DEPARTMENT
from ticket_triage.triage.inputs import serving_inputs

log = logging.getLogger(__name__)

INFLUENTIAL_TOKENS = "influential_tokens.csv"  # in paths.reports_dir
PER_DEPARTMENT = 10  # tokens listed per department
BATCH = 512


def influential_tokens(serving, labels, tickets, path, per_department=PER_DEPARTMENT):
    """Write ``department, rank, token, weight, tickets`` for the served model on ``tickets``.

    Args:
        serving: the Keras serving model.
        labels: its department names, in the order of its output.
        tickets: prepared tickets (``title``, ``body``, ``tags``).
        path: the CSV file to write.
        per_department: tokens listed per department.
    """
    explainer = Explainer(serving, top=per_department)
    names = [tensor.name for tensor in serving.inputs]
    shares, counts = defaultdict(float), defaultdict(int)
    for start in range(0, len(tickets), BATCH):
        inputs = serving_inputs(tickets.iloc[start : start + BATCH], names)
        department = keras.ops.convert_to_numpy(serving(inputs)[DEPARTMENT]).argmax(axis=1)
        tokens, weights = (keras.ops.convert_to_numpy(part) for part in explainer(inputs))
        for chosen, words, values in zip(department, tokens, weights, strict=True):
            counts[chosen] += 1
            for word, value in zip(words, values, strict=True):
                if value > 0:
                    shares[chosen, word.decode("utf-8")] += float(value)
    rows = []
    for chosen, total in sorted(counts.items()):
        ranked = sorted(
            ((word, share / total) for (c, word), share in shares.items() if c == chosen),
            key=lambda item: -item[1],
        )[:per_department]
        rows += [
            {
                "department": labels[chosen],
                "rank": rank,
                "token": word,
                "weight": round(w, 4),
                "tickets": total,
            }
            for rank, (word, w) in enumerate(ranked, start=1)
        ]
    table = pd.DataFrame(rows, columns=["department", "rank", "token", "weight", "tickets"])
    table.to_csv(path, index=False)
    log.info("influential tokens per department -> %s", path)
    return table
