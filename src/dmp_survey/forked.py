"""Helper processes forked by a run: the figure workers
(:class:`dmp_survey.outputs.figure_jobs.Drawers`) and the statistics process
(:class:`dmp_survey.stats.process.Statistician`).

Each is forked early, imports its heavy libraries on the other core while the
run imports its own and reads the export, and then works for the run. Each is
a process group of its own, killed whole when closed: nothing is left behind
by a run that fails, whatever it was doing, and each dies with the run when
the run is killed outright.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

__all__ = ["Forked", "die_with_parent", "join_own_group", "picklable"]


class Forked:
    """One process forked from the caller, running ``target(conn, *args)``
    with its end of a duplex pipe (the caller's end is ``self._conn``), as
    the leader of a new process group."""

    def __init__(self, target: Callable[..., None], args: tuple[Any, ...], name: str) -> None:
        import multiprocessing
        import os

        context = multiprocessing.get_context("fork")
        self._conn, child = context.Pipe()
        process = context.Process(target=target, args=(child, *args), name=name)
        process.start()
        child.close()
        assert process.pid is not None  # started
        self.pgid: int = process.pid
        self._process: Any = process
        # Set on both sides (the usual idiom): the group exists before either
        # of the two goes on, whichever runs first.
        with contextlib.suppress(OSError):
            os.setpgid(self.pgid, self.pgid)

    def _receive(self, what: str) -> Any:
        """The next message; a process that stopped raises RuntimeError
        naming ``what`` and its exit code."""
        try:
            return self._conn.recv()
        except (EOFError, ConnectionResetError):  # reset: it died with a message unread
            raise self._stopped(what) from None

    def _stopped(self, what: str) -> RuntimeError:
        """The error saying that the process stopped, with its exit code."""
        self._process.join(5)
        return RuntimeError(f"{what} stopped (exit code {self._process.exitcode})")

    def close(self) -> None:
        """Stop the group (killed if still working) and reap its leader. The
        group is killed before its leader is reaped: its number cannot have
        been given to another process meanwhile."""
        import os
        import signal

        if self._process is None:
            return
        with contextlib.suppress(OSError):
            os.killpg(self.pgid, signal.SIGKILL)
        self._process.join()
        self._conn.close()
        self._process = None


def join_own_group() -> None:
    """A forked helper's first step: die with the process that forked it,
    lead a process group of its own."""
    import os

    die_with_parent()
    with contextlib.suppress(OSError):
        os.setpgid(0, 0)


def die_with_parent() -> None:
    """Have this helper killed when the process that forked it ends (Linux's
    PR_SET_PDEATHSIG, which watches the thread that forked: the helpers are
    forked, and collected, by the caller's own thread; nothing elsewhere): a
    run killed outright (``kill -9``) then takes its helpers with it instead
    of leaving them working for nobody. Called first thing after the fork; a
    parent already gone by then (the helper was adopted) ends the helper at
    once. Written with ctypes: the standard library has no prctl, and no
    maintained package offers this one call without much more."""
    import os
    import signal
    import sys

    if not sys.platform.startswith("linux"):
        return
    parent = os.getppid()
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, int(signal.SIGKILL), 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent or parent == 1:
        os._exit(1)


def picklable(exc: Exception) -> Exception:
    """``exc``, or a RuntimeError naming it if it cannot be sent back."""
    import pickle

    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc
