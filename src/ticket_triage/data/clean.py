"""Row-level validation: turn mapped export rows into clean tickets, and say why the rest cannot be.

Each row gets at most one reason (the first rule it breaks, in the order below); rows with a reason
are rejects, the rest are tickets with typed, normalised columns. Nothing is dropped silently.

Rules:
    1. undecodable bytes in any column            -> "undecodable bytes"
    2. title and body both empty                  -> "no text"
    3. priority missing / not mapped / not a score in [0, 1]
    4. department missing, or not in ``data.departments`` when that list is set
    5. difficulty missing (when the export has a difficulty column)
"""

import re

import numpy as np
import pandas as pd

from ticket_triage.data import ingest, schema

_SURROGATE = re.compile("[\udc80-\udcff]")  # what surrogateescape makes of non-UTF-8 bytes


def clean_rows(table, priority_map=None, departments=None, tags_separator=",", where="the data"):
    """Validate and normalise mapped rows.

    Args:
        table: output of :func:`ingest.map_columns` (``row`` plus schema columns).
        priority_map: label -> score in [0, 1]; ``None`` when the column already holds scores.
        departments: the allowed department names, or ``None`` to accept any non-empty one.
        tags_separator: separator of tags given as one string.
        where: names the input in error messages (a file and its priority column, say).

    Returns:
        ``(tickets, rejects)``; ``rejects`` keeps the row's values plus ``reason`` and ``column``.
    """
    reason = pd.Series(pd.NA, index=table.index, dtype=object)
    column = pd.Series(pd.NA, index=table.index, dtype=object)

    def flag(mask, message, name):
        fresh = mask & reason.isna()
        reason[fresh] = message[fresh] if isinstance(message, pd.Series) else message
        column[fresh] = name

    table, undecodable = _decode(table)
    for name, mask in undecodable.items():
        flag(mask, "undecodable bytes (invalid in the file encoding)", name)
    title = table[schema.TITLE].fillna("").str.strip()
    body = table[schema.BODY].fillna("").str.strip()
    flag((title == "") & (body == ""), "no text: title and body are both empty", "title+body")

    tickets = pd.DataFrame(
        {
            schema.TICKET_ID: table[schema.TICKET_ID].astype("str").str.strip(),
            schema.TITLE: title,
            schema.BODY: body,
        }
    )
    if schema.TAGS in table:
        tickets[schema.TAGS] = tag_lists(table[schema.TAGS], tags_separator)
    if schema.PRIORITY in table:
        tickets[schema.PRIORITY], problem = _priority(table[schema.PRIORITY], priority_map, where)
        flag(problem.notna(), problem, schema.PRIORITY)
    if schema.DEPARTMENT in table:
        tickets[schema.DEPARTMENT], problem = _label(
            table[schema.DEPARTMENT], departments, schema.DEPARTMENT
        )
        flag(problem.notna(), problem, schema.DEPARTMENT)
    if schema.DIFFICULTY in table:
        tickets[schema.DIFFICULTY], problem = _label(
            table[schema.DIFFICULTY], None, schema.DIFFICULTY
        )
        flag(problem.notna(), problem, schema.DIFFICULTY)

    bad = reason.notna()
    rejects = table[bad].copy()
    rejects.insert(1, ingest.REASON, reason[bad])
    rejects.insert(2, ingest.COLUMN, column[bad])
    return tickets[~bad].reset_index(drop=True), rejects.reset_index(drop=True)


def _decode(table):
    """Return the table with text as ``str`` and, per column, which rows held undecodable bytes."""
    undecodable = {}
    table = table.copy()
    for name in table.columns:
        values = table[name]
        if name == ingest.ROW or values.dtype != object or _is_list_column(values):
            continue
        try:
            table[name] = values.astype("str")
        except UnicodeEncodeError:
            mask = values.astype(object).map(_has_surrogate, na_action="ignore").fillna(False)
            undecodable[name] = mask.astype(bool)
            table[name] = values.map(_visible, na_action="ignore").astype("str")
    return table, undecodable


def _has_surrogate(value):
    return isinstance(value, str) and _SURROGATE.search(value) is not None


def _visible(value):
    """Undecodable bytes as ``\\xNN`` so that rejects.csv shows them and stays valid UTF-8."""
    if not isinstance(value, str):
        return value
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _is_list_column(values):
    first = values.dropna().head(1)
    return not first.empty and isinstance(first.iloc[0], list | tuple | np.ndarray)


