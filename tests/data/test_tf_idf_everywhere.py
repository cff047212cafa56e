"""TF-IDF inputs (``vocab.output_mode=tf_idf``): idf weights computed on the train split in
`prepare`, the same count x idf vectors in training batches and in the saved serving model, and
a model that trains and evaluates on them, dense or sparse."""

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
from ticket_triage.data.vocab import load_vocabulary, load_weights
from ticket_triage.evaluation.report import evaluate
from ticket_triage.inputs.pipeline import TicketData
from ticket_triage.models.functional import build_functional_model
from ticket_triage.models.serving import build_serving_model
from ticket_triage.models.spec import TicketSpec
from ticket_triage.training.run import train

TITLE = "Charged twice - refund please, refund!"
BODY = "Hi, my card was charged twice for order 1234. The app is not working; please refund."


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    """English synthetic tickets, prepared with bigrams and TF-IDF."""
    root = tmp_path_factory.mktemp("tf_idf")
    cfg = compose_config(
        "prepare",
        [
            f"paths.data_dir={root}/data",
            "data.num_tickets=800",
            "vocab.ngrams=2",
            "vocab.output_mode=tf_idf",
            "vocab.normalize=none",  # count x idf as it is (l2: the test further down)
        ],
    )
    prepare_dataset(cfg)
    return Path(cfg.paths.prepared_dir)


def expected_tf_idf(text, vocabulary, idf):
    """count x idf per vocabulary slot; the OOV slot 0 weighs its tokens by the mean idf."""
    vector = np.zeros(len(vocabulary) + 1, dtype="float32")
    index = {token: i + 1 for i, token in enumerate(vocabulary)}
    weights = [float(np.mean(idf)), *idf]
    for token, count in Counter(token_lists([text], ngrams=2)[0]).items():
        slot = index.get(token, 0)
        vector[slot] += count * weights[slot]
    return vector


def test_prepare_writes_train_split_idf_weights_beside_the_vocabularies(prepared):
    assert tokenizer.load_output_mode(prepared) == "tf_idf"
    train_titles = pd.read_parquet(prepared / "train.parquet")[schema.TITLE]
    vocabulary = load_vocabulary(prepared / schema.VOCABULARY_FILES[schema.TITLE])
    idf = load_weights(prepared / schema.IDF_FILES[schema.TITLE])
    assert len(idf) == len(vocabulary)
    holders = Counter(
        token for tokens in token_lists(train_titles, ngrams=2) for token in set(tokens)
    )
    for i in (0, len(vocabulary) // 2, len(vocabulary) - 1):
        want = np.log(1 + len(train_titles) / (1 + holders[vocabulary[i]]))
        assert idf[i] == pytest.approx(want, abs=1e-4)
    assert idf[0] < idf[-1]  # the commonest token weighs less than a rare one


def test_an_unknown_output_mode_stops_prepare_with_its_name(tmp_path):
    cfg = compose_config("prepare", [f"paths.data_dir={tmp_path}", "vocab.output_mode=bm25"])
    with pytest.raises(schema.DataError, match=r"vocab.output_mode = 'bm25' is not one of"):
        prepare_dataset(cfg)
    assert not (Path(cfg.paths.prepared_dir) / tokenizer.FILE).exists()


@pytest.mark.parametrize("sparse", [False, True])
def test_training_batches_are_count_times_idf(prepared, sparse):
    data = TicketData.load(prepared, batch_size=16, sparse=sparse)
    frame = data.frames["test"].head(16)
    inputs, _ = next(iter(data.dataset("test", ["department"])))
    for name, column in (("title", schema.TITLE), ("text_body", schema.BODY)):
        got = tf.sparse.to_dense(inputs[name]) if sparse else inputs[name]
        vocabulary = data.vectorizer.vocabularies[column]
        idf = data.vectorizer.idf_weights[column]
        want = np.stack([expected_tf_idf(text, vocabulary, idf) for text in frame[column]])
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-5)
    assert inputs["tags"].dtype == tf.float32  # one dtype for every input


