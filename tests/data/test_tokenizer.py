"""One tokenizer, two engines: pyarrow (``prepare``) and TensorFlow (training and serving) give
the same tokens, and ``whitespace`` is exactly the chapter's TextVectorization."""

import keras
import pandas as pd
import pytest
import tensorflow as tf

from ticket_triage.data import tokenizer, vocab
from ticket_triage.data.tokenizer import token_lists, tokenize
from ticket_triage.errors import DataError
from ticket_triage.inputs.vectorizer import TicketVectorizer, tf_tokenize

MIXED = "VPN 无法连接"
TRICKY = [
    "Refund, please!",
    "Can't log-in: e-mail (urgent)!!  #123_456 $5.00 a/b",
    "  leading and trailing  ",
    "tabs\tand\nnewlines\r\nvertical\x0btab\x0cfeed",
    "UPPER lower MiXeD",
    "ÉCOLE Café naïve Straße ÆØÅ",
    "ΟΔΟΣ ΣΟΦΙΑ οδος İSTANBUL Ǆ ǅ K Å ﬁ",
    "我的VPN无法连接，请帮忙！谢谢。",
    "“引号”（括号）、顿号：冒号；《书名》【方括号】……",
    "サーバーに接続できません。ｶﾀｶﾅｰ ひらがなとカタカナ 々〆〇",
    "안녕하세요 세계! 로그인이 안 돼요",
    "emoji 👍🏽 great😀ok 👨‍👩‍👧 family ✓ → € £ °C ©",
    "nbsp\u00a0here, ideographic\u3000space, zero\u200bwidth, soft\u00adhyphen",
    "nul\x00byte and \x1funit separator",
    "数字123和english混合ABC，Ｆｕｌｌｗｉｄｔｈ ＡＢＣ １２３",
    "١٢٣ عربي हिन्दी शब्द ไทยภาษา e\u0301 combining",
    "em—dash…ellipsis «quotes» ‘curly’ don’t",
    "",
    "   ",
    "！！！。。。",
    "你",
    "你好",
]


def tf_token_lists(texts, mode):
    return [
        [token.decode() for token in row] for row in tf_tokenize(tf.constant(texts), mode).to_list()
    ]


def test_auto_makes_words_and_cjk_unigrams_and_bigrams():
    assert token_lists([MIXED]) == [["vpn", "无", "法", "连", "接", "无法", "法连", "连接"]]
    assert token_lists(["“无法”，连接！"]) == [["无", "法", "连", "接", "无法", "连接"]]
    assert token_lists(["サーバー"]) == [["サ", "ー", "バ", "ー", "サー", "ーバ", "バー"]]
    assert token_lists(["你", "", None]) == [["你"], [], []]


def test_whitespace_is_the_chapters_tokenization():
    assert token_lists([MIXED], "whitespace") == [["vpn", "无法连接"]]
    assert token_lists(["Can't log-in!"], "whitespace") == [["cant", "login"]]


@pytest.mark.parametrize("mode", tokenizer.MODES)
def test_tensorflow_and_pyarrow_agree_on_tricky_text(mode):
    assert tf_token_lists(TRICKY, mode) == token_lists(TRICKY, mode)


def test_tensorflow_and_pyarrow_agree_inside_a_graph():
    dataset = tf.data.Dataset.from_tensor_slices(TRICKY).batch(4).map(tf_tokenize)
    in_graph = [[token.decode() for token in row] for batch in dataset for row in batch.to_list()]
    assert in_graph == token_lists(TRICKY)


def test_whitespace_mode_equals_text_vectorization_itself():
    expected = token_lists(TRICKY, "whitespace")
    layer = keras.layers.TextVectorization(
        standardize="lower_and_strip_punctuation",
        split="whitespace",
        output_mode="int",
        ragged=True,
        vocabulary=sorted({token for row in expected for token in row}),
    )
    words = layer.get_vocabulary()  # an OOV token would come back as "[UNK]"
    ids = layer(tf.constant(TRICKY)).to_list()
    assert [[words[i] for i in row] for row in ids] == expected


def test_auto_equals_whitespace_on_ascii_text():
    texts = [text for text in TRICKY if text.isascii() and "\x00" not in text]
    assert token_lists(texts, "auto") == token_lists(texts, "whitespace")


