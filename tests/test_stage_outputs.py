"""Stages own their outputs: a second dataset prepared into the same folder leaves nothing of the
first behind, a failed run leaves the previous outputs as they were, and training replaces
models/ whole."""

import pandas as pd
import pytest

from tests.conftest import compose_config
from ticket_triage.data import schema
from ticket_triage.data.prepare import prepare_dataset
from ticket_triage.outputs import fresh_in_place

NO_TAGS = [
    "data=csv",
    "data.columns.ticket_id=id",
    "data.columns.title=subject",
    "data.columns.body=text",
    "data.columns.tags=null",
    "data.columns.priority=null",
    "data.columns.department=team",
]


def export_without_tags(path, tickets=240):
    teams = ["it", "finance", "facilities"]
    words = {
        "it": "laptop vpn password",
        "finance": "invoice refund charge",
        "facilities": "desk light heating",
    }
    rows = [
        {
            "id": i,
            "subject": f"{words[team].split()[i % 3]} issue {i}",
            "text": f"{words[team]} ticket {i}",
            "team": team,
        }
        for i in range(tickets)
        for team in [teams[i % 3]]
    ]
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def prepare(tmp_path, *overrides):
    return prepare_dataset(
        compose_config("prepare", [f"paths.data_dir={tmp_path}/data", *overrides])
    )


def train(tmp_path):
    from ticket_triage.training.run import train as run_training

    cfg = compose_config(
        "train",
        [
            f"paths.data_dir={tmp_path}/data",
            f"paths.models_dir={tmp_path}/models",
            f"paths.reports_dir={tmp_path}/reports",
            "tracking=none",
            "loop.verbose=0",
            "trainer.epochs=1",
            "model.width=8",
        ],
    )
    return run_training(cfg)


@pytest.mark.trains
def test_a_second_dataset_without_tags_in_the_same_folder_trains(tmp_path):
    prepare(tmp_path, "data.num_tickets=400")
    prepared = tmp_path / "data" / "prepared"
    assert (prepared / schema.VOCABULARY_FILES["tags"]).exists()
    train(tmp_path)
    assert (tmp_path / "models" / "departments.txt").exists()

    prepare(tmp_path, *NO_TAGS, f"data.path={export_without_tags(tmp_path / 'export.csv')}")
    assert not (prepared / schema.VOCABULARY_FILES["tags"]).exists()  # nothing of the first
    assert not (prepared / "difficulties.txt").exists()
    summary = train(tmp_path)
    assert summary["epochs_run"] == 1
    assert not list(tmp_path.glob("data/.prepared.*")) and not list(tmp_path.glob(".models.*"))


def test_a_failed_prepare_leaves_the_previous_outputs(tmp_path):
    prepare(tmp_path, "data.num_tickets=300")
    prepared = tmp_path / "data" / "prepared"
    before = {path.name: path.read_bytes() for path in prepared.iterdir() if path.is_file()}
    blank = tmp_path / "blank.csv"
    blank.write_text("id,subject,text,team\n1,,,it\n2,,,it\n")
    with pytest.raises(schema.DataError, match=r"no usable rows .*prepared\.rejects\.csv"):
        prepare(tmp_path, *NO_TAGS, f"data.path={blank}")
    after = {path.name: path.read_bytes() for path in prepared.iterdir() if path.is_file()}
    assert after == before
    assert len(pd.read_csv(tmp_path / "data" / "prepared.rejects.csv")) == 2
    assert not list((tmp_path / "data").glob(".prepared.partial-*"))


def test_a_failed_training_puts_the_previous_models_back(tmp_path):
    models = tmp_path / "models"
    models.mkdir()
    (models / "best.keras").write_text("the previous model")
    with pytest.raises(RuntimeError, match="failed"), fresh_in_place(models) as folder:
        assert list(folder.iterdir()) == []  # a fresh run starts empty
        (folder / "partial.keras").write_text("half a model")
        raise RuntimeError("training failed")
    assert [path.name for path in models.iterdir()] == ["best.keras"]
    with fresh_in_place(models) as folder:
        (folder / "new.keras").write_text("a new model")
    assert [path.name for path in models.iterdir()] == ["new.keras"]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["models"]
