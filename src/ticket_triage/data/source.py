"""Which source a ``data`` config names: the synthetic generator or an export file.

``prepare`` and ``predict`` read the same ``data`` config; both choose the source here, so a
mistake in it reads the same in either, and is found before anything slow starts.

Example:
    >>> from omegaconf import OmegaConf
    >>> choose(OmegaConf.create({"source": "synthetic", "num_tickets": 500}))
    'synthetic'
    >>> name(OmegaConf.create({"source": "synthetic", "num_tickets": 500}))
    'synthetic(num_tickets=500)'
"""

from pathlib import Path

from ticket_triage.data import ingest, schema

SYNTHETIC = "synthetic"
FILE = "file"


def choose(data):
    """``synthetic`` or ``file``, as ``data.source`` says.

    Raises:
        DataError: for another source, or a file source whose ``data.path`` is unset or that
            cannot be read (:func:`ingest.check_file`).
    """
    if data.source == SYNTHETIC:
        return SYNTHETIC
    if data.source != FILE:
        raise schema.DataError(f"data.source = '{data.source}' is not one of {SYNTHETIC}, {FILE}")
    if not data.get("path"):
        raise schema.DataError("data.path is not set: point it at a CSV, Parquet or JSONL export")
    ingest.check_file(data.path, data.get("format", "auto"))
    return FILE


def name(data):
    """How reports and messages name the source: ``synthetic(num_tickets=N)`` or the file."""
    if data.source == SYNTHETIC:
        return f"{SYNTHETIC}(num_tickets={data.num_tickets})"
    return str(Path(data.path))
