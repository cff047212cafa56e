"""Inspection output: summary, layer table and plot_model images (or a clear skip)."""

import csv
import logging

import pytest

from tests.conftest import require_tool
from tests.models.apis import BUILDERS
from ticket_triage.models.inspection import inspect_model
from ticket_triage.models.spec import TicketSpec

SPEC = TicketSpec(title_dim=40, body_dim=60, tags_dim=12, num_departments=4)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("api", list(BUILDERS))
def test_writes_summary_layer_table_and_valid_png(api, tmp_path):
    require_tool("dot", "Graphviz draws plot_model's images")
    model = BUILDERS[api](SPEC, width=16, depth=1, batch_norm=True)
    written = inspect_model(model, tmp_path)
    names = sorted(path.name for path in written)
    assert names == ["layers.csv", "model.png", "model_nested.png", "summary.txt"]
    assert "Total params" in (tmp_path / "summary.txt").read_text()
    rows = list(csv.DictReader((tmp_path / "layers.csv").open()))
    assert "features" in [row["name"] for row in rows]
    trainable = sum(int(row["trainable_params"]) for row in rows)
    frozen = sum(int(row["non_trainable_params"]) for row in rows)
    assert trainable + frozen == model.count_params()
    for image in ("model.png", "model_nested.png"):
        data = (tmp_path / image).read_bytes()
        assert data.startswith(PNG_SIGNATURE) and len(data) > 2000


def test_without_graphviz_plots_are_skipped_with_one_warning(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))  # a PATH on which `dot` is not found
    model = BUILDERS["functional"](SPEC, width=8)
    with caplog.at_level(logging.WARNING):
        written = inspect_model(model, tmp_path / "out")
    assert sorted(path.name for path in written) == ["layers.csv", "summary.txt"]
    warnings = [r for r in caplog.records if "Graphviz" in r.getMessage()]
    assert len(warnings) == 1
