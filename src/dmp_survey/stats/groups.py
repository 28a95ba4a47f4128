"""All groups side by side: counts, percentages and one test per question.

:func:`compare_groups` takes a groups x levels count matrix (groups as rows)
and returns a tidy result: for every answer level, the count and percentage
in each group and overall (percentages of those who answered), the overall
test of independence chosen by a stated rule (its name on every row with its
p-value), Cramér's V and the smallest expected count; optionally the
pairwise post-hoc tests between groups with p-values adjusted within the
question.  Missing answers (a count per group) are reported on their own
"not answered" row and excluded from percentages and tests; the denominator
(number who answered) is given per group.

:func:`adjust` adjusts any family of p-values chosen by the caller (Holm or
Benjamini--Hochberg, via :func:`statsmodels.stats.multitest.multipletests`).

Reused rather than rewritten: Pearson chi-square
(:func:`scipy.stats.chi2_contingency`), 2 x 2 Fisher
(:func:`scipy.stats.fisher_exact`), Cramér's V and expected counts
(:mod:`scipy.stats.contingency`); the exact r x c test is
:func:`dmp_survey.stats.exact.fisher_freeman_halton` (SciPy's r x c Fisher
is a Monte Carlo estimate).
"""

from __future__ import annotations

import gc
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from .exact import (
    LARGE_SAMPLE_TEST,
    ExactTooLarge,
    fisher_freeman_halton,
    fisher_freeman_halton_monte_carlo,
    large_sample_pvalue,
)

__all__ = [
    "ADJUST_METHODS",
    "OVERALL",
    "TESTS",
    "GroupComparison",
    "GroupOptions",
    "OverallTest",
    "adjust",
    "compare_groups",
]

#: Label of the all-groups column.
OVERALL = "overall"

#: Names of the tests, as they travel with their p-values.
TESTS = {
    "fisher_two_sided": "Fisher exact, two-sided",
    "fisher_freeman_halton": "Fisher–Freeman–Halton exact, two-sided",
    "pearson_chi2": "Pearson chi-square, asymptotic two-sided (no continuity correction)",
    "fisher_freeman_halton_monte_carlo": "Fisher–Freeman–Halton Monte Carlo estimate (not exact), two-sided",
    "pearson_chi2_large_sample": LARGE_SAMPLE_TEST,
    "none": "no test (fewer than two groups or levels answered)",
}

#: Adjustment methods accepted by :func:`adjust` (statsmodels names) and their names.
ADJUST_METHODS = {"holm": "Holm", "fdr_bh": "Benjamini–Hochberg (FDR)"}


@dataclass(frozen=True)
class GroupOptions:
    """Options of :func:`compare_groups`.

    Attributes
    ----------
    rule : {"exact", "chi2_if_expected_ge_5"}
        ``"exact"``: Fisher two-sided for a 2 x 2 table, Fisher--Freeman--
        Halton exact otherwise.  ``"chi2_if_expected_ge_5"``: Pearson
        chi-square (no continuity correction) when every expected count is
        at least 5, otherwise the exact test.
    pairwise : bool
        Also test each pair of groups (exact test) and adjust within the question.
    pairwise_adjust : {"holm", "fdr_bh"}
        Adjustment of the pairwise p-values.
    too_large : {"monte_carlo", "raise"}
        What to do when the exact test is refused
        (:class:`~dmp_survey.stats.exact.ExactTooLarge`): a seeded Monte
        Carlo estimate, named as such (never under the exact name), or raise.
    monte_carlo_resamples, seed : int
        Monte Carlo settings (used only when the exact test is refused).
    not_answered_label : str
        Level label of the missing-answers row.
    """

    rule: Literal["exact", "chi2_if_expected_ge_5"] = "exact"
    pairwise: bool = False
    pairwise_adjust: Literal["holm", "fdr_bh"] = "holm"
    too_large: Literal["monte_carlo", "raise"] = "monte_carlo"
    monte_carlo_resamples: int = 100_000
    seed: int = 20240601
    not_answered_label: str = "not answered"


