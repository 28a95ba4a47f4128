"""Publishing a run's outputs under ``--out``: one run at a time, and a run
killed at any moment (``kill -9``, a power cut of the process) leaves the
previous outputs complete, with the manifest that describes them.

Three folders (``data/processed``, ``figures``, ``reports``) cannot be swapped
in one atomic step, so the swap is journaled:

1. The run writes everything into a staging folder next to them
   (``ROOT/.dmp-survey-staging-PID``); a kill here leaves the previous outputs
   untouched and the staging folder as hidden debris.
2. It writes a journal (``ROOT/.dmp-survey-publish.json``, written to a
   temporary name and renamed, so it is whole or absent), then for each
   folder renames the previous one to a hidden backup and the staged one into
   place, then deletes the journal: that deletion is the commit. Then the
   backups are deleted.
3. Every later command on the same ``--out`` (``run``, ``figures``,
   ``report``, ``verify``) first calls :func:`recover`: a journal still there
   means a publication was interrupted, and it is rolled back (each backup put
   back, each folder that had no previous version removed), so the previous
   outputs are what stands; then stale staging folders and backups are
   deleted.

So outside the few renames of step 2 the published folders are always one
complete run; after an interruption inside them, they are again once any
command touches the folder. Two runs on one ``--out`` are serialised by an
exclusive ``flock`` on ``ROOT/.dmp-survey.lock`` held from the staging to the
commit (the file is removed on release): the second waits, then publishes
whole. (``fcntl.flock``, standard
library: the lock is released by the kernel when its holder dies, so a
killed run never leaves a stale lock.)
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

__all__ = ["JOURNAL", "LOCK", "STAGING_PREFIX", "locked", "publish", "recover", "staging_dir"]

LOCK = ".dmp-survey.lock"
JOURNAL = ".dmp-survey-publish.json"
STAGING_PREFIX = ".dmp-survey-staging-"
_BACKUP_INFIX = ".old-"


def _move(source: Path, target: Path) -> None:
    """One rename (atomic within a file system); every move of a publication
    goes through here."""
    os.rename(source, target)


def _backup(target: Path, token: str) -> Path:
    return target.with_name(f".{target.name}{_BACKUP_INFIX}{token}")


def staging_dir(root: Path) -> Path:
    """The staging folder of this process under ``root``."""
    return root / f"{STAGING_PREFIX}{os.getpid()}"


@contextmanager
def locked(root: Path, waiting: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the exclusive lock of ``root``; ``waiting`` is told when another
    run holds it and this one waits.

    The lock file is removed on release, so that a run leaves nothing but its
    outputs; hence the check after locking that the file locked is still the
    one at the path (a waiter may have opened the file its holder then
    removed), retried on a fresh file otherwise.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: no lock, one run at a time is the user's
        yield
        return
    path = root / LOCK
    told = False
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if waiting is not None and not told:
                waiting("waiting for another run on this folder")
                told = True
            fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            same = os.stat(path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    try:
        yield
    finally:
        path.unlink(missing_ok=True)  # while still holding the lock
        os.close(fd)  # releases it


def _write_journal(root: Path, journal: dict[str, object]) -> None:
    tmp = root / f"{JOURNAL}.tmp"
    with tmp.open("w", encoding="utf-8") as fh:
        json.dump(journal, fh)
        fh.flush()
        os.fsync(fh.fileno())
    _move(tmp, root / JOURNAL)


def _roll_back(root: Path, journal: dict[str, object]) -> None:
    token = str(journal["token"])
    entries = journal["dirs"]
    assert isinstance(entries, list)
    for entry in reversed(entries):
        target = root / entry["dir"]
        backup = _backup(target, token)
        if backup.exists():
            if target.exists():
                shutil.rmtree(target)  # the new version, moved in
            _move(backup, target)
        elif not entry["previous"] and target.exists():
            shutil.rmtree(target)  # there was none before this publication
        # else: the previous version was never moved aside; it is in place.
    (root / JOURNAL).unlink()


def recover(root: Path, dirs: Sequence[Path]) -> bool:
    """Roll back an interrupted publication under ``root`` and remove stale
    staging folders and the backups of ``dirs``; call with the lock held.
    True when a publication was rolled back."""
    rolled_back = False
    journal_path = root / JOURNAL
    if journal_path.exists():
        try:
            journal = json.loads(journal_path.read_text(encoding="utf-8"))
        except ValueError:  # pragma: no cover - written whole by a rename
            journal = None
        if journal is not None:
            _roll_back(root, journal)
            rolled_back = True
    (root / f"{JOURNAL}.tmp").unlink(missing_ok=True)
    for stale in root.glob(f"{STAGING_PREFIX}*"):
        shutil.rmtree(stale, ignore_errors=True)
    for sub in dirs:
        target = root / sub
        if target.parent.is_dir():
            for stale in target.parent.glob(f".{target.name}{_BACKUP_INFIX}*"):
                shutil.rmtree(stale, ignore_errors=True)
    return rolled_back


def publish(staging: Path, root: Path, dirs: Sequence[Path]) -> None:
    """Replace each of ``dirs`` (relative to ``root``) by its staged version
    (removing it when the staging has none), journaled as the module says;
    call with the lock held. On an OSError the previous folders are put back
    and the error raised."""
    token = staging.name
    journal: dict[str, object] = {
        "token": token,
        "dirs": [{"dir": sub.as_posix(), "previous": (root / sub).exists()} for sub in dirs],
    }
    _write_journal(root, journal)
    try:
        for sub in dirs:
            target, new = root / sub, staging / sub
            if target.exists():
                _move(target, _backup(target, token))
            if new.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                _move(new, target)
    except OSError:
        _roll_back(root, journal)
        raise
    (root / JOURNAL).unlink()  # the commit
    for sub in dirs:
        shutil.rmtree(_backup(root / sub, token), ignore_errors=True)