def test_the_saved_serving_model_weighs_tokens_as_training_did(prepared, tmp_path):
    data = TicketData.load(prepared, sparse=False)
    spec = TicketSpec.from_prepared(prepared)
    keras.utils.set_random_seed(0)
    serving = build_serving_model(build_functional_model(spec, width=8), data.vectorizer)
    serving.save(tmp_path / "serving.keras")
    loaded = keras.saving.load_model(tmp_path / "serving.keras", safe_mode=True)

    front = loaded.get_layer("vectorizer")
    raw = {"title": [[TITLE]], "text_body": [[BODY]], "tags": [["billing"]]}
    vectors = front({name: tf.constant(value) for name, value in raw.items()})
    for name, column, text in (("title", schema.TITLE, TITLE), ("text_body", schema.BODY, BODY)):
        vocabulary = data.vectorizer.vocabularies[column]
        want = expected_tf_idf(text, vocabulary, data.vectorizer.idf_weights[column])
        np.testing.assert_allclose(vectors[name].numpy()[0], want, rtol=1e-5)

    batch = {name: np.array(value) for name, value in raw.items()}
    before, after = serving.predict(batch, verbose=0), loaded.predict(batch, verbose=0)
    for head in before:
        np.testing.assert_allclose(after[head], before[head], rtol=1e-6)


@pytest.mark.trains
@pytest.mark.parametrize("sparse", [False, True])
def test_a_model_trains_and_evaluates_on_tf_idf(prepared, tmp_path, sparse):
    paths = [
        f"paths.prepared_dir={prepared}",
        f"paths.models_dir={tmp_path}/models",
        f"paths.reports_dir={tmp_path}/reports",
    ]
    train(
        compose_config(
            "train",
            [*paths, "tracking=none", "loop.verbose=0", f"trainer.sparse_inputs={sparse}"],
        )
    )
    metrics = evaluate(compose_config("evaluate", paths))
    majority = metrics["department"]["baseline_majority"]["accuracy"]
    assert metrics["department"]["accuracy"] > majority + 0.3
    served = keras.saving.load_model(tmp_path / "models" / "serving.keras")
    assert served.get_layer("vectorizer").idf_weights is not None


@pytest.mark.parametrize("sparse", [False, True])
def test_l2_normalized_vectors_have_unit_length_in_batches_and_serving(tmp_path, sparse):
    """vocab.normalize=l2: every title and body vector of a batch, and of the serving model's
    vectorizer, has length 1 (an empty text stays empty)."""
    cfg = compose_config(
        "prepare",
        [f"paths.data_dir={tmp_path}/data", "data.num_tickets=400", "vocab.normalize=l2"],
    )
    prepare_dataset(cfg)
    prepared = Path(cfg.paths.prepared_dir)
    assert tokenizer.load_normalize(prepared) == "l2"
    data = TicketData.load(prepared, batch_size=32, sparse=sparse)
    inputs, _ = next(iter(data.dataset("train", ["department"])))
    for name in ("title", "text_body"):
        vectors = inputs[name]
        dense = tf.sparse.to_dense(vectors) if sparse else vectors
        norms = np.linalg.norm(dense.numpy(), axis=1)
        np.testing.assert_allclose(norms[norms > 0], 1.0, rtol=1e-5)
    assert data.vectorizer.get_config()["normalize"] == "l2"


def test_l2_leaves_multi_hot_vectors_as_they_are(tmp_path):
    cfg = compose_config(
        "prepare",
        [
            f"paths.data_dir={tmp_path}/data",
            "data.num_tickets=200",
            "vocab.output_mode=multi_hot",
            "vocab.normalize=l2",
        ],
    )
    prepare_dataset(cfg)
    assert tokenizer.load_normalize(cfg.paths.prepared_dir) == "none"
    with pytest.raises(schema.DataError, match=r"vocab\.normalize = 'l1' is not one of"):
        prepare_dataset(
            compose_config("prepare", [f"paths.data_dir={tmp_path}/d", "vocab.normalize=l1"])
        )
