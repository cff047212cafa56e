"""The served model's files: their names, writing them beside the model, loading them back.

``train`` writes three files into ``models/``: the Keras serving model (``serving.keras``, raw
strings in), with a department head the department names in the order of its output
(``departments.txt``), and what to trust of it (``trust.json``: calibration, review threshold,
drift reference). The labeled MLflow model carries the same files as its artifacts
(``serving_model``, ``departments``, ``trust``). Bulk ``predict`` loads them from the folder or from
MLflow, the served MLflow model from its artifacts: all through here, so every name is written
once and ``predictor``, which runs the model, loads nothing itself.

Example:
    >>> predictor = load_predictor("models")                                    # doctest: +SKIP
    >>> predictor = load_predictor("models", "models:/ticket-triage@champion")  # doctest: +SKIP
"""

import shutil
from pathlib import Path

from ticket_triage.data import schema
from ticket_triage.data.vocab import load_vocabulary
from ticket_triage.errors import DataError
from ticket_triage.trust import profile
from ticket_triage.trust.profile import Trust

SERVING_FILE = "serving.keras"
DEPARTMENTS_FILE = schema.VOCABULARY_FILES[schema.DEPARTMENT]
TRUST_FILE = profile.FILE
SERVING_MODEL = "serving_model"  # the same files, as artifacts of the labeled MLflow model
DEPARTMENTS = "departments"
TRUST = "trust"


def save(serving, prepared_dir, models_dir):
    """Write the serving model into ``models_dir`` and copy the department names beside it.

    Returns:
        ``(serving file, departments file)``; the second is ``None`` without a department head.
    """
    models_dir = Path(models_dir)
    serving.save(models_dir / SERVING_FILE)
    departments = Path(prepared_dir) / DEPARTMENTS_FILE
    if not departments.exists():
        return models_dir / SERVING_FILE, None
    shutil.copyfile(departments, models_dir / DEPARTMENTS_FILE)
    return models_dir / SERVING_FILE, models_dir / DEPARTMENTS_FILE


def mlflow_artifacts(serving_file, departments_file, trust_file=None):
    """The labeled MLflow model's artifacts: artifact name -> file (a model trained before
    ``trust.json`` has none)."""
    artifacts = {SERVING_MODEL: str(serving_file)}
    if departments_file is not None:
        artifacts[DEPARTMENTS] = str(departments_file)
    if trust_file is not None:
        artifacts[TRUST] = str(trust_file)
    return artifacts


def read_predictor(artifacts, batch_size=1024, source="", explained=0):
    """A ``Predictor`` over the files of :func:`mlflow_artifacts` (a missing departments file:
    no department names; a missing trust file: no route), explaining ``explained`` tokens."""
    import keras

    import ticket_triage.models  # noqa: F401  (registers the classes the model holds)
    from ticket_triage.triage.predictor import Predictor  # TensorFlow loads here

    serving = keras.saving.load_model(artifacts[SERVING_MODEL], safe_mode=True)
    return Predictor(
        serving, read_departments(artifacts), batch_size, source, read_trust(artifacts), explained
    )


def read_departments(artifacts):
    """The department names of :func:`mlflow_artifacts` (none without that file)."""
    departments = artifacts.get(DEPARTMENTS)
    return load_vocabulary(departments) if departments else []


def read_trust(artifacts):
    """The ``Trust`` of :func:`mlflow_artifacts` (``None`` without that file: no route)."""
    return Trust.load(artifacts[TRUST]) if TRUST in artifacts else None


def load_predictor(models_dir, model_uri=None, tracking_uri=None, batch_size=1024, explained=0):
    """A ``Predictor`` from ``model_uri`` (an MLflow model URI) when given, else ``models_dir``;
    it explains ``explained`` tokens per ticket (0: no explanations)."""
    if model_uri:
        return _from_mlflow(model_uri, tracking_uri, batch_size, explained)
    models_dir = Path(models_dir)
    serving_file, departments_file = models_dir / SERVING_FILE, models_dir / DEPARTMENTS_FILE
    if not serving_file.exists():
        raise DataError(
            f"no trained model at {serving_file}: run `dvc repro train` (or "
            "`python -m pipelines.train`) first, or set predict.model_uri"
        )
    departments = departments_file if departments_file.exists() else None
    trust = models_dir / TRUST_FILE
    predictor = read_predictor(
        mlflow_artifacts(serving_file, departments, trust if trust.exists() else None),
        batch_size,
        str(serving_file),
        explained,
    )
    if schema.HEAD_DEPARTMENT in predictor.serving.output and departments is None:
        raise DataError(
            f"{departments_file} is missing: the model's department classes have no names; "
            "train again (`dvc repro train`) to write it beside the model"
        )
    return predictor


def _from_mlflow(model_uri, tracking_uri, batch_size, explained):
    """The ``Predictor`` inside the labeled model at ``model_uri`` (``mlflow_model``)."""
    import mlflow
    from mlflow.exceptions import MlflowException

    from ticket_triage.tracking.store import fluent_tracking_uri, resolve_uri
    from ticket_triage.triage.predictor import Predictor

    uri = resolve_uri(tracking_uri)
    try:
        with fluent_tracking_uri(uri):
            labeled = mlflow.pyfunc.load_model(model_uri).unwrap_python_model()
    except MlflowException as error:
        raise DataError(f"cannot load predict.model_uri={model_uri} from {uri}: {error}") from error
    loaded = getattr(labeled, "predictor", None)  # what the labeled model answers with
    if not isinstance(loaded, Predictor):
        raise DataError(
            f"predict.model_uri={model_uri} is not a ticket-triage model "
            f"(it holds {type(labeled).__name__}); use the `model` a training run logged"
        )
    return Predictor(
        loaded.serving, loaded.departments, batch_size, model_uri, loaded.trust, explained
    )
