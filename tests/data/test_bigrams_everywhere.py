"""Word bigrams (``vocab.ngrams=2``) are the same tokens in `prepare` (pyarrow), in training
(the TicketVectorizer in tf.data) and in serving (the saved serving model, loaded back), and a
model trains and evaluates on them; ``vocab.ngrams=1`` keeps the words alone."""

from collections import Counter
from pathlib import Path

import keras
import numpy as np
import pandas as pd
import pytest
import tensorflow as tf

from tests.conftest import compose_config
from ticket_triage.data import schema, tokenizer
from ticket_triage.data.prepare import prepare_dataset
from ticket_triage.data.tokenizer import token_lists
from ticket_triage.data.vocab import load_vocabulary
from ticket_triage.evaluation.report import evaluate
from ticket_triage.inputs.pipeline import TicketData
from ticket_triage.inputs.vectorizer import TicketVectorizer
from ticket_triage.models.functional import build_functional_model
from ticket_triage.models.serving import build_serving_model
from ticket_triage.models.spec import TicketSpec
from ticket_triage.training.run import train

TITLE = "Charged twice - refund please!"
BODY = "Hi, my card was charged twice for order 1234. The app is not working; please refund."


def prepare(root, *overrides):
    cfg = compose_config(
        "prepare", [f"paths.data_dir={root}/data", "data.num_tickets=800", *overrides]
    )
    prepare_dataset(cfg)
    return Path(cfg.paths.prepared_dir)


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    """English synthetic tickets, prepared with word bigrams, as multi-hots (TF-IDF of them:
    test_tf_idf_everywhere.py)."""
    return prepare(
        tmp_path_factory.mktemp("bigrams"), "vocab.ngrams=2", "vocab.output_mode=multi_hot"
    )


def expected_multi_hot(text, vocabulary):
    """The multi-hot the model should see, from the tokens and bigrams ``prepare`` makes."""
    vector = np.zeros(len(vocabulary) + 1, dtype="int64")
    index = {token: i + 1 for i, token in enumerate(vocabulary)}
    for token in token_lists([text], ngrams=2)[0]:
        vector[index.get(token, 0)] = 1
    return vector


def test_bigrams_follow_their_text_s_tokens_in_pyarrow():
    assert token_lists(["Not working, at all", "", "one"], ngrams=2) == [
        ["not", "working", "at", "all", "not working", "working at", "at all"],
        [],
        ["one"],
    ]


def test_prepare_records_the_bigrams_and_caps_words_and_bigrams_together(tmp_path, prepared):
    assert tokenizer.load_mode(prepared) == "auto" and tokenizer.load_ngrams(prepared) == 2
    title = load_vocabulary(prepared / schema.VOCABULARY_FILES[schema.TITLE])
    assert any(" " in token for token in title) and any(" " not in token for token in title)

    capped = prepare(tmp_path, "vocab.ngrams=2", "vocab.max_body_tokens=40")
    body = load_vocabulary(capped / schema.VOCABULARY_FILES[schema.BODY])
    train_bodies = pd.read_parquet(capped / "train.parquet")[schema.BODY]
    counts = Counter(token for tokens in token_lists(train_bodies, ngrams=2) for token in tokens)
    most_frequent = sorted(counts, key=lambda token: (-counts[token], token))[:39]
    assert body == most_frequent  # 39 places + OOV, words and bigrams by one count

    words = prepare(tmp_path / "words", "vocab.ngrams=1")
    assert tokenizer.load_ngrams(words) == 1
    assert not any(" " in t for t in load_vocabulary(words / schema.VOCABULARY_FILES[schema.TITLE]))


def test_an_unknown_ngrams_value_stops_prepare_with_its_name(tmp_path):
    with pytest.raises(schema.DataError, match=r"vocab.ngrams = 3 is not one of 1, 2"):
        prepare(tmp_path, "vocab.ngrams=3")


@pytest.mark.parametrize("sparse", [False, True])
def test_training_batches_hold_the_prepare_bigrams(prepared, sparse):
    data = TicketData.load(prepared, batch_size=16, sparse=sparse)
    assert data.vectorizer.ngrams == 2
    frame = data.frames["test"].head(16)
    inputs, _ = next(iter(data.dataset("test", ["department"])))
    for name, column in (("title", schema.TITLE), ("text_body", schema.BODY)):
        got = tf.sparse.to_dense(inputs[name]) if sparse else inputs[name]
        vocabulary = data.vectorizer.vocabularies[column]
        want = np.stack([expected_multi_hot(text, vocabulary) for text in frame[column]])
        np.testing.assert_array_equal(got.numpy(), want)


def test_the_saved_serving_model_makes_the_prepare_bigrams(prepared, tmp_path):
    data = TicketData.load(prepared, sparse=False)
    spec = TicketSpec.from_prepared(prepared)
    assert spec.body_dim == len(data.vectorizer.vocabularies[schema.BODY]) + 1
    keras.utils.set_random_seed(0)
    serving = build_serving_model(build_functional_model(spec, width=8), data.vectorizer)
    serving.save(tmp_path / "serving.keras")
    loaded = keras.saving.load_model(tmp_path / "serving.keras", safe_mode=True)

    front = loaded.get_layer("vectorizer")
    assert isinstance(front, TicketVectorizer) and front.ngrams == 2
    raw = {"title": [[TITLE]], "text_body": [[BODY]], "tags": [["billing"]]}
    vectors = front({name: tf.constant(value) for name, value in raw.items()})
    for name, column, text in (("title", schema.TITLE, TITLE), ("text_body", schema.BODY, BODY)):
        want = expected_multi_hot(text, data.vectorizer.vocabularies[column])
        assert want[1:].sum() > len(token_lists([text])[0]) // 2  # bigrams are in the vocabulary
        np.testing.assert_array_equal(vectors[name].numpy()[0], want)

    batch = {name: np.array(value) for name, value in raw.items()}
    before, after = serving.predict(batch, verbose=0), loaded.predict(batch, verbose=0)
    for head in before:
        np.testing.assert_allclose(after[head], before[head], rtol=1e-6)


@pytest.mark.trains
@pytest.mark.parametrize("sparse", [False, True])
def test_a_model_trains_and_evaluates_on_bigrams(prepared, tmp_path, sparse):
    paths = [
        f"paths.prepared_dir={prepared}",
        f"paths.models_dir={tmp_path}/models",
        f"paths.reports_dir={tmp_path}/reports",
    ]
    summary = train(
        compose_config(
            "train",
            [*paths, "tracking=none", "loop.verbose=0", f"trainer.sparse_inputs={sparse}"],
        )
    )
    assert summary["epochs_run"] >= 1
    metrics = evaluate(compose_config("evaluate", paths))
    majority = metrics["department"]["baseline_majority"]["accuracy"]
    assert metrics["department"]["accuracy"] > majority + 0.3
    served = keras.saving.load_model(tmp_path / "models" / "serving.keras")
    assert served.get_layer("vectorizer").ngrams == 2
