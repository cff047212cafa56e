"""`prepare` is a pure function of its input and config: two runs write byte-identical files, so
a rerun changes no DVC output hash and retrains nothing downstream."""

from tests.conftest import prepare_synthetic


def test_two_prepare_runs_write_identical_bytes(tmp_path):
    first = prepare_synthetic(tmp_path / "first", 800)
    second = prepare_synthetic(tmp_path / "second", 800)
    names = sorted(path.name for path in first.iterdir())
    assert names == sorted(path.name for path in second.iterdir())
    assert {"report.json", "train.parquet", "vocab_body.txt", "rejects.csv"} <= set(names)
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
