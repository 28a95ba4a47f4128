"""Descriptive statistics: the answers to every categorical question, counted
among the respondents it was asked to, with a 95% Wilson interval.

The table this module returns is ``data/processed/descriptive.csv`` and the only
source of the numbers drawn in the figures (:mod:`dmp_survey.outputs.figures`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..io.coding import CodedResponses, asked_mask
from ..study.codebook import QuestionType
from .counts import answer_slots

__all__ = [
    "ANSWERED",
    "DATE_COLUMNS",
    "DESCRIPTIVE_COLUMNS",
    "MISSING",
    "NUMERIC_COLUMNS",
    "count_answers",
    "describe",
    "describe_dates",
    "describe_numeric",
    "histogram_bins",
    "with_intervals",
]

DESCRIPTIVE_COLUMNS = ["variable", "level", "n", "denominator", "percent", "ci_low", "ci_high"]
NUMERIC_COLUMNS = [
    "variable",
    "n",
    "missing",
    "denominator",
    "mean",
    "sd",
    "median",
    "q1",
    "q3",
    "min",
    "max",
]
DATE_COLUMNS = ["variable", "n", "missing", "denominator", "first", "last"]

# Level of the row that counts the blank answers among the respondents asked.
MISSING = "(missing)"
# Level of the row that counts the free-text answers given (never their text).
ANSWERED = "(answered)"


def _rows(variable: str, column: pd.Series, levels: Sequence[str], asked: np.ndarray) -> pd.DataFrame:
    # One bincount, no selection of the rows (a question of 10^6 respondents
    # counted in 2.5 ms instead of 5): answers, blanks, those not asked.
    codes = np.asarray(column.cat.codes)
    bins = np.bincount(answer_slots(codes, len(levels), asked), minlength=len(levels) + 2)
    return pd.DataFrame(
        {
            "variable": variable,
            "level": [*levels, MISSING],
            "n": bins[: len(levels) + 1].astype(np.int64),
            "denominator": np.int64(len(codes) - bins[len(levels) + 1]),
        }
    )


def _multiple_rows(
    variable: str, columns: list[pd.Series], levels: Sequence[str], asked: np.ndarray
) -> pd.DataFrame:
    # One row per option: the respondents asked who ticked it; a respondent
    # may tick several, so the rows may add up to more than the denominator.
    ticked = [np.asarray(c == "yes", dtype=bool) & asked for c in columns]
    nothing = asked & ~np.logical_or.reduce(ticked)
    return pd.DataFrame(
        {
            "variable": variable,
            "level": [*levels, MISSING],
            "n": np.array([t.sum() for t in ticked] + [nothing.sum()], dtype=np.int64),
            "denominator": np.int64(asked.sum()),
        }
    )


def describe_numeric(coded: CodedResponses) -> pd.DataFrame:
    """n, missing, mean, SD (n − 1), median, quartiles and range of every
    numeric question, among the respondents asked.

    Quartiles are numpy's default (linear interpolation, R's type 7, as R's
    ``quantile`` and ``summary``).

    Returns
    -------
    pandas.DataFrame
        Columns ``NUMERIC_COLUMNS``: ``variable, n, missing, denominator,
        mean, sd, median, q1, q3, min, max`` (NaN where n is 0; SD NaN where
        n < 2).
    """
    frame, codebook = coded.frame, coded.codebook
    records = []
    for q in codebook.questions:
        if q.type is not QuestionType.NUMERIC or q.id not in frame:
            continue
        asked = asked_mask(q, frame)
        given = numeric_values(frame[q.id], asked)
        records.append(
            {"variable": q.id, **numeric_summary(given, int(asked.sum())), "denominator": int(asked.sum())}
        )
    return pd.DataFrame.from_records(records, columns=NUMERIC_COLUMNS)


def numeric_values(column: pd.Series, keep: np.ndarray) -> np.ndarray:
    """The answers of a numeric column where ``keep`` holds, blanks left out."""
    values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    return values[keep & ~np.isnan(values)]


def numeric_summary(values: np.ndarray, asked: int) -> dict[str, float | int]:
    """n, missing (of ``asked``), mean, SD (n − 1), median, quartiles (R's
    type 7, numpy's default) and range of some answers; NaN where undefined."""
    n = len(values)
    q1, median, q3 = np.percentile(values, [25, 50, 75]) if n else (np.nan, np.nan, np.nan)
    return {
        "n": n,
        "missing": asked - n,
        "mean": float(values.mean()) if n else np.nan,
        "sd": float(values.std(ddof=1)) if n > 1 else np.nan,
        "median": float(median),
        "q1": float(q1),
        "q3": float(q3),
        "min": float(values.min()) if n else np.nan,
        "max": float(values.max()) if n else np.nan,
    }


def histogram_bins(coded: CodedResponses) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per numeric question, (bin edges, counts) of its answers among the
    respondents asked: what its histogram draws (``numpy.histogram_bin_edges``,
    "auto" rule; whole-number questions get bins on whole numbers)."""
    frame, codebook = coded.frame, coded.codebook
    out = {}
    for q in codebook.questions:
        if q.type is not QuestionType.NUMERIC or q.id not in frame:
            continue
        given = numeric_values(frame[q.id], asked_mask(q, frame))
        if not len(given):
            continue
        edges = np.histogram_bin_edges(given, bins="auto")
        if q.integer and len(edges) > 1:
            width = max(1.0, float(np.ceil(edges[1] - edges[0])))
            start = float(np.floor(given.min()))
            edges = np.arange(start, float(given.max()) + width + 1e-9, width) - 0.5
        if len(edges) > 41:  # a readable histogram: at most 40 bars
            edges = np.linspace(edges[0], edges[-1], 41)
        counts, edges = np.histogram(given, bins=edges)
        out[q.id] = (edges, counts)
    return out


def describe_dates(coded: CodedResponses) -> pd.DataFrame:
    """n, missing, first and last date of every date question (ISO text)."""
    frame, codebook = coded.frame, coded.codebook
    records = []
    for q in codebook.questions:
        if q.type is not QuestionType.DATE or q.id not in frame:
            continue
        asked = asked_mask(q, frame)
        values = pd.to_datetime(frame[q.id])[asked].dropna()
        fmt = "%Y-%m-%dT%H:%M:%S" if q.datetime else "%Y-%m-%d"
        records.append(
            {
                "variable": q.id,
                "n": len(values),
                "missing": int(asked.sum()) - len(values),
                "denominator": int(asked.sum()),
                "first": values.min().strftime(fmt) if len(values) else "",
                "last": values.max().strftime(fmt) if len(values) else "",
            }
        )
    return pd.DataFrame.from_records(records, columns=DATE_COLUMNS)


def describe(coded: CodedResponses) -> pd.DataFrame:
    """Count the answers to every categorical question and derived variable.

    A question is counted among the respondents it was asked to
    (:func:`~dmp_survey.io.coding.asked_mask`): a question with a skip rule
    (``asked_if``) among those its condition selects; every other question
    among all respondents. Free-text and
    contact/PII questions are left out.

    Parameters
    ----------
    coded : CodedResponses
        The output of the coding stage.

    Returns
    -------
    pandas.DataFrame
        One row per variable × level, variables in codebook order (the derived
        variables, such as the groups, last), levels in codebook order with
        zero counts kept, then one row with level ``"(missing)"``: the blank
        answers among the respondents asked. For a categorical variable the
        ``n`` of its rows sum to its ``denominator``; a multiple question has
        one row per option (the respondents ticking it, so they may add up to
        more) and ``(missing)`` for those who ticked nothing; a free-text
        question has ``(answered)`` and ``(missing)`` only. Columns:

        variable : str
            Question id or derived-variable id.
        level : str
            Answer code, or ``"(missing)"``.
        n : int
            Number of respondents giving that answer.
        denominator : int
            Number of respondents the question was asked to.
        percent : float
            ``100 * n / denominator`` (NaN when nobody was asked).
        ci_low, ci_high : float
            95% Wilson score interval of ``percent``, on the same 0–100 scale
            (``statsmodels.stats.proportion.proportion_confint``; NaN when
            nobody was asked).
    """
    return with_intervals(count_answers(coded))


def count_answers(coded: CodedResponses) -> pd.DataFrame:
    """:func:`describe` without its intervals: the same rows and columns up to
    ``percent`` (the columns the figures draw). Needs neither SciPy nor
    statsmodels, so that the figures can start before they are imported."""
    frame, codebook = coded.frame, coded.codebook
    parts = []
    for q in codebook.questions:
        if q.is_categorical and q.id in frame:
            parts.append(_rows(q.id, frame[q.id], q.codes, asked_mask(q, frame)))
        elif q.is_multiple and all(c in frame for c in q.columns):
            parts.append(_multiple_rows(q.id, [frame[c] for c in q.columns], q.codes, asked_mask(q, frame)))
        elif q.type is QuestionType.FREE_TEXT and q.id in frame:
            asked = asked_mask(q, frame)
            given = frame[q.id].notna().to_numpy() & asked
            parts.append(
                pd.DataFrame(
                    {
                        "variable": q.id,
                        "level": [ANSWERED, MISSING],
                        "n": np.array([given.sum(), (asked & ~given).sum()], dtype=np.int64),
                        "denominator": np.int64(asked.sum()),
                    }
                )
            )
    everyone = np.ones(len(frame), dtype=bool)
    for d in codebook.derived:
        if d.id in frame:
            parts.append(_rows(d.id, frame[d.id], d.codes, everyone))
    if not parts:
        return _empty(DESCRIPTIVE_COLUMNS[:5])
    table = pd.concat(parts, ignore_index=True)
    n = table["n"].to_numpy(dtype=np.float64)
    den = table["denominator"].to_numpy(dtype=np.float64)
    asked = den > 0
    percent = np.full(len(table), np.nan)
    percent[asked] = 100.0 * n[asked] / den[asked]
    table["percent"] = percent
    return table[DESCRIPTIVE_COLUMNS[:5]]


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})


def with_intervals(counts: pd.DataFrame) -> pd.DataFrame:
    """The table of :func:`count_answers` with its 95% Wilson intervals
    (``ci_low``, ``ci_high``): the table :func:`describe` returns."""
    # statsmodels is slow to import; only this function needs it.
    from statsmodels.stats.proportion import proportion_confint

    if counts.empty:
        return _empty(DESCRIPTIVE_COLUMNS)
    table = counts.copy()
    n = table["n"].to_numpy(dtype=np.float64)
    den = table["denominator"].to_numpy(dtype=np.float64)
    asked = den > 0
    low = np.full(len(table), np.nan)
    high = np.full(len(table), np.nan)
    if asked.any():
        lo, hi = proportion_confint(n[asked], den[asked], alpha=0.05, method="wilson")
        low[asked] = 100.0 * np.asarray(lo, dtype=np.float64)
        high[asked] = 100.0 * np.asarray(hi, dtype=np.float64)
    table["ci_low"] = low
    table["ci_high"] = high
    return table[DESCRIPTIVE_COLUMNS]
