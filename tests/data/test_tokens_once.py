"""Tokenizing each split once gives the batches that vectorizing raw strings gives.

The input pipeline keeps every ticket's token ids and values and builds each batch's vectors
from them; the serving model vectorizes raw strings. Both must give the same vectors, dense or
sparse, multi-hot or TF-IDF, English or Chinese.
"""

import numpy as np
import pytest
import tensorflow as tf

from tests.conftest import compose_config
from ticket_triage.data.prepare import prepare_dataset
from ticket_triage.data.schema import TAG_SEPARATOR
from ticket_triage.inputs.pipeline import TicketData
from ticket_triage.inputs.vectorizer import _distinct


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    root = tmp_path_factory.mktemp("tokens")
    variants = {
        "tf_idf": [],
        "multi_hot": ["vocab.output_mode=multi_hot", "vocab.ngrams=1"],
        "chinese": ["data.language=zh"],
    }
    for name, overrides in variants.items():
        prepare_dataset(
            compose_config(
                "prepare", [f"paths.data_dir={root / name}", "data.num_tickets=300", *overrides]
            )
        )
    return {name: root / name / "prepared" for name in variants}


def dense(value):
    return (
        tf.sparse.to_dense(value).numpy() if isinstance(value, tf.SparseTensor) else value.numpy()
    )


@pytest.mark.parametrize("merge", [False, True])
@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("variant", ["tf_idf", "multi_hot", "chinese"])
def test_batches_equal_the_vectorized_strings(prepared, variant, sparse, merge):
    data = TicketData.load(prepared[variant], batch_size=20, sparse=sparse, merge_inputs=merge)
    inputs, _ = next(iter(data.dataset("val", ["department"])))
    frame = data.frames["val"].head(20)
    raw = data.vectorizer(
        {
            "title": tf.constant(frame["title"].tolist()),
            "text_body": tf.constant(frame["body"].tolist()),
            "tags": tf.constant(frame["tags"].map(TAG_SEPARATOR.join).tolist()),
        }
    )
    if merge:
        inputs, raw = {"merged": inputs}, {"merged": raw}
    assert set(inputs) == set(raw)
    for name in raw:
        assert isinstance(inputs[name], tf.SparseTensor) == sparse
        assert inputs[name].dtype == raw[name].dtype
        np.testing.assert_allclose(dense(inputs[name]), dense(raw[name]), rtol=1e-5)
        assert np.count_nonzero(dense(raw[name])) > 0


def test_each_ticket_keeps_its_distinct_ids_sorted_with_their_values():
    ids = tf.ragged.constant([[3, 1, 3, 3], [], [0, 0]], tf.int64)
    idf = tf.constant([0.5, 2.0, 9.0, 4.0])
    distinct, values = _distinct(ids, idf)
    assert distinct.to_list() == [[1, 3], [], [0]]
    assert values.to_list() == [[2.0, 12.0], [], [1.0]]  # count x idf
    _, binary = _distinct(ids, None)
    assert binary.to_list() == [[1, 1], [], [1]]
