"""Progress of a run on a terminal: the name of the stage being done, on one
status line of stderr that is erased when the run ends. Nothing at all when
stderr is not a terminal (a pipe, a log file, a test), so that scripts see only
the command's own output.

A plain line rewritten with ``\\r`` and erased with an ANSI sequence, not a
refreshing thread: the figures are drawn in forked processes.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO, TypeVar

__all__ = ["with_progress"]

T = TypeVar("T")
Progress = Callable[[str], None]

_ERASE = "\r\x1b[2K"


def with_progress(fn: Callable[[Progress | None], T], stream: TextIO | None = None) -> T:
    """Call ``fn(progress)``; ``progress(stage)`` shows the stage on ``stream``
    (stderr) when it is a terminal, and ``progress`` is None otherwise. The
    status line is erased before this returns or raises, so that an error
    message starts on a clean line."""
    stream = sys.stderr if stream is None else stream
    if not stream.isatty():
        return fn(None)
    start = time.monotonic()
    count = 0

    def show(stage: str) -> None:
        nonlocal count
        count += 1
        stream.write(f"{_ERASE}dmp-survey [{count}] {stage}... ({time.monotonic() - start:.1f} s)")
        stream.flush()

    try:
        return fn(show)
    finally:
        stream.write(_ERASE)
        stream.flush()
