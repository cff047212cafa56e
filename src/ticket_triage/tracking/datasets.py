"""The prepared splits as MLflow dataset inputs, so a run's page lists what it was trained on.

Each split (``train``, ``val``, ``test``) is logged with its name, its source (the Parquet file
``prepare`` wrote), its schema and row count, and as digest the MD5 of that file: the hash DVC
records for it in the ``data/prepared`` manifest, so the digest is the data version.
"""

import hashlib
import json
import warnings
from pathlib import Path

from ticket_triage.data import schema

CONTEXT_TAG = "mlflow.data.context"  # MLflow's tag for the role of a dataset in a run
SCHEMA_ROWS = 1000  # rows a split's schema is inferred from


def split_inputs(prepared_dir, frames):
    """``mlflow.entities.DatasetInput`` for each split in ``frames`` (name -> DataFrame).

    The schema is inferred from a split's first ``SCHEMA_ROWS`` rows, its profile (row count)
    from all of them: MLflow infers a schema value by value, 0.9 s for the default splits on 2
    cores (their tag lists). A column whose first rows are all missing may then be logged
    without its type; the run's page shows what the first rows hold.
    """
    import mlflow.data
    from mlflow.entities import Dataset, DatasetInput, InputTag

    inputs = []
    for name, frame in frames.items():
        path = (Path(prepared_dir) / f"{name}.parquet").resolve()

        def dataset(rows, name=name, path=path):
            with warnings.catch_warnings():  # a local path is a local file: nothing to warn of
                warnings.filterwarnings("ignore", "The specified dataset source can be interpreted")
                return mlflow.data.from_pandas(
                    rows,
                    source=str(path),
                    name=name,
                    digest=file_md5(path),
                    targets=schema.DEPARTMENT if schema.DEPARTMENT in rows else None,
                )

        fields = dataset(frame.head(SCHEMA_ROWS)).to_dict()
        fields["profile"] = json.dumps(dataset(frame).profile)
        inputs.append(DatasetInput(Dataset(**fields), tags=[InputTag(CONTEXT_TAG, name)]))
    return inputs


def file_md5(path, chunk_size=1 << 20):
    """The MD5 hex digest of a file, as DVC computes it."""
    digest = hashlib.md5()
    with open(path, "rb") as handle:
        while chunk := handle.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()
