"""Vocabularies built on the training split, in the form the model's lookup layers load.

Tokens come from ``tokenizer.tokenize`` (pyarrow, so ``prepare`` needs no TensorFlow), the
same recipe the model runs on its raw-text inputs. A vocabulary file holds one token per line,
most frequent first, without the OOV token that the lookup layer adds itself.

Example:
    >>> import pandas as pd
    >>> build_vocabulary(pd.Series(["Refund, please!", "refund now"]), max_tokens=10)
    ['refund', 'now', 'please']
"""

import logging
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ticket_triage.data import schema
from ticket_triage.data.tokenizer import CJK, large_strings, load_output_mode, tokenize
from ticket_triage.errors import DataError

log = logging.getLogger(__name__)


def token_counts(texts, tokenizer="auto", ngrams=1, max_tokens=None):
    """How often each token occurs in ``texts``, most frequent first (ties alphabetically).

    Args:
        texts: a Series of strings, or of token lists (tags, taken as they are).
        tokenizer: the ``data.tokenizer`` mode for strings.
        ngrams: ``vocab.ngrams`` for strings: 2 counts word bigrams beside the tokens.
        max_tokens: tokens read per string (``vocab.max_tokens_per_text``; ``None``: all).

    Returns:
        A DataFrame with columns ``token`` and ``count``.
    """
    if len(texts) and not isinstance(texts.iloc[0], str):
        tokens = pa.array(texts.map(list), type=pa.list_(pa.large_string()))
    else:
        tokens = tokenize(texts, tokenizer, ngrams, max_tokens)
    flat = pc.list_flatten(tokens)
    if len(flat) == 0:
        return pd.DataFrame({"token": pd.Series(dtype=object), "count": pd.Series(dtype=int)})
    counts = pc.value_counts(flat).flatten()
    table = pd.DataFrame({"token": counts[0].to_pandas(), "count": counts[1].to_pandas()})
    table = table[table["token"] != ""]
    return table.sort_values(["count", "token"], ascending=[False, True], kind="stable")


def build_vocabulary(
    texts, max_tokens, min_count=1, tokenizer="auto", ngrams=1, tokens_per_text=None
):
    """The most frequent tokens of ``texts``; ties broken alphabetically so the result is stable.

    Args:
        texts: a Series of strings (or of token lists, when ``texts`` are tags).
        max_tokens: the most tokens to keep (the OOV token is not counted here); with bigrams,
            tokens and bigrams compete for the same places.
        min_count: drop tokens seen fewer times than this.
        tokenizer: the ``data.tokenizer`` mode for strings.
        ngrams: ``vocab.ngrams``: 2 adds word bigrams (see ``tokenizer.tokenize``).
        tokens_per_text: tokens read per text (``vocab.max_tokens_per_text``; ``None``: all).
    """
    table = token_counts(texts, tokenizer, ngrams, tokens_per_text)
    return table.loc[table["count"] >= min_count, "token"].head(max_tokens).tolist()


def idf_weights(texts, vocabulary, tokenizer="auto", ngrams=1, max_tokens=None):
    """Each vocabulary token's inverse document frequency in ``texts``, as Keras's
    ``TextVectorization(output_mode="tf_idf")`` adapts it: ``log(1 + n / (1 + df))``, with ``n``
    texts of which ``df`` hold the token. Rare, telling words weigh more than ones every ticket has.

    Example:
        >>> idf_weights(pd.Series(["refund now", "refund"]), ["refund", "now"])
        [0.5108, 0.6931]
    """
    tokens = tokenize(texts, tokenizer, ngrams, max_tokens)
    pairs = pa.table({"text": pc.list_parent_indices(tokens), "token": pc.list_flatten(tokens)})
    holders = pairs.group_by(["text", "token"]).aggregate([])["token"]  # once per text
    counts = pc.value_counts(holders).flatten()
    df = dict(zip(counts[0].to_pylist(), counts[1].to_pylist(), strict=True))
    return [round(math.log(1 + len(texts) / (1 + df.get(token, 0))), 4) for token in vocabulary]


