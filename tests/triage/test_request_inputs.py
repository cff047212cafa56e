"""A served request's rows become the model's inputs as `prepare` would have cleaned them."""

import numpy as np
import pandas as pd

from ticket_triage.data.schema import TAG_SEPARATOR
from ticket_triage.triage.mlflow_model import request_inputs

NAMES = ["title", "text_body", "tags"]


def test_text_is_stripped_and_missing_values_are_empty():
    frame = pd.DataFrame({"title": [" Charged twice ", None, np.nan], "body": ["a", " b", ""]})
    inputs = request_inputs(frame, NAMES)
    assert inputs["title"].ravel().tolist() == ["Charged twice", "", ""]
    assert inputs["text_body"].ravel().tolist() == ["a", "b", ""]
    assert {name: value.shape for name, value in inputs.items()} == {n: (3, 1) for n in NAMES}


def test_tags_are_split_at_commas_lower_cased_and_deduplicated():
    frame = pd.DataFrame(
        {"title": ["t"] * 3, "body": ["b"] * 3, "tags": ["Billing, refund,billing", None, ""]}
    )
    tags = request_inputs(frame, NAMES)["tags"].ravel().tolist()
    assert tags == [TAG_SEPARATOR.join(["billing", "refund"]), "", ""]


def test_tags_may_be_omitted_and_a_model_without_tags_gets_none():
    frame = pd.DataFrame({"title": ["t"], "body": ["b"]})
    assert request_inputs(frame, NAMES)["tags"].ravel().tolist() == [""]
    assert set(request_inputs(frame, ["title", "text_body"])) == {"title", "text_body"}
