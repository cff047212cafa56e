"""How ticket text becomes tokens: one recipe, run by pyarrow in ``prepare`` and by TensorFlow in
the model, so the vocabularies and the model's inputs can never disagree.

A recipe is data: RE2 regex replacements (pyarrow and TensorFlow both use RE2, so the same
pattern strings mean the same in both), a lower-casing, for ``auto`` the chains that turn CJK
runs into character n-grams, then a split on ASCII whitespace. ``prepare`` runs it with
:func:`tokenize`; the Keras side (``vectorizer.tf_tokenize``) runs the very same steps with
``tf.strings`` ops.

Two tokenizers (``data.tokenizer``):

* ``whitespace``: the chapter's ``TextVectorization(standardize="lower_and_strip_punctuation",
  split="whitespace")``: ASCII lower-casing, ASCII punctuation deleted, split on spaces. Text
  without spaces between words (Chinese, Japanese) comes out as whole phrases.
* ``auto`` (default): the same for space-delimited scripts (but Unicode lower-casing, and
  any other punctuation or symbol separates words), plus character unigrams *and* bigrams for
  runs of Han, Hiragana, Katakana and Hangul, the standard bag-of-words for text without
  word boundaries (as in Lucene's CJK analyzer). On ASCII text it gives the same tokens as
  ``whitespace`` (but for control characters, which separate words).

Word n-grams (``vocab.ngrams``): ``1`` keeps the tokens; ``2`` adds each pair of neighbouring
tokens joined by a space, as ``TextVectorization(ngrams=2)`` makes them ("not working" says more
than "not" and "working"). ``prepare`` builds them with pyarrow list operations, the model with
``tf.strings.ngrams``; the choice is recorded beside the vocabularies with the tokenizer mode.

Example:
    >>> token_lists(["VPN 无法连接！", "Can't log-in"], "auto")
    [['vpn', '无', '法', '连', '接', '无法', '法连', '连接'], ['cant', 'login']]
    >>> token_lists(["VPN 无法连接！"], "whitespace")
    [['vpn', '无法连接！']]
    >>> token_lists(["Can't log in"], "auto", ngrams=2)
    [['cant', 'log', 'in', 'cant log', 'log in']]
    >>> token_lists(["VPN 无法 ok"], "auto", ngrams=2)  # no word pair with a CJK token
    [['vpn', '无', '法', 'ok', '无法']]
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ticket_triage.errors import DataError

FILE = "tokenizer.txt"  # beside the vocabularies: which tokenizer (and n-grams) made them
LEGACY = "whitespace"  # what made the vocabularies and models that predate this choice
NGRAMS = (1, 2)  # longest word n-gram: tokens alone, or tokens and their neighbouring pairs
NGRAM_SEPARATOR = " "  # between a bigram's words, as TextVectorization(ngrams=2) joins them
OUTPUT_MODES = ("multi_hot", "tf_idf")  # how the model sees a text's tokens (vocab.output_mode)
NORMALIZE = ("none", "l2")  # vocab.normalize: TF-IDF vectors as they are, or of unit length

# keras.layers.TextVectorization's punctuation pattern for "lower_and_strip_punctuation"; the
# recipes delete whole runs of it at once (the same text, in half the time with pyarrow).
PUNCTUATION = r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']'
PUNCTUATION_RUNS = PUNCTUATION + "+"
# CJK Extension I (Unicode 15.1): Han to pyarrow's RE2, unassigned to TensorFlow's, so spelled out.
HAN_EXTENSION_I = r"\x{2EBF0}-\x{2EE5D}"
# Anything else that is not a letter, mark, digit or ASCII whitespace separates words: CJK and
# other punctuation (，。！、「」), symbols and emoji, control and format characters.
SEPARATOR = rf"[^\p{{L}}\p{{M}}\p{{N}}{HAN_EXTENSION_I}\t\n\x0b\f\r ]"
# Scripts written without spaces between words; U+30FC/U+FF70 (the prolonged sound mark ー),
# although of the Common script, belongs inside Katakana words.
CJK = rf"\p{{Han}}{HAN_EXTENSION_I}\p{{Hiragana}}\p{{Katakana}}\p{{Hangul}}\x{{30FC}}\x{{FF70}}"
HAS_CJK = f".*[{CJK}].*"  # a token with a CJK character: no word bigram is made with it
# Character unigrams and bigrams of CJK runs, as two chains of (pattern, rewrite) replacements
# on the cleaned text; their outputs are joined with a space before splitting.
CJK_UNIGRAMS = ((f"([{CJK}])", r" \1 "),)  # words stay, each CJK character stands alone
CJK_BIGRAMS = (  # the overlapping pairs of each run "ABCD":
    (f"[^{CJK}]+", " "),  # keep only the runs
    (f"([{CJK}])", r"\1\1"),  # double every character: "AABBCCDD"
    (f"(^| )[{CJK}]", r"\1"),  # drop each run's first character ...
    (f"[{CJK}]( |$)", r"\1"),  # ... and last: "ABBCCD"
    (f"([{CJK}][{CJK}])", r"\1 "),  # cut in twos: "AB BC CD"
)
# Plain text, as most tickets are: printable ASCII and ASCII whitespace only. Once PUNCTUATION
# is gone, such a text has nothing SEPARATOR matches, nothing to lower-case beyond ASCII, no CJK.
PLAIN_TEXT = r"[\t\n\x0b\f\r\x20-\x7e]*"


@dataclass(frozen=True)
class Recipe:
    """The steps of a tokenizer, as strings both pyarrow and TensorFlow understand.

    Args:
        clean: ``(pattern, rewrite)`` regex replacements applied first.
        unicode_lower: lower-case all of Unicode (else ASCII letters only, as the chapter).
        cjk_ngrams: replace the text by ``CJK_UNIGRAMS`` and ``CJK_BIGRAMS`` of it, joined.
        plain_clean: replacements that give the same tokens as the whole recipe on a
            ``PLAIN_TEXT`` (then ASCII lower-casing, no CJK steps), or ``None``: the recipe is
            short already. TensorFlow sends each plain text this way: one regex replacement
            instead of ten.
    """

    clean: tuple
    unicode_lower: bool
    cjk_ngrams: bool
    plain_clean: tuple | None = None

    def for_plain_text(self):
        """The recipe a ``PLAIN_TEXT`` may take instead of this one (``self`` if none)."""
        if self.plain_clean is None:
            return self
        return Recipe(self.plain_clean, unicode_lower=False, cjk_ngrams=False)


RECIPES = {
    "auto": Recipe(
        clean=(
            (PUNCTUATION_RUNS, ""),  # as the chapter: "Can't" -> "cant", "log-in" -> "login"
            (SEPARATOR, " "),  # before lower-casing: TensorFlow's stops at a NUL character
            # The two letters ICU (TensorFlow) lower-cases unlike utf8proc (pyarrow): İ to "i̇"
            # rather than "i", Σ at a word's end to "ς" rather than "σ". Mapped first, they agree.
            ("\u0130", "i"),
            ("\u03a3", "\u03c3"),
        ),
        unicode_lower=True,
        cjk_ngrams=True,
        plain_clean=((PUNCTUATION_RUNS, ""),),
    ),
    "whitespace": Recipe(clean=((PUNCTUATION_RUNS, ""),), unicode_lower=False, cjk_ngrams=False),
}
MODES = tuple(RECIPES)


def recipe(mode):
    """The :class:`Recipe` of tokenizer ``mode``; a clear error for an unknown name."""
    if mode not in RECIPES:
        raise DataError(f"data.tokenizer = '{mode}' is not one of {', '.join(MODES)}")
    return RECIPES[mode]


def check_ngrams(ngrams):
    """``ngrams`` itself; a clear error unless it is one of ``NGRAMS``."""
    if ngrams not in NGRAMS:
        raise DataError(f"vocab.ngrams = {ngrams!r} is not one of {', '.join(map(str, NGRAMS))}")
    return ngrams


def tokenize(texts, mode="auto", ngrams=1, max_tokens=None):
    """Tokens of each text, as a pyarrow ``list<large_string>`` array (fast: no Python loop).

    Args:
        texts: strings (a list, Series or pyarrow array; nulls count as empty text).
        mode: ``auto`` or ``whitespace``.
        ngrams: ``2`` appends each text's word bigrams to its tokens.
        max_tokens: keep each text's first ``max_tokens`` tokens (before bigrams); ``None``:
            all. One pasted log of a megabyte otherwise costs gigabytes downstream.
    """
    steps = recipe(mode)
    check_ngrams(ngrams)
    text = _replace(pc.fill_null(large_strings(texts), ""), steps.clean)
    text = pc.utf8_lower(text) if steps.unicode_lower else pc.ascii_lower(text)
    if steps.cjk_ngrams:
        text = _cjk_ngrams(text)
    tokens = _split_whitespace(text)
    if max_tokens:
        tokens = pc.list_slice(tokens, 0, max_tokens)
    return _with_bigrams(tokens, steps.cjk_ngrams) if ngrams == 2 else tokens


def count_cut(texts, mode="auto", max_tokens=None):
    """How many of ``texts`` have more than ``max_tokens`` tokens (and are cut by ``tokenize``).

    Only texts long enough to hold that many tokens are tokenized again, so this is cheap.

    Example:
        >>> count_cut(["one two three", "one"], max_tokens=2)
        1
    """
    if not max_tokens:
        return 0
    text = pc.fill_null(large_strings(texts), "")
    long = text.filter(pc.greater_equal(pc.utf8_length(text), max_tokens + 1))
    if len(long) == 0:
        return 0
    lengths = pc.list_value_length(tokenize(long, mode))
    return int(pc.sum(pc.greater(lengths, max_tokens)).as_py() or 0)


def token_lists(texts, mode="auto", ngrams=1, max_tokens=None):
    """Tokens of each text as Python lists: for scikit-learn (a TF-IDF baseline's analyzer).

    Example:
        >>> token_lists(["Refund, please!"], "whitespace")
        [['refund', 'please']]
    """
    return tokenize(texts, mode, ngrams, max_tokens).to_pylist()


def check_output_mode(output_mode):
    """``output_mode`` itself; a clear error unless it is one of ``OUTPUT_MODES``."""
    if output_mode not in OUTPUT_MODES:
        raise DataError(
            f"vocab.output_mode = '{output_mode}' is not one of {', '.join(OUTPUT_MODES)}"
        )
    return output_mode


def save_mode(
    mode, prepared_dir, ngrams=1, output_mode="multi_hot", max_tokens=None, normalize="none"
):
    """Record beside the vocabularies which tokenizer made them (first line), their n-grams,
    how the model is to see the tokens and how many tokens of a text it reads."""
    recipe(mode)
    record = (
        f"{mode}\nngrams={check_ngrams(ngrams)}\noutput_mode={check_output_mode(output_mode)}\n"
        f"max_tokens={int(max_tokens or 0)}\nnormalize={check_normalize(normalize, output_mode)}\n"
    )
    (Path(prepared_dir) / FILE).write_text(record, encoding="utf-8")


def load_mode(prepared_dir):
    """The tokenizer that made the vocabularies in ``prepared_dir`` (``LEGACY`` if unrecorded)."""
    lines = _record(prepared_dir)
    return lines[0] if lines else LEGACY


def load_ngrams(prepared_dir):
    """The longest word n-gram in the vocabularies of ``prepared_dir`` (1 if unrecorded)."""
    return check_ngrams(int(_settings(prepared_dir).get("ngrams", 1)))


def load_output_mode(prepared_dir):
    """``multi_hot`` or ``tf_idf``: how the model sees the tokens (``multi_hot`` if unrecorded)."""
    return check_output_mode(_settings(prepared_dir).get("output_mode", "multi_hot"))


def check_normalize(normalize, output_mode):
    """What ``normalize`` does with ``output_mode``: ``l2`` scales TF-IDF vectors; multi-hot ones
    are left as they are (``none``). A clear error for a value that is neither."""
    if normalize not in NORMALIZE:
        raise DataError(f"vocab.normalize = {normalize!r} is not one of {', '.join(NORMALIZE)}")
    return normalize if output_mode == "tf_idf" else "none"


def load_normalize(prepared_dir):
    """``l2``: each title's and body's TF-IDF vector has unit length (``none`` if unrecorded)."""
    return _settings(prepared_dir).get("normalize", "none")


def load_max_tokens(prepared_dir):
    """Tokens read per text (``None``: all, also where unrecorded)."""
    return int(_settings(prepared_dir).get("max_tokens", 0)) or None


def _settings(prepared_dir):
    return dict(line.split("=", 1) for line in _record(prepared_dir)[1:])


def _record(prepared_dir):
    path = Path(prepared_dir) / FILE
    return path.read_text(encoding="utf-8").split() if path.exists() else []


def large_strings(texts):
    """``texts`` (a list, Series or pyarrow array) as one pyarrow ``large_string`` array (no
    2 GiB limit on a column's text)."""
    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks()
    if not isinstance(texts, pa.Array):
        texts = pa.array(texts, from_pandas=True)
        if isinstance(texts, pa.ChunkedArray):  # an Arrow-backed Series
            texts = texts.combine_chunks()
    return texts.cast(pa.large_string())


def _cjk_ngrams(text):
    """Apply the n-gram chains to the texts holding CJK only (on others they change nothing
    but the spacing), which keeps the ``auto`` tokenizer nearly as fast as ``whitespace``."""
    has_cjk = pc.match_substring_regex(text, f"[{CJK}]")
    if not pc.any(has_cjk).as_py():
        return text
    some = text.filter(has_cjk)
    space = pa.scalar(" ", pa.large_string())
    grams = pc.binary_join_element_wise(
        _replace(some, CJK_UNIGRAMS), _replace(some, CJK_BIGRAMS), space
    )
    return pc.replace_with_mask(text, has_cjk, grams)


def _with_bigrams(tokens, cjk_ngrams=False):
    """Each list's tokens followed by its bigrams (neighbouring tokens joined by a space).

    List operations on the flat token column: a token and the next one form a bigram when both
    belong to the same text; the bigrams are then put back after their text's tokens. With
    ``cjk_ngrams`` a CJK run already has its character bigrams: a pair with one of its tokens
    (``接 无法`` at the seam of its unigrams and bigrams, ``し た`` beside ``した``) never occurs
    in the text, so none is made.
    """
    values = tokens.flatten()
    parents = pc.list_parent_indices(tokens)
    if len(values) < 2:
        return tokens
    separator = pa.scalar(NGRAM_SEPARATOR, pa.large_string())
    bigrams = pc.binary_join_element_wise(values[:-1], values[1:], separator)
    kept = pc.equal(parents[:-1], parents[1:])
    if cjk_ngrams:
        kept = pc.and_(kept, pc.invert(pc.match_substring_regex(bigrams, f"[{CJK}]")))
    grams = pa.concat_arrays([values, bigrams.filter(kept)])
    owners = pa.concat_arrays([parents, parents[:-1].filter(kept)])
    order = pc.sort_indices(owners)  # stable: a text's tokens stay before its bigrams
    lengths = np.bincount(owners.to_numpy(), minlength=len(tokens))
    offsets = pa.array(np.concatenate([[0], np.cumsum(lengths)]), pa.int32())
    return pa.ListArray.from_arrays(offsets, grams.take(order), mask=tokens.is_null())


def _split_whitespace(text):
    """Split on runs of ASCII whitespace without empty tokens, as ``tf.strings.split`` does
    (pyarrow's split makes one of leading or trailing whitespace, and of an empty text)."""
    text = pc.ascii_trim_whitespace(text)
    blank = pa.scalar(None, text.type)
    lists = pc.ascii_split_whitespace(pc.if_else(pc.equal(text, ""), blank, text))
    return pa.ListArray.from_arrays(lists.offsets, lists.values)  # a null list: no tokens


def _replace(text, chain):
    for pattern, rewrite in chain:
        text = pc.replace_substring_regex(text, pattern, rewrite)
    return text