@pytest.mark.slow
@pytest.mark.parametrize("mode", tokenizer.MODES)
def test_tensorflow_and_pyarrow_agree_on_every_code_point(mode):
    """Each code point alone, doubled and beside ASCII letters. The only disagreements allowed:
    capital letters that Unicode 14-16 added, which pyarrow's case tables lower-case and
    TensorFlow's do not yet know."""
    points = [c for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    texts = [f"A{chr(c)}{chr(c)}b {chr(c)}" for c in points]
    arrow, tensorflow = token_lists(texts, mode), tf_token_lists(texts, mode)
    differ = [point for point, a, b in zip(points, arrow, tensorflow, strict=True) if a != b]
    if mode == "whitespace":
        assert differ == []
        return
    letters = [chr(point) for point in differ]
    lowered = tf.strings.lower(tf.constant(letters), encoding="utf-8").numpy()
    assert all(
        tf_lower.decode() == letter for tf_lower, letter in zip(lowered, letters, strict=True)
    )
    assert all(token_lists([letter]) != [[letter]] for letter in letters)
    assert len(differ) < 60, [hex(point) for point in differ]


def test_tokenize_takes_series_arrays_and_nulls():
    series = pd.Series(["A b", None, float("nan"), "你好"])
    assert token_lists(series) == [["a", "b"], [], [], ["你", "好", "你好"]]
    assert tokenize(series).type.value_type in ("string", "large_string")


def test_an_unknown_tokenizer_is_a_clear_error():
    with pytest.raises(
        DataError, match=r"data\.tokenizer = 'jieba' is not one of auto, whitespace"
    ):
        token_lists(["x"], "jieba")


def test_the_chosen_tokenizer_is_recorded_beside_the_vocabularies(tmp_path):
    assert tokenizer.load_mode(tmp_path) == "whitespace"  # prepared before the choice existed
    tokenizer.save_mode("auto", tmp_path)
    assert tokenizer.load_mode(tmp_path) == "auto"


def test_vocabulary_files_keep_tokens_with_unicode_line_breaks(tmp_path):
    tokens = token_lists(["a\u2028b c\x1cd a\u2028b c\x1cd"], "whitespace")[0][:2]
    assert tokens == ["a\u2028b", "c\x1cd"]
    vocab.save_vocabulary(tokens, tmp_path / "vocab.txt")
    assert vocab.load_vocabulary(tmp_path / "vocab.txt") == tokens


def test_a_vectorizer_saved_before_the_choice_keeps_the_chapters_tokens():
    vocabularies = {"title": ["无法连接"], "body": ["x"]}
    config = TicketVectorizer(vocabularies, sparse=False, tokenizer="auto").get_config()
    assert config["tokenizer"] == "auto"
    del config["tokenizer"]  # as in a model saved before tokenizers were a choice
    legacy = TicketVectorizer.from_config(config)
    out = legacy({"title": tf.constant(["无法连接"]), "text_body": tf.constant(["x"])})
    assert legacy.tokenizer == "whitespace" and out["title"].numpy().tolist() == [[0, 1]]


def test_word_bigrams_never_pair_a_cjk_token():
    """CJK runs carry their own character bigrams: a word pair made with one of their tokens
    (``接 无法`` at a seam, ``し た`` beside ``した``) occurs in no text."""
    texts = ["VPN 无法连接 server down", "ログインできませんでした", "printer jams again"]
    for tokens in (
        tokenize(texts, "auto", ngrams=2).to_pylist(),
        [[t.decode() for t in row] for row in tf_tokenize(tf.constant(texts), "auto", 2).to_list()],
    ):
        pairs = [token for row in tokens for token in row if " " in token]
        assert sorted(pairs) == ["jams again", "printer jams", "server down"]


@pytest.mark.parametrize("ngrams", [1, 2])
def test_a_token_cap_keeps_the_first_tokens_alike_in_pyarrow_and_tensorflow(ngrams):
    texts = ["one two three four five", "short", "VPN 无法连接 ok"]
    capped = tokenize(texts, "auto", ngrams, max_tokens=3).to_pylist()
    assert capped[0][:3] == ["one", "two", "three"] and "four" not in capped[0]
    assert capped[1] == ["short"]
    in_tensorflow = tf_tokenize(tf.constant(texts), "auto", ngrams, max_tokens=3).to_list()
    assert [[t.decode() for t in row] for row in in_tensorflow] == capped
    assert tokenizer.count_cut(texts, "auto", max_tokens=3) == 2
