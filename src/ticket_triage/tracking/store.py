"""Where runs go, and talking to that store reliably.

The default store is one SQLite file at the project root, ``sqlite:///<root>/mlruns.db``, written
as an absolute path so that Hydra's run directories, parallel sweep jobs and DVC's queued
experiments (which run in a temporary copy under ``.dvc/tmp/exps/``) all land in the same store.
``tracking.uri`` (first) or ``MLFLOW_TRACKING_URI`` point elsewhere, e.g. at an ``mlflow server``.

SQLite allows one writer at a time: parallel jobs see "database is locked". ``retrying`` waits
and tries again, and first-time set-up (schema creation, the experiment) happens under a file
lock, so no run or metric is lost.
"""

import contextlib
import functools
import logging
import os
import random
import time
from pathlib import Path
from urllib.error import URLError
from urllib.request import urlopen

from ticket_triage.errors import TrackingUnavailable

log = logging.getLogger(__name__)

DB_NAME = "mlruns.db"
_EXPERIMENT_COPY = f"{os.sep}.dvc{os.sep}tmp{os.sep}exps{os.sep}"


@functools.cache
def outage_errors():
    """Exception types that mean "the store or the network failed", not "our code is wrong".

    Imported on first use: importing MLflow costs about a second.
    """
    from mlflow.exceptions import MlflowException
    from requests.exceptions import RequestException
    from sqlalchemy.exc import SQLAlchemyError

    return (MlflowException, RequestException, SQLAlchemyError, OSError)


def project_root(cwd=None):
    """The project root, seen through DVC's temporary experiment copies."""
    cwd = str(Path(cwd or Path.cwd()).resolve())
    return Path(cwd.split(_EXPERIMENT_COPY)[0]) if _EXPERIMENT_COPY in cwd else Path(cwd)


def resolve_uri(configured=None):
    """``tracking.uri`` if set, else ``MLFLOW_TRACKING_URI``, else the project's SQLite file."""
    uri = configured or os.environ.get("MLFLOW_TRACKING_URI")
    return uri or f"sqlite:///{project_root() / DB_NAME}"


def check_reachable(uri, timeout=5.0):
    """Fail fast, with one clear message, when an HTTP tracking server does not answer."""
    if not uri.startswith(("http://", "https://")):
        return
    try:
        with urlopen(f"{uri.rstrip('/')}/health", timeout=timeout) as response:
            if response.status == 200:
                return
    except (URLError, OSError) as error:
        raise TrackingUnavailable(
            f"MLflow tracking server {uri} is unreachable ({error}); start it, fix tracking.uri "
            "/ MLFLOW_TRACKING_URI, or run with tracking=none (or tracking.optional=true)"
        ) from error
    raise TrackingUnavailable(f"MLflow tracking server {uri} answered /health with an error")


def bounded_http_retries():
    """MLflow retries a dead server for minutes by default; a training run cannot wait that long."""
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "2")
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR", "1")
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "20")


# Transient store errors and how often each is retried. Two writers inserting the same new row
# at once (parallel jobs logging the same dataset) make one fail on the unique key; tried again,
# the row exists and the call goes through.
_TRANSIENT = {
    "database is locked": 30,  # SQLite: one writer at a time
    "duplicate key value violates unique constraint": 5,  # PostgreSQL
    "UNIQUE constraint failed": 5,  # SQLite
}


def retrying(call, *args, **kwargs):
    """Call ``call(*args, **kwargs)``, waiting out SQLite locks and concurrent-insert conflicts."""
    attempt = 0
    while True:
        try:
            return call(*args, **kwargs)
        except Exception as error:
            attempts = next((n for text, n in _TRANSIENT.items() if text in str(error)), 0)
            attempt += 1
            if attempt >= attempts:
                raise
            time.sleep(min(2.0, 0.05 * 2**attempt) * (0.5 + random.random()))


def lock_path(uri):
    """A lock file beside a SQLite store (or in the project root for other stores)."""
    if uri.startswith("sqlite:///"):
        return Path(uri.removeprefix("sqlite:///") + ".lock")
    return project_root() / ".mlflow-setup.lock"


def search_all(client, experiment_id, filter_string):
    """Every run of ``experiment_id`` matching ``filter_string``, page after page."""
    token = None
    while True:
        page = retrying(
            client.search_runs, [experiment_id], filter_string, max_results=1000, page_token=token
        )
        yield from page
        token = page.token
        if not token:
            return


@contextlib.contextmanager
def fluent_tracking_uri(uri):
    """Point MLflow's fluent API at ``uri`` for a moment, then put everything back."""
    import mlflow

    previous, previous_env = mlflow.get_tracking_uri(), os.environ.get("MLFLOW_TRACKING_URI")
    mlflow.set_tracking_uri(uri)
    try:
        yield
    finally:
        mlflow.set_tracking_uri(previous)
        if previous_env is None:
            os.environ.pop("MLFLOW_TRACKING_URI", None)
        else:
            os.environ["MLFLOW_TRACKING_URI"] = previous_env
