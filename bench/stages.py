"""Stage runner: one ``dmp-survey run`` in this process, every stage timed with
``time.perf_counter()`` and its memory measured; one JSON object is printed
on the last line of stdout.

Run by ``bench/run.py`` in a fresh process per measurement:

    python bench/stages.py EXPORT --out DIR

It calls what the ``run`` command calls (``pipeline.load_inputs`` then
``pipeline.run``), with the stage functions wrapped in timers, so that the
figures follow the pipeline as it is written today rather than a copy of it
(the wrappers replace every binding of the function in the ``dmp_survey``
modules, ``from x import y`` included). Stages:

``import``       importing what a run imports (pandas, scipy, statsmodels, matplotlib, the library)
``setup``        ``pipeline.load_inputs``: codebook, analysis plan, published values
``read``         ``ingest.read_export``
``coding``       ``coding.code_export``
``counting``     ``counts.count_by_group``
``statistics``   ``describe.with_intervals`` and ``pipeline.comparisons_from_counts``: the
                 intervals and every comparison's tests, from the counts (here in this process;
                 the command computes them in its statistics process, ``stats/process.py``)
``describe``     ``describe.describe``
``check``        ``check.pvalue_check`` (and ``pipeline.check_published_counts`` if a run calls it)
``audit``        ``audit.audit``
``figures``      ``figures.render_figures`` (16 PNG + 16 SVG)
``writing``      ``pipeline.write_outputs`` less the stages below timed inside it:
                 responses CSV, comparison CSVs, descriptive, checks, audit, manifest
``responses``    the processed responses frame and its Parquet file
``workbook``     ``comparisons.xlsx``; ``markdown``: ``comparisons.md``
``report``       the HTML report (``pipeline._report_page``, laid out while the figures
                 are drawn, and ``pipeline._write_report``, which embeds them)
``docx``         ``results.docx`` (``pipeline._docx_draft`` then ``pipeline._write_docx``)
``other``        the rest of ``pipeline.run``: staging folder, publishing, clean-up

A stage's ``seconds`` is its own time (time spent in another timed stage
called from inside it is subtracted). Memory: the process's resident-set
high-water mark is reset when a stage starts or resumes
(``/proc/self/clear_refs``, value 5) and read when it ends or calls another
stage (``VmHWM``), so ``peak_mb`` is the largest resident size reached
*during* that stage; where the reset is refused the figure is the high-water
mark since the start (``hwm_reset: false``). ``rss_mb`` is the resident size
when the stage last ended; ``maxrss_mb`` (``getrusage``) the process's peak.
``missing_hooks`` lists stage functions the library no longer has.
"""

from __future__ import annotations

import time

_T0 = time.perf_counter()

import argparse  # noqa: E402
import contextlib  # noqa: E402
import functools  # noqa: E402
import importlib  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
import threading  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

# (module, function name, stage) in pipeline order.
HOOKS = [
    ("dmp_survey.io.ingest", "read_export", "read"),
    ("dmp_survey.io.coding", "code_export", "coding"),
    ("dmp_survey.stats.counts", "count_by_group", "counting"),
    ("dmp_survey.stats.describe", "with_intervals", "statistics"),
    ("dmp_survey.pipeline", "comparisons_from_counts", "statistics"),
    ("dmp_survey.stats.describe", "describe", "describe"),
    ("dmp_survey.publication.check", "pvalue_check", "check"),
    ("dmp_survey.pipeline", "check_published_counts", "check"),
    ("dmp_survey.publication.audit", "audit", "audit"),
    # The run draws the figures in forked workers while it writes the tables:
    # what it waits for once the tables are written is the figures' stage.
    ("dmp_survey.outputs.figure_jobs", "FigureJob.result", "figures"),
    ("dmp_survey.pipeline", "write_outputs", "writing"),
    ("dmp_survey.pipeline", "_processed_responses", "responses"),
    ("dmp_survey.io.writers", "write_parquet", "responses"),
    ("dmp_survey.io.writers", "write_csv", "csv"),
    ("dmp_survey.pipeline", "_write_manifest", "manifest"),
    ("dmp_survey.pipeline", "_report_page", "report"),
    ("dmp_survey.pipeline", "_write_report", "report"),
    ("dmp_survey.outputs.workbook", "write_workbook", "workbook"),
    ("dmp_survey.outputs.annex", "write_comparisons_markdown", "markdown"),
    ("dmp_survey.pipeline", "_docx_draft", "docx"),
    ("dmp_survey.pipeline", "_write_docx", "docx"),
    ("dmp_survey.pipeline", "run", "other"),
]
MODULES = (
    "dmp_survey.cli",
    "dmp_survey.pipeline",
    "dmp_survey.io.validation",
    "dmp_survey.io.ingest",
    "dmp_survey.io.coding",
    "dmp_survey.stats.counts",
    "dmp_survey.stats.compare",
    "dmp_survey.stats.describe",
    "dmp_survey.publication.check",
    "dmp_survey.publication.audit",
    "dmp_survey.outputs.figures",
    "dmp_survey.outputs.figure_jobs",
    "dmp_survey.outputs.workbook",
    "dmp_survey.outputs.annex",
    "dmp_survey.io.writers",
    "dmp_survey.outputs.report",
    "dmp_survey.publication.published",
)


