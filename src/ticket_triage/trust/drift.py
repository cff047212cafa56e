"""Drift: do these tickets still look like the ones the model learned from?

A model trained on one help desk triages another's export at full confidence, and nothing in
its answers says so. Three figures do: the share of tokens outside the model's vocabulary (an
export about other things uses other words), the text lengths (another product, another
template) and the mix of predicted departments (the same words, another business). ``train``
records them on the validation split as the reference; ``predict`` measures them on the export
and writes a plain sentence for each that passes its limit (``triage.drift``).

Example:
    >>> profile = TextProfile({"title": ["refund"], "body": ["charged", "twice"]}, "auto")
    >>> profile.add(["Refund"], ["Charged twice, then again"])
    >>> profile.summary()["oov_rate"]  # then, again: 2 of 5 tokens unknown
    0.4
"""

from collections import Counter

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ticket_triage.data import schema
from ticket_triage.data.tokenizer import large_strings, tokenize

QUANTILES = {"p10": 0.1, "p50": 0.5, "p90": 0.9}  # text length (characters of title and body)


class TextProfile:
    """Token, OOV and length figures of tickets, added a chunk at a time.

    Args:
        vocabularies: ``title`` and ``body`` -> the model's tokens.
        tokenizer: the tokenizer mode that made them.
        max_tokens: tokens read per text (``None``: all), as the model reads them.
        sample_size: tickets tokenized at most (the first ones); departments count them all.
    """

    def __init__(self, vocabularies, tokenizer, max_tokens=None, sample_size=None):
        self.known = {
            column: pa.array(list(vocabularies.get(column, [])), pa.large_string())
            for column in (schema.TITLE, schema.BODY)
        }
        self.tokenizer, self.max_tokens, self.sample_size = tokenizer, max_tokens, sample_size
        self.tokens = self.unknown = self.sampled = 0
        self.lengths = []
        self.departments = Counter()

    def add(self, titles, bodies, departments=()):
        """Count a chunk: ``titles`` and ``bodies`` (lists or Series of strings), and its
        predicted departments. Past ``sample_size`` only the departments are counted."""
        self.departments.update(departments)
        room = len(titles) if self.sample_size is None else self.sample_size - self.sampled
        if room <= 0:
            return
        titles, bodies = titles[:room], bodies[:room]
        self.sampled += len(titles)
        for column, texts in ((schema.TITLE, titles), (schema.BODY, bodies)):
            words = pc.list_flatten(tokenize(texts, self.tokenizer, 1, self.max_tokens))
            self.tokens += len(words)
            known = pc.sum(pc.is_in(words, self.known[column])).as_py() or 0
            self.unknown += len(words) - int(known)
        lengths = pc.add(
            pc.utf8_length(pc.fill_null(large_strings(titles), "")),
            pc.utf8_length(pc.fill_null(large_strings(bodies), "")),
        )
        self.lengths.append(np.asarray(lengths, "int64"))

    def summary(self):
        """``{tickets, oov_rate, length_quantiles, departments}`` (departments as shares)."""
        lengths = np.concatenate(self.lengths) if self.lengths else np.zeros(0, "int64")
        total = sum(self.departments.values())
        return {
            "tickets": self.sampled,
            "oov_rate": round(self.unknown / self.tokens, 4) if self.tokens else 0.0,
            "length_quantiles": {
                name: float(np.quantile(lengths, q)) if len(lengths) else 0.0
                for name, q in QUANTILES.items()
            },
            "departments": {
                name: round(count / total, 4) for name, count in self.departments.most_common()
            },
        }


def compare(reference, observed, limits):
    """The export's figures beside the training ones, and a warning for each past its limit.

    Args:
        reference: the ``TextProfile.summary()`` of the validation split, saved with the model.
        observed: the same for the export.
        limits: ``triage.drift``: ``oov_rate_increase`` (points of OOV share above training),
            ``length_ratio`` (median length this many times longer or shorter),
            ``department_divergence`` (Jensen-Shannon divergence, base 2, of the department mix)
            and ``min_tickets`` (fewer tickets: no judgement, one warning saying so).
    """
    divergence = jensen_shannon(reference["departments"], observed["departments"])
    drift = {
        "tickets": observed["tickets"],
        "oov_rate": observed["oov_rate"],
        "train_oov_rate": reference["oov_rate"],
        "length_quantiles": observed["length_quantiles"],
        "train_length_quantiles": reference["length_quantiles"],
        "departments": observed["departments"],
        "train_departments": reference["departments"],
        "department_divergence": divergence,
        "warnings": [],
    }
    if observed["tickets"] < limits["min_tickets"]:
        drift["warnings"].append(
            f"only {observed['tickets']} tickets: too few to judge drift "
            f"(triage.drift.min_tickets = {limits['min_tickets']})"
        )
        return drift
    increase = observed["oov_rate"] - reference["oov_rate"]
    if increase > limits["oov_rate_increase"]:
        drift["warnings"].append(
            f"{observed['oov_rate']:.0%} of the words are unknown to the model "
            f"(training: {reference['oov_rate']:.0%}): these tickets use other words than the "
            "ones it learned from"
        )
    median, train_median = observed["length_quantiles"]["p50"], reference["length_quantiles"]["p50"]
    ratio = (median + 1) / (train_median + 1)
    if not 1 / limits["length_ratio"] <= ratio <= limits["length_ratio"]:
        drift["warnings"].append(
            f"the median ticket is {median:.0f} characters long (training: {train_median:.0f})"
        )
    if divergence is not None and divergence > limits["department_divergence"]:
        drift["warnings"].append(
            f"the predicted department mix differs from training's (Jensen-Shannon divergence "
            f"{divergence:.2f} > {limits['department_divergence']})"
        )
    return drift


def jensen_shannon(shares, other):
    """Jensen-Shannon divergence (base 2, 0 = same mix, 1 = disjoint) of two ``{name: share}``;
    ``None`` when either is empty (a model without a department head)."""
    if not shares or not other:
        return None
    names = sorted(set(shares) | set(other))
    p = np.array([shares.get(name, 0.0) for name in names], "float64")
    q = np.array([other.get(name, 0.0) for name in names], "float64")
    p, q = p / p.sum(), q / q.sum()
    middle = (p + q) / 2

    def kl(a):
        present = a > 0
        return float(np.sum(a[present] * np.log2(a[present] / middle[present])))

    return round((kl(p) + kl(q)) / 2, 4)
