"""The linear baseline every evaluation shows beside the model: TF-IDF and linear models.

A network earns its cost only by what it adds over a bag of words, so ``evaluate`` fits this
baseline on the same train split and scores it on the same test tickets as the model:

* features: TF-IDF of word 1- and 2-grams (sublinear term frequency) of one text per ticket,
  its title, body and tags joined;
* department: ``LogisticRegression(class_weight="balanced")``;
* priority: ``Ridge`` regression, clipped to [0, 1] as the model's sigmoid output is.

Tokenization is a hook (``tokenize``): a function from a list of strings to a list of token
lists, called once per split, so that a batch tokenizer runs without a per-ticket Python call.
``evaluate`` passes the tokenizer that made the model's vocabularies (``data.tokenizer``), so
both sides of the comparison see the same tokens. The default, ``token_lists`` in its ``auto``
mode, also splits Chinese and Japanese text (no spaces between words) into character 1- and
2-grams.

Example:
    >>> import pandas as pd
    >>> train = pd.DataFrame({
    ...     "title": ["refund please", "app crashes", "refund again", "app is down"],
    ...     "body": ["charged twice", "error on start", "charged twice", "error again"],
    ...     "department": ["billing", "technical", "billing", "technical"],
    ... })
    >>> test = pd.DataFrame({"title": ["a refund"], "body": ["charged"]})
    >>> linear_baseline_predictions(train, test, ["department"])["department"].tolist()
    ['billing']
"""

import itertools

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression, Ridge

from ticket_triage.data import schema
from ticket_triage.data.tokenizer import token_lists


def linear_baseline_predictions(train, test, heads, tokenize=token_lists):
    """Fit the baseline on ``train``; its predictions for every ticket of ``test``, in file order.

    Args:
        train: the prepared train split (the only data the baseline learns from).
        test: the split to predict.
        heads: the heads to fit, among ``department`` and ``priority``.
        tokenize: texts -> token lists, e.g. ``functools.partial(token_lists, mode=...)``.

    Returns:
        ``{head: predictions}``: department names, or priority scores in [0, 1].
    """
    vectorizer = TfidfVectorizer(analyzer=word_ngrams, sublinear_tf=True)
    features = vectorizer.fit_transform(tokenize(ticket_texts(train)))
    test_features = vectorizer.transform(tokenize(ticket_texts(test)))
    predictions = {}
    if schema.HEAD_DEPARTMENT in heads:
        # newton-cg: 5 iterations on TF-IDF here, about 3x faster than the default lbfgs
        classifier = LogisticRegression(class_weight="balanced", solver="newton-cg", max_iter=1000)
        classifier.fit(features, train[schema.DEPARTMENT])
        predictions[schema.HEAD_DEPARTMENT] = classifier.predict(test_features)
    if schema.HEAD_PRIORITY in heads:
        regressor = Ridge().fit(features, train[schema.PRIORITY])
        predictions[schema.HEAD_PRIORITY] = np.clip(regressor.predict(test_features), 0.0, 1.0)
    return predictions


def ticket_texts(frame):
    """One string per ticket: title, body and (where the data has them) tags, space-joined."""
    parts = [frame[schema.TITLE], frame[schema.BODY]]
    if schema.TAGS in frame:
        parts.append(frame[schema.TAGS].map(" ".join))
    return [" ".join(texts) for texts in zip(*parts, strict=True)]


def word_ngrams(tokens):
    """A ticket's unigrams and bigrams (the analyzer ``TfidfVectorizer`` runs on token lists)."""
    return [*tokens, *(f"{first} {second}" for first, second in itertools.pairwise(tokens))]
