"""User-facing error types.

Each kind of user error has its own exception (plain, not frozen, dataclasses:
``contextlib`` assigns ``__traceback__`` on exceptions, which a frozen
dataclass refuses); the CLI turns any of them into
one line on stderr and exit code 2. Messages never contain a respondent's
contact or identity data: callers pass only headers, positions and answer
values of coded questions.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["CodebookError", "DmpSurveyError", "InputError", "PlanError", "StudyError", "clip"]


def clip(value: object, width: int = 60) -> str:
    """Return ``repr``-like text of a cell value, shortened for one-line messages."""
    text = str(value).replace("\r", " ").replace("\n", " ")
    return text if len(text) <= width else text[: width - 1] + "…"


class DmpSurveyError(Exception):
    """Base class of the errors the CLI reports as bad input (exit code 2)."""


@dataclass(eq=False)
class InputError(DmpSurveyError):
    """A problem in a respondent file, located as precisely as possible.

    Parameters
    ----------
    file : Path
        The input file.
    message : str
        What is wrong and what was expected.
    sheet : str, optional
        Worksheet name, for workbooks.
    row : int, optional
        Row number as a spreadsheet shows it (header = 1) or CSV line number.
    column : str, optional
        The column header as written in the file.
    """

    file: Path
    message: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = [self.file.name]
        if self.sheet is not None:
            where.append(f"sheet '{self.sheet}'")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column '{clip(self.column, 120)}'")
        return f"{', '.join(where)}: {self.message}"


@dataclass(eq=False)
class StudyError(DmpSurveyError):
    """A mistake in a study folder: the file, the line where the YAML has one,
    the key (``comparisons[0].rows[3].variable``) and what was expected."""

    file: Path
    message: str
    line: int | None = None
    key: str | None = None

    def __str__(self) -> str:
        where = [self.file.name]
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.key:
            where.append(self.key)
        return f"{', '.join(where)}: {self.message}"


class CodebookError(StudyError):
    """An invalid codebook (duplicate id or label, unknown condition target…)."""


class PlanError(StudyError):
    """An invalid analysis plan or published-values file."""
