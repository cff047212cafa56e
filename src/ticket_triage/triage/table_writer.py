"""Append DataFrames to one CSV or Parquet file (chosen by suffix), a chunk at a time.

Example:
    >>> with TableWriter("triaged.parquet") as out:                          # doctest: +SKIP
    ...     for frame in frames:
    ...         out.write(frame)
"""

from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from ticket_triage.errors import ConfigError

SUFFIXES = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}


def check_output(path, key):
    """The format of ``path`` by its suffix; a ``ConfigError`` naming ``key`` otherwise."""
    kind = SUFFIXES.get(Path(path).suffix.lower())
    if kind is None:
        raise ConfigError(f"{key} = '{path}': the file must end in {', '.join(SUFFIXES)}")
    return kind


class TableWriter:
    """Writes every chunk with the first chunk's schema (columns and types)."""

    def __init__(self, path, key="predict.output"):
        self.path = Path(path)
        self.kind = check_output(self.path, key)
        self._writer = self._schema = None

    def write(self, frame):
        table = pa.Table.from_pandas(frame, preserve_index=False)
        if self._writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if self.kind == "parquet":
                self._writer = pq.ParquetWriter(self.path, table.schema)
            else:
                self._writer = pa_csv.CSVWriter(self.path, table.schema)
            self._schema = table.schema
        self._writer.write_table(table.cast(self._schema))

    def close(self):
        if self._writer is not None:
            self._writer.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
