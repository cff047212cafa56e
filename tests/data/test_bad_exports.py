"""Bad exports a new user meets, through the real `prepare` stage: each stops with one message
naming what is wrong and where, never a silent loss."""

import shlex

import pandas as pd
import pytest

from ticket_triage.data import schema
from ticket_triage.data.prepare import prepare_dataset

LEVELS = "data.priority_map={1: 1.0, 2: 0.75, 3: 0.5, 4: 0.25, 5: 0.0}"
MAPPING = [
    "data=csv",
    "data.columns.ticket_id=id",
    "data.columns.title=subject",
    "data.columns.body=description",
    "data.columns.tags=null",
    "data.columns.priority=prio",
    "data.columns.department=team",
]


def export(tmp_path, tickets=60, name="export.csv"):
    frame = pd.DataFrame(
        {
            "id": range(tickets),
            "subject": [f"vpn down {i}" if i % 2 else f"invoice wrong {i}" for i in range(tickets)],
            "description": [f"ticket body {i}" for i in range(tickets)],
            "prio": [1 + i % 5 for i in range(tickets)],
            "team": ["it" if i % 2 else "finance" for i in range(tickets)],
        }
    )
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


def prepare(prepare_config, path, *overrides):
    return prepare_dataset(prepare_config(*MAPPING, f"data.path={path}", *overrides))


def test_numeric_priorities_without_a_map_stop_and_the_suggested_map_works(
    prepare_config, tmp_path
):
    path = export(tmp_path)
    with pytest.raises(schema.DataError, match="numbers from 1 to 5") as error:
        prepare(prepare_config, path)
    message = str(error.value)
    assert "if 1 is the most urgent" in message and "if 5 is" in message
    suggested = shlex.split(message[message.index('"data.priority_map') :])[0]  # as pasted
    report = prepare(prepare_config, path, suggested)
    assert report["rows_kept"] == 60 and report["rows_rejected"] == 0
    train = pd.read_parquet(tmp_path / "data" / "prepared" / "train.parquet")
    assert train["priority"].nunique() == 5  # five levels, not 1.0 for a fifth of the rows


def test_a_repeated_column_name_stops_naming_it_and_its_positions(prepare_config, tmp_path):
    path = tmp_path / "repeated.csv"
    path.write_text(
        "id,subject,subject,description,prio,team\n"
        + "".join(f"{i},,Printer {i} jams,body {i},0.5,it\n" for i in range(20))
    )
    with pytest.raises(schema.DataError, match=r"'subject' at positions 2, 3"):
        prepare(prepare_config, path)


@pytest.mark.parametrize("overrides", [[], ["data.format=csv"]])
def test_an_excel_workbook_says_to_save_it_as_csv(prepare_config, tmp_path, overrides):
    path = tmp_path / "export.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\0" * 100)  # a workbook is a zip archive
    with pytest.raises(schema.DataError, match="save it as CSV"):
        prepare(prepare_config, path, *overrides)


def test_a_directory_as_the_path_is_named_a_directory(prepare_config, tmp_path):
    with pytest.raises(schema.DataError, match="is a directory"):
        prepare(prepare_config, tmp_path, "data.format=csv")


def test_every_wrong_column_is_named_once_with_case_blind_suggestions(prepare_config, tmp_path):
    path = export(tmp_path)
    frame = pd.read_csv(path).rename(columns={"description": "DESCRIPTION", "team": "Team"})
    frame.to_csv(path, index=False)
    with pytest.raises(schema.DataError) as error:
        prepare(prepare_config, path, "data.priority_map={1: 1.0, 5: 0.0}")
    message = str(error.value)
    assert "data.columns.body = 'description' (did you mean 'DESCRIPTION'?)" in message
    assert "data.columns.department = 'team' (did you mean 'Team'?)" in message
    assert message.count("its columns are") == 1


def test_rejects_name_the_row_a_user_finds_after_a_malformed_line(prepare_config, tmp_path):
    path = tmp_path / "malformed.csv"
    good = "".join(f"T{i},Printer {i} jams,body {i},0.5,it\n" for i in range(10, 40))
    path.write_text(
        "id,subject,description,prio,team\n"
        "T1,VPN down,body,0.5,it\n"
        "T2,a,b,0.5,it,one field too many\n"  # malformed: row 2
        "T3,Invoice wrong,body,0.5,finance\n"
        "T4,,,0.5,it\n" + good  # no text: rejected as row 4, the fourth record of the file
    )
    prepare(prepare_config, path)
    rejects = pd.read_csv(tmp_path / "data" / "prepared" / "rejects.csv")
    assert rejects.loc[rejects["reason"].str.contains("no text"), "row"].tolist() == [4]


def test_a_repeated_ticket_id_with_other_text_is_reported_and_kept_once(prepare_config, tmp_path):
    path = export(tmp_path, tickets=80)
    frame = pd.read_csv(path)
    frame.loc[frame.index[-10:], "id"] = frame["id"].iloc[:10].to_numpy()  # ids 0-9 again
    frame.to_csv(path, index=False)
    report = prepare(prepare_config, path, LEVELS)
    assert (
        report["rows_in"]
        == report["rows_kept"] + report["rows_rejected"] + report["duplicates_dropped"]
    )
    prepared = tmp_path / "data" / "prepared"
    duplicates = pd.read_csv(prepared / "duplicates.csv")
    repeated = duplicates[duplicates["reason"] == "ticket id repeated with other text"]
    assert sorted(repeated["ticket_id"]) == list(range(10))
    ids = pd.concat(pd.read_parquet(prepared / f"{s}.parquet") for s in ("train", "val", "test"))
    assert not ids["ticket_id"].duplicated().any()  # one id, one ticket, one split


def test_a_megabyte_of_text_is_read_up_to_the_cap_and_reported(prepare_config, tmp_path):
    path = export(tmp_path)
    frame = pd.read_csv(path)
    frame.loc[5, "description"] = " ".join(["stacktrace"] * 150_000)  # a pasted log, ~1.6 MB
    frame.to_csv(path, index=False)
    report = prepare(prepare_config, path, LEVELS, "vocab.max_tokens_per_text=500")
    assert report["texts_cut"] == {"title": 0, "body": 1}
    assert report["max_tokens_per_text"] == 500
