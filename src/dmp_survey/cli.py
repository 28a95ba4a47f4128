"""Command line: paths in, one library call, exit code out.

Exit codes: 0 success; 1 a check failed; 2 bad input or usage, reported as one
line on stderr (file, sheet, row, column where they apply), no traceback.
Heavy libraries (scipy, statsmodels, matplotlib) are imported inside the
commands that need them, so ``--help`` and ``validate`` stay fast; a run
leaves them to its helper processes (the figure workers, the statistics
process), forked before it reads the export.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import typer

from . import __version__
from .config import DEFAULT_RAW, DEFAULT_STUDY
from .errors import DmpSurveyError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Reproducible analysis of a questionnaire survey: figures, comparison tables, report, audit.",
)

T = TypeVar("T")

RawArg = Annotated[
    Path,
    typer.Argument(metavar="RAW", help="Questionnaire export (.xlsx, .csv or .parquet).", show_default=False),
]
StudyOpt = Annotated[
    Path,
    typer.Option(
        "--study",
        metavar="DIR",
        help="Study folder: study.yaml, codebook.yaml, plan.yaml, published/ (docs/study-format.md). "
        "Default: the study shipped with the package.",
        show_default=False,
    ),
]
SheetOpt = Annotated[
    str | None, typer.Option("--sheet", metavar="SHEET", help="Worksheet to read (default: the first).")
]
# The options of the single-study days: kept so that an old command line gets
# one clear line saying what replaced them.
_REPLACED = "replaced by --study DIR (a folder holding codebook.yaml, plan.yaml, published/)"
OldOpt = Annotated[
    Path | None,
    typer.Option("--codebook", "--plan", "--published", hidden=True, metavar="PATH"),
]
OutOpt = Annotated[Path, typer.Option("--out", metavar="DIR", help="Root folder of the outputs.")]
LangOpt = Annotated[
    str, typer.Option("--lang", metavar="fr|en", help="Language of labels, captions and report: fr or en.")
]
CsvOpt = Annotated[
    str,
    typer.Option(
        "--csv",
        metavar="DIALECT",
        help="CSV outputs: standard (UTF-8, comma, decimal point) or excel-fr "
        "(semicolon, decimal comma, UTF-8 with BOM).",
    ),
]


@contextmanager
def _user_errors() -> Iterator[None]:
    """Turn a user error into one line on stderr and exit code 2."""
    try:
        yield
    except DmpSurveyError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None


@contextmanager
def _figure_workers() -> Iterator[Any]:
    """The figure workers (:func:`dmp_survey.outputs.figure_jobs.prepare`),
    forked before this process imports anything heavy: they import
    matplotlib on the other core, idle until then, while this process
    imports pandas and reads the export, and are ready to draw when the
    figures' data are. The pipeline closes them when it ends; here they are
    closed when the command fails before that."""
    from .outputs.figure_jobs import prepare

    pool = prepare()
    try:
        yield pool
    finally:
        if pool is not None:
            pool.close()


@contextmanager
def _statistics_process() -> Iterator[Any]:
    """The statistics process (:mod:`dmp_survey.stats.process`), forked once
    this process has imported pandas (shared with it) and before it reads
    anything: it imports SciPy and statsmodels on the other core while this
    process reads and codes the export. The pipeline closes it once the
    statistics are computed; here it is closed when the command fails
    before that."""
    from .stats.process import prepare

    statistics = prepare()
    try:
        yield statistics
    finally:
        if statistics is not None:
            statistics.close()


def _no_old(old: Path | None) -> None:
    if old is not None:
        typer.echo(f"error: --codebook, --plan and --published are {_REPLACED}", err=True)
        raise typer.Exit(2)


def _call(fn: Callable[[], T]) -> T:
    _collect_again()
    with _user_errors():
        return fn()
    raise AssertionError("unreachable")  # pragma: no cover


#: Whether :func:`main` turned the cyclic garbage collector off while the
#: command imports its libraries (:func:`_collect_again` turns it back on).
_COLLECTOR_PAUSED = False


def _collect_again() -> None:
    """Once the command has imported its libraries (its first step is about
    to run): freeze what was imported out of the garbage collector's reach
    and turn the collector back on, if :func:`main` turned it off.

    Importing pandas and the rest made a few hundred collections, two of
    them walking every object of the growing heap of modules, none of it
    garbage (0.09 s of CPU before a run has read anything; ``gc.callbacks``);
    frozen, those objects are not walked again by later collections."""
    global _COLLECTOR_PAUSED
    if _COLLECTOR_PAUSED:
        import gc

        _COLLECTOR_PAUSED = False
        gc.freeze()
        gc.enable()


def _version(value: bool) -> None:
    if value:
        typer.echo(f"dmp-survey {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """Reproducible analysis of a questionnaire survey from its export and a study folder."""


@app.command()
def validate(
    raw: RawArg,
    study: StudyOpt = DEFAULT_STUDY,
    sheet: SheetOpt = None,
    old: OldOpt = None,
) -> None:
    """Check the study folder, then ingest and code an export; print what was found, or the first problem.

    Example: dmp-survey validate export.csv --study my-study
    """
    from .io.validation import validate as run_validation
    from .study.folder import load_study

    _no_old(old)
    loaded = _call(lambda: load_study(study))
    report = _call(lambda: run_validation(raw, loaded.codebook, sheet))
    typer.echo("\n".join(report.lines()))


def _lang(lang: str) -> str:
    if lang not in ("fr", "en"):
        typer.echo(f"error: --lang must be fr or en, not '{lang}'", err=True)
        raise typer.Exit(2)
    return lang


@app.command()
def run(
    raw: RawArg,
    out: OutOpt = Path("."),
    study: StudyOpt = DEFAULT_STUDY,
    lang: LangOpt = "fr",
    sheet: SheetOpt = None,
    csv: CsvOpt = "standard",
    old: OldOpt = None,
) -> None:
    """Regenerate every output from an export; previous outputs are replaced only on success.

    Example: dmp-survey run export.csv --study my-study --out results --lang en
    """
    _no_old(old)
    lang = _lang(lang)
    with _figure_workers() as pool:
        from .pipeline import load_inputs
        from .pipeline import run as run_pipeline
        from .progress import with_progress

        with _statistics_process() as statistics:
            inputs = _call(lambda: load_inputs(raw, study, lang, sheet, csv))
            analysis = _call(
                lambda: with_progress(
                    lambda progress: run_pipeline(
                        inputs, out, progress=progress, pool=pool, statistics=statistics
                    )
                )
            )
    typer.echo(f"{analysis.coded.n} respondents; outputs written under {out}")
    if analysis.check is not None:
        typer.echo(analysis.check.summary())


def _partial(
    raw: Path,
    out: Path,
    study: Path,
    lang: str,
    sheet: str | None,
    parts: frozenset[str],
    old: Path | None,
    csv: str = "standard",
) -> None:
    _no_old(old)
    lang = _lang(lang)
    with _figure_workers() as pool:
        from .pipeline import load_inputs
        from .pipeline import run as run_pipeline

        with _statistics_process() as statistics:
            _call(
                lambda: run_pipeline(
                    load_inputs(raw, study, lang, sheet, csv),
                    out,
                    parts=parts,
                    pool=pool,
                    statistics=statistics,
                )
            )
    typer.echo(f"{', '.join(sorted(parts))} written under {out}")


@app.command()
def figures(
    raw: RawArg,
    out: OutOpt = Path("."),
    study: StudyOpt = DEFAULT_STUDY,
    lang: LangOpt = "fr",
    sheet: SheetOpt = None,
    csv: CsvOpt = "standard",
    old: OldOpt = None,
) -> None:
    """Regenerate the plan's figures only (figures/figure_NN.png and .svg).

    Example: dmp-survey figures export.xlsx --study my-study --out results
    """
    _partial(raw, out, study, lang, sheet, frozenset({"figures"}), old, csv)


@app.command()
def report(
    raw: RawArg,
    out: OutOpt = Path("."),
    study: StudyOpt = DEFAULT_STUDY,
    lang: LangOpt = "fr",
    sheet: SheetOpt = None,
    csv: CsvOpt = "standard",
    old: OldOpt = None,
) -> None:
    """Regenerate the HTML report only (reports/report.html).

    Example: dmp-survey report export.xlsx --study my-study --out results --lang en
    """
    _partial(raw, out, study, lang, sheet, frozenset({"reports"}), old, csv)


@app.command()
def verify(
    raw: RawArg,
    out: OutOpt = Path("."),
    study: StudyOpt = DEFAULT_STUDY,
    lang: LangOpt = "fr",
    sheet: SheetOpt = None,
    csv: CsvOpt = "standard",
    old: OldOpt = None,
) -> None:
    """Rerun into a temporary folder and report every output whose hash differs from the manifest.

    Example: dmp-survey verify export.xlsx --study my-study --out results (with the options of the run)
    """
    from .pipeline import changed_inputs, load_inputs
    from .pipeline import verify as verify_outputs

    _no_old(old)
    lang = _lang(lang)
    # Inputs first, by their bytes: a changed export or study file may no
    # longer load, and is still named (exit 1); no rerun on changed inputs.
    changed = _call(lambda: changed_inputs(raw, study, out))
    for line in changed:
        typer.echo(line)
    if changed:
        typer.echo("not rerun: the inputs are not those of the run")
        raise typer.Exit(1)
    problems = _call(lambda: verify_outputs(load_inputs(raw, study, lang, sheet, csv), out))
    for line in problems:
        typer.echo(line)
    if problems:
        raise typer.Exit(1)
    typer.echo("every output is reproduced byte for byte")


@app.command()
def check(
    raw: Annotated[
        Path,
        typer.Argument(
            metavar="RAW", help="Export to check (default: the shipped export).", show_default=False
        ),
    ] = DEFAULT_RAW,
    study: StudyOpt = DEFAULT_STUDY,
    old: OldOpt = None,
) -> None:
    """Check the comparison p-values against the published ones, on the export and on
    the published counts; exit 1 on any unexpected result.

    Example: dmp-survey check data/raw/responses.xlsx
    """
    from .pipeline import analyse, check_published_counts, load_inputs

    _no_old(old)
    inputs = _call(lambda: load_inputs(raw, study))
    if inputs.published is None:
        typer.echo("nothing to check: the study has no published values")
        return
    analysis = _call(lambda: analyse(inputs))
    published_check, _ = check_published_counts(inputs)
    failed = False
    assert analysis.check is not None
    for result in (analysis.check, published_check):
        typer.echo(result.summary())
        for r in result.frame[result.frame["status"].isin(["mismatch", "unexpected_match"])].itertuples():
            typer.echo(
                f"  table {r.annex} {r.variable}: published {r.published}, recomputed "
                f"{r.recomputed:.4f} ({r.test}): {r.status}"
            )
        failed = failed or result.failed
    if failed:
        raise typer.Exit(1)


@app.command()
def reconstruct(
    out: Annotated[
        Path, typer.Option("--out", metavar="PATH", help="Where to write the export.")
    ] = DEFAULT_RAW,
    study: StudyOpt = DEFAULT_STUDY,
    old: OldOpt = None,
) -> None:
    """Rebuild a respondent-level export from a study's published aggregates.

    Example: dmp-survey reconstruct --out rebuilt.xlsx
    """
    from .io.paths import check_output_file
    from .publication.reconstruct import rebuild
    from .study.folder import load_study

    _no_old(old)
    _call(lambda: check_output_file(out))
    loaded = _call(lambda: load_study(study))
    result = _call(lambda: rebuild(out, loaded))
    typer.echo(result)


@app.command()
def init(
    export: Annotated[
        Path | None,
        typer.Argument(
            metavar="EXPORT", help="Export (.xlsx, .csv or .parquet) to draft from.", show_default=False
        ),
    ] = None,
    out: Annotated[Path, typer.Option("--out", metavar="DIR", help="The new study folder.")] = Path("study"),
    group: Annotated[
        str | None,
        typer.Option("--group", metavar="COLUMN", help="A categorical column to compare the others by."),
    ] = None,
    from_xlsform: Annotated[
        Path | None, typer.Option("--from-xlsform", metavar="FORM.xlsx", help="Draft from an XLSForm.")
    ] = None,
    from_redcap: Annotated[
        Path | None,
        typer.Option("--from-redcap", metavar="DICTIONARY.csv", help="Draft from a REDCap data dictionary."),
    ] = None,
    sheet: SheetOpt = None,
) -> None:
    """Draft a study folder (study.yaml, codebook.yaml, plan.yaml) from an export, an XLSForm
    or a REDCap data dictionary; every guess carries a comment to check."""
    from .study.draft import init_study

    result = _call(
        lambda: init_study(out, export, xlsform=from_xlsform, redcap=from_redcap, group=group, sheet=sheet)
    )
    for line in result.lines():
        typer.echo(line)


def main() -> NoReturn:
    """Console-script entry point (and ``python -m dmp_survey``): runs the
    command, then ends the process (:func:`_end`)."""
    global _COLLECTOR_PAUSED
    _one_blas_thread()
    _keep_freed_memory()
    import gc

    gc.disable()  # while the command imports its libraries: see _collect_again
    _COLLECTOR_PAUSED = True
    try:
        app()
    except KeyboardInterrupt:  # pragma: no cover
        code: object = 130
    except SystemExit as exc:
        code = exc.code
    else:  # pragma: no cover (typer's standalone mode always raises SystemExit)
        code = 0
    _end(code)


def _one_blas_thread() -> None:
    """Have NumPy's and SciPy's OpenBLAS use one thread (unless the caller
    chose otherwise), in this process and the figure workers, before either
    imports them.

    The run multiplies only small matrices (matplotlib's transforms, the
    statistics), and OpenBLAS's extra threads then spin waiting for more
    work on cores the run and its figure workers already keep busy: 0.2 s of
    CPU at 64 answers and 0.5-0.8 s at 10^6 measured with ``perf``
    (``blas_thread_server``), for no speed."""
    import os

    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


#: glibc's mallopt parameters (malloc.h).
_M_TRIM_THRESHOLD, _M_TOP_PAD, _M_MMAP_THRESHOLD = -1, -2, -3


def _keep_freed_memory() -> None:
    """Have glibc's malloc keep the memory the run frees for its next
    arrays, instead of handing it back to the system at once.

    A run on 10^6 answers allocates and frees arrays of megabytes again and
    again. glibc gave each back to the system (arrays above its mmap
    threshold, and the top of its heap beyond 128 KB) and took fresh pages
    for the next, each page faulted in and zeroed by the kernel again
    (``perf``: ``clear_page_erms``, 5-6 % of a 10^6 run's CPU). Here arrays
    of up to 32 MB come from the heap, whose top is given back only beyond
    1 GB and grows 256 MB at a time (between the stages of a large run,
    :func:`dmp_survey.memory.release` still gives it back). Measured in
    three alternated pairs at 10^6 answers (Parquet): page faults 237,000
    -> 145,000, CPU 12.0 -> 11.3 s; 64 answers: 139,000 -> 105,000 faults;
    10^7: peak memory 1.74 GB (1.71 GB before), under its 2 GB target.
    Through ``mallopt``, glibc only: elsewhere the allocator is left as it
    is."""
    import ctypes

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # no mallopt: not glibc
        return
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt(_M_MMAP_THRESHOLD, 32 << 20)
    mallopt(_M_TRIM_THRESHOLD, 1 << 30)
    mallopt(_M_TOP_PAD, 256 << 20)


def _end(code: object) -> NoReturn:
    """End the process with ``code`` (as ``sys.exit`` reads it) once the
    command is done, without Python's teardown of every module.

    A run imports about 2,000 modules; freeing them one by one took 0.4 to
    0.6 s after the last output was written and published, which the system
    does at once for a process that ends. What Python's exit does that
    matters is done first: the exit handlers (multiprocessing's children,
    thread pools, logging, temporary files) and the standard streams flushed.
    While another thread still runs, Python's own exit (which waits for it)
    is used instead."""
    import atexit
    import contextlib
    import os
    import threading

    run_exit_handlers = getattr(atexit, "_run_exitfuncs", None)
    if threading.active_count() > 1 or run_exit_handlers is None:
        sys.exit(code)  # type: ignore[arg-type]
    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:  # a message, as sys.exit prints it
        print(code, file=sys.stderr)
        status = 1
    run_exit_handlers()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing more can be said
            stream.flush()
    os._exit(status & 0xFF)
