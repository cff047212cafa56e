"""One reader for prepare and predict: a whole read is the chunks of a chunked read concatenated,
with the same rows, rejects and record cap, whatever the chunk size."""

import json

import pandas as pd
import pytest

from ticket_triage.data import ingest

HEADER = "id,title,body,tags\n"
CSV = (
    HEADER
    + "1,Printer jams,Paper stuck,hw\n"
    + "2,Too,many,fields,here\n"  # malformed: record 2, line 3
    + '3,"Two\nlines",body,hw\n'  # one record over two lines
    + "4,Short row\n"  # fewer fields: the missing ones are empty
    + '5,"Printer"jams,x,hw\n'  # text after a closing quote: read as the C parser reads it
    + "".join(f"{i},Title {i},Body {i},a\n" for i in range(6, 12))
    + "12,Last,one,extra,field\n"  # malformed at the very end
)


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(params=["csv", "jsonl", "parquet"])
def export(request, tmp_path):
    if request.param == "csv":
        return write(tmp_path, "export.csv", CSV)
    if request.param == "jsonl":
        rows = [json.dumps({"id": i, "title": f"Title {i}"}) for i in range(1, 9)]
        rows[2:2] = ["{not json"]
        rows.append("[1, 2]")
        return write(tmp_path, "export.jsonl", "\n".join(rows) + "\n")
    path = tmp_path / "export.parquet"
    pd.DataFrame({"id": range(1, 10), "title": [f"Title {i}" for i in range(1, 10)]}).to_parquet(
        path
    )
    return path


def concatenated(chunks):
    """Records and malformed records of ``chunks`` (a chunk may hold malformed ones only)."""
    chunks = list(chunks)
    parts = [chunk.records for chunk in chunks if len(chunk.records)]
    records = pd.concat(parts, ignore_index=True)
    malformed = pd.concat([chunk.malformed for chunk in chunks], ignore_index=True)
    return records, malformed


@pytest.mark.parametrize("chunk_size", [1, 2, 3, 1000])
@pytest.mark.parametrize("limit", [None, 1, 2, 4])
def test_a_whole_read_is_the_chunks_concatenated(export, chunk_size, limit):
    whole = ingest.read_export(export, limit=limit, encoding="utf-8")
    records, malformed = concatenated(
        ingest.read_chunks(export, chunk_size, limit=limit, encoding="utf-8")
    )
    pd.testing.assert_frame_equal(records, whole.records)
    pd.testing.assert_frame_equal(malformed, whole.malformed, check_dtype=False)
    if limit is not None:
        assert len(whole.records) == min(limit, len(whole.records))
        last_row = whole.records[ingest.ROW].iloc[-1]
        assert all(whole.malformed[ingest.LINE] - 1 < last_row)  # none after the cap


@pytest.mark.parametrize("chunk_size", [1, 2, 1000])
def test_every_csv_record_is_read_or_rejected_in_any_chunk_size(tmp_path, chunk_size):
    path = write(tmp_path, "export.csv", CSV)
    records, malformed = concatenated(ingest.read_chunks(path, chunk_size, encoding="utf-8"))
    assert records["id"].tolist() == ["1", "3", "4", "5", *map(str, range(6, 12))]
    assert records[ingest.ROW].tolist() == [1, 3, 4, 5, *range(6, 12)]  # places in the file
    assert records.set_index("id").loc["3", "title"] == "Two\nlines"
    assert records.set_index("id").loc["4", "body"] == ""
    assert records.set_index("id").loc["5", "title"] == "Printerjams"
    assert malformed[ingest.LINE].tolist() == [3, 13]
    assert malformed[ingest.REASON].str.startswith("malformed CSV record: expected 4").all()
    assert malformed[ingest.RAW].tolist()[0] == "2,Too,many,fields,here"


def test_an_empty_export_is_an_error_for_a_whole_read_only(tmp_path):
    path = write(tmp_path, "empty.csv", HEADER)
    with pytest.raises(ingest.schema.DataError, match="holds no records"):
        ingest.read_export(path, encoding="utf-8")
    assert sum(len(chunk.records) for chunk in ingest.read_chunks(path, 10)) == 0
