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
from .config import DEFAULT_CODEBOOK
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
    from .codebook import load_codebook
    from .validation import validate as run_validation

    report = _call(lambda: run_validation(raw, load_codebook(codebook), sheet))
    typer.echo("\n".join(report.lines()))


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt:  # pragma: no cover
        sys.exit(130)
