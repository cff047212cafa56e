"""Read a ticket export (CSV, Parquet or JSONL) and map its columns onto the ticket schema.

Problems with the whole file stop the stage with one :class:`DataError` that names the file, the
config key and what the file does have. Problems with single records (a malformed CSV line, a JSON
line that does not parse) do not stop it: they come back as rejects, each with where and why.
Text is decoded with the file's encoding (:mod:`.encoding`), CSV fields split at its separator
(:mod:`.separator`); bytes that the encoding cannot decode stay visible for rejection.

Example:
    >>> export = read_export("tickets.csv")                                    # doctest: +SKIP
    >>> export.encoding, export.separator                                      # doctest: +SKIP
    ('cp1252', ';')
    >>> table = map_columns(export.records, {"title": "Summary", "body": "Description"},
    ...                     source="tickets.csv")                              # doctest: +SKIP
"""

import collections
import contextlib
import csv
import difflib
import json
import re
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from ticket_triage.data import encoding as encodings
from ticket_triage.data import schema
from ticket_triage.data import separator as separators

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


class Export(NamedTuple):
    """What :func:`read_export` read, and how (``None`` where a setting does not apply)."""

    records: pd.DataFrame  # the file's columns plus ``row``
    malformed: pd.DataFrame  # records that could not be parsed: ``line``, ``reason``, ``raw``
    encoding: str | None  # the text encoding used (CSV and JSONL)
    separator: str | None  # the CSV field separator used


def read_export(path, file_format="auto", limit=None, csv_separator="auto", encoding="auto"):
    """Read every record of an export as text, keeping undecodable bytes visible for rejection.

    Args:
        path: the export file.
        file_format: ``csv``, ``parquet``, ``jsonl`` or ``auto`` (from the file suffix).
        limit: read at most this many records (``None``: all).
        csv_separator: the CSV field separator, or ``auto`` to sniff it.
        encoding: the text encoding of a CSV or JSONL file, or ``auto`` to decide it from the bytes.

    Returns:
        An :class:`Export`.
    """
    path = Path(path)
    kind = _format_of(path, file_format)
    with _unreadable_as_data_error(path, kind):
        used_encoding, used_separator = _text_settings(path, kind, csv_separator, encoding)
        if kind == "parquet":  # typed columns: no encoding, no separator
            records = pd.read_parquet(path)
            records = records.head(limit) if limit else records
            malformed = _malformed([])
        elif kind == "csv":
            _check_repeated_columns(path, used_separator, used_encoding)
            records, malformed = _read_csv(path, limit, used_separator, used_encoding)
        else:
            records, malformed = _read_jsonl(path, limit, used_encoding)
    if records.empty and malformed.empty:
        raise schema.DataError(f"{path} holds no records")
    if kind == "csv" and len(records.columns) == 1:
        _check_single_column(path, str(records.columns[0]), used_separator)
    records.insert(0, ROW, _row_numbers(len(records), _skipped_rows(malformed, kind), after=0))
    return Export(records, malformed, used_encoding, used_separator)


def iter_export(path, chunk_size, file_format="auto", csv_separator="auto", encoding="auto"):
    """:func:`read_export` a chunk of ``chunk_size`` records at a time, so memory stays bounded.

    Rows are numbered across chunks as :func:`read_export` numbers them; malformed records come
    with the chunk in which the reader met them.

    Yields:
        An :class:`Export` per chunk.
    """
    path = Path(path)
    kind = _format_of(path, file_format)
    last_row, skipped = 0, set()
    with _unreadable_as_data_error(path, kind):
        used_encoding, used_separator = _text_settings(path, kind, csv_separator, encoding)
        if kind == "parquet":
            chunks = _parquet_chunks(path, chunk_size)
        elif kind == "csv":
            _check_repeated_columns(path, used_separator, used_encoding)
            chunks = _csv_chunks(path, chunk_size, used_separator, used_encoding)
        else:
            chunks = _jsonl_chunks(path, chunk_size, used_encoding)
        for records, malformed in chunks:
            if kind == "csv" and last_row == 0 and len(records.columns) == 1:
                _check_single_column(path, str(records.columns[0]), used_separator)
            skipped |= _skipped_rows(malformed, kind)
            numbers = _row_numbers(len(records), skipped, after=last_row)
            records.insert(0, ROW, numbers)
            last_row = numbers[-1] if numbers else last_row
            yield Export(records, malformed, used_encoding, used_separator)


