"""The prepared splits as MLflow dataset inputs, so a run's page lists what it was trained on.

Each split (``train``, ``val``, ``test``) is logged with its name, its source (the Parquet file
``prepare`` wrote), its schema and row count, and as digest the MD5 of that file: the hash DVC
records for it in the ``data/prepared`` manifest, so the digest is the data version.
"""

import hashlib
import warnings
from pathlib import Path

from ticket_triage.data import schema

CONTEXT_TAG = "mlflow.data.context"  # MLflow's tag for the role of a dataset in a run


def split_inputs(prepared_dir, frames):
    """``mlflow.entities.DatasetInput`` for each split in ``frames`` (name -> DataFrame)."""
    import mlflow.data
    from mlflow.entities import Dataset, DatasetInput, InputTag

    inputs = []
    for name, frame in frames.items():
        path = (Path(prepared_dir) / f"{name}.parquet").resolve()
        with warnings.catch_warnings():  # a local path is a local file: nothing to warn about
            warnings.filterwarnings("ignore", "The specified dataset source can be interpreted")
            dataset = mlflow.data.from_pandas(
                frame,
                source=str(path),
                name=name,
                digest=file_md5(path),
                targets=schema.DEPARTMENT if schema.DEPARTMENT in frame else None,
            )
        inputs.append(
            DatasetInput(Dataset(**dataset.to_dict()), tags=[InputTag(CONTEXT_TAG, name)])
        )
    return inputs


def file_md5(path, chunk_size=1 << 20):
    """The MD5 hex digest of a file, as DVC computes it."""
    digest = hashlib.md5()
    with open(path, "rb") as handle:
        while chunk := handle.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()
