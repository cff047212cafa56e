"""The splits as MLflow dataset inputs: a large split's schema comes from its first rows, its
row count from all of them."""

import json

import pandas as pd

from ticket_triage.tracking.datasets import SCHEMA_ROWS, file_md5, split_inputs


def test_a_split_larger_than_the_schema_sample_keeps_its_row_count_and_columns(tmp_path):
    rows = SCHEMA_ROWS * 3 + 7
    frame = pd.DataFrame(
        {
            "ticket_id": [f"t{i}" for i in range(rows)],
            "title": ["Refund please"] * rows,
            "tags": [["billing", "refund"]] * rows,
            "priority": [0.5] * rows,
            "department": ["billing"] * rows,
        }
    )
    frame.to_parquet(tmp_path / "train.parquet")

    (entry,) = split_inputs(tmp_path, {"train": frame})

    assert json.loads(entry.dataset.profile)["num_rows"] == rows
    assert entry.dataset.digest == file_md5(tmp_path / "train.parquet")
    columns = [spec["name"] for spec in json.loads(entry.dataset.schema)["mlflow_colspec"]]
    assert columns == list(frame.columns)