@dataclass(frozen=True)
class OverallTest:
    """The overall test of one question.

    Attributes
    ----------
    test : str
        Name of the test (a value of :data:`TESTS`; for the Monte Carlo
        estimate the name also gives the number of resamples and the seed).
    key : str
        Key of the test in :data:`TESTS`.
    p_value : float
        Two-sided p-value; NaN when no test is possible.
    statistic : float
        Pearson chi-square statistic of the answered table (NaN if none).
    df : int
        Degrees of freedom of the answered table, ``(r - 1)(c - 1)`` after
        dropping empty groups and levels (0 if none).
    cramers_v : float
        Cramér's V of the answered table (NaN if none).
    min_expected : float
        Smallest expected count under independence (NaN if none).
    rule : str
        The rule that chose the test.
    """

    test: str
    key: str
    p_value: float
    statistic: float
    df: int
    cramers_v: float
    min_expected: float
    rule: str


@dataclass(frozen=True)
class GroupComparison:
    """Result of :func:`compare_groups`.

    Attributes
    ----------
    cells : pandas.DataFrame
        Tidy, one row per (level, group), groups in input order then
        ``"overall"``; the levels in input order, then the
        "not answered" row when missing counts were given.  Columns:
        ``level``, ``group``, ``row`` (``"level"`` or ``"not_answered"``),
        ``n`` (count), ``pct`` (percentage of ``answered``; NaN on the
        not-answered row and for a group with no answer), ``answered``
        (the denominator: number who answered, per group), ``test``,
        ``p_value``, ``cramers_v``, ``min_expected`` (the overall test,
        repeated on each level row; None/NaN on the not-answered row).
    test : OverallTest
        The overall test.
    pairwise : pandas.DataFrame or None
        With ``options.pairwise``: one row per pair of groups, columns
        ``group_a``, ``group_b``, ``answered_a``, ``answered_b``, ``test``,
        ``p_value``, ``p_adjusted``, ``adjust_method``, ``family``.
    """

    cells: pd.DataFrame
    test: OverallTest
    pairwise: pd.DataFrame | None

    def wide(self) -> pd.DataFrame:
        """The groups side by side: one row per level, ``n`` and ``pct`` per group.

        Returns
        -------
        pandas.DataFrame
            Index ``level``; columns a MultiIndex ``(group, "n" | "pct")``,
            plus ``test`` and ``p_value`` (levels in input order).
        """
        order = list(dict.fromkeys(self.cells["level"]))
        groups = list(dict.fromkeys(self.cells["group"]))
        w = self.cells.pivot(index="level", columns="group", values=["n", "pct"])
        w = w.swaplevel(axis=1).reindex(columns=pd.MultiIndex.from_product([groups, ["n", "pct"]]))
        w = w.reindex(order)
        first = self.cells.drop_duplicates("level").set_index("level").reindex(order)
        w[("test", "")] = first["test"]
        w[("p_value", "")] = first["p_value"]
        return w


# ----------------------------------------------------------------- helpers


def _counts(matrix: ArrayLike, name: str, ndim: int) -> NDArray[np.int64]:
    a = np.asarray(matrix)
    if a.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-dimensional, got ndim={a.ndim}")
    if a.dtype == np.bool_ or not np.issubdtype(a.dtype, np.number):
        raise ValueError(f"{name} must hold counts")
    if not np.all(np.isfinite(a)) or np.any(a < 0) or not np.all(a == np.round(a)):
        raise ValueError(f"{name} must hold non-negative integer counts")
    return a.astype(np.int64)


def _trim(t: NDArray[np.int64]) -> NDArray[np.int64]:
    """Drop empty rows and columns (groups with no answer, levels nobody chose)."""
    return t[t.sum(axis=1) > 0][:, t.sum(axis=0) > 0]


