"""Run the ``dmp-survey`` command line and kill (SIGKILL) or stop (SIGSTOP)
this very process at a named point of the run, for the crash-safety and
concurrency tests (tests/test_crash_safety.py)::

    python tests/interrupt.py POINT ACTION -- run EXPORT --out DIR ...

POINT is ``stage:NAME`` (as the run starts stage NAME, told to its progress
callback: ``analyse``, ``responses``, ``comparisons``, ... ``manifest``,
``publish``), ``move:K`` (before the K-th rename of the publication, its
journal's included: :func:`dmp_survey.io.publish._move`) or ``rmtree:K``
(before the K-th folder removal once the publication started: the first is a
backup's, after the commit).
ACTION is ``kill`` or ``stop``. Nothing of this is in the package: the points
are reached by replacing functions in this process only.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dmp_survey import progress as progress_module
from dmp_survey.io import publish as publish_module


def _counting(original: Callable[..., Any], k: int, hit: Callable[[], None]) -> Callable[..., Any]:
    count = 0

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        nonlocal count
        count += 1
        if count == k:
            hit()
        return original(*args, **kwargs)

    return wrapper


def main(argv: list[str]) -> None:
    point, action, sep, *args = argv
    assert sep == "--" and action in ("kill", "stop"), argv
    sig = signal.SIGKILL if action == "kill" else signal.SIGSTOP

    def hit() -> None:
        os.kill(os.getpid(), sig)

    kind, _, name = point.partition(":")
    if kind == "stage":

        def with_progress(fn: Callable[[Any], Any], stream: Any = None) -> Any:
            def progress(stage: str) -> None:
                if stage == name:
                    hit()

            return fn(progress)

        progress_module.with_progress = with_progress  # type: ignore[assignment]
    elif kind == "move":
        publish_module._move = _counting(publish_module._move, int(name), hit)  # type: ignore[assignment]
    elif kind == "rmtree":
        # Counted from the publication's first rename on (figures and docx
        # may remove temporary folders before it).
        started = False
        original_move = publish_module._move
        counted = _counting(shutil.rmtree, int(name), hit)
        original_rmtree = shutil.rmtree

        def move(source: Path, target: Path) -> None:
            nonlocal started
            started = True
            original_move(source, target)

        def rmtree(*a: Any, **k: Any) -> Any:
            return (counted if started else original_rmtree)(*a, **k)

        publish_module._move = move  # type: ignore[assignment]
        shutil.rmtree = rmtree  # type: ignore[assignment]
    else:
        raise SystemExit(f"unknown point {point}")

    from dmp_survey.cli import main as cli

    sys.argv = ["dmp-survey", *args]
    cli()


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    main(sys.argv[1:])