def _skipped_rows(malformed, kind):
    """The row numbers of the records that could not be parsed (a CSV file's header is line 1)."""
    header_lines = 1 if kind == "csv" else 0
    return {int(line) - header_lines for line in malformed[LINE]}


def _row_numbers(count, skipped, after):
    """Numbers for ``count`` parsed records that follow row ``after``: each record's position in
    the file, so a malformed record before it does not shift it (rejects.csv names the row a
    user finds in the export).

    Example:
        >>> _row_numbers(4, skipped={3}, after=0)
        [1, 2, 4, 5]
    """
    numbers, row = [], after
    while len(numbers) < count:
        row += 1
        if row not in skipped:
            numbers.append(row)
    return numbers


def _text_settings(path, kind, csv_separator, encoding):
    """``(encoding, separator)`` to read ``path`` with (``None`` where one does not apply)."""
    if not path.is_file():
        raise schema.DataError(f"cannot read {path}: no such file")
    if kind == "parquet":
        return None, None
    used_encoding = encodings.resolve_encoding(path, encoding)
    if kind != "csv":
        return used_encoding, None
    return used_encoding, separators.resolve_separator(path, csv_separator, used_encoding)


@contextlib.contextmanager
def _unreadable_as_data_error(path, kind):
    """Every reader has its own exception types; all mean "unreadable": one ``DataError``."""
    try:
        yield
    except schema.DataError:
        raise
    except Exception as error:
        raise schema.DataError(f"cannot read {path} as {kind}: {error}") from error


def _parquet_chunks(path, chunk_size):
    import pyarrow.parquet as pq

    with pq.ParquetFile(path) as parquet:
        for batch in parquet.iter_batches(batch_size=chunk_size):
            yield batch.to_pandas(), _malformed([])


def _csv_chunks(path, chunk_size, separator, encoding):
    reader = pd.read_csv(path, chunksize=chunk_size, **_csv_options(separator, encoding))
    with reader:
        while True:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", pd.errors.ParserWarning)
                records = next(reader, None)
            if records is None:
                return
            yield records, _malformed(_skipped_lines(caught), path, encoding)


def _jsonl_chunks(path, chunk_size, encoding):
    rows, bad = [], []
    for number, value in _json_lines(path, encoding):
        (bad if isinstance(value, str) else rows).append((number, value))
        if len(rows) == chunk_size:
            yield pd.DataFrame.from_records([v for _, v in rows]), _malformed(bad, path, encoding)
            rows, bad = [], []
    if rows or bad:
        yield pd.DataFrame.from_records([v for _, v in rows]), _malformed(bad, path, encoding)


