"""A seeded generator of realistic support tickets with learnable, noisy labels, in English or
Chinese (``language``; the Chinese phrases are in ``synthetic_zh``).

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

Everything is vectorised with numpy and pyarrow: a million tickets take seconds.

Example:
    >>> tickets = generate_tickets(1000, seed=0)
    >>> sorted(tickets.department.unique())
    ['account', 'billing', 'shipping', 'technical']
    >>> generate_tickets(1000, seed=0, language="zh").department.equals(tickets.department)
    True
"""

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ticket_triage.data import schema, synthetic_long_tail, synthetic_zh

DEPARTMENTS = ("billing", "technical", "account", "shipping")
DEPARTMENT_SHARE = (0.30, 0.35, 0.20, 0.15)
DIFFICULTIES = ("easy", "medium", "hard")

PRODUCTS = (
    "Pro plan",
    "Basic plan",
    "Team plan",
    "mobile app",
    "desktop app",
    "web dashboard",
    "API",
    "smart thermostat",
    "wireless headphones",
    "starter kit",
)

TITLES = {
    "billing": (
        "Charged twice this month",
        "Refund for my {product}",
        "Invoice shows wrong amount",
        "Question about my bill",
        "Payment declined",
        "Cancel subscription and refund",
        "Unexpected charge on my card",
        "Need a copy of my invoice",
        "Discount code not applied",
        "Tax on invoice looks wrong",
    ),
    "technical": (
        "{product} keeps crashing",
        "Cannot sync data",
        "Error 500 on login page",
        "{product} is very slow",
        "Sync failed after update",
        "API returns timeout",
        "App freezes on startup",
        "Export button does nothing",
        "Notifications stopped working",
        "Integration broken since release",
    ),
    "account": (
        "Cannot reset my password",
        "Locked out of my account",
        "Change account email",
        "Two-factor code not arriving",
        "Delete my account",
        "Add a user to our team",
        "Update profile details",
        "Merge two accounts",
        "Username already taken",
        "Account shows wrong name",
    ),
    "shipping": (
        "Where is my order",
        "Package arrived damaged",
        "Wrong item delivered",
        "Tracking number not working",
        "Change delivery address",
        "Order stuck in transit",
        "Missing item from my order",
        "Return label request",
        "Delivery delayed again",
        "{product} never arrived",
    ),
}

SENTENCES = {
    "billing": (
        "I was charged twice for the {product} this month.",
        "The invoice lists an amount that does not match my plan.",
        "My card was declined although it works everywhere else.",
        "I cancelled last week but was still billed.",
        "Please refund the duplicate payment to my original card.",
        "The promo code was accepted at checkout but the discount is missing.",
        "Can you send me a corrected invoice with our company VAT number?",
        "I see a charge from you that I do not recognise.",
        "I was billed for the annual price instead of the monthly one.",
        "The refund you promised has not reached my bank yet.",
    ),
    "technical": (
        "The {product} crashes as soon as I open the settings page.",
        "Since the last update the sync fails with error code 500.",
        "The API returns a timeout for every request from our server.",
        "I cleared the cache and reinstalled but the bug is still there.",
        "Pages take more than a minute to load on the {product}.",
        "The export job hangs at 99 percent and never finishes.",
        "Our webhook integration stopped receiving events yesterday.",
        "I get a blank screen after logging in on Chrome and Firefox.",
        "The logs show a null pointer exception in the upload module.",
        "Push notifications no longer arrive on Android devices.",
    ),
    "account": (
        "I requested a password reset but the email never arrives.",
        "My account was locked after too many login attempts.",
        "I need to change the email address on my account.",
        "The two-factor code is not delivered to my phone.",
        "Please delete my account and all personal data.",
        "How do I add a colleague as an admin to our team account?",
        "My profile still shows my old company name.",
        "I accidentally created two accounts and want to merge them.",
        "The login page says my username does not exist.",
        "I cannot change the account owner to my manager.",
    ),
    "shipping": (
        "My order {order} has not arrived after two weeks.",
        "The package was delivered with a broken box and a damaged {product}.",
        "I received the wrong item in my parcel.",
        "The tracking number you sent shows no updates.",
        "Can I still change the delivery address for order {order}?",
        "The courier marked the parcel as delivered but nothing is here.",
        "One item is missing from the box I received.",
        "Please send me a return label for the {product}.",
        "The delivery date has been pushed back three times.",
        "The parcel has been stuck at the sorting centre for days.",
    ),
}

