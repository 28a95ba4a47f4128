"""Counting: the only stage whose cost grows with the number of respondents.

Everything downstream (comparison tables, p-values, the check) works on the
per-group counts this module returns, never on respondent rows, so that a
publication's per-group counts and the counts of an export go through the
same statistics.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..io.coding import CodedResponses, asked_mask, evaluate
from ..study.codebook import Codebook
from ..study.plan import Comparison, Row

__all__ = [
    "COUNT_COLUMNS",
    "NumericSamples",
    "answer_slots",
    "count_by_group",
    "count_matrices",
    "focal_table",
    "numeric_samples",
]

COUNT_COLUMNS = ["variable", "level", "group", "n"]
# The level of the rows counting the blank answers of those asked.
MISSING_LEVEL = "(missing)"
# The column of a numeric comparison's every group together (all_groups), and
# of every group but the focal one (one_vs_rest).
OVERALL = "(overall)"
OTHER = "(other)"


def answer_slots(codes: np.ndarray, n_levels: int, asked: np.ndarray | None) -> np.ndarray:
    """Each respondent's slot for one bincount over a question: its answer's
    code (0 .. L - 1), ``L`` if it was asked and left it blank, ``L + 1`` if
    it was not asked (``asked`` None: everyone was; coding refuses an answer
    from a respondent not asked, so no answer is left out). In the categorical
    codes' own small integer type (widened when it has no room for
    ``L + 1``): counting a question's answers, blanks and respondents asked
    in one pass, without selecting rows, is what the descriptive counts,
    the comparisons' counts and the audit's crosstabs do on 10^6 respondents
    in a few milliseconds a question."""
    if np.iinfo(codes.dtype).max <= n_levels:
        codes = codes.astype(np.int32)
    kind = codes.dtype.type
    slots = np.where(codes >= 0, codes, kind(n_levels))
    if asked is not None:
        slots = np.where(asked, slots, kind(n_levels + 1))
    return slots


def count_by_group(coded: CodedResponses, rows: Sequence[Row], group_variable: str) -> pd.DataFrame:
    """Count the answers to every row of a comparison, per group.

    Missing answers are left out (as a statistics package's crosstab does), and
    a row's ``among`` restriction (a question asked to some respondents only)
    is applied; respondents with no group are left out.

    Returns
    -------
    pandas.DataFrame
        Columns ``variable, level, group, n``: one row per row variable ×
        answer level (codebook order, zeros included) × group (group-variable
        order), then one ``"(missing)"`` row per group: the respondents asked
        who did not answer.
    """
    frame = coded.frame
    groups = frame[group_variable]
    group_levels = list(groups.cat.categories)
    n_groups = len(group_levels)
    # One bincount per row over (group, slot) pairs of integer codes, linear
    # in the number of respondents and independent of label strings. A
    # respondent's slot is its answer's code, or ``L`` (blank, asked), or
    # ``L + 1`` (not counted: not asked, or outside the row's population);
    # the respondents with no group fall in a first block of bins, dropped.
    # No boolean selection of the rows, one bincount for answers and blanks:
    # the shipped plan's comparisons counted on 10^6 respondents in 0.15 s of
    # CPU instead of 0.22 s.
    group_codes = np.asarray(groups.cat.codes)
    first: dict[int, np.ndarray] = {}  # per slot count: each respondent's first bin
    parts = []
    for row in rows:
        if row.numeric:  # compared on the values themselves (compare.numeric_table)
            continue
        column = frame[row.variable]
        levels = list(column.cat.categories)
        width = len(levels) + 2
        if width not in first:
            first[width] = (group_codes.astype(np.intp) + 1) * width
        slot = answer_slots(
            np.asarray(column.cat.codes), len(levels), asked_mask(coded.codebook[row.variable], frame)
        )
        if row.among is not None:
            slot = np.where(evaluate(row.among, frame), slot, slot.dtype.type(width - 1))
        table = np.bincount(first[width] + slot, minlength=(n_groups + 1) * width)
        table = table.reshape(n_groups + 1, width)[1:]
        parts.append(
            pd.DataFrame(
                {
                    "variable": row.variable,
                    "level": np.tile(levels, n_groups),
                    "group": np.repeat(group_levels, len(levels)),
                    "n": table[:, : len(levels)].ravel().astype(np.int64),
                }
            )
        )
        # The respondents asked (and in the row's population) who left the
        # question blank, per group: shown apart, never in tests.
        parts.append(
            pd.DataFrame(
                {
                    "variable": row.variable,
                    "level": MISSING_LEVEL,
                    "group": group_levels,
                    "n": table[:, len(levels)].astype(np.int64),
                }
            )
        )
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in COUNT_COLUMNS})
    return pd.concat(parts, ignore_index=True)[COUNT_COLUMNS]


def count_matrices(counts: pd.DataFrame) -> dict[str, tuple[list[str], list[str], np.ndarray]]:
    """Per variable: (groups, levels, groups × levels matrix of counts), built
    once so that tables are then read without filtering the long frame.

    A plain loop over the (few hundred) rows: pandas' pivot_table costs
    milliseconds per variable, which adds up at the small end.
    """
    groups: dict[str, dict[str, None]] = {}
    levels: dict[str, dict[str, None]] = {}
    cells: dict[tuple[str, str, str], int] = {}
    columns = counts[["variable", "group", "level", "n"]].to_dict("list")
    for variable, group, level, n in zip(
        columns["variable"], columns["group"], columns["level"], columns["n"], strict=True
    ):
        key = (str(variable), str(group), str(level))
        groups.setdefault(key[0], {})[key[1]] = None
        levels.setdefault(key[0], {})[key[2]] = None
        cells[key] = cells.get(key, 0) + int(n)
    out = {}
    for variable in groups:
        g, lv = list(groups[variable]), list(levels[variable])
        matrix = np.array([[cells.get((variable, a, b), 0) for b in lv] for a in g], dtype=np.int64)
        out[variable] = (g, lv, matrix)
    return out


def focal_table(
    counts: pd.DataFrame | dict[str, tuple[list[str], list[str], np.ndarray]],
    variable: str,
    focal: str,
    levels: list[str],
) -> np.ndarray:
    """The 2 × L table of one annex row: focal group, then all other groups.

    Parameters
    ----------
    counts : DataFrame or dict
        As returned by :func:`count_by_group` (or built from published
        counts), or its :func:`count_matrices`.
    variable, focal : str
    levels : list of str
        Answer levels in display order; every level is kept, empty or not.
    """
    if isinstance(counts, pd.DataFrame):
        matrices = count_matrices(counts[counts["variable"] == variable])
    else:
        matrices = counts
    groups, have, matrix = matrices[variable]
    columns = [have.index(lv) if lv in have else -1 for lv in levels]
    is_focal = np.array([g == focal for g in groups])
    table = np.zeros((2, len(levels)), dtype=np.int64)
    for j, c in enumerate(columns):
        if c >= 0:
            table[0, j] = matrix[is_focal, c].sum()
            table[1, j] = matrix[~is_focal, c].sum()
    return table


@dataclass(frozen=True)
class NumericSamples:
    """One numeric row of a comparison taken out of the responses: each
    group's answered values and number of respondents asked (``samples``, in
    the table's order), the groups tested against each other (``tested``)."""

    variable: str
    label: str
    test: str | None
    samples: dict[str, tuple[np.ndarray, int]]
    tested: list[str]


def numeric_samples(
    frame: pd.DataFrame, comparison: Comparison, codebook: Codebook, groups: list[str]
) -> list[NumericSamples]:
    """The numeric rows of ``comparison`` taken out of the coded responses
    ``frame`` (the part of :func:`numeric_table` that reads the rows; the
    statistics are computed from these by :func:`numeric_table_of`)."""
    group_column = frame[comparison.group_variable].astype("object")
    if comparison.kind == "one_vs_rest":
        members = [(str(comparison.focal), group_column == comparison.focal)]
        members.append((OTHER, group_column.notna() & (group_column != comparison.focal)))
        tested = members
    elif comparison.kind == "pair":
        members = [(str(g), group_column == g) for g in (comparison.focal, comparison.versus)]
        tested = members
    else:
        members = [(g, group_column == g) for g in groups]
        tested = list(members)
        members.append((OVERALL, group_column.notna()))
    rows = []
    for row in comparison.rows:
        if not row.numeric:
            continue
        q = codebook[row.variable]
        keep = asked_mask(q, frame)
        if row.among is not None:
            keep &= evaluate(row.among, frame)
        values = pd.to_numeric(frame[row.variable], errors="coerce").to_numpy(
            dtype=np.float64, na_value=np.nan
        )
        samples = {}
        for name, mask in members:
            chosen = keep & np.asarray(mask, dtype=bool)
            samples[name] = (values[chosen & ~np.isnan(values)], int(chosen.sum()))
        rows.append(
            NumericSamples(
                row.variable,
                row.label.get("fr", row.variable),
                row.test,
                samples,
                [name for name, _ in tested],
            )
        )
    return rows
