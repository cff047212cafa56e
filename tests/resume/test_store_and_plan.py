"""Backup files and the resume decision, without TensorFlow: atomic writes, a torn newest
backup falling back to the one before, and ``trainer.resume`` resuming, refusing or starting
over, composed from the real config."""

import shutil

import numpy as np
import pytest

from tests.conftest import compose_config
from ticket_triage.errors import ConfigError
from ticket_triage.resume.plan import ResumePlan
from ticket_triage.resume.position import Position
from ticket_triage.resume.store import BackupStore


def test_two_backups_are_kept_and_a_torn_newest_falls_back(tmp_path):
    store = BackupStore(tmp_path / "backups")
    for step in range(1, 5):
        store.write({"step": step}, {"weights": np.full(3, step, np.float32)})
    assert sorted(p.name for p in store.folder.iterdir()) == [
        "backup-000003.npz",
        "backup-000004.npz",
    ]
    newest = store.folder / "backup-000004.npz"
    newest.write_bytes(newest.read_bytes()[: newest.stat().st_size // 2])  # torn
    backup = store.latest()
    assert backup.meta == {"step": 3}
    np.testing.assert_array_equal(backup.arrays["weights"], np.full(3, 3, np.float32))
    store.discard_newer_than(backup)
    assert not newest.exists()


def test_kept_files_live_as_long_as_a_backup_refers_to_them(tmp_path):
    store = BackupStore(tmp_path / "backups")
    sweep_job = store.folder / "seed=1-0123456789"  # a sweep job's backups live inside
    sweep_job.mkdir(parents=True)
    (sweep_job / "backup-000001.npz").write_bytes(b"theirs")
    checkpoint = tmp_path / "best.keras"
    checkpoint.write_bytes(b"first")
    first = store.keep_file(checkpoint, "1.keras")
    store.write({"files": {"best": first}}, {})
    checkpoint.write_bytes(b"second")
    second = store.keep_file(checkpoint, "2.keras")
    store.write({"files": {"best": second}}, {})
    assert store.file(first).read_bytes() == b"first"  # the previous backup needs it
    store.write({"files": {"best": second}}, {})
    assert not store.file(first).exists()
    assert store.file(second).read_bytes() == b"second"
    (store.folder / ".backup-000009.npz.tmp").write_bytes(b"half")
    store.remove_partial_files()
    assert not list(store.folder.glob(".*.tmp"))
    store.clear()
    assert [p.name for p in store.folder.iterdir()] == [sweep_job.name]
    assert (sweep_job / "backup-000001.npz").read_bytes() == b"theirs"


def test_positions_split_a_resumed_epoch_from_the_whole_ones():
    assert Position(0, 0).segments(3) == [(Position(0, 0), 3)]
    assert Position(1, 7).segments(3) == [(Position(1, 7), 2), (Position(2, 0), 3)]
    assert Position(2, 7).segments(3) == [(Position(2, 7), 3)]
    assert Position(3, 0).segments(3) == []
    assert Position(1, 0, finished=True).segments(3) == []
    assert list(Position(1, 0, finished=True).remaining_epochs(3)) == []
    assert Position(1, 7).first_batch(1) == 7 and Position(1, 7).first_batch(2) == 0


@pytest.fixture
def config(tmp_path, prepared_dir):
    def make(*overrides):
        return compose_config(
            "train",
            [
                f"paths.prepared_dir={prepared_dir}",
                f"paths.models_dir={tmp_path}/models",
                *overrides,
            ],
        )

    return make


def backed_up(config):
    """A backup made by ``config`` at epoch 1, batch 4, as training writes it."""
    position = Position(1, 4)
    plan = ResumePlan.open(config, config.paths.backup_dir)
    plan.store.write(
        {"fingerprint": plan.fingerprint, "position": vars(position), "run_id": "abc"}, {}
    )
    return plan.store


def test_the_same_configuration_resumes_where_its_backup_stopped(config):
    backed_up(config("trainer.backup.every_n_batches=7"))
    plan = ResumePlan.open(config("loop.verbose=0"), config().paths.backup_dir)
    assert plan.start == Position(1, 4) and plan.run_id == "abc"


def test_another_configuration_is_refused_naming_the_keys_that_differ(config):
    store = backed_up(config())
    with pytest.raises(ConfigError) as refused:
        ResumePlan.open(config("optimizer.learning_rate=0.5", "seed=3"), store.folder)
    message = str(refused.value)
    assert "optimizer.learning_rate (0.0015 there, 0.5 now)" in message
    assert "seed (42 there, 3 now)" in message and "trainer.resume=false" in message
    assert "model.width" not in message
    assert store.latest() is not None  # refusing loses nothing


def test_resume_false_starts_over_and_removes_the_backups(config):
    store = backed_up(config())
    plan = ResumePlan.open(config("trainer.resume=false", "seed=3"), store.folder)
    assert plan.start == Position() and plan.backup is None
    assert not store.folder.exists()


def test_changed_prepared_data_is_a_difference(tmp_path, prepared_dir):
    copy = shutil.copytree(prepared_dir, tmp_path / "prepared")
    settings = [f"paths.prepared_dir={copy}", f"paths.models_dir={tmp_path}/models"]
    store = backed_up(compose_config("train", settings))
    with (copy / "report.json").open("a") as report:
        report.write(" ")
    with pytest.raises(ConfigError, match="prepared data"):
        ResumePlan.open(compose_config("train", settings), store.folder)


def test_unknown_resume_mode_is_a_config_error(config):
    with pytest.raises(ConfigError, match=r"trainer\.resume = 'sometimes'"):
        ResumePlan.open(config("trainer.resume=sometimes"), config().paths.backup_dir)
