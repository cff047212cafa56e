"""Bad input through the real `prepare` stage: one clear message for bad files and mappings,
every bad row written to rejects.csv with its reason, nothing lost."""

import json

import pandas as pd
import pytest

from ticket_triage.data import schema
from ticket_triage.data.prepare import prepare_dataset

HEADER = "id,subject,text,labels,prio,team\n"
GOOD_ROWS = "".join(
    f"{i},Printer {i} jammed,The printer on floor {i} jams on every page,hardware|office,high,it\n"
    f"{i + 100},Invoice {i} wrong,Invoice {i} charges us twice for March,billing,low,finance\n"
    for i in range(1, 13)
)
MAPPING = [
    "data=csv",
    "data.columns.ticket_id=id",
    "data.columns.title=subject",
    "data.columns.body=text",
    "data.columns.tags=labels",
    "data.columns.priority=prio",
    "data.columns.department=team",
    "data.tags_separator=|",
]
PRIORITY_MAP = "data.priority_map={low: 0.2, high: 0.9}"


def run(prepare_config, path, *overrides):
    """Prepare ``path`` with the mapping above; an override of the priority map replaces it."""
    own_map = any(override.startswith("data.priority_map") for override in overrides)
    cfg = prepare_config(
        *MAPPING, *([] if own_map else [PRIORITY_MAP]), f"data.path={path}", *overrides
    )
    return prepare_dataset(cfg), cfg


def rejects_of(cfg):
    return pd.read_csv(f"{cfg.paths.prepared_dir}/rejects.csv", dtype=str, keep_default_na=False)


def assert_accounted(report):
    assert report["rows_in"] == (
        report["rows_kept"] + report["rows_rejected"] + report["duplicates_dropped"]
    )
    assert sum(report["splits"].values()) == report["rows_kept"]


def test_clean_csv_keeps_every_row_and_maps_labels(prepare_config, tmp_path):
    path = tmp_path / "good.csv"
    path.write_text(HEADER + GOOD_ROWS)
    report, cfg = run(prepare_config, path)
    assert_accounted(report)
    assert report["rows_kept"] == 24 and report["rows_rejected"] == 0
    train = pd.read_parquet(f"{cfg.paths.prepared_dir}/train.parquet")
    assert set(train[schema.PRIORITY].astype(float).round(2)) == {0.2, 0.9}
    assert list(train[schema.TAGS].iloc[0]) in (["hardware", "office"], ["billing"])
    assert (tmp_path / "data/prepared/departments.txt").read_text().split() == ["finance", "it"]


