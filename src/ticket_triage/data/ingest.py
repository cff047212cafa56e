"""Read a ticket export (CSV, Parquet or JSONL) and map its columns onto the ticket schema.

Problems with the whole file stop the stage with one :class:`DataError` that names the file, the
config key and what the file does have. Problems with single records (a malformed CSV line, a JSON
line that does not parse) do not stop it: they come back as rejects, each with where and why.
Text is decoded with the file's encoding (:mod:`.encoding`), CSV fields split at its separator
(:mod:`.separator`); bytes that the encoding cannot decode stay visible for rejection.

:func:`read_chunks` reads an export a chunk at a time (``predict``), :func:`read_export` all of it
(``prepare``): its chunks, concatenated.

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

import numpy as np
import pandas as pd

from ticket_triage.data import encoding as encodings
from ticket_triage.data import schema
from ticket_triage.data import separator as separators

ROW = "row"  # 1-based position of a record in the file, malformed records included
LINE = "line"  # for a record that could not be parsed: its line (header = line 1 in a CSV file)
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
WHOLE_READ_CHUNK = 100_000  # records per chunk of read_export, which concatenates them
_SKIPPED_LINE = re.compile(r"Skipping line (\d+): (.*)")


class Export(NamedTuple):
    """What :func:`read_chunks` read, and how (``None`` where a setting does not apply)."""

    records: pd.DataFrame  # the file's columns plus ``row``
    malformed: pd.DataFrame  # records that could not be parsed: ``line``, ``reason``, ``raw``
    encoding: str | None  # the text encoding used (CSV and JSONL)
    separator: str | None  # the CSV field separator used


def read_export(path, file_format="auto", limit=None, csv_separator="auto", encoding="auto"):
    """Every record of an export at once: the chunks of :func:`read_chunks`, concatenated.

    Raises:
        DataError: also when the file holds no records at all.
    """
    chunks = list(read_chunks(path, WHOLE_READ_CHUNK, file_format, limit, csv_separator, encoding))
    if not any(len(chunk.records) or len(chunk.malformed) for chunk in chunks):
        raise schema.DataError(f"{path} holds no records")
    parts = [chunk.records for chunk in chunks if len(chunk.records)] or [chunks[0].records]
    records = pd.concat(parts, ignore_index=True)  # an empty part would turn integers to floats
    malformed = pd.concat([chunk.malformed for chunk in chunks], ignore_index=True)
    return Export(records, malformed, chunks[0].encoding, chunks[0].separator)


def read_chunks(
    path, chunk_size, file_format="auto", limit=None, csv_separator="auto", encoding="auto"
):
    """Read an export ``chunk_size`` records at a time, so memory stays bounded; every record as
    text, undecodable bytes kept visible for rejection.

    Rows are numbered by their place in the file across chunks; a malformed record comes with the
    chunk in which it was met.

    Args:
        path: the export file.
        chunk_size: records per chunk.
        file_format: ``csv``, ``parquet``, ``jsonl`` or ``auto`` (from the file suffix).
        limit: read at most this many records (``None``: all); malformed records met before the
            last of them come along, later ones do not.
        csv_separator: the CSV field separator, or ``auto`` to sniff it.
        encoding: the text encoding of a CSV or JSONL file, or ``auto`` to decide it from the bytes.

    Yields:
        An :class:`Export` per chunk.
    """
    path = Path(path)
    kind = check_file(path, file_format)
    with _unreadable_as_data_error(path, kind):
        used_encoding, used_separator = _text_settings(path, kind, csv_separator, encoding)
        if kind == "parquet":  # typed columns: no encoding, no separator
            chunks = _parquet_chunks(path, chunk_size)
        elif kind == "csv":
            _check_repeated_columns(path, used_separator, used_encoding)
            chunks = _csv_chunks(path, chunk_size, used_separator, used_encoding)
        else:
            chunks = _jsonl_chunks(path, chunk_size, used_encoding)
        for records, malformed in _up_to(limit, chunks):
            yield Export(records, malformed.drop(columns=ROW), used_encoding, used_separator)


def _up_to(limit, chunks):
    """The ``(records, malformed)`` chunks up to the ``limit``-th record (``None``: all), as
    pandas' ``nrows`` counts: malformed records before the last record read come along."""
    left = limit
    for records, malformed in chunks:
        if left is not None and len(records) >= left:
            records = records.head(left)
            last = records[ROW].iloc[-1] if len(records) else 0
            yield records, malformed[malformed[ROW] < last]
            return
        left = None if left is None else left - len(records)
        yield records, malformed


def check_file(path, file_format="auto"):
    """The format of the export at ``path`` (``csv``, ``parquet`` or ``jsonl``), or the
    ``DataError`` that reading it would raise first: no such file, a folder, a workbook, an
    unknown format."""
    path = Path(path)
    kind = _format_of(path, file_format)
    if not path.is_file():
        raise schema.DataError(f"cannot read {path}: no such file")
    return kind


def _text_settings(path, kind, csv_separator, encoding):
    """``(encoding, separator)`` to read ``path`` with (``None`` where one does not apply)."""
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

    before = 0
    with pq.ParquetFile(path) as parquet:
        for batch in parquet.iter_batches(batch_size=chunk_size):
            records = batch.to_pandas()
            records.insert(0, ROW, np.arange(before + 1, before + len(records) + 1))
            before += len(records)
            yield records, _malformed([], [], [], [])


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


def _csv_chunks(path, chunk_size, separator, encoding):
    """Chunks of a CSV file, parsed by pandas' C parser, which skips a record with more fields
    than the header and names it only in a warning: the warning gives the record's line, and
    the record comes back malformed, with its text from the file.

    The parser's own bad-line hook cannot keep that promise. ``on_bad_lines=<callable>`` needs
    the python engine, which drops without a word a record whose quoting its strict ``csv``
    module refuses (``"a"b``: pandas issue 53599), one the C parser reads; pyarrow's
    ``invalid_row_handler`` numbers rows only when parsing on one thread, rejects a record with
    fewer fields (padded here) and fails on a row with bytes that are not UTF-8.
    """
    with _parser_warnings() as met:  # the parser reads its first chunk here already
        reader = pd.read_csv(path, chunksize=chunk_size, **_csv_options(separator, encoding))
    before, kept, skipped, columns = 0, 0, set(), None
    with reader:
        while True:
            with _parser_warnings() as more:
                frame = next(reader, None)
            met += more
            lines, reasons = _skipped_lines(met)
            met.clear()
            if frame is None and not lines:
                return
            if frame is None:  # records skipped at the very end
                frame = pd.DataFrame(columns=columns, dtype=object)
            columns = frame.columns
            if not kept and len(frame) and len(frame.columns) == 1:
                _check_single_column(path, str(frame.columns[0]), separator)
            positions = [line - 1 for line in lines]  # line 1 is the header
            skipped.update(positions)
            numbers = _row_numbers(len(frame), skipped, after=before)
            frame.index = pd.RangeIndex(kept, kept + len(frame))
            frame.insert(0, ROW, np.array(numbers, dtype=np.int64))
            raw = _physical_lines(path, set(lines), encoding)
            yield frame, _malformed(positions, lines, reasons, [raw.get(n, "") for n in lines])
            before, kept = numbers[-1] if numbers else before, kept + len(frame)


@contextlib.contextmanager
def _parser_warnings():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", pd.errors.ParserWarning)
        yield caught


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
    """``(lines, reasons)`` of the records the C parser skipped, from its warnings."""
    lines, reasons = [], []
    for warning in caught_warnings:
        for match in _SKIPPED_LINE.finditer(str(warning.message)):
            lines.append(int(match.group(1)))
            reasons.append(f"malformed CSV record: {match.group(2)}")
    return lines, reasons


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


def _shown(text, encoding):
    return text.encode(encoding, "surrogateescape").decode(encoding, "backslashreplace")


def _jsonl_chunks(path, chunk_size, encoding):
    rows, bad, columns = [], [], []
    for position, (line, value, text) in enumerate(_json_lines(path, encoding), start=1):
        if isinstance(value, str):
            bad.append((position, line, value, _shown(text.rstrip("\r\n"), encoding)))
        else:
            rows.append((position, value))
        if len(rows) == chunk_size:
            records, malformed = _jsonl_chunk(rows, bad, columns)
            yield records, malformed
            rows, bad, columns = [], [], records.columns[1:]
    if rows or bad:
        yield _jsonl_chunk(rows, bad, columns)


def _jsonl_chunk(rows, bad, columns):
    """A chunk's records (with the previous chunk's columns when it holds malformed ones only)
    and malformed records."""
    values = [value for _, value in rows]
    records = pd.DataFrame.from_records(values) if values else pd.DataFrame(columns=columns)
    records.insert(0, ROW, np.array([position for position, _ in rows], dtype=np.int64))
    rows, lines, reasons, raw = ([item[i] for item in bad] for i in range(4))
    return records, _malformed(rows, lines, reasons, raw)


def _json_lines(path, encoding):
    """``(line number, object, line)`` for each non-empty line; the object is a reason string for
    a line that is not a JSON object."""
    with path.open(encoding=encoding, errors="surrogateescape", newline="\n") as lines:
        for number, line in enumerate(lines, start=1):
            text = line.strip()
            if not text:
                continue
            try:
                value = json.loads(text)
            except json.JSONDecodeError as error:
                yield number, f"malformed JSON record: {error.msg}", line
                continue
            if not isinstance(value, Mapping):
                yield number, "malformed JSON record: not an object", line
                continue
            yield number, value, line


def _malformed(rows, lines, reasons, raw):
    """Rejects for records that never became rows (``row``: their place, dropped once a limit
    has been applied)."""
    return pd.DataFrame({ROW: rows, LINE: lines, REASON: reasons, RAW: raw})
