"""The linear TF-IDF baseline: it learns from the train split only, beats the trivial baselines on
synthetic tickets, and tokenizes through a hook that handles Chinese text by default."""

import functools

import numpy as np
import pandas as pd
import pytest

from ticket_triage.data.synthetic import generate_tickets
from ticket_triage.data.tokenizer import token_lists
from ticket_triage.evaluation.baseline import linear_baseline_predictions, ticket_texts, word_ngrams

HEADS = ["priority", "department"]


@pytest.fixture(scope="module")
def tickets():
    frame = generate_tickets(1200, seed=3)
    return frame.iloc[:1000].reset_index(drop=True), frame.iloc[1000:].reset_index(drop=True)


def test_beats_the_trivial_baselines_on_synthetic_tickets(tickets):
    train, test = tickets
    predictions = linear_baseline_predictions(train, test, HEADS)
    accuracy = (predictions["department"] == test["department"]).mean()
    majority = (test["department"] == train["department"].value_counts().index[0]).mean()
    assert accuracy > majority + 0.3
    priority = predictions["priority"]
    assert priority.shape == (len(test),) and priority.min() >= 0 and priority.max() <= 1
    rmse = np.sqrt(np.mean((priority - test["priority"]) ** 2))
    mean_rmse = np.sqrt(np.mean((train["priority"].mean() - test["priority"]) ** 2))
    assert rmse < 0.9 * mean_rmse


def test_learns_from_the_train_split_only(tickets):
    train, test = tickets
    seen = []

    def recording(texts):
        seen.append(list(texts))
        return token_lists(texts)

    heads = ["department"]
    assert linear_baseline_predictions(train, test, heads, tokenize=recording).keys() == {
        "department"
    }
    assert seen == [ticket_texts(train), ticket_texts(test)]  # fitted on train, applied to test
    # Training labels decide: swap two departments in train and the predictions swap with them.
    swapped = train.assign(department=train["department"].replace({"billing": "x", "account": "y"}))
    predictions = linear_baseline_predictions(swapped, test, heads)["department"]
    assert set(predictions) <= set(swapped["department"])
    assert {"x", "y"} <= set(predictions)


def test_ticket_texts_join_title_body_and_tags():
    frame = pd.DataFrame(
        {"title": ["Charged twice"], "body": ["Refund please"], "tags": [["billing", "vip"]]}
    )
    assert ticket_texts(frame) == ["Charged twice Refund please billing vip"]
    assert ticket_texts(frame.drop(columns="tags")) == ["Charged twice Refund please"]


def test_word_ngrams_are_unigrams_then_bigrams():
    assert word_ngrams(["refund", "charged", "twice"]) == [
        "refund",
        "charged",
        "twice",
        "refund charged",
        "charged twice",
    ]


CHINESE_TRAIN = pd.DataFrame(
    {
        "title": ["我要退款", "重复扣款", "账单错误", "应用崩溃", "无法登录应用", "程序报错"],
        "body": ["信用卡扣款两次", "请退款", "发票金额不对", "打开就闪退", "密码错误", "系统崩溃"],
        "department": ["billing"] * 3 + ["technical"] * 3,
    }
)
CHINESE_TEST = pd.DataFrame({"title": ["退款", "崩溃"], "body": ["扣款", "闪退"]})


def test_chinese_text_is_split_by_default():
    predictions = linear_baseline_predictions(CHINESE_TRAIN, CHINESE_TEST, ["department"])
    assert predictions["department"].tolist() == ["billing", "technical"]


def test_the_tokenizer_is_a_hook():
    """The chapter's whitespace split sees each Chinese phrase as one word, none seen in train:
    every test ticket then gets the same empty features, hence the same prediction."""
    whitespace = functools.partial(token_lists, mode="whitespace")
    predictions = linear_baseline_predictions(
        CHINESE_TRAIN, CHINESE_TEST, ["department"], tokenize=whitespace
    )
    assert predictions["department"][0] == predictions["department"][1]
