"""The statistics of a run computed in a process of their own.

Importing SciPy and statsmodels takes about 0.9 s of CPU, and the tests of a
plan 0.1-0.6 s; in the run's own process both came after the figures had
been handed over, on the path the run waits for (at 10^6 answers the run's
process is what the run waits for; at 64 answers it takes the processor from
the figure workers). The command forks this process once it has imported
pandas (which it thus shares), before it reads the export: the process
imports SciPy and statsmodels on the other core, idle while the run reads and
codes the export, and then computes what the run sends it: the descriptive
table's intervals and every comparison's tests, from counts (the answers'
rows stay in the run's process, which counts them).

The functions sent are the ones the run would call itself, with the same
arguments, in a process forked from it with the same libraries and
settings: the results are the same numbers (a run's outputs are byte-identical
whichever computed them, tests/test_statistics_process.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from ..forked import Forked, join_own_group, picklable

__all__ = ["InProcess", "Statistician", "Statistics", "prepare"]


class Statistics(Protocol):
    """Where the run's statistics are computed: :meth:`submit` a call, then
    :meth:`result` (one call at a time)."""

    def submit(self, fn: Callable[..., Any], *args: Any) -> None: ...

    def result(self) -> Any: ...


class InProcess:
    """The statistics computed in the caller's process (where no process
    can be forked, and for library callers)."""

    def __init__(self) -> None:
        self._pending: tuple[Callable[..., Any], tuple[Any, ...]] | None = None

    def submit(self, fn: Callable[..., Any], *args: Any) -> None:
        if self._pending is not None:
            raise RuntimeError("a statistics call is already pending")
        self._pending = (fn, args)

    def result(self) -> Any:
        if self._pending is None:
            raise RuntimeError("no statistics call is pending")
        fn, args = self._pending
        self._pending = None
        return fn(*args)


class Statistician(Forked):
    """One forked process computing the calls it is sent, one at a time.

    One call at a time: the caller reads each result before it sends the next
    call, so neither side can be blocked writing into a full pipe while the
    other is too."""

    def __init__(self) -> None:
        super().__init__(_serve, (), "dmp-survey-statistics")
        self._pending = False

    def submit(self, fn: Callable[..., Any], *args: Any) -> None:
        if self._pending:
            raise RuntimeError("a statistics call is already pending")
        try:
            self._conn.send((fn, args))
        except (BrokenPipeError, ConnectionResetError):  # it died
            raise self._stopped("the statistics process") from None
        self._pending = True

    def result(self) -> Any:
        if not self._pending:
            raise RuntimeError("no statistics call is pending")
        self._pending = False
        status, value = self._receive("the statistics process")
        if status != "ok":
            raise value
        return value


def prepare() -> Statistician | None:
    """Fork the statistics process now, or None where the platform cannot
    fork or has one core: there the statistics are computed in-process
    (:class:`InProcess`).

    Called once the caller has imported pandas and before it reads anything:
    no Arrow thread pool has started, OpenBLAS runs one thread
    (``cli._one_blas_thread``), and the one thread importing pyarrow starts
    (jemalloc's background thread) serves an allocator Arrow does not use
    by default here (``pyarrow.default_memory_pool()`` is mimalloc)."""
    import multiprocessing
    import os

    if "fork" not in multiprocessing.get_all_start_methods() or (os.cpu_count() or 1) < 2:
        return None
    return Statistician()


def _warm() -> None:
    """Import what the statistics need, the garbage collector off meanwhile
    and what was imported then frozen out of its reach (as the figure
    workers do: importing made collections walk the growing heap of modules,
    none of it garbage)."""
    import gc

    gc.disable()
    try:
        _docstrings_as_written()
        import scipy.stats  # noqa: F401
        import statsmodels.stats.contingency_tables
        import statsmodels.stats.multitest
        import statsmodels.stats.proportion  # noqa: F401

        from . import compare, describe, groups  # noqa: F401
    finally:
        gc.freeze()
        gc.enable()


class _AsWritten(dict[str, list[str]]):
    """Stands for SciPy's numpydoc parser (``FunctionDoc``) where SciPy
    rewrites a docstring as it imports a function: the note it appends goes
    nowhere, and the docstring comes back as written."""

    def __init__(self, function: Any) -> None:
        super().__init__(Notes=[])
        self._doc = getattr(function, "__doc__", None) or ""

    def __str__(self) -> str:
        return "\n" + self._doc  # SciPy drops the first line (the signature)


def _docstrings_as_written() -> None:
    """SciPy 1.17 rewrites the docstrings of about 470 functions as it imports
    them (``scipy._lib._array_api.xp_capabilities`` parses each with its
    numpydoc parser to append a note on array libraries): 0.15-0.25 s of this
    process's CPU, for ``help()`` texts it never shows. In this process only,
    the parser is replaced by :class:`_AsWritten` (SciPy's private name:
    tests/test_statistics_process.py checks that it still takes effect with
    the locked SciPy; a SciPy without it is left as it is)."""
    try:
        from scipy._lib import _array_api
    except ImportError:  # pragma: no cover
        return
    if hasattr(_array_api, "FunctionDoc"):
        _array_api.FunctionDoc = _AsWritten


def _serve(conn: Any) -> None:
    join_own_group()
    _warm()
    while True:
        try:
            fn, args = conn.recv()
        except EOFError:  # the run is done with it
            return
        try:
            reply: tuple[str, Any] = ("ok", fn(*args))
        except Exception as exc:  # sent back to the caller, which raises it
            reply = ("error", picklable(exc))
        conn.send(reply)
