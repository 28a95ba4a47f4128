"""Output locations checked before any work: ``--out`` must name a folder the
run can create and write into.

Every unusable location is one :class:`OutputPathError` (a user error: one
line, exit code 2), raised before the export is analysed and before anything
is written: an existing file, a path under a file, a parent that cannot be
created, a read-only location (``os.access`` and a real probe file, removed at
once), a path under ``/proc``, ``/sys`` or ``/dev``.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..errors import DmpSurveyError

__all__ = ["OutputPathError", "check_output_file", "check_output_root"]

# Kernel and device file systems: never an output folder.
_SYSTEM = (Path("/proc"), Path("/sys"), Path("/dev"))


@dataclass(eq=False)
class OutputPathError(DmpSurveyError):
    """An output location the run cannot write to."""

    path: Path
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def _system(resolved: Path) -> Path | None:
    for top in _SYSTEM:
        if resolved == top or top in resolved.parents:
            return top
    return None


def _nearest_existing(path: Path) -> Path:
    current = path
    while not os.path.lexists(current):
        if current.parent == current:
            break
        current = current.parent
    return current


def _probe(directory: Path, shown: Path) -> None:
    """Create and remove a file in ``directory``: the only sure test of writability
    (``os.access`` says yes to root on a read-only mount)."""
    if not os.access(directory, os.W_OK | os.X_OK):
        raise OutputPathError(shown, f"cannot write in {directory} (permission denied)")
    try:
        fd, name = tempfile.mkstemp(prefix=".dmp-survey-probe-", dir=directory)
    except OSError as exc:
        raise OutputPathError(shown, f"cannot write in {directory} ({exc.strerror or exc})") from None
    os.close(fd)
    os.unlink(name)


def _check_location(path: Path, kind: str) -> Path:
    """The folder a write to ``path`` lands in (``path`` itself or its nearest
    existing ancestor), checked: not a system path, not under a file, writable."""
    absolute = Path(os.path.abspath(path))
    top = _system(absolute.resolve())
    if top is not None:
        raise OutputPathError(path, f"{top} is a system folder, not a place for {kind}")
    existing = _nearest_existing(absolute)
    if existing != absolute and not existing.is_dir():
        raise OutputPathError(path, f"{existing} is a file, not a folder: cannot create {kind} under it")
    return existing


def check_output_root(path: Path) -> Path:
    """Check that ``path`` can be the root of a run's outputs; return it unchanged.

    Nothing is created: a missing folder is created later by the run, so its
    nearest existing ancestor must be a writable folder.
    """
    existing = _check_location(path, "the outputs")
    if existing == Path(os.path.abspath(path)) and not existing.is_dir():
        raise OutputPathError(path, "is a file, not a folder: --out names the folder the outputs go into")
    _probe(existing, path)
    return path


def check_output_file(path: Path) -> Path:
    """Check that a file can be written at ``path`` (``reconstruct --out``);
    return it unchanged."""
    existing = _check_location(path, "a file")
    if existing == Path(os.path.abspath(path)):
        if existing.is_dir():
            raise OutputPathError(path, "is a folder: --out names the file to write")
        existing = existing.parent
    _probe(existing, path)
    return path
