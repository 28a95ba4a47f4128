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

__all__ = ["DESCRIPTIVE_COLUMNS", "MISSING", "describe"]

DESCRIPTIVE_COLUMNS = ["variable", "level", "n", "denominator", "percent", "ci_low", "ci_high"]

# Level of the row that counts the blank answers among the respondents asked.
MISSING = "(missing)"


def _rows(variable: str, column: pd.Series, levels: Sequence[str], asked: np.ndarray) -> pd.DataFrame:
    codes = np.asarray(column.cat.codes, dtype=np.int64)
    answered = asked & (codes >= 0)
    counts = np.bincount(codes[answered], minlength=len(levels))
    missing = int((asked & (codes < 0)).sum())
    return pd.DataFrame(
        {
            "variable": variable,
            "level": [*levels, MISSING],
            "n": np.append(counts, missing).astype(np.int64),
            "denominator": np.int64(asked.sum()),
        }
    )


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
        answers among the respondents asked. For every variable the ``n`` of
        its rows sum to its ``denominator``. Columns:

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
    # statsmodels is slow to import; only this function needs it.
    from statsmodels.stats.proportion import proportion_confint

    frame, codebook = coded.frame, coded.codebook
    parts = []
    for q in codebook.questions:
        if not q.is_categorical or q.id not in frame:
            continue
        parts.append(_rows(q.id, frame[q.id], q.codes, asked_mask(q, frame)))
    everyone = np.ones(len(frame), dtype=bool)
    for d in codebook.derived:
        if d.id in frame:
            parts.append(_rows(d.id, frame[d.id], d.codes, everyone))
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in DESCRIPTIVE_COLUMNS})
    table = pd.concat(parts, ignore_index=True)
    n = table["n"].to_numpy(dtype=np.float64)
    den = table["denominator"].to_numpy(dtype=np.float64)
    asked = den > 0
    percent = np.full(len(table), np.nan)
    low = np.full(len(table), np.nan)
    high = np.full(len(table), np.nan)
    percent[asked] = 100.0 * n[asked] / den[asked]
    if asked.any():
        lo, hi = proportion_confint(n[asked], den[asked], alpha=0.05, method="wilson")
        low[asked] = 100.0 * np.asarray(lo, dtype=np.float64)
        high[asked] = 100.0 * np.asarray(hi, dtype=np.float64)
    table["percent"] = percent
    table["ci_low"] = low
    table["ci_high"] = high
    return table[DESCRIPTIVE_COLUMNS]
