"""The field separator of a CSV export: given, or sniffed from the header and the first lines.

Excel writes ``;`` where the comma is the decimal mark (most of Europe), other tools write tab or
``|``. Read with the wrong separator, a whole line becomes one column named
``id;subject;description``; ``data.csv_separator: auto`` avoids that, and when an explicit value is
wrong, :func:`single_column_hint` says which one to set.

Sniffing parses the first lines with each candidate (quotes respected, so a comma inside a quoted
``;``-separated field does not count) and keeps the one that splits the header into at least two
fields with the largest share of the next lines splitting into as many; the wider split wins a
tie. ``.tsv`` files are tab-separated without sniffing.

Example:
    >>> sniff_separator('id;subject;body\\n1;Printer;"Jams, always"\\n')
    ';'
    >>> print(single_column_hint("id;subject;body", ","))
    set "data.csv_separator=';'"
"""

import codecs
import csv
import io
import itertools

AUTO = "auto"
CANDIDATES = (",", ";", "\t", "|")  # in order of preference when two split equally well
HEAD = 1 << 16  # bytes of the file looked at
LINES = 50  # records of the head compared with the header
_SPELLED = {"\\t": "\t"}  # what a shell or YAML passes for a tab typed as \t


def resolve_separator(path, setting, encoding):
    """The separator to read ``path`` with: ``setting`` itself, or sniffed when it is ``auto``.

    Args:
        path: the CSV export (a ``pathlib.Path``).
        setting: ``auto``, one character, or ``\\t`` spelled with a backslash.
        encoding: the file's encoding (see :mod:`ticket_triage.data.encoding`).
    """
    if setting != AUTO:
        return _SPELLED.get(setting, setting)
    if path.suffix.lower() == ".tsv":
        return "\t"
    return sniff_separator(_head_text(path, encoding))


def sniff_separator(text):
    """The candidate whose header width most lines share (wider on a tie); ``,`` if none splits."""
    best, best_score = ",", None
    for candidate in CANDIDATES:
        records = csv.reader(io.StringIO(text), delimiter=candidate)
        rows = [row for row in itertools.islice(records, LINES) if row]
        if not rows or len(rows[0]) < 2:
            continue
        width, body = len(rows[0]), rows[1:]
        agreeing = sum(len(row) == width for row in body) / len(body) if body else 1.0
        score = (agreeing, width)
        if best_score is None or score > best_score:
            best, best_score = candidate, score
    return best


def single_column_hint(column, used):
    """Advice for a file read as one column named ``column``; ``None`` if no separator explains it.

    A ``;``-separated export read with ``,`` has a single column ``id;subject;body``. The
    override is printed in double quotes, as a shell needs it: unquoted, the shell strips the
    single quotes and Hydra's parser refuses a bare ``;``.

    Example:
        >>> print(single_column_hint("id;subject;body", ","))
        set "data.csv_separator=';'"
    """
    splits = {candidate: column.count(candidate) for candidate in CANDIDATES if candidate != used}
    likely = max(splits, key=splits.get)
    if not splits[likely]:
        return None
    return f'set "data.csv_separator={shown(likely)}"'


def shown(separator):
    """How to type ``separator`` on a command line: ``';'``, ``'\\t'``."""
    return "'\\t'" if separator == "\t" else f"'{separator}'"


def _head_text(path, encoding):
    """The first ``HEAD`` bytes as text, cut after the last complete line."""
    with path.open("rb") as handle:
        head = handle.read(HEAD)
    complete = len(head) < HEAD
    text = codecs.getincrementaldecoder(encoding)("replace").decode(head, final=complete)
    return text if complete else text[: text.rfind("\n") + 1]
