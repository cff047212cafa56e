"""A seeded generator of realistic support tickets with learnable, noisy labels, in English or
Chinese (``language``), from the phrase tables of :mod:`.phrases`.

Four departments (billing, technical, account, shipping) each have their own phrasing, and every
ticket also carries shared small talk, so no single word gives the answer away. A latent urgency
drives both the priority score and the words customers use ("down for everyone", "no rush");
tags lean towards the department; difficulty (easy/medium/hard) grows with tickets that mix two
departments' problems, with technical detail and with length. Some tickets are deliberately
ambiguous, some department labels are flipped (label noise) and about one in a hundred tickets is
re-submitted verbatim, as customers do, so ``prepare`` has duplicates to drop.

Both languages draw the same random numbers from the same tables' positions, so a seed makes
the same tickets in each, translated; department and difficulty labels stay the same English
ids (they are class names for code and reports, not text the model reads).

``long_tail=True`` makes the long-tailed variant: ten departments with Zipf-like sizes and mostly
low priorities, as real helpdesk exports have. Real exports are nothing like the balanced
default: one queue holds most tickets (69% in a real 9-class IT helpdesk export), a few hold
under 1%, and most tickets are not urgent. It keeps the four default departments and their
phrasing and adds six small ones (English only). Department sizes follow ``1 / rank**2``: the
smallest three get 0.6-1% of the tickets each, so in 20,000 tickets their test split holds a
dozen tickets or so.

Everything is vectorised with numpy and pyarrow: a million tickets take seconds.

Example:
    >>> tickets = generate_tickets(1000, seed=0)
    >>> sorted(tickets.department.unique())
    ['account', 'billing', 'shipping', 'technical']
    >>> generate_tickets(1000, seed=0, language="zh").department.equals(tickets.department)
    True
    >>> round(sum(LONG_TAIL_SHARE), 6), len(LONG_TAIL_DEPARTMENTS)
    (1.0, 10)
"""

import dataclasses

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ticket_triage.data import phrases, schema

DEPARTMENTS = ("billing", "technical", "account", "shipping")
DEPARTMENT_SHARE = (0.30, 0.35, 0.20, 0.15)
URGENCY_BETA = (2.0, 2.5)
DIFFICULTIES = ("easy", "medium", "hard")
LANGUAGES = phrases.LANGUAGES

LONG_TAIL_DEPARTMENTS = (  # largest first
    "technical",
    "billing",
    "account",
    "shipping",
    "security",
    "hardware",
    "legal",
    "partnerships",
    "accessibility",
    "data_privacy",
)
_ZIPF = tuple(1 / rank**2 for rank in range(1, len(LONG_TAIL_DEPARTMENTS) + 1))
LONG_TAIL_SHARE = tuple(weight / sum(_ZIPF) for weight in _ZIPF)
LONG_TAIL_URGENCY_BETA = (1.6, 3.5)  # most tickets calm, a few urgent

# How much of the data is made hard on purpose.
AMBIGUOUS_SHARE = 0.2  # tickets that also describe another department's problem
LABEL_NOISE = 0.04  # department labels flipped at random
RESUBMITTED = 0.01  # tickets sent twice, verbatim


