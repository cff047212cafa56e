"""Read a ticket export (CSV, Parquet or JSONL) and map its columns onto the ticket schema.

Problems with the whole file stop the stage with one :class:`DataError` that names the file, the
config key and what the file does have. Problems with single records (a malformed CSV line, a JSON
line that does not parse) do not stop it: they come back as rejects, each with where and why.

Example:
    >>> raw, rejects = read_export("tickets.csv")                              # doctest: +SKIP
    >>> table = map_columns(raw, {"title": "Summary", "body": "Description"},  # doctest: +SKIP
    ...                     source="tickets.csv")
"""

import difflib
import json
import re
import warnings
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from ticket_triage.data import schema

ROW = "row"  # 1-based position of a record among the records read (header excluded)
LINE = "line"  # physical line of the file, for records that could not be parsed at all
REASON = "reason"
COLUMN = "column"
RAW = "raw"

FORMATS = {
    ".csv": "csv",
    ".tsv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}
_SKIPPED_LINE = re.compile(r"Skipping line (\d+): (.*)")


def read_export(path, file_format="auto", limit=None, csv_separator=","):
    """Read every record of an export as text, keeping undecodable bytes visible for rejection.

    Args:
        path: the export file.
        file_format: ``csv``, ``parquet``, ``jsonl`` or ``auto`` (from the file suffix).
        limit: read at most this many records (``None``: all).
        csv_separator: the CSV field separator.

    Returns:
        ``(records, malformed)``: a DataFrame of the file's columns plus ``row``, and a DataFrame
        of records that could not be parsed (``line``, ``reason``, ``raw``).
    """
    path = Path(path)
    kind = _format_of(path, file_format)
    if not path.is_file():
        raise schema.DataError(f"cannot read {path}: no such file")
    try:
        if kind == "csv":
            records, malformed = _read_csv(path, limit, csv_separator)
        elif kind == "jsonl":
            records, malformed = _read_jsonl(path, limit)
        else:
            records = pd.read_parquet(path)
            records = records.head(limit) if limit else records
            malformed = _malformed([])
    except schema.DataError:
        raise
    except Exception as error:  # every reader has its own exception types; all mean "unreadable"
        raise schema.DataError(f"cannot read {path} as {kind}: {error}") from error
    if records.empty and malformed.empty:
        raise schema.DataError(f"{path} holds no records")
    records.insert(0, ROW, range(1, len(records) + 1))
    return records, malformed


def map_columns(records, columns, source):
    """Rename the export's columns to schema names; keep only mapped ones.

    Args:
        records: the DataFrame from :func:`read_export`.
        columns: schema field -> source column name, or ``None`` where the export lacks it.
        source: the file name, for error messages.

    Returns:
        A DataFrame with ``row`` and the mapped schema columns.
    """
    columns = dict(columns)
    unknown = sorted(set(columns) - set(schema.ALL_COLUMNS))
    if unknown:
        raise schema.DataError(
            f"data.columns has unknown keys {unknown}; the schema's fields are "
            f"{', '.join(schema.ALL_COLUMNS)}"
        )
    if not columns.get(schema.TITLE) and not columns.get(schema.BODY):
        raise schema.DataError("data.columns maps neither title nor body: a ticket needs text")
    available = [str(name) for name in records.columns if name != ROW]
    for field, name in columns.items():
        if name and name not in records.columns:
            raise schema.DataError(_missing_column_message(field, name, source, available))
    mapped = {name: field for field, name in columns.items() if name}
    table = records[[ROW, *mapped]].rename(columns=mapped)
    if schema.TICKET_ID not in table:
        table[schema.TICKET_ID] = "row-" + table[ROW].astype(str)
    for field in (schema.TITLE, schema.BODY):
        if field not in table:
            table[field] = ""
    return table


def _missing_column_message(field, name, source, available):
    close = difflib.get_close_matches(name, available, n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return (
        f"data.columns.{field} = '{name}' is not a column of {source}{hint}; "
        f"its columns are: {', '.join(available)}"
    )


def _format_of(path, file_format):
    if file_format != "auto":
        if file_format not in set(FORMATS.values()):
            raise schema.DataError(
                f"data.format = '{file_format}' is not one of auto, csv, parquet, jsonl"
            )
        return file_format
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise schema.DataError(
            f"cannot tell the format of {path} from its suffix; use one of "
            f"{', '.join(FORMATS)} or set data.format"
        )
    return kind


def _read_csv(path, limit, separator):
    """Fast C parser; records with the wrong number of fields are skipped by it and kept by us."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", pd.errors.ParserWarning)
        records = pd.read_csv(
            path,
            sep=separator,
            dtype=object,
            keep_default_na=False,
            nrows=limit,
            encoding="utf-8",
            encoding_errors="surrogateescape",
            on_bad_lines="warn",
        )
    skipped = []
    for warning in caught:
        for match in _SKIPPED_LINE.finditer(str(warning.message)):
            skipped.append((int(match.group(1)), f"malformed CSV record: {match.group(2)}"))
    return records, _malformed(skipped, path)


def _read_jsonl(path, limit):
    rows, bad = [], []
    with path.open("rb") as lines:
        for number, line in enumerate(lines, start=1):
            if limit is not None and len(rows) >= limit:
                break
            text = line.decode("utf-8", errors="surrogateescape").strip()
            if not text:
                continue
            try:
                value = json.loads(text)
            except json.JSONDecodeError as error:
                bad.append((number, f"malformed JSON record: {error.msg}"))
                continue
            if not isinstance(value, Mapping):
                bad.append((number, "malformed JSON record: not an object"))
                continue
            rows.append(value)
    return pd.DataFrame.from_records(rows), _malformed(bad, path)


def _malformed(lines_and_reasons, path=None):
    """Rejects for records that never became rows, with the file's own text of each line."""
    raw_lines = _physical_lines(path, {line for line, _ in lines_and_reasons}) if path else {}
    return pd.DataFrame(
        {
            LINE: [line for line, _ in lines_and_reasons],
            REASON: [reason for _, reason in lines_and_reasons],
            RAW: [raw_lines.get(line, "") for line, _ in lines_and_reasons],
        }
    )


def _physical_lines(path, wanted):
    if not wanted:
        return {}
    found = {}
    with path.open("r", encoding="utf-8", errors="backslashreplace", newline="") as handle:
        for number, line in enumerate(handle, start=1):
            if number in wanted:
                found[number] = line.rstrip("\r\n")
    return found
