"""Stages own their output folders: a run writes a fresh folder, which replaces the old one only
when the run succeeds.

Written in place, a folder keeps the files of an earlier run that this one does not write (the
tags vocabulary of a dataset that had tags, beside the splits of one that has none), and a
failed run leaves half of each. ``fresh_folder`` gives the stage an empty folder beside its
output (``.prepared.partial-XXXX`` beside ``data/prepared``); on success that folder takes the
output's place, on failure it goes and the previous output stays as it was.

Example:
    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp()) / "prepared"
    >>> with fresh_folder(out) as folder:
    ...     _ = (folder / "train.parquet").write_text("new")
    >>> sorted(path.name for path in out.iterdir())
    ['train.parquet']
"""

import contextlib
import shutil
import tempfile
from pathlib import Path


@contextlib.contextmanager
def fresh_folder(target):
    """Yield an empty folder that replaces ``target`` if the block succeeds.

    Folders left by a run that was killed before it could clean up (``.<name>.partial-*``) are
    removed first.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    for stale in target.parent.glob(f".{target.name}.partial-*"):
        shutil.rmtree(stale, ignore_errors=True)
    partial = Path(tempfile.mkdtemp(prefix=f".{target.name}.partial-", dir=target.parent))
    partial.chmod(0o755)  # mkdtemp's 0700 would hide the output from the rest of a team
    try:
        yield partial
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    replace_folder(target, partial)


def replace_folder(target, new):
    """Put folder ``new`` where ``target`` is, then delete the old ``target``."""
    old = _set_aside(target) if target.exists() else None
    new.rename(target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _set_aside(target):
    """Move folder ``target`` into a new ``.<name>.old-*`` folder beside it; that folder."""
    aside = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
    target.rename(aside / target.name)
    return aside


@contextlib.contextmanager
def fresh_in_place(target, resuming=False):
    """``fresh_folder`` for a stage that must write at ``target``'s own path (training: MLflow
    records it, a resumed run continues there).

    The old ``target`` is set aside (``.<name>.old-*``) and an empty one made; on success the
    old one goes, on an error it comes back. ``resuming`` keeps ``target`` as the interrupted run
    left it, to continue in it. A run killed outright leaves the old one set aside until the
    next run of the stage succeeds.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    aside = _set_aside(target) if target.exists() and not resuming else None
    target.mkdir(exist_ok=True)
    try:
        yield target
    except BaseException:
        if aside is not None:
            shutil.rmtree(target, ignore_errors=True)
            (aside / target.name).rename(target)
            aside.rmdir()
        raise
    for old in target.parent.glob(f".{target.name}.old-*"):
        shutil.rmtree(old, ignore_errors=True)