def generate_tickets(num_tickets, seed=0, language="en", long_tail=False):
    """Generate ``num_tickets`` tickets in the prepared schema (``tags`` as lists).

    Args:
        num_tickets: how many tickets, re-submitted duplicates included.
        seed: an int or a ``numpy.random.SeedSequence``; the same seed gives the same tickets.
        language: ``en`` or ``zh``.
        long_tail: ten departments of Zipf-like sizes and mostly low priorities (English
            only) instead of four balanced ones.

    Returns:
        A DataFrame with ``ticket_id, title, body, tags, priority, department, difficulty``.
    """
    book, departments, shares, urgency_beta = _layout(language, long_tail)
    technical = departments.index("technical")
    rng = np.random.default_rng(seed)
    n = int(num_tickets)
    department = rng.choice(len(departments), size=n, p=shares)
    ambiguous = rng.random(n) < AMBIGUOUS_SHARE
    other = (department + rng.integers(1, len(departments), size=n)) % len(departments)
    urgency = rng.beta(*urgency_beta, size=n) + np.where(department == technical, 0.08, 0.0)
    urgency = np.clip(urgency, 0, 1)

    fill = _Placeholders(rng, n, book.products)
    title = _title(rng, book, fill, department, other, ambiguous, urgency)
    body, detail, length = _body(
        rng, book, fill, department, other, ambiguous, urgency, department == technical
    )
    priority = np.clip(urgency + rng.normal(0.0, 0.06, size=n), 0.0, 1.0).astype("float32")
    noisy = rng.random(n) < LABEL_NOISE
    # Mislabelled tickets land in any department alike; in the long tail in proportion to its
    # size (a tiny queue rarely receives strays, as in real exports).
    stray = (
        rng.choice(len(departments), size=n, p=shares)
        if long_tail
        else rng.integers(0, len(departments), size=n)
    )
    label = np.where(noisy, stray, department)
    difficulty_score = (
        0.9 * ambiguous
        + 0.5 * detail
        + 0.25 * (department == technical)
        + 0.12 * length
        + rng.normal(0.0, 0.25, size=n)
    )
    difficulty = np.digitize(difficulty_score, np.quantile(difficulty_score, [1 / 3, 2 / 3]))

    tickets = pd.DataFrame(
        {
            schema.TICKET_ID: pd.Series(np.arange(1, n + 1)).map("T{:07d}".format),
            schema.TITLE: title.to_pandas(),
            schema.BODY: body.to_pandas(),
            schema.TAGS: _tags(rng, book, department).to_pandas(),
            schema.PRIORITY: priority,
            schema.DEPARTMENT: np.asarray(departments, dtype=object)[label],
            schema.DIFFICULTY: np.asarray(DIFFICULTIES, dtype=object)[difficulty],
        }
    )
    return _resubmit(rng, tickets)


def _layout(language, long_tail):
    """``(phrasebook, departments, their shares, urgency Beta parameters)`` of a corpus."""
    if language not in LANGUAGES:
        raise schema.DataError(f"data.language = '{language}' is not one of {', '.join(LANGUAGES)}")
    book = phrases.phrasebook(language)
    if not long_tail:
        return book, DEPARTMENTS, DEPARTMENT_SHARE, URGENCY_BETA
    if language != "en":
        raise schema.DataError(
            "data.long_tail=true is written in English only: set data.language=en"
        )
    extra = phrases.tables("en_long_tail")

    def in_order(default, more):  # the tables, in the corpus's department order
        return {name: {**default, **more}[name] for name in LONG_TAIL_DEPARTMENTS}

    book = dataclasses.replace(
        book,
        titles=in_order(book.titles, extra["titles"]),
        sentences=in_order(book.sentences, extra["sentences"]),
        tags=in_order(book.tags, extra["tags"]),
    )
    return book, LONG_TAIL_DEPARTMENTS, LONG_TAIL_SHARE, LONG_TAIL_URGENCY_BETA


def _pick(rng, options, n):
    return pa.array(options).take(pa.array(rng.integers(0, len(options), size=n)))


class _Placeholders:
    """One product and one order number per ticket, shared by its title and body."""

    def __init__(self, rng, n, products):
        self.product = _pick(rng, products, n)
        number = pc.cast(pa.array(rng.integers(100000, 999999, size=n)), pa.string())
        self.order = pc.binary_join_element_wise("#", number, "")

    def __call__(self, phrases):
        phrases = pc.binary_join(pc.split_pattern(phrases, "{product}"), self.product)
        return pc.binary_join(pc.split_pattern(phrases, "{order}"), self.order)