def test_missing_column_names_file_column_and_the_columns_that_exist(prepare_config, tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(HEADER + GOOD_ROWS)
    with pytest.raises(schema.DataError) as error:
        run(prepare_config, path, "data.columns.title=subjekt")
    message = str(error.value)
    assert "data.columns.title = 'subjekt'" in message
    assert str(path) in message
    assert "id, subject, text, labels, prio, team" in message
    assert "did you mean 'subject'" in message


@pytest.mark.parametrize(
    "name, content",
    [("missing.csv", None), ("broken.parquet", b"PAR1 this is not parquet"), ("empty.csv", b"")],
)
def test_unreadable_file_stops_with_the_file_named(prepare_config, tmp_path, name, content):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(schema.DataError, match=r"cannot read .*" + name):
        run(prepare_config, path)


def test_unknown_format_is_named(prepare_config, tmp_path):
    path = tmp_path / "tickets.xml"
    path.write_text("x")
    with pytest.raises(schema.DataError, match=r"cannot tell the format of .*tickets.xml"):
        run(prepare_config, path)


def test_priority_map_that_matches_nothing_is_a_mapping_error(prepare_config, tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(HEADER + GOOD_ROWS)
    with pytest.raises(schema.DataError, match=r"maps none of the priority labels.*'high'"):
        run(prepare_config, path, "data.priority_map={P1: 1.0}")
    with pytest.raises(schema.DataError, match=r"priority_map is unset.*column 'prio'"):
        run(prepare_config, path, "data.priority_map=null")


def test_bad_rows_are_rejected_with_row_and_reason(prepare_config, tmp_path):
    bad = (
        "90,,,misc,high,it\n"  # no text
        "91,Server down,All servers are down,ops,urgent,it\n"  # unmapped priority
        "92,Desk broken,My desk wobbles,furniture,low,facilities\n"  # unknown department
        "93,Caf\xe9 order,Coffee machine broken,misc,low,it\n"  # not UTF-8 (a latin-1 byte)
        "94,Too,many,fields,here,low,it\n"  # malformed record
        "95,Slow laptop,,hardware,,it\n"  # missing priority
        "96,Printer 1 jammed,The printer on floor 1 jams on every page,hardware,high,it\n"  # dup
    )
    path = tmp_path / "bad.csv"
    path.write_bytes((HEADER + GOOD_ROWS + bad).encode("latin-1"))
    # Said to be UTF-8 (auto would read the whole file as cp1252): the latin-1 row is rejected.
    report, cfg = run(prepare_config, path, "data.departments=[it,finance]", "data.encoding=utf-8")
    assert_accounted(report)
    assert report["rows_in"] == 31
    assert (report["rows_kept"], report["rows_rejected"], report["duplicates_dropped"]) == (
        24,
        6,
        1,
    )
    rejects = rejects_of(cfg).set_index("ticket_id")
    assert rejects.loc["90", "reason"].startswith("no text")
    assert rejects.loc["91", "reason"] == "unmapped priority label 'urgent'"
    assert rejects.loc["92", "reason"].startswith("unknown department 'facilities'")
    assert rejects.loc["93", "reason"].startswith("undecodable bytes")
    assert rejects.loc["93", "column"] == "title" and "\\xe9" in rejects.loc["93", "title"]
    assert rejects.loc["95", "reason"] == "missing priority"
    assert rejects.loc["91", "row"] == "26"  # the 26th record of the file
    malformed = rejects_of(cfg).query("line != ''")
    assert malformed["reason"].str.startswith("malformed CSV record").all()
    assert malformed["line"].tolist() == ["30"] and "Too,many" in malformed["raw"].iloc[0]
    duplicates = pd.read_csv(f"{cfg.paths.prepared_dir}/duplicates.csv", dtype=str)
    assert duplicates.to_dict("records") == [
        {"ticket_id": "96", "duplicate_of": "1", "reason": "same title and body"}
    ]
    assert report["reject_reasons"]["undecodable bytes (invalid in the file encoding)"] == 1


def test_jsonl_with_list_tags_and_a_broken_line(prepare_config, tmp_path):
    rows = [
        {
            "id": i,
            "subject": f"Login {i} fails",
            "text": f"Cannot log in from office {i}",
            "labels": ["Access", "access", "SSO"],
            "prio": "high",
            "team": "it",
        }
        for i in range(12)
    ]
    lines = [json.dumps(row) for row in rows] + ["{not json", json.dumps([1, 2])]
    path = tmp_path / "export.jsonl"
    path.write_text("\n".join(lines) + "\n")
    report, cfg = run(prepare_config, path)
    assert_accounted(report)
    assert report["rows_in"] == 14 and report["rows_rejected"] == 2
    assert rejects_of(cfg)["line"].tolist() == ["13", "14"]
    train = pd.read_parquet(f"{cfg.paths.prepared_dir}/train.parquet")
    assert list(train[schema.TAGS].iloc[0]) == ["access", "sso"]


def test_parquet_without_optional_columns(prepare_config, tmp_path):
    frame = pd.DataFrame(
        {
            "subject": [f"Question {i} about the API" for i in range(30)],
            "text": [f"How do I page through results of call {i}?" for i in range(30)],
        }
    )
    path = tmp_path / "export.parquet"
    frame.to_parquet(path)
    report, cfg = run(
        prepare_config,
        path,
        "data.columns.ticket_id=null",
        "data.columns.tags=null",
        "data.columns.priority=null",
        "data.columns.department=null",
    )
    assert report["columns"] == ["ticket_id", "title", "body"]
    assert report["stratified_by"] is None
    assert sum(report["splits"].values()) == 30
    test = pd.read_parquet(f"{cfg.paths.prepared_dir}/test.parquet")
    assert test[schema.TICKET_ID].str.startswith("row-").all()


def test_class_too_rare_to_stratify_stays_in_train(prepare_config, tmp_path):
    path = tmp_path / "rare.csv"
    path.write_text(
        HEADER + GOOD_ROWS + "200,Chair squeaks,My chair squeaks loudly,office,low,hr\n"
    )
    report, _ = run(prepare_config, path)
    assert report["rare_classes"] == ["hr"]
    assert report["labels"]["department"]["train"]["hr"] == 1
    assert "hr" not in report["labels"]["department"]["test"]


def test_no_usable_rows_says_why(prepare_config, tmp_path):
    path = tmp_path / "empty_text.csv"
    path.write_text(HEADER + "1,,,a,high,it\n2,,,b,low,it\n")
    with pytest.raises(schema.DataError, match=r"no usable rows .*2 x no text"):
        run(prepare_config, path)


def test_hadoop_preset_accounts_for_every_row(prepare_config):
    from tests.conftest import REALDATA

    report = prepare_dataset(prepare_config("data=hadoop_jira", f"data.path={REALDATA}"))
    assert_accounted(report)
    assert report["rows_in"] == 2503
    assert report["columns"] == ["ticket_id", "title", "body", "priority"]
    assert 8 <= report["duplicates_dropped"] <= 12  # 9 exact repeats, plus case/space variants
    assert report["labels"]["priority"]["train"]["count"] == report["splits"]["train"]
