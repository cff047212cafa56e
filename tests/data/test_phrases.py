"""The synthetic generator's phrase tables as package data: read as text, shipped in the wheel,
and the corpus they make unchanged since they were Python tables."""

import fnmatch
import hashlib
import tomllib
from importlib import resources
from pathlib import Path

import pytest

from ticket_triage.data import phrases, synthetic

ROOT = Path(__file__).resolve().parents[2]
FILES = ("en", "zh", "en_long_tail")


@pytest.mark.parametrize("name", FILES)
def test_every_table_holds_text(name):
    """YAML reads some bare words as other types (``no``, ``1.0``): every entry must be text."""
    for key, value in phrases.tables(name).items():
        tables = value.values() if isinstance(value, dict) else [value]
        for table in tables:
            entries = table if isinstance(table, tuple) else (table,)
            assert entries and all(isinstance(entry, str) for entry in entries), key


def test_the_wheel_ships_every_phrase_file():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    globs = config["package-data"]["ticket_triage.data.phrases"]
    files = {item.name for item in resources.files(phrases).iterdir() if item.is_file()}
    data = {name for name in files if not name.endswith(".py")}
    assert data == {f"{name}.yaml" for name in FILES}
    assert all(any(fnmatch.fnmatch(name, glob) for glob in globs) for name in data)


@pytest.mark.parametrize(
    ("language", "long_tail", "fingerprint"),
    [
        ("en", False, "dd83dedd0d1c5252"),
        ("zh", False, "28c34235425a6f6b"),
        ("en", True, "48e7d7e3e99fcc1a"),
    ],
)
def test_the_corpus_is_the_one_the_python_tables_made(language, long_tail, fingerprint):
    """Fingerprints taken with the tables still in Python: a seed makes the same tickets. An
    intended change of a phrase changes them; then take the new ones."""
    tickets = synthetic.generate_tickets(300, seed=7, language=language, long_tail=long_tail)
    text = tickets.to_json(orient="records", force_ascii=False)
    assert hashlib.sha256(text.encode()).hexdigest()[:16] == fingerprint