def map_columns(records, columns, source):
    """Rename the export's columns to schema names; keep only mapped ones.

    Args:
        records: the ``records`` of :func:`read_export`.
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
    missing = [(field, name) for field, name in columns.items() if name and name not in records]
    if missing:
        raise schema.DataError(_missing_columns_message(missing, source, available))
    mapped = {name: field for field, name in columns.items() if name}
    table = records[[ROW, *mapped]].rename(columns=mapped)
    if schema.TICKET_ID not in table:
        table[schema.TICKET_ID] = "row-" + table[ROW].astype(str)
    for field in (schema.TITLE, schema.BODY):
        if field not in table:
            table[field] = ""
    return table


def _missing_columns_message(missing, source, available):
    """One message for every mapped column the export lacks, each with the closest name it has
    (case and spacing ignored: ``description`` finds ``DESCRIPTION``)."""
    folded = {name.casefold().strip(): name for name in available}
    wrong = []
    for field, name in missing:
        key = str(name).casefold().strip()
        close = [folded[key]] if key in folded else difflib.get_close_matches(key, folded, n=1)
        close = [folded.get(match, match) for match in close]
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        wrong.append(f"data.columns.{field} = '{name}'{hint}")
    return (
        f"{'; '.join(wrong)}: not {'a column' if len(wrong) == 1 else 'columns'} of {source}; "
        f"its columns are: {', '.join(available)}"
    )


def _check_single_column(path, column, used):
    """One column whose name holds another separator means the separator is wrong: say which."""
    hint = separators.single_column_hint(column, used)
    if hint:
        shown_column = column.replace("\t", "\\t")
        raise schema.DataError(
            f"{path} reads as one column '{shown_column}' with data.csv_separator="
            f"{separators.shown(used)}: the separator is likely wrong; {hint} (or auto)"
        )


EXCEL = (".xlsx", ".xlsm", ".xls", ".ods")
ZIP_MAGIC = b"PK\x03\x04"  # an .xlsx or .ods workbook is a zip archive


def _format_of(path, file_format):
    if path.is_dir():
        raise schema.DataError(f"data.path = {path} is a directory: point it at the export file")
    if path.suffix.lower() in EXCEL or _starts_with(path, ZIP_MAGIC):
        raise schema.DataError(
            f"{path} is a spreadsheet workbook, not a text export: save it as CSV (UTF-8) from "
            "the spreadsheet program and point data.path at that file"
        )
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


def _starts_with(path, magic):
    if not path.is_file():
        return False
    with path.open("rb") as handle:
        return handle.read(len(magic)) == magic


def _check_repeated_columns(path, separator, encoding):
    """A header that names a column twice: the reader would rename the second (``subject.1``)
    and a mapping would silently take the first, so stop and name both positions."""
    with path.open(encoding=encoding, errors="surrogateescape", newline="") as handle:
        header = next(csv.reader(handle, delimiter=separator), [])
    positions = collections.defaultdict(list)
    for position, name in enumerate(header, start=1):
        positions[name.strip()].append(position)
    repeated = {name: where for name, where in positions.items() if len(where) > 1 and name}
    if repeated:
        listed = "; ".join(
            f"'{name}' at positions {', '.join(map(str, where))}"
            for name, where in repeated.items()
        )
        raise schema.DataError(
            f"{path} names a column more than once ({listed}): rename them in the export so "
            "that data.columns can say which one it means"
        )


def _read_csv(path, limit, separator, encoding):
    """Fast C parser; records with the wrong number of fields are skipped by it and kept by us."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", pd.errors.ParserWarning)
        records = pd.read_csv(path, nrows=limit, **_csv_options(separator, encoding))
    return records, _malformed(_skipped_lines(caught), path, encoding)


def _csv_options(separator, encoding):
    return {
        "sep": separator,
        "dtype": object,
        "keep_default_na": False,
        "encoding": encoding,
        "encoding_errors": "surrogateescape",
        "on_bad_lines": "warn",
    }


def _skipped_lines(caught_warnings):
    skipped = []
    for warning in caught_warnings:
        for match in _SKIPPED_LINE.finditer(str(warning.message)):
            skipped.append((int(match.group(1)), f"malformed CSV record: {match.group(2)}"))
    return skipped


def _read_jsonl(path, limit, encoding):
    rows, bad = [], []
    for number, value in _json_lines(path, encoding):
        if limit is not None and len(rows) >= limit:
            break
        (bad if isinstance(value, str) else rows).append((number, value))
    records = pd.DataFrame.from_records([value for _, value in rows])
    return records, _malformed(bad, path, encoding)


def _json_lines(path, encoding):
    """``(line number, object)`` for each non-empty line; the object is a reason string for a
    line that is not a JSON object."""
    with path.open(encoding=encoding, errors="surrogateescape", newline="\n") as lines:
        for number, line in enumerate(lines, start=1):
            text = line.strip()
            if not text:
                continue
            try:
                value = json.loads(text)
            except json.JSONDecodeError as error:
                yield number, f"malformed JSON record: {error.msg}"
                continue
            if not isinstance(value, Mapping):
                yield number, "malformed JSON record: not an object"
                continue
            yield number, value


def _malformed(lines_and_reasons, path=None, encoding=None):
    """Rejects for records that never became rows, with the file's own text of each line."""
    wanted = {line for line, _ in lines_and_reasons}
    raw_lines = _physical_lines(path, wanted, encoding) if path else {}
    return pd.DataFrame(
        {
            LINE: [line for line, _ in lines_and_reasons],
            REASON: [reason for _, reason in lines_and_reasons],
            RAW: [raw_lines.get(line, "") for line, _ in lines_and_reasons],
        }
    )


def _physical_lines(path, wanted, encoding):
    if not wanted:
        return {}
    found = {}
    with path.open("r", encoding=encoding, errors="backslashreplace", newline="") as handle:
        last = max(wanted)
        for number, line in enumerate(handle, start=1):
            if number in wanted:
                found[number] = line.rstrip("\r\n")
            if number >= last:
                break
    return found
