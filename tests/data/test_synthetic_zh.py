"""The Chinese synthetic corpus: the English tickets, translated, and as learnable."""

import dataclasses

import pytest
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression

from ticket_triage.data import phrases, schema, synthetic
from ticket_triage.data.prepare import drop_duplicates
from ticket_triage.data.tokenizer import CJK, token_lists


def test_every_chinese_table_translates_the_english_one_entry_for_entry():
    english, chinese = phrases.phrasebook("en"), phrases.phrasebook("zh")
    for field in dataclasses.fields(phrases.Phrasebook):
        en, zh = getattr(english, field.name), getattr(chinese, field.name)
        if isinstance(en, dict):
            assert en.keys() == zh.keys(), field.name
            pairs = [(en[key], zh[key]) for key in en]
        elif isinstance(en, tuple) and field.name != "started":
            pairs = [(en, zh)]
        else:
            continue
        for en_table, zh_table in pairs:
            assert len(zh_table) == len(en_table), field.name
            assert len(set(zh_table)) == len(set(en_table)), field.name  # no two merged


def test_same_seed_same_tickets_in_both_languages():
    english = synthetic.generate_tickets(3000, seed=5)
    chinese = synthetic.generate_tickets(3000, seed=5, language="zh")
    for column in (schema.TICKET_ID, schema.PRIORITY, schema.DEPARTMENT, schema.DIFFICULTY):
        assert chinese[column].equals(english[column]), column
    assert (chinese[schema.TAGS].map(len) == english[schema.TAGS].map(len)).all()
    assert chinese[schema.BODY].str.contains(f"[{CJK}]").all()
    assert "{" not in "".join(chinese[schema.BODY]) + "".join(chinese[schema.TITLE])
    # the same tickets are re-submissions, so prepare drops the same ones
    _, en_duplicates = drop_duplicates(english)
    _, zh_duplicates = drop_duplicates(chinese)
    assert zh_duplicates[schema.TICKET_ID].tolist() == en_duplicates[schema.TICKET_ID].tolist()


def test_an_unknown_language_is_a_clear_error():
    with pytest.raises(schema.DataError, match=r"data\.language = 'fr' is not one of en, zh"):
        synthetic.generate_tickets(10, language="fr")


def department_accuracy(language):
    tickets = synthetic.generate_tickets(6000, seed=3, language=language)
    text = (tickets[schema.TITLE] + " " + tickets[schema.BODY]).tolist()
    vectorizer = CountVectorizer(analyzer=lambda tokens: tokens, binary=True, min_df=2)
    features = vectorizer.fit_transform(token_lists(text))
    model = LogisticRegression(max_iter=2000).fit(
        features[:4000], tickets[schema.DEPARTMENT][:4000]
    )
    return (model.predict(features[4000:]) == tickets[schema.DEPARTMENT][4000:]).mean()


def test_department_is_as_learnable_in_chinese_as_in_english():
    english, chinese = department_accuracy("en"), department_accuracy("zh")
    assert english > 0.85
    assert abs(chinese - english) < 0.03, (english, chinese)
