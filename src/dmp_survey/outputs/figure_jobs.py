"""Drawing the figures in forked processes while the run goes on.

Kept apart from :mod:`dmp_survey.outputs.figures` so that starting the job
does not import matplotlib in the calling process: the workers import it
(and draw) while the caller counts the comparisons and writes the tables.
A run's figures can thus start as soon as the descriptive table exists,
before any test is computed (:func:`dmp_survey.pipeline.run`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..forked import Forked, die_with_parent, join_own_group, picklable

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from ..study.codebook import Codebook
    from ..study.plan import AnalysisPlan
    from .figure_data import FigureData

__all__ = ["Drawers", "FigureJob", "prepare", "start_figures"]


def _render(data: FigureData, out_dir: Path) -> list[Path]:
    """One figure (in a worker: matplotlib is imported here, not by the caller)."""
    from .figures import draw_figure

    return draw_figure(data, out_dir)


def default_workers() -> int:
    """Two workers where the platform forks and has two cores, else none (drawn in-process)."""
    import multiprocessing
    import os

    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, min(2, os.cpu_count() or 1))


def _warm() -> None:
    """A worker's first step: import the drawing code (matplotlib) and load
    the fonts before any figure is asked for.

    The cyclic garbage collector is off meanwhile, and what was imported is
    then frozen out of its reach (``gc.freeze``): importing matplotlib made
    about 200 collections walking the growing heap of module objects, and
    each later collection walked them again while the figures were drawn,
    none of it garbage; the two workers spent 0.28 s and 0.10 s of CPU
    collecting at 64 answers, now 0.03 s each (``gc.callbacks``). The
    second worker is forked after this, so it starts frozen too."""
    import gc

    gc.disable()
    try:
        # The backends each figure is saved with, imported before the other
        # workers are forked from this one.
        import matplotlib.backends.backend_pdf
        import matplotlib.backends.backend_svg  # noqa: F401
        import PIL.PngImagePlugin  # noqa: F401

        from .figures import warm_fonts

        warm_fonts()
    finally:
        gc.freeze()
        gc.enable()


def prepare(workers: int | None = None) -> Drawers | None:
    """Fork the figure workers now, before the caller has read anything, and
    have them import matplotlib and load the fonts on the other core while
    the caller imports its own libraries and reads the export; returns them
    for :func:`start_figures` (``pool=``), or None where figures are drawn
    in-process. Close them (:meth:`Drawers.close`) if no figure is drawn.

    Forked, not spawned: a spawned worker (or one forked from a fork server)
    imports the caller's main module again, which a script without a
    ``__main__`` guard does not survive."""
    workers = default_workers() if workers is None else workers
    if workers < 2:
        return None
    return Drawers(workers)


class Drawers(Forked):
    """``workers`` processes drawing figures, forked from one another.

    One process is forked from the caller; it imports matplotlib and loads
    the fonts (:func:`_warm`), then forks the others, which thus start warm:
    a pool forked from the caller would import matplotlib once per worker
    (1 s CPU each, on a machine whose two cores the run keeps busy). The
    workers take the figures one at a time from a shared counter, in figure
    order, and the first sends every result back to the caller.

    They form their own process group, which :meth:`close` kills whole:
    nothing is left behind by a run that fails, whatever it was doing.
    """

    def __init__(self, workers: int) -> None:
        super().__init__(_serve, (workers,), "dmp-survey-figures")
        # The first message, sent once warm (see :meth:`freetype`); read by
        # whichever of the run's threads asks first.
        import threading

        self._ready_lock = threading.Lock()
        self._ready: tuple[str | None] | None = None

    def draw(self, args: list[tuple[Any, ...]]) -> None:
        """Hand the figures over; :meth:`result` waits for them."""
        self._conn.send(args)

    def freetype(self) -> str | None:
        """The FreeType version matplotlib draws with in the workers, which
        send it once they have imported matplotlib; None if they stopped
        before. For the manifest's provenance: importing matplotlib in the
        caller only to read it cost the caller 0.35 s of CPU at any size
        (py-spy, 10^6 answers), beside the workers that have it imported."""
        with self._ready_lock:
            if self._ready is None:
                try:
                    kind, version = self._conn.recv()
                except (EOFError, OSError):  # stopped (or closed by a failing run)
                    kind, version = "ready", None
                self._ready = (version if kind == "ready" else None,)
            return self._ready[0]

    def result(self) -> list[list[Path]]:
        """Each figure's paths, in the order given to :meth:`draw`; a figure
        that failed raises its exception here."""
        self.freetype()  # the first message, if not read yet
        status, value = self._receive("the figure workers")
        if status != "ok":
            raise value
        return list(value)


# The workers yield the processor to the run they draw for. The caller's own
# work (reading, statistics, tables) is what the run waits for at 10^6
# answers; given the same priority, the two workers took two thirds of two
# cores from it. The work done is the same either way: where the figures are
# what the run waits for (64 answers), they get both cores as soon as the
# caller has nothing left to do but wait for them.
_NICENESS = 10


def _serve(conn: Any, workers: int) -> None:
    """The first worker: warm up, wait for the figures, fork the others, draw
    with them, send the results back (or the first exception)."""
    import os

    join_own_group()
    with contextlib.suppress(OSError):
        os.nice(_NICENESS)
    _warm()
    from matplotlib import ft2font

    conn.send(("ready", str(ft2font.__freetype_version__)))
    try:
        args = conn.recv()
    except EOFError:  # the caller closed without asking for any figure
        return
    import multiprocessing

    context = multiprocessing.get_context("fork")
    counter = context.Value("i", 0)  # the next figure to draw, shared by the workers
    pipes, children = [], []
    for _ in range(workers - 1):
        reader, writer = context.Pipe(duplex=False)
        pid = os.fork()
        if pid == 0:  # another worker, forked warm
            status = 1
            try:
                die_with_parent()
                reader.close()
                writer.send(_draw_shared(args, counter))
                status = 0
            finally:
                os._exit(status)  # never the caller's clean-up: this is a bare fork
        writer.close()
        pipes.append(reader)
        children.append(pid)
    done = _draw_shared(args, counter)
    failures = []
    for reader in pipes:
        try:
            done.update(reader.recv())
        except EOFError:
            failures.append(RuntimeError("a figure worker stopped before it was done"))
    for pid in children:
        os.waitpid(pid, 0)
    failures[:0] = [done[i][1] for i in sorted(done) if done[i][0] != "ok"]
    if failures:
        conn.send(("error", failures[0]))
    else:
        conn.send(("ok", [done[i][1] for i in range(len(args))]))


def _draw_shared(args: list[tuple[Any, ...]], counter: Any) -> dict[int, tuple[str, Any]]:
    """Draw the figures left, taking the next one from ``counter`` until none
    is left; returns each drawn figure's paths (or its exception) by index."""
    done: dict[int, tuple[str, Any]] = {}
    while True:
        with counter.get_lock():
            index = counter.value
            counter.value += 1
        if index >= len(args):
            return done
        try:
            done[index] = ("ok", _render(*args[index]))
        except Exception as exc:  # sent back to the caller, which raises it
            done[index] = ("error", picklable(exc))


