"""``Predictor.stream``: answers in the items' order, each the model's answer for its tickets,
and an error met while pulling the items raised after the items before it were answered."""

import threading

import numpy as np
import pytest

from ticket_triage.inputs.vectorizer import TicketVectorizer
from ticket_triage.models.functional import build_functional_model
from ticket_triage.models.serving import build_serving_model
from ticket_triage.models.spec import TicketSpec
from ticket_triage.triage.predictor import Predictor

WORDS = ["refund", "charged", "login", "password", "crash", "error"]


@pytest.fixture(scope="module")
def predictor():
    vocabularies = {"title": WORDS, "body": WORDS, "tags": ["billing", "account"]}
    vectorizer = TicketVectorizer(vocabularies, sparse=True, tokenizer="auto")
    spec = TicketSpec(len(WORDS) + 1, len(WORDS) + 1, 3, num_departments=3)
    model = build_functional_model(spec, width=8, sparse=True)
    return Predictor(build_serving_model(model, vectorizer), ["a", "b", "c"], batch_size=4)


def tickets(count, seed):
    rng = np.random.default_rng(seed)
    texts = [" ".join(rng.choice(WORDS, 3)) for _ in range(count)]
    column = np.array(texts, dtype=object).reshape(-1, 1)
    return {"title": column, "text_body": column, "tags": np.full((count, 1), "", object)}


def test_answers_come_in_order_and_equal_one_call_per_item(predictor):
    items = [(key, tickets(size, key)) for key, size in enumerate([9, 0, 4, 13])]

    answered = list(predictor.stream(iter(items)))

    assert [key for key, _ in answered] == [0, 1, 2, 3]
    assert answered[1][1] == {}
    for (_, inputs), (_, outputs) in zip(items, answered, strict=True):
        if len(inputs["title"]):
            expected = predictor.serving.predict(inputs)["department"]
            np.testing.assert_allclose(outputs["department"], expected, rtol=1e-5, atol=1e-6)


def test_an_error_while_pulling_comes_after_the_items_before_it(predictor):
    def items():
        yield "first", tickets(6, 1)
        yield "second", tickets(5, 2)
        raise ValueError("row 12: broken export")

    answered = []
    with pytest.raises(ValueError, match="row 12"):
        for key, outputs in predictor.stream(items()):
            answered.append((key, len(outputs["department"])))
    assert answered == [("first", 6), ("second", 5)]


def test_a_caller_that_stops_early_leaves_no_call_running(predictor):
    items = ((key, tickets(40, key)) for key in range(5))
    stream = predictor.stream(items)
    key, _ = next(stream)
    stream.close()  # the queued model calls are dropped, the threads end
    assert key == 0
    assert not [t for t in threading.enumerate() if t.name.startswith("predict")]
