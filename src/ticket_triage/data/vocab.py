"""Vocabularies built on the training split, in the form ``keras.layers.TextVectorization`` loads.

Tokens are made exactly as ``TextVectorization(standardize="lower_and_strip_punctuation",
split="whitespace")`` makes them (ASCII lower-casing, the same punctuation regex), but with
pyarrow, so ``prepare`` needs no TensorFlow. A vocabulary file holds one token per line, most
frequent first, without the OOV token that the layer adds itself.

Example:
    >>> import pandas as pd
    >>> build_vocabulary(pd.Series(["Refund, please!", "refund now"]), max_tokens=10)
    ['refund', 'now', 'please']
"""

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

# keras.layers.TextVectorization's punctuation pattern for "lower_and_strip_punctuation".
PUNCTUATION = r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']'


def tokenize(texts):
    """Split texts into tokens as TextVectorization does; returns a pyarrow list array."""
    array = pa.array(texts, type=pa.large_string()) if not isinstance(texts, pa.Array) else texts
    lowered = pc.ascii_lower(array)
    stripped = pc.replace_substring_regex(lowered, PUNCTUATION, "")
    return pc.ascii_split_whitespace(stripped)


def build_vocabulary(texts, max_tokens, min_count=1):
    """The most frequent tokens of ``texts``; ties broken alphabetically so the result is stable.

    Args:
        texts: a Series of strings (or of token lists, when ``texts`` are tags).
        max_tokens: the most tokens to keep (the OOV token is not counted here).
        min_count: drop tokens seen fewer times than this.
    """
    if len(texts) and not isinstance(texts.iloc[0], str):
        tokens = pa.array(texts.map(list), type=pa.list_(pa.large_string()))
    else:
        tokens = tokenize(texts.fillna(""))
    flat = pc.list_flatten(tokens)
    if len(flat) == 0:
        return []
    counts = pc.value_counts(flat).flatten()
    table = pd.DataFrame({"token": counts[0].to_pandas(), "count": counts[1].to_pandas()})
    table = table[(table["count"] >= min_count) & (table["token"] != "")]
    table = table.sort_values(["count", "token"], ascending=[False, True], kind="stable")
    return table["token"].head(max_tokens).tolist()


def save_vocabulary(tokens, path):
    """Write one token per line (UTF-8); an empty vocabulary writes an empty file."""
    Path(path).write_text("".join(f"{token}\n" for token in tokens), encoding="utf-8")


def load_vocabulary(path):
    """Read a vocabulary file written by :func:`save_vocabulary`."""
    return Path(path).read_text(encoding="utf-8").splitlines()