class FigureJob:
    """Figures being drawn in forked processes while the caller goes on.

    :meth:`result` waits and returns the paths as
    :func:`~dmp_survey.outputs.figures.render_figures` does; :meth:`close`
    stops the workers (call it when the caller fails).
    """

    def __init__(
        self,
        args: list[tuple[Any, ...]],
        workers: int,
        pool: Drawers | None = None,
        order: list[int] | None = None,
    ) -> None:
        """``order``: the indices of ``args`` in the order the workers take
        them (the results come back in the order of ``args`` whatever it is)."""
        self._args = args
        self._order = list(range(len(args))) if order is None else order
        if sorted(self._order) != list(range(len(args))):
            raise ValueError("order is not a permutation of the figures")
        self._pool = pool if pool is not None or len(args) < 2 else prepare(workers)
        if self._pool is not None:
            self._pool.draw([args[i] for i in self._order])

    def result(self) -> list[Path]:
        if self._pool is None:
            groups = [_render(*a) for a in self._args]
        else:
            drawn = self._pool.result()
            self.close()
            groups = [[] for _ in self._args]
            for position, index in enumerate(self._order):
                groups[index] = drawn[position]
        return [path for group in groups for path in group]

    def freetype(self) -> str | None:
        """The workers' FreeType version (:meth:`Drawers.freetype`); None
        when drawn in this process, or done."""
        pool = self._pool
        return pool.freetype() if pool is not None else None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None


def start_figures(
    descriptive: pd.DataFrame,
    plan: AnalysisPlan,
    codebook: Codebook,
    out_dir: Path,
    lang: str = "fr",
    reconstructed: bool = False,
    workers: int | None = None,
    source: str | None = None,
    numeric: pd.DataFrame | None = None,
    bins: Mapping[str, tuple[np.ndarray, np.ndarray]] | None = None,
    pool: Drawers | None = None,
) -> FigureJob:
    """Start drawing every figure (see :func:`~dmp_survey.outputs.figures.render_figures`)
    into ``out_dir`` and return at once.

    With ``workers`` > 1 (``None``: :func:`default_workers`) the figures are
    drawn in forked processes; otherwise they are drawn when
    :meth:`FigureJob.result` is called. ``pool``: workers already forked by
    :func:`prepare` (then ``workers`` is not used).
    """
    from .figure_data import figure_data

    out_dir.mkdir(parents=True, exist_ok=True)
    todo = sorted(plan.figures, key=lambda f: f.number)
    # Each figure's numbers and texts are taken here, where the tables are:
    # the workers receive plain data and never import pandas.
    args: list[tuple[Any, ...]] = [
        (figure_data(descriptive, figure, codebook, lang, reconstructed, source, numeric, bins), out_dir)
        for figure in todo
    ]
    # The costliest figures first: the workers take the next figure as they
    # finish one, and a costly figure taken last kept one worker drawing
    # while the other had nothing left (the shipped study's 16 figures: the
    # two workers' sums of serial drawing times 2.17 s and 1.90 s in figure
    # order, 2.04 s and 2.03 s in this one).
    order = sorted(range(len(args)), key=lambda i: -_texts_drawn(args[i][0]))
    return FigureJob(args, default_workers() if workers is None else workers, pool, order)


def _texts_drawn(data: FigureData) -> int:
    """How many texts a figure draws, roughly (what its drawing time goes
    with): a tick label and a bar label per answer, a wrapped long label
    more on a horizontal chart, a histogram's few ticks, its notes."""
    texts = 6 if data.edges is not None else 2 * len(data.counts)
    if data.horizontal:
        texts += len(data.counts)
    return texts + len(data.notes)
