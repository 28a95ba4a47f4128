"""Drawing the figures in forked processes while the run goes on.

Kept apart from :mod:`dmp_survey.outputs.figures` so that starting the job
does not import matplotlib in the calling process: the workers import it
(and draw) while the caller imports the statistics libraries and computes
the comparisons. A run's figures can thus start as soon as the descriptive
table exists, before any test is computed (:func:`dmp_survey.pipeline.run`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from ..study.codebook import Codebook
    from ..study.plan import AnalysisPlan

__all__ = ["FigureJob", "start_figures"]


def _render(*args: Any) -> list[Path]:
    """One figure (in a worker: matplotlib is imported here, not by the caller)."""
    from .figures import _render_one

    return _render_one(*args)


def default_workers() -> int:
    """Two workers where the platform forks and has two cores, else none (drawn in-process)."""
    import multiprocessing
    import os

    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, min(2, os.cpu_count() or 1))


def _warm() -> None:
    """A worker's first step: import the drawing code (matplotlib) and load
    the fonts before any figure is asked for."""
    from .figures import warm_fonts

    warm_fonts()


def prepare(workers: int | None = None) -> Any:
    """Fork the figure workers now, before the caller has read anything, and
    have them import matplotlib and load the fonts on the other core while
    the caller imports its own libraries and reads the export; returns the
    pool for :func:`start_figures` (``pool=``), or None where figures are
    drawn in-process. Close it (``terminate``) if no figure is drawn.

    Forked, not spawned: a spawned worker (or one forked from a fork server)
    imports the caller's main module again, which a script without a
    ``__main__`` guard does not survive."""
    workers = default_workers() if workers is None else workers
    if workers < 2:
        return None
    import multiprocessing

    return multiprocessing.get_context("fork").Pool(workers, initializer=_warm)


class FigureJob:
    """Figures being drawn in forked processes while the caller goes on.

    :meth:`result` waits and returns the paths as
    :func:`~dmp_survey.outputs.figures.render_figures` does; :meth:`close`
    stops the workers (call it when the caller fails).
    """

    def __init__(self, args: list[tuple[Any, ...]], workers: int, pool: Any = None) -> None:
        self._args = args
        self._pool: Any = pool if pool is not None or len(args) < 2 else prepare(workers)
        self._pending: Any = None
        if self._pool is not None:
            self._pending = self._pool.starmap_async(_render, args, chunksize=1)

    def result(self) -> list[Path]:
        if self._pending is None:
            groups = [_render(*a) for a in self._args]
        else:
            groups = self._pending.get()
            self.close()
        return [path for group in groups for path in group]

    def close(self) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
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
    pool: Any = None,
) -> FigureJob:
    """Start drawing every figure (see :func:`~dmp_survey.outputs.figures.render_figures`)
    into ``out_dir`` and return at once.

    With ``workers`` > 1 (``None``: :func:`default_workers`) the figures are
    drawn in forked processes; otherwise they are drawn when
    :meth:`FigureJob.result` is called. ``pool``: workers already forked by
    :func:`prepare` (then ``workers`` is not used).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    todo = sorted(plan.figures, key=lambda f: f.number)
    args = [
        (descriptive, figure, codebook, out_dir, lang, reconstructed, source, numeric, bins)
        for figure in todo
    ]
    return FigureJob(args, default_workers() if workers is None else workers, pool)
