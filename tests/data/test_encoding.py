"""The text encoding of an export: from a byte-order mark, UTF-8 checked over the whole file, a
detected legacy code page, or a name the user gives."""

import pytest

from ticket_triage.data import encoding, schema

WESTERN = (
    "Café „über“ Straße – 12 € for the “naïve” customer’s order; Ça ne marche pas, déjà signalé"
)
ASCII_ROWS = "".join(f"{i},Printer {i} jammed,It jams on page {i}\n" for i in range(60_000))


@pytest.fixture
def write(tmp_path):
    def make(content, name="export.csv"):
        path = tmp_path / name
        path.write_bytes(content)
        return path

    return make


@pytest.mark.parametrize(
    "codec, expected",
    [("utf-8-sig", "utf-8-sig"), ("utf-16", "utf-16"), ("utf-32", "utf-32")],
)
def test_a_byte_order_mark_decides(write, codec, expected):
    path = write(f"id,title\n1,{WESTERN}\n".encode(codec))
    assert encoding.detect_encoding(path) == expected


def test_utf16_without_a_mark_is_detected(write):
    text = "id,title\n" + "".join(f"{i},{WESTERN}\n" for i in range(20))
    path = write(text.encode("utf-16-le"))
    assert path.read_bytes().decode(encoding.detect_encoding(path)) == text


def test_cp1252_export_is_read_as_cp1252(write):
    rows = "".join(f"{i},{WESTERN} {i}\n" for i in range(50))
    assert encoding.detect_encoding(write(("id,title\n" + rows).encode("cp1252"))) == "cp1252"


def test_whole_file_decides_not_its_first_megabyte(write):
    assert len(ASCII_ROWS) > 2 << 20  # the non-ASCII text lies beyond the first 2 MiB
    late_utf8 = write(("id,title,body\n" + ASCII_ROWS + "9,标题 Café,€\n").encode(), "a.csv")
    late_cp1252 = write(("id,title,body\n" + ASCII_ROWS + f"9,{WESTERN},x\n").encode("cp1252"))
    assert encoding.detect_encoding(late_utf8) == "utf-8"
    assert encoding.detect_encoding(late_cp1252) == "cp1252"


def test_utf8_with_a_few_broken_bytes_stays_utf8(write):
    """A damaged UTF-8 file keeps its good rows readable; the broken one is rejected later."""
    good = "".join(f"{i},Ärger mit der Rechnung {i} – bitte prüfen\n" for i in range(20))
    path = write(("id,title\n" + good).encode() + b"21,Caf\xe9\n")
    assert encoding.detect_encoding(path) == "utf-8"


def test_a_chinese_legacy_export_is_detected(write):
    rows = "".join(f"{i},客户无法登录系统,发票金额错误，需要退款\n" for i in range(20))
    assert (
        encoding.detect_encoding(write(("编号,标题,描述\n" + rows).encode("gb18030"))) == "gb18030"
    )


@pytest.mark.parametrize(
    "name, expected", [("latin-1", "iso8859-1"), ("Windows-1252", "cp1252"), ("UTF8", "utf-8")]
)
def test_a_named_encoding_is_used_in_its_canonical_spelling(write, name, expected):
    assert encoding.resolve_encoding(write(b"id,title\n1,x\n"), name) == expected


def test_named_utf8_still_drops_the_byte_order_mark(write):
    assert encoding.resolve_encoding(write("id\n1\n".encode("utf-8-sig")), "utf-8") == "utf-8-sig"


@pytest.mark.parametrize("name", ["latin-9x", "base64"])
def test_an_unknown_or_non_text_encoding_is_one_clear_error(write, name):
    with pytest.raises(schema.DataError, match=rf"data.encoding = '{name}' is not a text encoding"):
        encoding.resolve_encoding(write(b"id\n1\n"), name)