def _exact(t: NDArray[np.int64], options: GroupOptions) -> tuple[str, float, str]:
    """``(key, p, name)`` of the exact two-sided test of a trimmed table."""
    from scipy.stats import fisher_exact

    if t.shape == (2, 2):
        return "fisher_two_sided", float(fisher_exact(t).pvalue), TESTS["fisher_two_sided"]
    large = large_sample_pvalue(t)
    if large is not None:
        return "pearson_chi2_large_sample", large, TESTS["pearson_chi2_large_sample"]
    try:
        return "fisher_freeman_halton", fisher_freeman_halton(t), TESTS["fisher_freeman_halton"]
    except ExactTooLarge:
        if options.too_large == "raise":
            raise
    mc = fisher_freeman_halton_monte_carlo(t, n_resamples=options.monte_carlo_resamples, seed=options.seed)
    name = (
        f"{TESTS['fisher_freeman_halton_monte_carlo']} "
        f"({mc.n_resamples} resamples, seed {mc.seed}, s.e. {mc.standard_error:.2g})"
    )
    return "fisher_freeman_halton_monte_carlo", mc.pvalue, name


def _overall(t: NDArray[np.int64], options: GroupOptions) -> OverallTest:
    from scipy.stats import chi2_contingency
    from scipy.stats.contingency import association, expected_freq

    nan = float("nan")
    if t.shape[0] < 2 or t.shape[1] < 2:
        return OverallTest(TESTS["none"], "none", nan, nan, 0, nan, nan, options.rule)
    min_expected = float(expected_freq(t).min())
    chi2 = chi2_contingency(t, correction=False)
    v = float(association(t, method="cramer"))
    df = (t.shape[0] - 1) * (t.shape[1] - 1)
    if options.rule == "chi2_if_expected_ge_5" and min_expected >= 5:
        key, p, name = "pearson_chi2", float(chi2.pvalue), TESTS["pearson_chi2"]
    elif options.rule in ("exact", "chi2_if_expected_ge_5"):
        key, p, name = _exact(t, options)
    else:
        raise ValueError(f"unknown rule {options.rule!r}")
    return OverallTest(name, key, p, float(chi2.statistic), df, v, min_expected, options.rule)


# -------------------------------------------------------------------- API


def adjust(
    pvalues: Sequence[float] | ArrayLike,
    method: Literal["holm", "fdr_bh"],
    family_name: str,
) -> pd.DataFrame:
    """Adjust a family of p-values chosen by the caller.

    Parameters
    ----------
    pvalues : sequence of float or pandas.Series
        The family.  NaN entries (no test) are kept as NaN and are not
        counted in the family size.  A Series keeps its index.
    method : {"holm", "fdr_bh"}
        Holm (family-wise error) or Benjamini--Hochberg (false discovery
        rate) -- :func:`statsmodels.stats.multitest.multipletests` names.
    family_name : str
        Name of the family (e.g. the question), reported on every row.

    Returns
    -------
    pandas.DataFrame
        Columns ``p_value``, ``q_value`` (adjusted), ``method`` (its name)
        and ``family``; one row per input p-value, in input order.

    Raises
    ------
    ValueError
        On an unknown method or p-values outside [0, 1].
    """
    if method not in ADJUST_METHODS:
        raise ValueError(f"method must be one of {sorted(ADJUST_METHODS)}, got {method!r}")
    index = pvalues.index if isinstance(pvalues, pd.Series) else None
    p = np.asarray(pvalues, dtype=np.float64).reshape(-1)
    finite = np.isfinite(p)
    if np.any((p[finite] < 0) | (p[finite] > 1)):
        raise ValueError("p-values must lie in [0, 1]")
    q = np.full(p.shape, np.nan)
    if finite.any():
        from statsmodels.stats.multitest import multipletests

        # multipletests("holm") calls gc.collect(), which walks every live
        # object (about 0.1 s each time in a whole run, 2 s over a run's
        # 21 calls): freezing what exists already keeps the collection to
        # what the call itself creates.
        gc.freeze()
        try:
            q[finite] = multipletests(p[finite], method=method)[1]
        finally:
            gc.unfreeze()
    return pd.DataFrame(
        {"p_value": p, "q_value": q, "method": ADJUST_METHODS[method], "family": family_name},
        index=index,
    )