def tag_lists(values, separator):
    """Tags as lists of lower-case strings, de-duplicated in order; a string is split first."""

    def normalise(value):
        if value is None or (isinstance(value, float) and np.isnan(value)):
            return []
        items = value.split(separator) if isinstance(value, str) else list(value)
        seen = dict.fromkeys(str(item).strip().lower() for item in items)
        return [tag for tag in seen if tag]

    return values.map(normalise)


def _priority(values, priority_map, where):
    """Scores in [0, 1] from labels (through the map) or from numbers; and why a row has none.

    A map that matches no label at all is a configuration mistake, not bad rows: it stops here.
    """
    text = values.astype("str").str.strip()
    if priority_map:
        lookup = {str(label).strip().lower(): float(score) for label, score in priority_map.items()}
        score = text.str.lower().map(lookup)
        problem = ("unmapped priority label '" + text + "'").where(score.isna())
    else:
        score = pd.to_numeric(text, errors="coerce")
        _stop_on_numeric_levels(score, where)
        out_of_range = score.isna() | (score < 0) | (score > 1)
        problem = ("priority '" + text + "' is not a score in [0, 1]").where(out_of_range)
        score = score.where(~out_of_range)
    if score.isna().all() and (text != "").any():
        found = ", ".join(f"'{label}'" for label in text[text != ""].value_counts().index[:8])
        setting = (
            "data.priority_map maps none of" if priority_map else "data.priority_map is unset but"
        )
        raise schema.DataError(
            f"{setting} the priority labels in {where}: found {found}; map each label to a "
            "score in [0, 1] in data.priority_map"
        )
    problem = problem.mask(text == "", "missing priority")
    return score.astype("float32"), problem.astype(object).where(problem.notna(), pd.NA)


def _stop_on_numeric_levels(score, where):
    """Numbers outside [0, 1] with no map are priority levels (1-5, P1-P4 as numbers), not
    scores: which end is urgent differs between help desks, so the user says so. Read as scores,
    the 1s would be kept as the top priority and every other row rejected.

    Example:
        >>> _stop_on_numeric_levels(pd.Series([1.0, 3.0, 5.0]), "a.csv")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ticket_triage.errors.DataError: data.priority_map is unset but ... if 5 is
    """
    levels = sorted(score.dropna().unique())
    if not levels or levels[-1] <= 1 or levels[0] < 0:
        return
    shown = [int(level) if float(level).is_integer() else level for level in levels]
    if len(shown) > 12:
        shown = [shown[0], shown[len(shown) // 2], shown[-1]]
    span = max(len(shown) - 1, 1)

    def mapping(first_is_urgent):
        steps = [round(1 - i / span if first_is_urgent else i / span, 3) for i in range(len(shown))]
        return (
            "{"
            + ", ".join(f"{level}: {step}" for level, step in zip(shown, steps, strict=True))
            + "}"
        )

    raise schema.DataError(
        f"data.priority_map is unset but the priorities in {where} are numbers from {shown[0]} "
        f"to {shown[-1]}, not scores in [0, 1]; map them, e.g. "
        f'"data.priority_map={mapping(True)}" if {shown[0]} is the most urgent, or '
        f'"data.priority_map={mapping(False)}" if {shown[-1]} is'
    )


def _label(values, allowed, name):
    text = values.astype("str").str.strip()
    problem = pd.Series(pd.NA, index=values.index, dtype=object)
    if allowed:
        unknown = ~text.isin([str(label) for label in allowed])
        listed = ", ".join(str(label) for label in allowed)
        problem[unknown] = ("unknown " + name + " '" + text + "' (allowed: " + listed + ")")[
            unknown
        ]
    problem[text == ""] = f"missing {name}"
    return text, problem


def reason_counts(rejects):
    """Reject counts by kind of reason (the reason text up to any quoted value or colon)."""
    if rejects.empty:
        return {}
    kinds = rejects[ingest.REASON].astype("str").str.split(" '", n=1).str[0]
    kinds = kinds.str.split(":", n=1).str[0]
    return kinds.value_counts().to_dict()


def tags_as_text(tags):
    """Tag lists as ``a|b|c``, for a rejects CSV file."""
    return tags.map(lambda value: "|".join(value) if isinstance(value, list) else value)
