"""Tickets to triage, a chunk at a time, from the same ``data`` config ``prepare`` reads.

Only the input columns are read (``ticket_id``, ``title``, ``body``, ``tags``): an export without
labels is the normal case, and a label column that exists is ignored. A row is unusable for the
same input reasons as in ``prepare`` (a malformed record, undecodable bytes, no text); it comes
back as a reject with its reason, so ``rows_in == tickets + rejects`` in every chunk.

Example:
    >>> for chunk in ticket_chunks(cfg.data, chunk_size=50_000, seed=0):     # doctest: +SKIP
    ...     chunk.tickets.columns.tolist(), len(chunk.rejects), chunk.rows_in
    (['ticket_id', 'title', 'body', 'tags'], 3, 50000)
"""

from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from ticket_triage.data import clean, ingest, schema, source, synthetic

INPUT_FIELDS = (schema.TICKET_ID, schema.TITLE, schema.BODY, schema.TAGS)


class Chunk(NamedTuple):
    tickets: pd.DataFrame  # usable tickets: ticket_id, title, body and (when mapped) tags
    rejects: pd.DataFrame  # unusable rows: where (row or line), reason, column, their values
    rows_in: int  # records read in this chunk (tickets + rejects)


def ticket_chunks(data, chunk_size, seed=0):
    """Chunks of tickets from ``data`` (a ``conf/data`` config: a synthetic source or a file).

    Args:
        data: the ``data`` config, as for ``prepare``; ``num_tickets`` caps the rows read.
        chunk_size: records per chunk.
        seed: the synthetic generator's seed (each chunk draws its own stream from it).
    """
    if source.choose(data) == source.SYNTHETIC:
        return _synthetic(data, chunk_size, seed)
    return _file(data, chunk_size)


def known_size(data):
    """How many records ``ticket_chunks`` will read, when that is known without reading them."""
    if source.choose(data) == source.SYNTHETIC:
        return data.num_tickets
    path = Path(data.path)
    if ingest.FORMATS.get(path.suffix.lower()) == "parquet":
        import pyarrow.parquet as pq

        rows = pq.read_metadata(path).num_rows
        return min(rows, data.num_tickets) if data.num_tickets else rows
    return data.num_tickets


def _synthetic(data, chunk_size, seed):
    for index, start in enumerate(range(0, data.num_tickets, chunk_size)):
        size = min(chunk_size, data.num_tickets - start)
        frame = synthetic.generate_tickets(
            size,
            seed=np.random.SeedSequence([seed, index]),
            language=data.language,
            long_tail=data.long_tail,
        )
        rows = np.arange(start + 1, start + size + 1)
        frame[schema.TICKET_ID] = [f"S{row:07d}" for row in rows]  # unique across chunks
        frame.insert(0, ingest.ROW, rows)
        tickets, rejects = clean.clean_rows(frame[[ingest.ROW, *INPUT_FIELDS]])
        yield Chunk(tickets, rejects, size)


def _file(data, chunk_size):
    path = Path(data.path)
    columns = {field: data.columns.get(field) for field in INPUT_FIELDS}
    for export in ingest.read_chunks(
        path, chunk_size, data.format, data.num_tickets, data.csv_separator, data.encoding
    ):
        table = ingest.map_columns(export.records, columns, source=path)
        tickets, rejects = clean.clean_rows(table, tags_separator=data.tags_separator)
        if len(export.malformed):
            rejects = pd.concat([rejects, export.malformed], ignore_index=True)
        yield Chunk(tickets, rejects, len(export.records) + len(export.malformed))