OPENERS = ("Hi,", "Hello,", "Hello team,", "Hi support,", "Good morning,", "Dear support team,", "")
SHARED = (
    "I have been a customer for years.",
    "Please help me with this issue.",
    "I attached a screenshot of what I see.",
    "Let me know if you need more details.",
    "I already tried the steps in your help center.",
    "This happened again today.",
    "My account number is in my profile.",
    "I contacted you last week about this.",
    "",
)
CLOSERS = ("Thanks.", "Thank you in advance.", "Regards.", "Best regards.", "Cheers.", "")
URGENT = (
    "This is urgent: our whole team is blocked.",
    "We are losing sales every hour.",
    "Please treat this as an emergency.",
    "It is down for all of our customers.",
    "I need this fixed today, it is critical.",
)
CALM = (
    "No rush on this.",
    "Just a quick question when you have time.",
    "This is minor but I wanted to let you know.",
    "Whenever you get a chance.",
)
URGENT_TITLE = ("URGENT: ", "Critical: ", "ASAP - ", "Emergency: ")
CALM_TITLE = ("Question: ", "Minor: ", "Small issue - ")
WHEN = (
    tuple(
        f"on {day}"
        for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
    )
    + tuple(f"on {month} {day}" for month in ("March", "June", "October") for day in (2, 9, 17, 25))
    + (
        "yesterday",
        "this morning",
        "last night",
        "two days ago",
        "after the update",
        "when I moved house",
        "after I changed my plan",
        "right after checkout",
    )
)
TECH_DETAIL = (
    "Browser version 121, macOS 14.2.",
    "Stack trace attached from the server logs.",
    "Request id 7f3a9 returned status 504.",
    "Steps to reproduce are below.",
)

TAGS = {
    "billing": ("billing", "refund", "invoice", "payment", "subscription", "charge"),
    "technical": ("bug", "crash", "api", "performance", "sync", "integration"),
    "account": ("login", "password", "2fa", "profile", "gdpr", "access"),
    "shipping": ("delivery", "tracking", "order", "return", "damaged", "courier"),
}
COMMON_TAGS = ("mobile", "web", "enterprise", "new-customer", "vip", "follow-up")


@dataclass(frozen=True)
class Phrasebook:
    """The phrases of one language. Every table is as long as the English one, so that one seed
    picks the same entries (the same ticket, translated) in every language."""

    products: tuple
    titles: dict
    sentences: dict
    openers: tuple
    shared: tuple
    closers: tuple
    urgent: tuple
    calm: tuple
    urgent_title: tuple
    calm_title: tuple
    when: tuple
    started: tuple  # (before, after) a WHEN phrase
    tech_detail: tuple
    tags: dict
    common_tags: tuple
    separator: str  # between the sentences of a body


def _phrasebook(tables, started, separator):
    """A Phrasebook from a namespace holding tables named as in this module (PRODUCTS, ...)."""
    return Phrasebook(
        products=tables["PRODUCTS"],
        titles=tables["TITLES"],
        sentences=tables["SENTENCES"],
        openers=tables["OPENERS"],
        shared=tables["SHARED"],
        closers=tables["CLOSERS"],
        urgent=tables["URGENT"],
        calm=tables["CALM"],
        urgent_title=tables["URGENT_TITLE"],
        calm_title=tables["CALM_TITLE"],
        when=tables["WHEN"],
        started=started,
        tech_detail=tables["TECH_DETAIL"],
        tags=tables["TAGS"],
        common_tags=tables["COMMON_TAGS"],
        separator=separator,
    )


PHRASEBOOKS = {
    "en": _phrasebook(globals(), started=("It started ", "."), separator=" "),
    "zh": _phrasebook(vars(synthetic_zh), synthetic_zh.STARTED, synthetic_zh.SEPARATOR),
}
LANGUAGES = tuple(PHRASEBOOKS)

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
        long_tail: ten departments of Zipf-like sizes and mostly low priorities
            (``synthetic_long_tail``; English only) instead of four balanced ones.

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
    if language not in PHRASEBOOKS:
        raise schema.DataError(f"data.language = '{language}' is not one of {', '.join(LANGUAGES)}")
    book = PHRASEBOOKS[language]
    if not long_tail:
        return book, DEPARTMENTS, DEPARTMENT_SHARE, (2.0, 2.5)
    if language != "en":
        raise schema.DataError(
            "data.long_tail=true is written in English only: set data.language=en"
        )
    departments = synthetic_long_tail.DEPARTMENTS

    def in_order(default, extra):  # the tables, in the corpus's department order
        return {name: {**default, **extra}[name] for name in departments}

    book = dataclasses.replace(
        book,
        titles=in_order(book.titles, synthetic_long_tail.TITLES),
        sentences=in_order(book.sentences, synthetic_long_tail.SENTENCES),
        tags=in_order(book.tags, synthetic_long_tail.TAGS),
    )
    return book, departments, synthetic_long_tail.DEPARTMENT_SHARE, synthetic_long_tail.URGENCY_BETA


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
