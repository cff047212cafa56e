"""Backup files: written atomically, the previous one kept until the next is complete.

A backup is one ``.npz`` file (NumPy's zip of arrays, read back with ``allow_pickle=False``):
arrays for the variables and one JSON document for the rest. Writing goes to a temporary file,
which is flushed and fsynced, then renamed into place (atomic on POSIX), and the folder is
fsynced; only then is the backup before the previous one removed. A process killed at any
moment leaves the last complete backup readable, and a torn or unreadable newest file falls
back to the one before it.

Files a backup refers to (the best checkpoint so far) are copied in beside it once per content,
and removed when no kept backup refers to them any more.

Example:
    >>> store = BackupStore(tmp_path)                          # doctest: +SKIP
    >>> store.write({"epoch": 1}, {"weights.0": np.zeros(3)})  # doctest: +SKIP
    >>> store.latest().meta                                    # doctest: +SKIP
    {'epoch': 1}
"""

import json
import logging
import os
import re
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

NAME = re.compile(r"^backup-(\d+)\.npz$")
KEPT_FILE = "checkpoint-"  # prefix of the files backups refer to (``keep_file``)
META = "__meta__"
KEPT = 2  # the newest backup and the one before it
UNREADABLE = (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile)


@dataclass
class Backup:
    """One backup read back: its JSON document, its arrays, and its file."""

    meta: dict
    arrays: dict
    path: Path


class BackupStore:
    """The backups of one training job, in ``folder``.

    Args:
        folder: where the backups go; created on the first write. Keep it outside the stage's
            outputs, which DVC removes before a run. Other entries of the folder (the folders of
            sweep jobs' backups) are left alone.
    """

    def __init__(self, folder):
        self.folder = Path(folder)

    def write(self, meta, arrays):
        """Write the next backup; return its path. ``meta`` must be JSON-serialisable."""
        self.folder.mkdir(parents=True, exist_ok=True)
        existing = self._files()
        sequence = _sequence(existing[0]) + 1 if existing else 1
        final = self.folder / f"backup-{sequence:06d}.npz"
        temporary = self.folder / f".{final.name}.tmp"
        with temporary.open("wb") as handle:
            np.savez(handle, **arrays, **{META: np.array(json.dumps(meta))})
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, final)
        _fsync_folder(self.folder)
        for old in existing[KEPT - 1 :]:
            old.unlink(missing_ok=True)
        self._remove_unreferenced_files()
        return final

    def latest(self):
        """The newest readable backup, or ``None``; unreadable newer files are skipped, loudly."""
        for path in self._files():
            try:
                return _read(path)
            except UNREADABLE as error:
                log.warning("backup %s is unreadable (%s): trying the one before it", path, error)
        return None

    def remove_partial_files(self):
        """Remove temporary files a killed process left half-written."""
        if self.folder.exists():
            for path in self.folder.glob(".*.tmp"):
                path.unlink()

    def discard_newer_than(self, backup):
        """Remove the unreadable files newer than ``backup``, the one a run resumes from."""
        for path in self._files():
            if path == backup.path:
                return
            log.warning("removing unreadable backup %s", path)
            path.unlink()

    def keep_file(self, path, label):
        """Copy ``path`` in (once: ``label`` names this content) for a backup to refer to;
        return the copy's name. The copy is complete on disk before any backup names it."""
        name = f"{KEPT_FILE}{label}"
        target = self.folder / name
        if not target.exists():
            self.folder.mkdir(parents=True, exist_ok=True)
            temporary = self.folder / f".{name}.tmp"
            shutil.copyfile(path, temporary)
            with temporary.open("rb") as handle:
                os.fsync(handle.fileno())
            os.replace(temporary, target)
            _fsync_folder(self.folder)
        return name

    def file(self, name):
        """The path of a file kept by ``keep_file``."""
        return self.folder / name

    def clear(self):
        """Remove this job's backups and kept files: training has finished, or starts over."""
        if not self.folder.exists():
            return
        for path in self._files() + self._kept_files() + list(self.folder.glob(".*.tmp")):
            path.unlink(missing_ok=True)
        if not any(self.folder.iterdir()):
            self.folder.rmdir()

    def _files(self):
        """Backup files, newest first."""
        if not self.folder.exists():
            return []
        return sorted(
            (p for p in self.folder.iterdir() if NAME.match(p.name)), key=_sequence, reverse=True
        )

    def _kept_files(self):
        return [p for p in self.folder.glob(f"{KEPT_FILE}*") if p.is_file()]

    def _remove_unreferenced_files(self):
        referenced = set()
        for path in self._files():
            try:
                referenced.update(_read_meta(path).get("files", {}).values())
            except UNREADABLE:
                continue
        for path in self._kept_files():
            if path.name not in referenced:
                path.unlink()


def _sequence(path):
    return int(NAME.match(path.name).group(1))


def _read(path):
    with np.load(path, allow_pickle=False) as archive:
        arrays = {key: archive[key] for key in archive.files}
    meta = json.loads(str(arrays.pop(META)))
    return Backup(meta, arrays, path)


def _read_meta(path):
    with np.load(path, allow_pickle=False) as archive:
        return json.loads(str(archive[META]))


def _fsync_folder(folder):
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