def compare_groups(
    counts: ArrayLike,
    level_codes: Sequence[object],
    group_codes: Sequence[object],
    options: GroupOptions | None = None,
    missing: ArrayLike | None = None,
    question: str = "",
) -> GroupComparison:
    """All groups side by side for one question.

    Parameters
    ----------
    counts : array_like
        Groups x levels matrix of counts of those who answered (groups as rows).
    level_codes : sequence
        Code of each level (one per column).
    group_codes : sequence
        Code of each group (one per row); must not be ``"overall"``.
    options : GroupOptions, optional
        Test rule, post-hoc and Monte Carlo settings (defaults: exact rule,
        no post-hoc).
    missing : array_like, optional
        Number of respondents of each group who did not answer; reported on
        a "not answered" row, excluded from percentages and tests.
    question : str
        Name of the question: the family of the pairwise adjustment.

    Returns
    -------
    GroupComparison
        ``cells`` (tidy counts, percentages, denominators and the overall
        test on each row), ``test`` (:class:`OverallTest`) and ``pairwise``
        (DataFrame or None); see :class:`GroupComparison` for the columns.

    Raises
    ------
    ValueError
        On inconsistent shapes or invalid counts.
    """
    opts = options or GroupOptions()
    t = _counts(counts, "counts", 2)
    levels, groups = list(level_codes), list(group_codes)
    if t.shape != (len(groups), len(levels)):
        raise ValueError(
            f"counts has shape {t.shape}, expected ({len(groups)}, {len(levels)}) (groups x levels)"
        )
    if OVERALL in groups:
        raise ValueError(f"{OVERALL!r} is reserved for the all-groups column")
    miss = None if missing is None else _counts(missing, "missing", 1)
    if miss is not None and miss.shape[0] != len(groups):
        raise ValueError(f"missing has {miss.shape[0]} entries, expected {len(groups)} (one per group)")

    overall = _overall(_trim(t), opts)
    full = np.vstack([t, t.sum(axis=0)])  # groups, then overall
    answered = full.sum(axis=1)
    names = [*groups, OVERALL]
    rows: list[dict[str, object]] = []
    for j, level in enumerate(levels):
        for g, name in enumerate(names):
            pct = 100.0 * full[g, j] / answered[g] if answered[g] > 0 else math.nan
            rows.append(
                {"level": level, "group": name, "row": "level", "n": int(full[g, j]), "pct": pct,
                 "answered": int(answered[g]), "test": overall.test, "p_value": overall.p_value,
                 "cramers_v": overall.cramers_v, "min_expected": overall.min_expected}
            )  # fmt: skip
    if miss is not None:
        miss_all = [*miss.tolist(), int(miss.sum())]
        for g, name in enumerate(names):
            rows.append(
                {"level": opts.not_answered_label, "group": name, "row": "not_answered",
                 "n": int(miss_all[g]), "pct": math.nan, "answered": int(answered[g]),
                 "test": None, "p_value": math.nan, "cramers_v": math.nan, "min_expected": math.nan}
            )  # fmt: skip
    cells = pd.DataFrame(rows)

    pairwise = _pairwise(t, groups, opts, question) if opts.pairwise else None
    return GroupComparison(cells=cells, test=overall, pairwise=pairwise)


def _pairwise(t: NDArray[np.int64], groups: list[object], opts: GroupOptions, question: str) -> pd.DataFrame:
    """Each pair of groups: exact two-sided test, adjusted within the question."""
    rows: list[dict[str, object]] = []
    for a, b in itertools.combinations(range(len(groups)), 2):
        sub = _trim(t[[a, b]])
        if sub.shape[0] < 2 or sub.shape[1] < 2:
            name, p = TESTS["none"], math.nan
        else:
            _, p, name = _exact(sub, opts)
        rows.append(
            {"group_a": groups[a], "group_b": groups[b], "answered_a": int(t[a].sum()),
             "answered_b": int(t[b].sum()), "test": name, "p_value": p}
        )  # fmt: skip
    out = pd.DataFrame(rows, columns=["group_a", "group_b", "answered_a", "answered_b", "test", "p_value"])
    adj = adjust(out["p_value"].to_numpy(dtype=float), opts.pairwise_adjust, question)
    out["p_adjusted"] = adj["q_value"].to_numpy()
    out["adjust_method"] = ADJUST_METHODS[opts.pairwise_adjust]
    out["family"] = question
    return out
