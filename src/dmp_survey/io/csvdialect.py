"""CSV dialects of the run's outputs (``--csv``).

``standard`` (the default): UTF-8, ``,`` separated, decimal point. ``excel-fr``:
what a spreadsheet set up for French opens with a double click: ``;``
separated, decimal comma, UTF-8 with a byte-order mark. Every CSV a run writes
uses the run's dialect; the manifest records it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import DmpSurveyError

__all__ = ["CSV_DIALECTS", "CsvDialectError", "check_csv_dialect", "csv_writer"]

CSV_DIALECTS: Mapping[str, Mapping[str, Any]] = {
    "standard": {"sep": ",", "decimal": ".", "encoding": "utf-8"},
    "excel-fr": {"sep": ";", "decimal": ",", "encoding": "utf-8-sig"},
}


@dataclass(eq=False)
class CsvDialectError(DmpSurveyError):
    name: str

    def __str__(self) -> str:
        return f"--csv must be one of {', '.join(CSV_DIALECTS)}, not '{self.name}'"


def check_csv_dialect(name: str) -> str:
    """``name`` if it is a known dialect, else :class:`CsvDialectError`."""
    if name not in CSV_DIALECTS:
        raise CsvDialectError(name)
    return name


def csv_writer(name: str) -> Callable[[Path, pd.DataFrame], Path]:
    """:func:`~dmp_survey.io.writers.write_csv` in the dialect ``name``."""
    from .writers import write_csv

    return partial(write_csv, **CSV_DIALECTS[check_csv_dialect(name)])