def _status_mb(field: str) -> float | None:
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return None


class Recorder:
    """Self time and peak memory per stage, with nesting."""

    def __init__(self) -> None:
        self.stages: dict[str, dict[str, Any]] = {}
        self.stack: list[list[Any]] = []  # [name, start, nested seconds]
        self.hwm_reset = True

    def _reset(self) -> None:
        try:
            with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
                fh.write("5")
        except OSError:
            self.hwm_reset = False

    def _note_peak(self, name: str) -> None:
        rec = self.stages.setdefault(name, {"seconds": 0.0, "calls": 0, "peak_mb": 0.0, "rss_mb": None})
        rec["peak_mb"] = max(rec["peak_mb"], _status_mb("VmHWM") or 0.0)

    def enter(self, name: str) -> None:
        if self.stack:
            self._note_peak(self.stack[-1][0])
        self._reset()
        self.stack.append([name, time.perf_counter(), 0.0])

    def leave(self) -> None:
        end = time.perf_counter()
        name, start, nested = self.stack.pop()
        self._note_peak(name)
        rec = self.stages[name]
        rec["seconds"] += (end - start) - nested
        rec["calls"] += 1
        rec["rss_mb"] = _status_mb("VmRSS")
        if self.stack:
            self.stack[-1][2] += end - start
            self._reset()

    def run(self, name: str, fn: Callable[[], Any]) -> Any:
        self.enter(name)
        try:
            return fn()
        finally:
            self.leave()

    def wrap(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def timed(*args: Any, **kwargs: Any) -> Any:
            if threading.current_thread() is not threading.main_thread():
                return fn(*args, **kwargs)  # a stage run in a thread is part of its caller's
            self.enter(name)
            try:
                return fn(*args, **kwargs)
            finally:
                self.leave()

        timed.__bench_original__ = fn  # type: ignore[attr-defined]
        return timed


def install_hooks(rec: Recorder) -> list[str]:
    """Wrap every stage function wherever a dmp_survey module binds it."""
    missing = []
    modules = [sys.modules[m] for m in sys.modules if m == "dmp_survey" or m.startswith("dmp_survey.")]
    for module_name, attr, stage in HOOKS:
        module = sys.modules.get(module_name)
        if "." in attr:  # a method: wrapped on its class
            cls_name, method = attr.split(".")
            cls = getattr(module, cls_name, None)
            original = getattr(cls, method, None)
            if original is None:
                missing.append(f"{module_name}.{attr}")
                continue
            setattr(cls, method, rec.wrap(stage, original))
            continue
        original = getattr(module, attr, None) if module is not None else None
        if original is None:
            missing.append(f"{module_name}.{attr}")
            continue
        timed = rec.wrap(stage, original)
        for mod in modules:
            for key, value in list(vars(mod).items()):
                if value is original:
                    setattr(mod, key, timed)
    return missing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time each stage of one run; print JSON.")
    parser.add_argument("export", type=Path)
    parser.add_argument("--out", type=Path, required=True, help="scratch folder for the outputs")
    args = parser.parse_args(argv)

    rec = Recorder()
    interpreter_start_s = time.perf_counter() - _T0

    def do_imports() -> None:
        # What a run imports, up front, so that no stage pays for an import.
        for name in (
            "matplotlib.pyplot",
            "scipy.stats",
            "statsmodels.stats.contingency_tables",
            "statsmodels.stats.proportion",
            "statsmodels.stats.multitest",
            "scipy.stats.contingency",
            "dmp_survey.stats.exact",
            "openpyxl",
            "docx",
            "pyarrow.parquet",
            *MODULES,
        ):
            with contextlib.suppress(ImportError):
                importlib.import_module(name)

    rec.run("import", do_imports)
    missing = install_hooks(rec)
    from dmp_survey import pipeline

    inputs = rec.run("setup", lambda: pipeline.load_inputs(args.export))
    start = time.perf_counter()
    analysis = pipeline.run(inputs, args.out)
    run_s = time.perf_counter() - start

    usage = resource.getrusage(resource.RUSAGE_SELF)
    result = {
        "export": str(args.export),
        "n": analysis.coded.n,
        "format": analysis.raw.format,
        "stages": rec.stages,
        "hwm_reset": rec.hwm_reset,
        "missing_hooks": missing,
        "interpreter_start_s": interpreter_start_s,
        "run_s": run_s,
        "total_s": time.perf_counter() - _T0,
        "maxrss_mb": usage.ru_maxrss / 1024.0,
    }
    sys.stdout.write("\n" + json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
