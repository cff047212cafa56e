"""Which text encoding an export is in: named by the user, or decided from the file's bytes.

Excel and many helpdesk tools still write Windows-1252 or another legacy code page; read as UTF-8,
every row with an accent in such a file becomes a reject. ``data.encoding: auto`` decides per file:

1. a byte-order mark names it: ``utf-8-sig``, ``utf-16`` or ``utf-32``;
2. NUL bytes near the start and no mark: UTF-16/32 without one, so the detector decides;
3. UTF-8 when the whole file is valid UTF-8 (all of it is checked, so a first non-ASCII
   character after a gigabyte of ASCII still counts), and also when most non-ASCII characters of
   its lines that hold any are valid UTF-8 and only a few bytes are broken: those rows become
   rejects instead of the whole file turning into mojibake;
4. otherwise charset-normalizer picks a legacy encoding from those lines, wherever they are in
   the file. Western text reads about as plausibly in several code pages (é is the same byte in
   cp1250, cp1252 and cp1257, ç and à are not), and the detector's ranking among them is close
   to a coin toss (it finds "déjà" messier than "déją"). So cp1252 wins whenever the detector
   accepts it at all and finds it as coherent with a language as its own pick. A Central
   European (cp1250), Turkish or Baltic export may then need ``data.encoding``.

Example:
    >>> resolve_encoding("export.csv", "auto")        # doctest: +SKIP
    'cp1252'
    >>> resolve_encoding("export.csv", "latin-1")     # doctest: +SKIP
    'iso8859-1'
"""

import codecs
import re

import charset_normalizer
import pyarrow as pa

from ticket_triage.data import schema

AUTO = "auto"
PREFERRED = "cp1252"  # Excel's and most helpdesk tools' code page in Western locales
HEAD = 1 << 16  # bytes looked at for NULs (a BOM-less UTF-16 file is full of them)
SAMPLE = 1 << 16  # bytes of non-ASCII lines that decide a file that is not strict UTF-8
_BOMS = (  # UTF-32-LE's mark starts with UTF-16-LE's: longest first
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_SURROGATE = re.compile("[\udc80-\udcff]")  # what surrogateescape makes of an undecodable byte


def resolve_encoding(path, setting=AUTO):
    """The encoding to read ``path`` with: ``setting`` checked, or decided from the bytes.

    Args:
        path: the export file (a ``pathlib.Path``).
        setting: ``auto`` or an encoding name Python knows (``cp1252``, ``latin-1``, ``gb18030``).

    Returns:
        A canonical codec name (``utf-8``, ``utf-8-sig``, ``cp1252``, ...).
    """
    if setting == AUTO:
        return detect_encoding(path)
    try:
        name = codecs.lookup(setting).name
        "".encode(name)  # refuses codecs that are not text encodings (base64, rot13, ...)
    except LookupError as error:
        raise schema.DataError(
            f"data.encoding = '{setting}' is not a text encoding Python knows ({error}); use auto "
            "or a name such as utf-8, cp1252, latin-1, utf-16, gb18030, shift_jis"
        ) from None
    if name == "utf-8" and _bom(_head(path)) == "utf-8-sig":
        return "utf-8-sig"  # the mark is not part of the first column's name
    return name


def detect_encoding(path):
    """Decide the encoding from the bytes alone (the rules in the module docstring)."""
    head = _head(path)
    if marked := _bom(head):
        return marked
    if b"\x00" in head:
        return _guess(head, path)
    if _is_utf8(path):
        return "utf-8"
    lines = _non_ascii_lines(path)
    if _mostly_utf8(lines):
        return "utf-8"
    return _guess(_evidence(lines), path)


def _head(path):
    with path.open("rb") as handle:
        return handle.read(HEAD)


def _bom(head):
    return next((name for mark, name in _BOMS if head.startswith(mark)), None)


def _is_utf8(path):
    """Strict UTF-8 over the whole file, validated by Arrow in place on the memory-mapped bytes.

    No copy of the file in memory, it stops at the first broken byte, and it is several times
    faster than decoding in Python when the text has many non-ASCII characters.
    """
    with pa.memory_map(str(path)) as source:
        data = source.read_buffer()
    if not data.size:
        return True
    offsets = pa.array([0, data.size], pa.int64()).buffers()[1]
    try:
        pa.Array.from_buffers(pa.large_binary(), 1, [None, offsets, data]).cast(pa.large_string())
    except pa.ArrowInvalid:
        return False
    return True


def _non_ascii_lines(path):
    """The lines holding non-ASCII bytes, up to ``SAMPLE`` bytes."""
    lines, size = [], 0
    with path.open("rb") as handle:
        for line in handle:
            if not line.isascii():
                lines.append(line)
                size += len(line)
                if size >= SAMPLE:
                    break
    return lines


def _mostly_utf8(lines):
    """Valid UTF-8 characters outnumber broken bytes: a cp1252 file forms next to none by chance."""
    text = b"".join(lines).decode("utf-8", "surrogateescape")
    broken = len(_SURROGATE.findall(text))
    return len(text) - len(text.encode("ascii", "ignore")) - broken > broken


def _evidence(lines):
    """What the detector sees: the lines, less those PREFERRED cannot decode if they are a minority.

    The detector discards every encoding that fails on a single byte, so one stray byte unassigned
    in cp1252 (0x81, say) would turn a whole Western export into another code page. A minority of
    such lines are damaged rows, rejected later. Leaving them out changes little for a file in
    another encoding: its other lines still read as that encoding, not as cp1252.
    """
    readable = [line for line in lines if _decodes(line, PREFERRED)]
    return b"".join(readable if 2 * len(readable) > len(lines) else lines)


def _decodes(line, name):
    try:
        line.decode(name)
    except UnicodeDecodeError:
        return False
    return True


def _guess(sample, path):
    matches = charset_normalizer.from_bytes(sample)
    best = matches.best()
    if best is None:
        raise schema.DataError(
            f"cannot tell the text encoding of {path}: it is not UTF-8 and no other encoding "
            "reads it cleanly; set data.encoding (for example data.encoding=cp1252)"
        )
    for match in matches:
        if PREFERRED in match.could_be_from_charset and match.coherence >= best.coherence:
            return PREFERRED
    return codecs.lookup(best.encoding).name