def _per_department(rng, fill, table, department):
    """One filled-in phrase per ticket from its department's list (``table`` holds every
    department of the corpus, in the corpus's order)."""
    pool = [phrase for phrases in table.values() for phrase in phrases]
    sizes = np.array([len(phrases) for phrases in table.values()])
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    index = offsets[department] + (rng.random(department.size) * sizes[department]).astype(int)
    return fill(pa.array(pool).take(pa.array(index)))


def _title(rng, book, fill, department, other, ambiguous, urgency):
    n = department.size
    mixed = ambiguous & (rng.random(n) < 0.35)
    title = _per_department(rng, fill, book.titles, np.where(mixed, other, department))
    prefix = pc.if_else(
        pa.array((urgency > 0.75) & (rng.random(n) < 0.6)),
        _pick(rng, book.urgent_title, n),
        pc.if_else(
            pa.array((urgency < 0.25) & (rng.random(n) < 0.5)),
            _pick(rng, book.calm_title, n),
            "",
        ),
    )
    return pc.binary_join_element_wise(prefix, title, "")


def _body(rng, book, fill, department, other, ambiguous, urgency, technical):
    n = department.size
    empty = pa.array([""] * n)
    second = rng.random(n) < 0.6
    detail = technical & (rng.random(n) < 0.5)
    urgent = (urgency > 0.7) & (rng.random(n) < 0.8)
    calm = (urgency < 0.3) & (rng.random(n) < 0.7)
    sentences = book.sentences
    before, after = book.started
    parts = [
        _pick(rng, book.openers, n),
        _per_department(rng, fill, sentences, department),
        pc.if_else(pa.array(second), _per_department(rng, fill, sentences, department), empty),
        pc.binary_join_element_wise(before, _pick(rng, book.when, n), after, ""),
        _pick(rng, book.shared, n),
        pc.if_else(pa.array(ambiguous), _per_department(rng, fill, sentences, other), empty),
        pc.if_else(pa.array(detail), _pick(rng, book.tech_detail, n), empty),
        pc.if_else(
            pa.array(urgent),
            _pick(rng, book.urgent, n),
            pc.if_else(pa.array(calm), _pick(rng, book.calm, n), empty),
        ),
        _pick(rng, book.closers, n),
    ]
    body = pc.binary_join_element_wise(*parts, book.separator)
    body = pc.utf8_trim_whitespace(pc.replace_substring_regex(body, "  +", " "))
    length = 2 + second + ambiguous + detail
    return body, detail, length


def _tags(rng, book, department):
    """Up to three tags, mostly from the department's own set; one ticket in ten has none."""
    n = department.size
    count = rng.choice(4, size=n, p=(0.1, 0.35, 0.35, 0.2))
    pool = [tag for tags in book.tags.values() for tag in tags] + list(book.common_tags)
    size = len(next(iter(book.tags.values())))
    start = rng.integers(0, size, size=n)
    slots = np.arange(3)
    own = department[:, None] * size + (start[:, None] + slots) % size
    common = len(book.tags) * size + rng.integers(0, len(book.common_tags), size=(n, 3))
    chosen = np.where(rng.random((n, 3)) < 0.8, own, common)
    keep = slots[None, :] < count[:, None]
    offsets = np.concatenate([[0], np.cumsum(count)]).astype("int32")
    values = pa.array(pool).take(pa.array(chosen[keep]))
    return pa.ListArray.from_arrays(pa.array(offsets), values)


def _resubmit(rng, tickets):
    """Copy a few tickets (title, body, tags, labels) under new ids, as double submissions."""
    n = len(tickets)
    copies = tickets.iloc[rng.choice(n, size=int(n * RESUBMITTED), replace=False)].copy()
    if copies.empty:
        return tickets
    copies[schema.TICKET_ID] = (
        pd.Series(np.arange(n + 1, n + len(copies) + 1)).map("T{:07d}".format).to_numpy()
    )
    keep = tickets.iloc[: n - len(copies)]
    return pd.concat([keep, copies], ignore_index=True)
