"""Which store errors are waited out and which are raised at once: real errors of SQLite (through
SQLAlchemy and MLflow's wrapper, as MLflow's SQL store raises them), PostgreSQL and a server."""

import sqlite3

import psycopg2.errors
import pytest
import sqlalchemy
import tenacity
from mlflow.exceptions import MlflowException, RestException

from ticket_triage.tracking import store


def store_error(tmp_path, statement, locked=False):
    """The error MLflow's SQL store raises when ``statement`` fails on a SQLite file: SQLAlchemy's
    error raised from sqlite3's, wrapped in an ``MlflowException`` (``mlflow.store.db.utils``)."""
    path = tmp_path / "store.db"
    setup = sqlite3.connect(path)
    setup.execute("CREATE TABLE IF NOT EXISTS runs (id TEXT PRIMARY KEY, name TEXT UNIQUE)")
    setup.execute("INSERT OR IGNORE INTO runs VALUES ('a', 'first')")
    setup.commit()
    if locked:  # another writer holds the file
        setup.execute("BEGIN EXCLUSIVE")
    engine = sqlalchemy.create_engine(f"sqlite:///{path}", connect_args={"timeout": 0})
    try:
        with engine.begin() as connection:
            connection.execute(sqlalchemy.text(statement))
    except sqlalchemy.exc.SQLAlchemyError as error:
        try:
            raise MlflowException(str(error)) from error
        except MlflowException as wrapped:
            return wrapped
    finally:
        setup.close()
        engine.dispose()
    raise AssertionError(f"{statement} did not fail")


class FailsFirst:
    """A store call that raises ``error`` ``times`` times, then answers."""

    def __init__(self, error, times):
        self.error, self.times, self.calls = error, times, 0

    def __call__(self):
        self.calls += 1
        if self.calls <= self.times:
            raise self.error
        return "logged"


def server_error(message, code="BAD_REQUEST"):
    return RestException({"error_code": code, "message": message})


@pytest.mark.parametrize(
    "make",
    [
        lambda tmp: store_error(tmp, "INSERT INTO runs VALUES ('b', 'first')"),  # unique
        lambda tmp: store_error(tmp, "INSERT INTO runs VALUES ('a', 'other')"),  # primary key
        lambda tmp: store_error(tmp, "INSERT INTO runs VALUES ('c', 'x')", locked=True),
        lambda tmp: psycopg2.errors.UniqueViolation("duplicate key value"),
        lambda tmp: server_error(
            "(psycopg2.errors.UniqueViolation) duplicate key value violates "
            'unique constraint "datasets_pk"'
        ),
        lambda tmp: server_error(
            "(sqlite3.OperationalError) database is locked", "TEMPORARILY_UNAVAILABLE"
        ),
    ],
    ids=[
        "sqlite-unique",
        "sqlite-primary-key",
        "sqlite-locked",
        "postgres-unique",
        "server-unique",
        "server-locked",
    ],
)
def test_a_concurrent_insert_or_a_lock_is_tried_again(make, tmp_path):
    call = FailsFirst(make(tmp_path), times=2)
    assert store.retrying(call) == "logged"
    assert call.calls == 3


def test_the_store_error_is_found_under_its_wrappers(tmp_path):
    locked = store_error(tmp_path, "INSERT INTO runs VALUES ('c', 'x')", locked=True)
    assert isinstance(locked.__cause__, sqlalchemy.exc.OperationalError)
    assert store.attempts_for(locked) == store.LOCKED_ATTEMPTS == 30
    unique = store_error(tmp_path, "INSERT INTO runs VALUES ('b', 'first')")
    assert store.attempts_for(unique) == store.CONFLICT_ATTEMPTS == 5


def test_a_conflict_that_persists_is_raised_after_a_few_attempts(tmp_path):
    conflict = store_error(tmp_path, "INSERT INTO runs VALUES ('b', 'first')")
    call = FailsFirst(conflict, times=100)
    with pytest.raises(MlflowException, match="UNIQUE constraint failed"):
        store.retrying(call)
    assert call.calls == 5


@pytest.mark.parametrize(
    "make",
    [
        lambda tmp: store_error(tmp, "INSERT INTO no_such_table VALUES (1)"),  # not transient
        lambda tmp: MlflowException("RESOURCE_DOES_NOT_EXIST: run not found"),
        lambda tmp: server_error("Run 'x' not found", "RESOURCE_DOES_NOT_EXIST"),
        lambda tmp: RuntimeError("database is locked"),  # the words alone, from no store
    ],
    ids=["sqlite-other", "mlflow-other", "server-other", "not-a-store-error"],
)
def test_any_other_error_is_raised_at_once(make, tmp_path):
    error = make(tmp_path)
    call = FailsFirst(error, times=1)
    with pytest.raises(type(error)):
        store.retrying(call)
    assert call.calls == 1


@pytest.mark.parametrize("attempt", [1, 2, 5, 30])
def test_waits_double_from_a_tenth_of_a_second_up_to_two_with_jitter(attempt):
    state = tenacity.RetryCallState(retry_object=None, fn=None, args=(), kwargs={})
    state.attempt_number = attempt
    base = min(2.0, 0.1 * 2 ** (attempt - 1))
    waits = [store._backoff(state) for _ in range(200)]
    assert base * 0.5 <= min(waits) and max(waits) <= base * 1.5
    assert max(waits) - min(waits) > base * 0.5  # spread: parallel writers do not retry in step
