"""Command line: paths in, one library call, exit code out.

Exit codes: 0 success; 1 a check failed; 2 bad input or usage, reported as one
line on stderr (file, sheet, row, column where they apply), no traceback.
Heavy libraries (scipy, statsmodels, matplotlib) are imported inside the
commands that need them, so ``--help`` and ``validate`` stay fast.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, TypeVar

import typer

from . import __version__
from .config import (
    DEFAULT_ANALYSIS_PLAN,
    DEFAULT_CODEBOOK,
    DEFAULT_PUBLISHED,
    DEFAULT_RAW,
    DEFAULT_RECONSTRUCTION,
)
from .errors import DmpSurveyError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Reproducible analysis of the Somme GP survey on the shared health record (DMP).",
)

T = TypeVar("T")

RawArg = Annotated[
    Path,
    typer.Argument(help="Questionnaire export (.xlsx, .csv or .parquet).", show_default=False),
]
CodebookOpt = Annotated[
    Path,
    typer.Option("--codebook", help="Codebook YAML (default: the one shipped with the package)."),
]
SheetOpt = Annotated[str | None, typer.Option("--sheet", help="Worksheet to read (default: the first).")]
PlanOpt = Annotated[Path, typer.Option("--plan", help="Analysis plan YAML (default: the shipped one).")]
PublishedOpt = Annotated[
    Path, typer.Option("--published", help="Folder of the transcribed published values.")
]
OutOpt = Annotated[Path, typer.Option("--out", help="Root folder of the outputs.")]
LangOpt = Annotated[str, typer.Option("--lang", help="Language of labels, captions and report: fr or en.")]


@contextmanager
def _user_errors() -> Iterator[None]:
    """Turn a user error into one line on stderr and exit code 2."""
    try:
        yield
    except DmpSurveyError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None


def _call(fn: Callable[[], T]) -> T:
    with _user_errors():
        return fn()
    raise AssertionError("unreachable")  # pragma: no cover


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
    """Reproducible analysis of the Somme GP survey on the shared health record (DMP)."""


@app.command()
def validate(
    raw: RawArg,
    codebook: CodebookOpt = DEFAULT_CODEBOOK,
    sheet: SheetOpt = None,
) -> None:
    """Ingest and code an export only; print what was found, or the first problem."""
    from .study.codebook import load_codebook
    from .io.validation import validate as run_validation

    report = _call(lambda: run_validation(raw, load_codebook(codebook), sheet))
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
    codebook: CodebookOpt = DEFAULT_CODEBOOK,
    plan: PlanOpt = DEFAULT_ANALYSIS_PLAN,
    published: PublishedOpt = DEFAULT_PUBLISHED,
    lang: LangOpt = "fr",
    sheet: SheetOpt = None,
) -> None:
    """Regenerate every output from an export; previous outputs are replaced only on success."""
    from .pipeline import load_inputs
    from .pipeline import run as run_pipeline

    lang = _lang(lang)
    analysis = _call(lambda: run_pipeline(load_inputs(raw, codebook, plan, published, lang, sheet), out))
    typer.echo(f"{analysis.coded.n} respondents; outputs written under {out}")
    typer.echo(analysis.check.summary())


def _partial(
    raw: Path,
    out: Path,
    codebook: Path,
    plan: Path,
    published: Path,
    lang: str,
    sheet: str | None,
    parts: frozenset[str],
) -> None:
    from .pipeline import load_inputs
    from .pipeline import run as run_pipeline

    lang = _lang(lang)
    _call(lambda: run_pipeline(load_inputs(raw, codebook, plan, published, lang, sheet), out, parts=parts))
    typer.echo(f"{', '.join(sorted(parts))} written under {out}")


@app.command()
def figures(
    raw: RawArg,
    out: OutOpt = Path("."),
    codebook: CodebookOpt = DEFAULT_CODEBOOK,
    plan: PlanOpt = DEFAULT_ANALYSIS_PLAN,
    published: PublishedOpt = DEFAULT_PUBLISHED,
    lang: LangOpt = "fr",
    sheet: SheetOpt = None,
) -> None:
    """Regenerate figures 1-16 only (figures/figure_NN.png and .svg)."""
    _partial(raw, out, codebook, plan, published, lang, sheet, frozenset({"figures"}))


@app.command()
def report(
    raw: RawArg,
    out: OutOpt = Path("."),
    codebook: CodebookOpt = DEFAULT_CODEBOOK,
    plan: PlanOpt = DEFAULT_ANALYSIS_PLAN,
    published: PublishedOpt = DEFAULT_PUBLISHED,
    lang: LangOpt = "fr",
    sheet: SheetOpt = None,
) -> None:
    """Regenerate the HTML report only (reports/report.html)."""
    _partial(raw, out, codebook, plan, published, lang, sheet, frozenset({"reports"}))


@app.command()
def verify(
    raw: RawArg,
    out: OutOpt = Path("."),
    codebook: CodebookOpt = DEFAULT_CODEBOOK,
    plan: PlanOpt = DEFAULT_ANALYSIS_PLAN,
    published: PublishedOpt = DEFAULT_PUBLISHED,
    lang: LangOpt = "fr",
    sheet: SheetOpt = None,
) -> None:
    """Rerun into a temporary folder and report every output whose hash differs from the manifest."""
    from .pipeline import load_inputs
    from .pipeline import verify as verify_outputs

    lang = _lang(lang)
    problems = _call(lambda: verify_outputs(load_inputs(raw, codebook, plan, published, lang, sheet), out))
    for line in problems:
        typer.echo(line)
    if problems:
        raise typer.Exit(1)
    typer.echo("every output is reproduced byte for byte")


@app.command()
def check(
    raw: Annotated[
        Path, typer.Argument(help="Export to check (default: the shipped reconstruction).")
    ] = DEFAULT_RAW,
    codebook: CodebookOpt = DEFAULT_CODEBOOK,
    plan: PlanOpt = DEFAULT_ANALYSIS_PLAN,
    published: PublishedOpt = DEFAULT_PUBLISHED,
) -> None:
    """Check the annex p-values against the published ones, on the export and on
    the published counts; exit 1 on any unexpected result."""
    from .pipeline import analyse, check_published_counts, load_inputs

    inputs = _call(lambda: load_inputs(raw, codebook, plan, published))
    analysis = _call(lambda: analyse(inputs))
    published_check, _ = check_published_counts(inputs)
    failed = False
    for result in (analysis.check, published_check):
        typer.echo(result.summary())
        for r in result.frame[result.frame["status"].isin(["mismatch", "unexpected_match"])].itertuples():
            typer.echo(
                f"  annex {r.annex} {r.variable}: published {r.published}, recomputed "
                f"{r.recomputed:.4f} ({r.test}): {r.status}"
            )
        failed = failed or result.failed
    if failed:
        raise typer.Exit(1)


@app.command()
def reconstruct(
    out: Annotated[Path, typer.Option("--out", help="Where to write the export.")] = DEFAULT_RAW,
    codebook: CodebookOpt = DEFAULT_CODEBOOK,
    plan: PlanOpt = DEFAULT_ANALYSIS_PLAN,
    published: PublishedOpt = DEFAULT_PUBLISHED,
    settings: Annotated[
        Path, typer.Option("--settings", help="Reconstruction settings YAML.")
    ] = DEFAULT_RECONSTRUCTION,
) -> None:
    """Rebuild the respondent-level export from the published aggregates."""
    from .publication.reconstruct import rebuild

    result = _call(lambda: rebuild(out, codebook, plan, published, settings))
    typer.echo(result)


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt:  # pragma: no cover
        sys.exit(130)
