"""Real exports through the real `prepare` stage: legacy encodings, byte-order marks and separators
are found from the file, every row survives with its text intact, and report.json says how the
file was read."""

import json

import pandas as pd
import pytest

from ticket_triage.data import schema
from ticket_triage.data.prepare import prepare_dataset

MAPPING = [
    "data=csv",
    "data.columns.ticket_id=id",
    "data.columns.title=subject",
    "data.columns.body=description",
    "data.columns.tags=null",
    "data.columns.priority=prio",
    "data.columns.department=queue",
    "data.priority_map={low: 0.2, high: 0.9}",
]
WESTERN = [  # what Excel on a Western-European Windows writes as cp1252
    ("Café machine in Straße 5 broken", "The “espresso” button does nothing – naïve fix failed"),
    ("Rechnung über 49 € falsch", "Die Gebühr für März wurde doppelt berechnet, bitte prüfen"),
    ("Facture erronée", "Ça ne marche pas, déjà signalé à l’accueil"),
    ("Größe der Anlage", "‘Zu groß’ sagt das Portal bei 3 MB – Grüße, Jürgen"),
]


def tickets(count=32):
    """``(id, subject, description, queue, prio)`` rows; accents in every one, none repeated."""
    rows = []
    for i in range(count):
        title, body = WESTERN[i % len(WESTERN)]
        queue = "billing" if i % 2 else "facilities"
        rows.append((str(i), f"{title} #{i}", f"{body} ({i})", queue, "high" if i % 3 else "low"))
    return rows


def export(rows, separator=",", quote=True):
    header = separator.join(["id", "subject", "description", "queue", "prio"])
    wrap = (lambda text: f'"{text}"') if quote else str
    lines = [separator.join(wrap(field) for field in row) for row in rows]
    return "\n".join([header, *lines]) + "\n"


def prepare(prepare_config, path, *overrides):
    cfg = prepare_config(*MAPPING, f"data.path={path}", *overrides)
    return prepare_dataset(cfg), cfg


def prepared_text(cfg):
    frames = [pd.read_parquet(f"{cfg.paths.prepared_dir}/{s}.parquet") for s in ("train", "val")]
    frames.append(pd.read_parquet(f"{cfg.paths.prepared_dir}/test.parquet"))
    frame = pd.concat(frames).set_index(schema.TICKET_ID).sort_index(key=lambda i: i.astype(int))
    return list(zip(frame[schema.TITLE], frame[schema.BODY], strict=True))


def original_text(rows):
    return [(subject, description) for _, subject, description, _, _ in rows]


def test_cp1252_export_keeps_every_row_and_its_accents(prepare_config, tmp_path):
    rows = tickets()
    path = tmp_path / "latin1.csv"
    path.write_bytes(export(rows).encode("cp1252"))
    report, cfg = prepare(prepare_config, path)
    assert report["encoding"] == "cp1252" and report["csv_separator"] == ","
    assert (report["rows_in"], report["rows_kept"], report["rows_rejected"]) == (32, 32, 0)
    assert prepared_text(cfg) == original_text(rows)
    written = json.loads((tmp_path / "data/prepared/report.json").read_text())
    assert written["encoding"] == "cp1252"


def test_semicolon_export_is_sniffed(prepare_config, tmp_path):
    rows = tickets()
    path = tmp_path / "excel_de.csv"  # unquoted commas inside the text: only ; separates
    path.write_bytes(export(rows, ";", quote=False).encode("cp1252"))
    report, cfg = prepare(prepare_config, path)
    assert report["csv_separator"] == ";" and report["encoding"] == "cp1252"
    assert report["rows_kept"] == 32
    assert prepared_text(cfg) == original_text(rows)


def test_wrong_separator_names_the_one_to_set(prepare_config, tmp_path):
    path = tmp_path / "excel_de.csv"
    path.write_text(export(tickets(), ";"), encoding="utf-8")
    with pytest.raises(schema.DataError) as error:
        prepare(prepare_config, path, "data.csv_separator=','")
    message = str(error.value)
    assert "one column 'id;subject;description;queue;prio'" in message
    assert "set \"data.csv_separator=';'\"" in message


@pytest.mark.parametrize("name, separator", [("tickets.tsv", "auto"), ("tickets.csv", "\\t")])
def test_tab_separated_export(prepare_config, tmp_path, name, separator):
    rows = tickets()
    path = tmp_path / name
    path.write_text(export(rows, "\t", quote=False), encoding="utf-8")
    report, cfg = prepare(prepare_config, path, f"data.csv_separator='{separator}'")
    assert report["csv_separator"] == "\t"
    assert prepared_text(cfg) == original_text(rows)


@pytest.mark.parametrize(
    "codec, name, expected",
    [
        ("utf-8-sig", "export.csv", "utf-8-sig"),
        ("utf-16", "export.csv", "utf-16"),
        ("utf-16", "export.jsonl", "utf-16"),
        ("cp1252", "export.jsonl", "cp1252"),
    ],
)
def test_marked_and_legacy_encodings_in_csv_and_jsonl(
    prepare_config, tmp_path, codec, name, expected
):
    rows = tickets()
    if name.endswith(".jsonl"):
        fields = ["id", "subject", "description", "queue", "prio"]
        records = [
            json.dumps(dict(zip(fields, row, strict=True)), ensure_ascii=False) for row in rows
        ]
        text = "\n".join(records) + "\n"
    else:
        text = export(rows)
    path = tmp_path / name
    path.write_bytes(text.encode(codec))
    report, cfg = prepare(prepare_config, path)
    assert report["encoding"] == expected
    assert report["rows_rejected"] == 0
    assert prepared_text(cfg) == original_text(rows)


def test_bytes_the_encoding_cannot_decode_are_rejected_and_shown(prepare_config, tmp_path):
    """0x81 is unassigned in cp1252: that row is a reject, the others are read."""
    rows = tickets()
    path = tmp_path / "latin1.csv"
    path.write_bytes(export(rows).encode("cp1252") + b'"99","Broken\x81byte","x","billing","low"\n')
    report, cfg = prepare(prepare_config, path)
    assert report["encoding"] == "cp1252"
    assert (report["rows_kept"], report["rows_rejected"]) == (32, 1)
    rejects = pd.read_csv(f"{cfg.paths.prepared_dir}/rejects.csv", dtype=str)
    assert rejects.loc[0, "reason"].startswith("undecodable bytes")
    assert rejects.loc[0, "title"] == "Broken\\x81byte"


def test_an_unknown_encoding_name_is_one_clear_error(prepare_config, tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(export(tickets()), encoding="utf-8")
    with pytest.raises(schema.DataError, match=r"^data.encoding = 'windows-1252x' is not a text"):
        prepare(prepare_config, path, "data.encoding=windows-1252x")


def test_an_explicit_encoding_overrides_detection(prepare_config, tmp_path):
    """Read as latin-1, cp1252's curly quotes and euro sign become C1 control characters."""
    rows = tickets()
    path = tmp_path / "latin1.csv"
    path.write_bytes(export(rows).encode("cp1252"))
    report, cfg = prepare(prepare_config, path, "data.encoding=latin-1")
    assert report["encoding"] == "iso8859-1"
    assert prepared_text(cfg)[1][0] == "Rechnung über 49 \x80 falsch #1"
