"""Which store errors are waited out and which are raised at once."""

import pytest

from ticket_triage.tracking import store


class FailsFirst:
    """A store call that fails ``times`` times with ``message``, then answers."""

    def __init__(self, message, times):
        self.message, self.times, self.calls = message, times, 0

    def __call__(self):
        self.calls += 1
        if self.calls <= self.times:
            raise RuntimeError(self.message)
        return "logged"


@pytest.mark.parametrize(
    "message",
    [
        "(psycopg2.errors.UniqueViolation) duplicate key value violates unique constraint",
        "(sqlite3.IntegrityError) UNIQUE constraint failed: datasets.dataset_uuid",
        "(sqlite3.OperationalError) database is locked",
    ],
)
def test_a_concurrent_insert_or_a_lock_is_tried_again(message):
    call = FailsFirst(message, times=2)
    assert store.retrying(call) == "logged"
    assert call.calls == 3


def test_a_conflict_that_persists_is_raised_after_a_few_attempts():
    call = FailsFirst("duplicate key value violates unique constraint", times=100)
    with pytest.raises(RuntimeError, match="duplicate key"):
        store.retrying(call)
    assert call.calls == 5


def test_any_other_error_is_raised_at_once():
    call = FailsFirst("RESOURCE_DOES_NOT_EXIST: run not found", times=1)
    with pytest.raises(RuntimeError, match="not found"):
        store.retrying(call)
    assert call.calls == 1
