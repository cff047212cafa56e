"""The prepare stage under the real `dvc repro`, in a fresh git clone."""

import json

import pytest
import yaml

from tests.project_copy import fresh_clone, run_in


@pytest.mark.slow
def test_dvc_repro_prepares_then_skips(tmp_path):
    clone = fresh_clone(tmp_path)
    params = yaml.safe_load((clone / "params.yaml").read_text())
    params["prepare"]["num_tickets"] = 3000
    (clone / "params.yaml").write_text(yaml.safe_dump(params))

    first = run_in(clone, "dvc", "repro", "prepare")
    assert "Running stage 'prepare'" in first
    report = json.loads((clone / "data/prepared/report.json").read_text())
    assert report["rows_in"] == 3000
    assert sum(report["splits"].values()) == report["rows_kept"]
    assert (clone / "dvc.lock").exists()
    written = (clone / "data/prepared/train.parquet").stat().st_mtime_ns

    second = run_in(clone, "dvc", "repro", "prepare")
    assert "didn't change, skipping" in second
    assert (clone / "data/prepared/train.parquet").stat().st_mtime_ns == written

    params["prepare"]["seed"] = 7
    (clone / "params.yaml").write_text(yaml.safe_dump(params))
    third = run_in(clone, "dvc", "repro", "prepare")
    assert "Running stage 'prepare'" in third