def check_text_vocabularies(texts, vocabularies, min_count, tokenizer="auto"):
    """Stop ``prepare`` when the model would get no usable text, naming the column and why.

    A column whose training text has no token at all (a title mapped to ``null``, say) may keep
    an empty vocabulary as long as the other one has tokens: its input is then only the OOV slot.
    A column *with* tokens of which none is kept is a mistake to report, not to train on.

    Args:
        texts: column (title, body) -> its training-split Series.
        vocabularies: column -> the vocabulary built from it.
        min_count: ``vocab.min_count``.
        tokenizer: the ``data.tokenizer`` mode that made them.

    Raises:
        DataError: e.g. ``vocabulary of body is empty: none of its 2,398 distinct tokens occurs
            at least vocab.min_count=2 times in the 2,400 training tickets; ...``.
    """
    for column, series in texts.items():
        if vocabularies[column]:
            if _words_unsplit(series, tokenizer):
                log.warning("%s: %s", column, UNSPLIT)
            continue
        distinct = len(token_counts(series, tokenizer))
        if distinct:
            cause = UNSPLIT if _words_unsplit(series, tokenizer) else TOO_FEW
            raise DataError(
                f"vocabulary of {column} is empty: none of its {distinct:,} distinct tokens occurs "
                f"at least vocab.min_count={min_count} times in the {len(series):,} training "
                f"tickets; {cause}"
            )
        log.info("%s has no tokens in the training split: its input is the OOV slot only", column)
    if not any(vocabularies[column] for column in texts):
        raise DataError(f"no token at all in {' or '.join(texts)} of the training tickets")


UNSPLIT = (
    "the text has no spaces between words (Chinese, Japanese, Korean script), so the whitespace "
    "tokenizer keeps whole phrases: use data.tokenizer=auto"
)
TOO_FEW = "lower vocab.min_count or prepare more tickets"


def _words_unsplit(series, tokenizer):
    if tokenizer != "whitespace":
        return False
    return pc.any(pc.match_substring_regex(large_strings(series), f"[{CJK}]")).as_py() or False


def save_vocabulary(tokens, path):
    """Write one token per line (UTF-8); an empty vocabulary writes an empty file."""
    Path(path).write_text("".join(f"{token}\n" for token in tokens), encoding="utf-8", newline="\n")


def save_weights(weights, path):
    """Write one number per line, beside the vocabulary they weigh."""
    Path(path).write_text("".join(f"{weight}\n" for weight in weights), encoding="utf-8")


def load_weights(path):
    """Read the numbers :func:`save_weights` wrote."""
    return [float(line) for line in Path(path).read_text(encoding="utf-8").split()]


def load_vocabulary(path):
    """Read a vocabulary file written by :func:`save_vocabulary`.

    Lines end at ``\\n`` only: ``str.splitlines`` would also cut at characters such as U+2028
    or U+001C, which the ``whitespace`` tokenizer leaves inside tokens.
    """
    text = Path(path).read_bytes().decode("utf-8")
    return [token for token in text.split("\n") if token]


def class_ids(names, labels):
    """Each name's index in ``labels`` (a label vocabulary), as a NumPy array.

    Example:
        >>> class_ids(["b", "a", "b"], ["a", "b"]).tolist()
        [1, 0, 1]
    """
    index = {label: i for i, label in enumerate(labels)}
    return np.array([index[name] for name in names])


def load_vocabularies(prepared_dir):
    """Schema column -> tokens or labels, for every vocabulary file ``prepare`` wrote."""
    prepared = Path(prepared_dir)
    return {
        column: load_vocabulary(prepared / name)
        for column, name in schema.VOCABULARY_FILES.items()
        if (prepared / name).exists()
    }


def load_idf_weights(prepared_dir):
    """Title and body column -> idf weights, when ``prepare`` chose ``tf_idf`` (else ``None``)."""
    prepared = Path(prepared_dir)
    if load_output_mode(prepared) != "tf_idf":
        return None
    return {column: load_weights(prepared / name) for column, name in schema.IDF_FILES.items()}
