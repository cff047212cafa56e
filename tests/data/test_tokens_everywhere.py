"""A mixed Chinese/English ticket gets the same tokens in `prepare` (pyarrow), in training (the
TicketVectorizer in tf.data) and in serving (the saved serving model, loaded back)."""

from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

from tests.conftest import compose_config
from ticket_triage.data import schema, tokenizer
from ticket_triage.data.prepare import prepare_dataset
from ticket_triage.data.tokenizer import token_lists
from ticket_triage.inputs.pipeline import TicketData
from ticket_triage.inputs.vectorizer import TAG_SEPARATOR, TicketVectorizer
from ticket_triage.models.functional import build_functional_model
from ticket_triage.models.serving import build_serving_model
from ticket_triage.models.spec import TicketSpec

TITLE = "VPN 无法连接，API请求超时"
BODY = "您好，我们的VPN从周一开始无法连接。Error 500, please help!"
TAGS = TAG_SEPARATOR.join(["bug", "api"])


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    """Chinese synthetic tickets, prepared with the default (auto) tokenizer, as multi-hots."""
    root = tmp_path_factory.mktemp("zh")
    cfg = compose_config(
        "prepare",
        [
            f"paths.data_dir={root}/data",
            "data.num_tickets=800",
            "data.language=zh",
            "vocab.output_mode=multi_hot",  # TF-IDF: test_tf_idf_everywhere.py
        ],
    )
    prepare_dataset(cfg)
    return Path(cfg.paths.prepared_dir)


def expected_multi_hot(text, vocabulary, ngrams):
    """The multi-hot the model should see, from the tokens (and bigrams, with ``ngrams=2``)
    ``prepare`` makes: slot 0 for any token outside the vocabulary, slot i + 1 for
    ``vocabulary[i]``."""
    vector = np.zeros(len(vocabulary) + 1, dtype="int64")
    index = {token: i + 1 for i, token in enumerate(vocabulary)}
    for token in token_lists([text], ngrams=ngrams)[0]:
        vector[index.get(token, 0)] = 1
    return vector


def test_the_mixed_ticket_is_tokenized_into_both_kinds_of_token(prepared):
    tokens = token_lists([TITLE])[0]
    assert {"vpn", "api", "无", "法", "无法", "连接", "请求", "超时"} <= set(tokens)
    vocabularies = TicketData.load(prepared).vectorizer.vocabularies
    title = set(vocabularies[schema.TITLE])
    assert {"api", "无法", "请求", "超时"} <= title and "vpn" not in title  # vpn: OOV


@pytest.mark.parametrize("sparse", [False, True])
def test_training_batches_match_the_prepare_tokens(prepared, sparse):
    data = TicketData.load(prepared, batch_size=16, sparse=sparse)
    assert data.vectorizer.tokenizer == "auto"
    frame = data.frames["test"].head(16)
    inputs, _ = next(iter(data.dataset("test", ["department"])))
    for name, column in (("title", schema.TITLE), ("text_body", schema.BODY)):
        got = tf.sparse.to_dense(inputs[name]) if sparse else inputs[name]
        vocabulary = data.vectorizer.vocabularies[column]
        want = np.stack(
            [expected_multi_hot(text, vocabulary, data.vectorizer.ngrams) for text in frame[column]]
        )
        np.testing.assert_array_equal(got.numpy(), want)


def test_the_saved_serving_model_tokenizes_as_prepare_did(prepared, tmp_path):
    data = TicketData.load(prepared, sparse=False)
    spec = TicketSpec.from_prepared(prepared)
    keras.utils.set_random_seed(0)
    serving = build_serving_model(build_functional_model(spec, width=8), data.vectorizer)
    serving.save(tmp_path / "serving.keras")
    loaded = keras.saving.load_model(tmp_path / "serving.keras", safe_mode=True)

    front = loaded.get_layer("vectorizer")
    assert isinstance(front, TicketVectorizer) and front.tokenizer == "auto"
    raw = {
        "title": tf.constant([[TITLE]]),
        "text_body": tf.constant([[BODY]]),
        "tags": tf.constant([[TAGS]]),
    }
    vectors = front(raw)
    for name, column, text in (("title", schema.TITLE, TITLE), ("text_body", schema.BODY, BODY)):
        want = expected_multi_hot(
            text, data.vectorizer.vocabularies[column], tokenizer.load_ngrams(prepared)
        )
        np.testing.assert_array_equal(vectors[name].numpy()[0], want)

    batch = {name: np.array([[value.numpy()[0][0].decode()]]) for name, value in raw.items()}
    before, after = serving.predict(batch, verbose=0), loaded.predict(batch, verbose=0)
    for head in before:
        np.testing.assert_allclose(after[head], before[head], rtol=1e-6)


def test_tags_travel_unchanged_beside_the_tokenized_text(prepared):
    data = TicketData.load(prepared, sparse=False)
    raw = {"title": [TITLE], "text_body": [BODY], "tags": [TAGS]}
    vectors = data.vectorizer({name: tf.constant(value) for name, value in raw.items()})
    vocabulary = data.vectorizer.vocabularies[schema.TAGS]
    hot = {vocabulary[i - 1] for i in np.flatnonzero(vectors["tags"].numpy()[0]) if i}
    assert hot == {"bug", "api"}
