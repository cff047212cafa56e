"""A run ends FINISHED, FAILED or KILLED by how the block around training ends (no TensorFlow)."""

import os
import signal
import time

import pytest
from mlflow import MlflowClient

from ticket_triage.tracking.ending import END_TAG, tracked_run
from ticket_triage.tracking.runs import TrackedRun, open_experiment
from ticket_triage.tracking.signals import Stopped


@pytest.fixture
def new_run(tracking_cfg):
    """A function creating a RUNNING run in the shared test store."""

    def make():
        client, uri, experiment_id = open_experiment(tracking_cfg)
        return TrackedRun(uri, experiment_id, client.create_run(experiment_id).info.run_id)

    return make


def ended(run):
    info = MlflowClient(run.tracking_uri).get_run(run.run_id)
    return info.info.status, info.data.tags.get(END_TAG), info.info.end_time


def test_a_block_that_returns_finishes_the_run(new_run):
    run = new_run()
    with tracked_run(run):
        pass
    status, reason, end_time = ended(run)
    assert (status, reason) == ("FINISHED", None) and end_time


@pytest.mark.parametrize(
    ("error", "status", "reason"),
    [
        (ValueError("loss is NaN"), "FAILED", "ValueError: loss is NaN"),
        (SystemExit(3), "FAILED", "SystemExit: 3"),
        (KeyboardInterrupt(), "KILLED", "KeyboardInterrupt"),
    ],
)
def test_a_block_that_raises_ends_the_run_and_reraises(new_run, error, status, reason):
    run = new_run()
    with pytest.raises(type(error)), tracked_run(run):
        raise error
    assert ended(run)[:2] == (status, reason)


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_kills_the_run_and_exits_with_128_plus_its_number(new_run, signum, code):
    run = new_run()
    before = signal.getsignal(signum)
    with pytest.raises(Stopped) as stopped, tracked_run(run):
        os.kill(os.getpid(), signum)
        time.sleep(30)  # the handler's exception cuts this short
        pytest.fail("the signal did not stop the block")
    assert stopped.value.code == code
    assert ended(run)[:2] == ("KILLED", signal.Signals(signum).name)
    assert signal.getsignal(signum) is before  # the old handler is back


def test_untracked_training_still_stops_cleanly_on_a_signal():
    with pytest.raises(Stopped) as stopped, tracked_run(None):
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(30)
    assert stopped.value.code == 143
