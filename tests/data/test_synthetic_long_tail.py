"""The long-tailed synthetic corpus: ten departments of Zipf-like sizes, learnable, mostly calm."""

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score

from ticket_triage.data import schema, synthetic


@pytest.fixture(scope="module")
def tickets():
    return synthetic.generate_tickets(20_000, seed=3, long_tail=True)


def test_department_sizes_have_a_long_tail(tickets):
    shares = tickets[schema.DEPARTMENT].value_counts(normalize=True)
    assert set(shares.index) == set(synthetic.LONG_TAIL_DEPARTMENTS)
    assert shares.index[0] == "technical" and shares.iloc[0] > 0.55
    assert (shares < 0.01).sum() >= 2  # some departments under 1% of the tickets
    balanced = synthetic.generate_tickets(20_000, seed=3)
    assert tickets[schema.PRIORITY].mean() < balanced[schema.PRIORITY].mean() - 0.05


def test_rare_departments_are_learnable_from_their_words(tickets):
    train, test = tickets.iloc[:15_000], tickets.iloc[15_000:]
    text = lambda frame: frame[schema.TITLE] + " " + frame[schema.BODY]  # noqa: E731
    vectorizer = TfidfVectorizer()
    classifier = LogisticRegression(max_iter=1000, class_weight="balanced")
    classifier.fit(vectorizer.fit_transform(text(train)), train[schema.DEPARTMENT])
    predicted = classifier.predict(vectorizer.transform(text(test)))
    per_class = f1_score(
        test[schema.DEPARTMENT],
        predicted,
        average=None,
        labels=list(synthetic.LONG_TAIL_DEPARTMENTS),
    )
    scores = dict(zip(synthetic.LONG_TAIL_DEPARTMENTS, per_class, strict=True))
    assert np.all(per_class > 0.5), scores


def test_the_long_tail_is_english_only():
    with pytest.raises(schema.DataError, match="long_tail=true is written in English only"):
        synthetic.generate_tickets(100, long_tail=True, language="zh")


def test_the_default_corpus_is_unchanged_by_the_option():
    assert synthetic.generate_tickets(2000, seed=5).equals(
        synthetic.generate_tickets(2000, seed=5, long_tail=False)
    )
