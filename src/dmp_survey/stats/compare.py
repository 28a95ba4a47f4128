"""Compare stage: each row of a comparison as a contingency table of groups ×
answers (one group against the rest, one group against another, or every
group side by side), with the p-value of the plan's convention and the modern
statistics beside it.

Every function here takes contingency tables (counts), never respondent rows.

The SPSS crosstabs convention (``p_value: spss_crosstabs``)
-----------------------------------------------------------
Publications that say "chi²" often print what a statistics package's
crosstab procedure (SPSS ``CROSSTABS /STATISTICS=CHISQ``) prints. For
every table it prints the Pearson chi-square with its asymptotic two-sided
significance, the likelihood ratio and the linear-by-linear association; for a
2 × 2 table it adds the continuity-corrected chi-square and "Fisher's Exact
Test" with an exact two-sided and an exact one-sided significance. The rule,
chosen by the shape of the table (levels with no
answer in either group dropped, as the package drops empty rows and columns):

* 2 × 2 → Fisher's exact test, **one-sided** ("Exact Sig. (1-sided)"): the
  hypergeometric tail in the direction of the observed association (SPSS
  Statistical Algorithms, CROSSTABS, Fisher's exact test; reimplemented the same
  way by GNU PSPP's ``calc_fisher``);
* 2 × k, k > 2 → Pearson chi-square, asymptotic two-sided significance, no
  continuity correction;
* fewer than two answered levels (a constant: everyone gave the same answer)
  → no statistic is computable; printed "1".

The default convention (``p_value: exact``) is the modern exact p-value below.

The modern view
---------------
Two-sided exact p-values (Fisher for 2 × 2 through :func:`scipy.stats.fisher_exact`;
Fisher–Freeman–Halton for larger tables through :mod:`dmp_survey.exact`, which
computes it exactly where scipy only offers a Monte Carlo estimate), the odds
ratio with its 95 % CI for 2 × 2 tables (:class:`statsmodels.stats.contingency_tables.Table2x2`),
Cramér's V, the minimum expected count with a flag below 5, and Holm and
Benjamini–Hochberg adjustments across each comparison
(:func:`statsmodels.stats.multitest.multipletests`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..study.codebook import Codebook
from ..study.plan import Comparison
from .counts import OVERALL, NumericSamples, count_matrices, focal_table, numeric_samples
from .exact import LARGE_SAMPLE_TEST

__all__ = [
    "ANNEX_COLUMNS",
    "GROUPS_COLUMNS",
    "TESTS",
    "PValue",
    "RowStatistics",
    "all_groups_table",
    "comparison_table",
    "modern_statistics",
    "spss_crosstabs_pvalue",
    "statistics_tried",
    "trim",
]

# Names of the tests, as they travel with their p-values in every output.
TESTS = {
    "fisher_one_sided": "Fisher exact, one-sided (SPSS 'Exact Sig. (1-sided)')",
    "pearson_chi2": "Pearson chi-square, asymptotic two-sided",
    "constant": "no statistic (constant: one answered level); printed as 1",
    "fisher_two_sided": "Fisher exact, two-sided",
    "fisher_freeman_halton": "Fisher–Freeman–Halton exact, two-sided",
    "fisher_freeman_halton_monte_carlo": (
        "Fisher–Freeman–Halton Monte Carlo estimate (not exact; 100,000 tables, seed 20240601)"
    ),
    "pearson_chi2_large_sample": LARGE_SAMPLE_TEST,
    "cochran_armitage": "Cochran–Armitage trend test (ordered answers, 2 groups), two-sided",
    "linear_by_linear": "linear-by-linear association (ordered answers, ordered groups), two-sided",
}

# The seed of the Monte Carlo estimate used when a table is beyond the exact
# test (with 10^5 tables its standard error is below 0.0016).
MONTE_CARLO_SEED = 20240601
MONTE_CARLO_RESAMPLES = 100_000

ANNEX_COLUMNS = [
    "variable",
    "level",
    "n_focal",
    "pct_focal",
    "n_other",
    "pct_other",
    "p_value",
    "test",
    "comparison",
    "row_label",
    "printed",
    "p_exact",
    "test_exact",
    "p_holm",
    "p_bh",
    "odds_ratio",
    "or_ci_low",
    "or_ci_high",
    "cramers_v",
    "min_expected",
    "sparse",
    "n_focal_total",
    "n_other_total",
    "p_trend",
    "test_trend",
    "p_exact_mc_se",
]


@dataclass(frozen=True)
class PValue:
    """A p-value and the name of the test that produced it (a key of ``TESTS``);
    ``se`` is the standard error of a Monte Carlo estimate (None when exact)."""

    value: float
    test: str
    se: float | None = None


@dataclass(frozen=True)
class RowStatistics:
    """Modern statistics of one comparison row.

    ``odds_ratio`` and ``or_ci`` (2 × 2 tables only) are the conditional
    maximum-likelihood estimate and its exact (Fisher) 95 % interval, as R's
    ``fisher.test``: the odds of the first answer (versus the others) in the
    first group (versus the second); ``inf`` and ``0.0`` are kept as such.
    """

    exact: PValue
    odds_ratio: float | None
    or_ci: tuple[float, float] | None
    cramers_v: float | None
    min_expected: float | None


def trim(table: np.ndarray) -> np.ndarray:
    """Drop the answer levels (columns) and groups (rows) nobody is in."""
    t = np.asarray(table, dtype=np.int64)
    t = t[:, t.sum(axis=0) > 0]
    return t[t.sum(axis=1) > 0]


def _fisher_one_sided(t: np.ndarray) -> float:
    from scipy.stats import fisher_exact

    (a, b), (c, d) = t
    # Tail in the direction of the observed association: a·d < b·c means the
    # first cell is below its expected count, so the tail runs towards 0.
    if a * d < b * c:
        return float(fisher_exact(t, alternative="less").pvalue)
    if a * d > b * c:
        return float(fisher_exact(t, alternative="greater").pvalue)
    return float(
        min(fisher_exact(t, alternative="less").pvalue, fisher_exact(t, alternative="greater").pvalue)
    )


def spss_crosstabs_pvalue(table: np.ndarray) -> PValue:
    """The p-value SPSS crosstabs prints for a 2 × k table, by the rule of the
    module docstring.

    See the module docstring for the rule and its source.
    """
    t = trim(table)
    if t.shape[0] < 2 or t.shape[1] < 2:
        return PValue(1.0, "constant")
    if t.shape == (2, 2):
        return PValue(_fisher_one_sided(t), "fisher_one_sided")
    from scipy.stats import chi2_contingency

    return PValue(float(chi2_contingency(t, correction=False).pvalue), "pearson_chi2")


def exact_pvalue(t: np.ndarray) -> PValue:
    """The exact two-sided p-value of a trimmed table: Fisher for 2 × 2,
    Fisher–Freeman–Halton otherwise; where the exact computation is beyond
    reach, a seeded Monte Carlo estimate under its own name, never a χ²
    under the exact name; past the exact test's range (more than 10,000
    respondents, every expected count at least 5:
    :func:`~dmp_survey.stats.exact.large_sample_pvalue`), Pearson's χ² under
    its own name."""
    from scipy.stats import fisher_exact

    from .exact import (
        ExactTooLarge,
        fisher_freeman_halton,
        fisher_freeman_halton_monte_carlo,
        large_sample_pvalue,
    )

    if t.shape == (2, 2):
        return PValue(float(fisher_exact(t).pvalue), "fisher_two_sided")
    large = large_sample_pvalue(t)
    if large is not None:
        return PValue(large, "pearson_chi2_large_sample")
    try:
        return PValue(fisher_freeman_halton(t), "fisher_freeman_halton")
    except ExactTooLarge:
        mc = fisher_freeman_halton_monte_carlo(t, n_resamples=MONTE_CARLO_RESAMPLES, seed=MONTE_CARLO_SEED)
        return PValue(float(mc.pvalue), "fisher_freeman_halton_monte_carlo", float(mc.standard_error))


def modern_statistics(table: np.ndarray) -> RowStatistics:
    """Exact two-sided p-value, conditional odds ratio (2 × 2), Cramér's V,
    minimum expected count."""
    from scipy.stats.contingency import association, expected_freq

    from .effects import odds_ratio_conditional

    t = trim(table)
    if t.shape[0] < 2 or t.shape[1] < 2:
        return RowStatistics(PValue(1.0, "constant"), None, None, None, None)
    min_expected = float(expected_freq(t).min())
    cramers_v = float(association(t, method="cramer"))
    exact = exact_pvalue(t)
    if t.shape == (2, 2):
        odds = odds_ratio_conditional(t)
        return RowStatistics(exact, odds.estimate, (odds.ci_low, odds.ci_high), cramers_v, min_expected)
    return RowStatistics(exact, None, None, cramers_v, min_expected)


def trend_pvalue(table: np.ndarray, ordered_groups: bool) -> PValue | None:
    """The trend test of an ordered question: Cochran–Armitage for two groups
    (2 × k, binomial variance as R's ``prop.trend.test``), linear-by-linear
    association for more groups when the groups are ordered (as
    ``coin::lbl_test``); scores 1, 2, … on the answers as the codebook orders
    them (an answer nobody gave keeps its place on the scale) and on the
    groups that have answers. None when it does not apply."""
    from .trend import cochran_armitage, linear_by_linear

    t = np.asarray(table, dtype=np.int64)
    t = t[t.sum(axis=1) > 0]
    if t.shape[0] < 2 or int((t.sum(axis=0) > 0).sum()) < 2:
        return None
    if t.shape[0] == 2:
        return PValue(float(cochran_armitage(t).pvalue), "cochran_armitage")
    if ordered_groups:
        return PValue(float(linear_by_linear(t).pvalue), "linear_by_linear")
    return None


def statistics_tried(table: np.ndarray) -> dict[str, float | None]:
    """Every p-value a crosstab procedure prints for ``table``, and the exact r×c one.

    Used to document the published p-values that the convention cannot
    reproduce: ``pearson``, ``pearson_yates`` (2 × 2 only), ``likelihood_ratio``,
    ``fisher_one_sided`` and ``fisher_two_sided`` (2 × 2 only), ``exact_rxc``
    (Fisher–Freeman–Halton; equal to the two-sided Fisher test on a 2 × 2 table).
    """
    from scipy.stats import chi2_contingency, fisher_exact

    from .exact import fisher_freeman_halton

    t = trim(table)
    out: dict[str, float | None] = dict.fromkeys(
        ["pearson", "pearson_yates", "likelihood_ratio", "fisher_one_sided", "fisher_two_sided", "exact_rxc"]
    )
    if t.shape[0] < 2 or t.shape[1] < 2:
        return out
    out["pearson"] = float(chi2_contingency(t, correction=False).pvalue)
    out["likelihood_ratio"] = float(chi2_contingency(t, correction=False, lambda_="log-likelihood").pvalue)
    out["exact_rxc"] = float(fisher_freeman_halton(t))
    if t.shape == (2, 2):
        out["pearson_yates"] = float(chi2_contingency(t, correction=True).pvalue)
        out["fisher_one_sided"] = _fisher_one_sided(t)
        out["fisher_two_sided"] = float(fisher_exact(t).pvalue)
    return out


def _adjust(pvalues: list[float], method: str) -> list[float]:
    import gc

    from statsmodels.stats.multitest import multipletests

    if not pvalues:
        return []
    # multipletests calls gc.collect(), which walks every live object: with a
    # million-respondent frame in memory that costs tenths of a second per
    # call. Freezing the objects that exist already keeps the collection to
    # what the call itself creates.
    gc.freeze()
    try:
        return [float(p) for p in multipletests(pvalues, method=method)[1]]
    finally:
        gc.unfreeze()


def _pair_table(
    matrices: dict[str, tuple[list[str], list[str], np.ndarray]],
    variable: str,
    focal: str,
    versus: str,
    levels: list[str],
) -> np.ndarray:
    groups, have, matrix = matrices[variable]
    table = np.zeros((2, len(levels)), dtype=np.int64)
    for j, level in enumerate(levels):
        if level in have:
            c = have.index(level)
            for i, g in enumerate((focal, versus)):
                if g in groups:
                    table[i, j] = matrix[groups.index(g), c]
    return table


def _with_adjustments(frame: pd.DataFrame) -> pd.DataFrame:
    # Multiple-testing adjustment across the comparison's testable rows (one
    # p-value per row, constants excluded): the family is the comparison.
    per_row = frame.drop_duplicates("variable").set_index("variable")
    testable = per_row[per_row["test_exact"] != "constant"]
    holm = dict(zip(testable.index, _adjust(list(testable["p_exact"]), "holm"), strict=True))
    bh = dict(zip(testable.index, _adjust(list(testable["p_exact"]), "fdr_bh"), strict=True))
    frame["p_holm"] = frame["variable"].map(holm)
    frame["p_bh"] = frame["variable"].map(bh)
    return frame


def _primary(comparison: Comparison, table: np.ndarray, modern: RowStatistics) -> PValue:
    """The p-value of the plan's rule (``p_value`` of the comparison)."""
    if comparison.p_value == "spss_crosstabs":
        return spss_crosstabs_pvalue(table)
    expected = modern.min_expected
    if comparison.p_value == "chi2_if_expected_ge_5" and expected is not None and expected >= 5:
        from scipy.stats import chi2_contingency

        return PValue(float(chi2_contingency(trim(table), correction=False).pvalue), "pearson_chi2")
    return modern.exact


def comparison_table(counts: pd.DataFrame, comparison: Comparison, codebook: Codebook) -> pd.DataFrame:
    """One comparison of kind ``one_vs_rest`` or ``pair``: every row, every
    answer level, the focal group's column and the other one.

    Parameters
    ----------
    counts : DataFrame
        Per-group counts (``variable, level, group, n``), from an export
        (:func:`dmp_survey.stats.counts.count_by_group`) or from published values.

    Returns
    -------
    pandas.DataFrame
        Columns ``ANNEX_COLUMNS``: ``variable, level, n_focal, pct_focal,
        n_other, pct_other, p_value, test`` (a row's p-value, by the plan's
        convention, repeated on each of its levels), then ``comparison, row_label,
        printed`` (whether a publication prints the level), the modern
        ``p_exact, test_exact, p_holm, p_bh, odds_ratio, or_ci_low, or_ci_high,
        cramers_v, min_expected, sparse`` (minimum expected count below 5) and
        the column totals. "Other" is every other group (``one_vs_rest``) or the
        ``versus`` group (``pair``). Percentages are of the respondents of the
        column who answered (unrounded).
    """
    if comparison.kind == "all_groups":
        raise ValueError("all_groups comparisons are laid out by all_groups_table")
    records = []
    matrices = count_matrices(counts)
    focal = str(comparison.focal)
    for row in comparison.rows:
        if row.numeric:
            continue
        levels = list(codebook[row.variable].codes)
        if comparison.kind == "pair":
            table = _pair_table(matrices, row.variable, focal, str(comparison.versus), levels)
        else:
            table = focal_table(matrices, row.variable, focal, levels)
        modern = modern_statistics(table)
        primary = _primary(comparison, table, modern)
        trend = trend_pvalue(table, ordered_groups=False) if codebook[row.variable].is_ordered else None
        totals = table.sum(axis=1)
        for j, level in enumerate(levels):
            records.append(
                {
                    "variable": row.variable,
                    "level": level,
                    "n_focal": int(table[0, j]),
                    "pct_focal": 100.0 * table[0, j] / totals[0] if totals[0] else np.nan,
                    "n_other": int(table[1, j]),
                    "pct_other": 100.0 * table[1, j] / totals[1] if totals[1] else np.nan,
                    "p_value": primary.value,
                    "test": primary.test,
                    "comparison": comparison.id,
                    "row_label": row.label.get("fr", row.variable),
                    "printed": level in row.printed_levels,
                    "p_exact": modern.exact.value,
                    "test_exact": modern.exact.test,
                    "odds_ratio": modern.odds_ratio,
                    "or_ci_low": modern.or_ci[0] if modern.or_ci else None,
                    "or_ci_high": modern.or_ci[1] if modern.or_ci else None,
                    "cramers_v": modern.cramers_v,
                    "min_expected": modern.min_expected,
                    "sparse": bool(modern.min_expected is not None and modern.min_expected < 5),
                    "n_focal_total": int(totals[0]),
                    "n_other_total": int(totals[1]),
                    "p_trend": None if trend is None else trend.value,
                    "test_trend": None if trend is None else trend.test,
                    "p_exact_mc_se": modern.exact.se,
                }
            )
    if not records:
        return pd.DataFrame(columns=ANNEX_COLUMNS)
    frame = _with_adjustments(pd.DataFrame.from_records(records))
    return frame[ANNEX_COLUMNS]


GROUPS_COLUMNS = [
    "variable",
    "level",
    "group",
    "n",
    "denominator",
    "percent",
    "p_value",
    "test",
    "comparison",
    "row_label",
    "printed",
    "p_exact",
    "test_exact",
    "p_holm",
    "p_bh",
    "cramers_v",
    "min_expected",
    "sparse",
    "p_trend",
    "test_trend",
    "p_exact_mc_se",
]

MISSING_LEVEL = "(missing)"
PAIRWISE_COLUMNS = [
    "variable",
    "group_a",
    "group_b",
    "answered_a",
    "answered_b",
    "test",
    "p_value",
    "p_adjusted",
    "adjust_method",
]


def _groups_matrix(
    matrices: dict[str, tuple[list[str], list[str], np.ndarray]],
    variable: str,
    groups: list[str],
    levels: list[str],
) -> np.ndarray:
    have_groups, have, matrix = matrices[variable]
    table = np.zeros((len(groups), len(levels)), dtype=np.int64)
    for i, g in enumerate(groups):
        for j, level in enumerate(levels):
            if g in have_groups and level in have:
                table[i, j] = matrix[have_groups.index(g), have.index(level)]
    return table


def all_groups_table(
    counts: pd.DataFrame,
    comparison: Comparison,
    codebook: Codebook,
    groups: list[str],
    ordered_groups: bool = False,
) -> pd.DataFrame:
    """One ``all_groups`` comparison: for every row and answer level, n and %
    in each group and overall, and one test per row over the groups × answers
    table.

    Returns
    -------
    pandas.DataFrame
        Columns ``GROUPS_COLUMNS`` in long form: ``variable, level, group``
        (a group code, or ``"(overall)"``), ``n``, ``denominator`` (the group's
        respondents who answered), ``percent``, then per row ``p_value, test``
        (the plan's rule: ``exact``, the exact test; ``chi2_if_expected_ge_5``,
        Pearson χ² when every expected count is at least 5, else the exact
        test; ``spss_crosstabs``), ``comparison, row_label, printed, p_exact,
        test_exact, p_holm, p_bh, cramers_v, min_expected, sparse, p_trend,
        test_trend`` (linear-by-linear when both the answers and the groups
        are ordered). A last level ``"(missing)"`` per row counts the
        respondents asked who did not answer: not in ``denominator``,
        percentages or tests (percent empty).
    """

    records = []
    matrices = count_matrices(counts)
    for row in comparison.rows:
        if row.numeric:
            continue
        q = codebook[row.variable]
        levels = list(q.codes)
        table = _groups_matrix(matrices, row.variable, groups, levels)
        missing = _groups_matrix(matrices, row.variable, groups, [MISSING_LEVEL])[:, 0]
        modern = modern_statistics(table)
        trend = trend_pvalue(table, ordered_groups) if q.is_ordered else None
        primary = _primary(comparison, table, modern)
        shared = {
            "p_value": primary.value,
            "test": primary.test,
            "comparison": comparison.id,
            "row_label": row.label.get("fr", row.variable),
            "p_exact": modern.exact.value,
            "test_exact": modern.exact.test,
            "cramers_v": modern.cramers_v,
            "min_expected": modern.min_expected,
            "sparse": bool(modern.min_expected is not None and modern.min_expected < 5),
            "p_trend": None if trend is None else trend.value,
            "test_trend": None if trend is None else trend.test,
            "p_exact_mc_se": modern.exact.se,
        }
        columns = [*((g, table[i]) for i, g in enumerate(groups)), (OVERALL, table.sum(axis=0))]
        for j, level in enumerate(levels):
            for g, counts_of in columns:
                total = int(counts_of.sum())
                records.append(
                    {
                        "variable": row.variable,
                        "level": level,
                        "group": g,
                        "n": int(counts_of[j]),
                        "denominator": total,
                        "percent": 100.0 * counts_of[j] / total if total else np.nan,
                        "printed": level in row.printed_levels,
                        **shared,
                    }
                )
        missing_of = [*((g, int(missing[i])) for i, g in enumerate(groups)), (OVERALL, int(missing.sum()))]
        for (g, n_missing), (_, counts_of) in zip(missing_of, columns, strict=True):
            records.append(
                {
                    "variable": row.variable,
                    "level": MISSING_LEVEL,
                    "group": g,
                    "n": n_missing,
                    "denominator": int(counts_of.sum()),
                    "percent": np.nan,
                    "printed": False,
                    **shared,
                }
            )
    if not records:
        return pd.DataFrame(columns=GROUPS_COLUMNS)
    frame = _with_adjustments(pd.DataFrame.from_records(records))
    return frame[GROUPS_COLUMNS]


# --- numeric rows ----------------------------------------------------------------

NUMERIC_TESTS = {
    "mann_whitney": "Mann–Whitney U (Wilcoxon rank-sum), two-sided",
    "kruskal": "Kruskal–Wallis",
    "welch": "Welch t-test, two-sided",
    "anova": "one-way ANOVA (F test)",
    "not_computable": "no test (fewer than two groups with answers)",
}

NUMERIC_COMPARISON_COLUMNS = [
    "variable",
    "group",
    "n",
    "missing",
    "mean",
    "sd",
    "median",
    "q1",
    "q3",
    "min",
    "max",
    "p_value",
    "test",
    "comparison",
    "row_label",
    "p_holm",
    "p_bh",
]


def numeric_test(samples: list[np.ndarray], test: str | None = None) -> PValue:
    """The p-value comparing numeric samples (one per group).

    Default: Mann–Whitney for two groups, Kruskal–Wallis for more. Mann–Whitney
    follows R's ``wilcox.test`` rule: exact when both groups have fewer than 50
    answers and there are no ties, else the normal approximation with
    continuity and tie corrections (SciPy's own "auto" rule differs).
    """
    from scipy import stats

    samples = [s for s in samples if len(s)]
    if len(samples) < 2:
        return PValue(float("nan"), "not_computable")
    if test is None:
        test = "mann_whitney" if len(samples) == 2 else "kruskal"
    if test in ("mann_whitney", "welch") and len(samples) != 2:
        raise ValueError(f"{test} compares two groups; use kruskal or anova")
    if test == "mann_whitney":
        x, y = samples
        pooled = np.concatenate([x, y])
        ties = len(np.unique(pooled)) < len(pooled)
        method = "exact" if len(x) < 50 and len(y) < 50 and not ties else "asymptotic"
        result = stats.mannwhitneyu(x, y, alternative="two-sided", method=method, use_continuity=True)
        return PValue(float(result.pvalue), "mann_whitney")
    if test == "kruskal":
        return PValue(float(stats.kruskal(*samples).pvalue), "kruskal")
    if test == "welch":
        return PValue(float(stats.ttest_ind(samples[0], samples[1], equal_var=False).pvalue), "welch")
    if test == "anova":
        return PValue(float(stats.f_oneway(*samples).pvalue), "anova")
    raise ValueError(f"unknown numeric test '{test}'")


def numeric_table(
    frame: pd.DataFrame, comparison: Comparison, codebook: Codebook, groups: list[str]
) -> pd.DataFrame:
    """The numeric rows of one comparison: per group n, missing, mean, SD,
    median, quartiles, range, and one test per row (:func:`numeric_test`).

    ``frame`` is the coded responses (respondent rows: ranks need the values).
    Groups are those of the comparison: focal and ``(other)`` (one_vs_rest),
    focal and versus (pair), every group and ``(overall)`` (all_groups).

    Returns
    -------
    pandas.DataFrame
        Columns ``NUMERIC_COMPARISON_COLUMNS`` (``p_holm``, ``p_bh`` filled by
        :func:`adjust_comparison`).
    """
    return numeric_table_of(numeric_samples(frame, comparison, codebook, groups), comparison)


def numeric_table_of(rows: list[NumericSamples], comparison: Comparison) -> pd.DataFrame:
    """:func:`numeric_table` from the rows' samples (:func:`numeric_samples`)."""
    from .describe import numeric_summary

    records = []
    for row in rows:
        result = numeric_test([row.samples[name][0] for name in row.tested], row.test)
        for name, (sample, asked) in row.samples.items():
            records.append(
                {
                    "variable": row.variable,
                    "group": name,
                    **numeric_summary(sample, asked),
                    "p_value": result.value,
                    "test": result.test,
                    "comparison": comparison.id,
                    "row_label": row.label,
                }
            )
    table = pd.DataFrame.from_records(records, columns=NUMERIC_COMPARISON_COLUMNS[:-2])
    table["p_holm"] = np.nan
    table["p_bh"] = np.nan
    return table[NUMERIC_COMPARISON_COLUMNS]


def pairwise_table(
    counts: pd.DataFrame, comparison: Comparison, codebook: Codebook, groups: list[str], method: str
) -> pd.DataFrame:
    """Post-hoc tests of an ``all_groups`` comparison: every pair of groups,
    exact test, p-values adjusted within each question (``method``: holm or
    fdr_bh), as :func:`dmp_survey.stats.groups.compare_groups` computes them.

    Returns
    -------
    pandas.DataFrame
        Columns ``PAIRWISE_COLUMNS``.
    """
    from .groups import GroupOptions, compare_groups

    matrices = count_matrices(counts)
    frames = []
    for row in comparison.rows:
        if row.numeric:
            continue
        levels = list(codebook[row.variable].codes)
        table = _groups_matrix(matrices, row.variable, groups, levels)
        result = compare_groups(
            table,
            levels,
            groups,
            GroupOptions(pairwise=True, pairwise_adjust=method),  # type: ignore[arg-type]
            question=row.variable,
        )
        if result.pairwise is not None and len(result.pairwise):
            frames.append(result.pairwise.assign(variable=row.variable))
    if not frames:
        return pd.DataFrame(columns=PAIRWISE_COLUMNS)
    out = pd.concat(frames, ignore_index=True)
    return out.reindex(columns=PAIRWISE_COLUMNS)


def adjust_tables(categorical: list[pd.DataFrame], numeric: list[pd.DataFrame | None]) -> None:
    """Holm and Benjamini–Hochberg over one family spanning several tables
    (the plan's ``family: all_tables``); fills ``p_holm`` and ``p_bh`` in place."""
    keys: list[tuple[int, str, str]] = []
    values: list[float] = []
    for i, (cat, num) in enumerate(zip(categorical, numeric, strict=True)):
        if len(cat):
            first = cat.drop_duplicates("variable")
            for v, p, t in zip(first["variable"], first["p_exact"], first["test_exact"], strict=True):
                if t != "constant":
                    keys.append((i, "categorical", str(v)))
                    values.append(float(p))
        if num is not None and len(num):
            first = num.drop_duplicates("variable")
            for v, p, t in zip(first["variable"], first["p_value"], first["test"], strict=True):
                if t != "not_computable":
                    keys.append((i, "numeric", str(v)))
                    values.append(float(p))
    holm = dict(zip(keys, _adjust(values, "holm"), strict=True))
    bh = dict(zip(keys, _adjust(values, "fdr_bh"), strict=True))
    for i, (cat, num) in enumerate(zip(categorical, numeric, strict=True)):
        for kind, table in (("categorical", cat), ("numeric", num)):
            if table is not None and len(table):
                table["p_holm"] = [holm.get((i, kind, str(v))) for v in table["variable"]]
                table["p_bh"] = [bh.get((i, kind, str(v))) for v in table["variable"]]


def adjust_comparison(categorical: pd.DataFrame, numeric: pd.DataFrame) -> None:
    """Holm and Benjamini–Hochberg over one family: every testable row of the
    comparison (the exact p of categorical rows, the test of numeric rows).
    Fills ``p_holm`` and ``p_bh`` of both tables in place."""
    per_row: dict[str, float] = {}
    if len(categorical):
        first = categorical.drop_duplicates("variable")
        for v, p, t in zip(first["variable"], first["p_exact"], first["test_exact"], strict=True):
            if t != "constant":
                per_row[str(v)] = float(p)
    if len(numeric):
        first = numeric.drop_duplicates("variable")
        for v, p, t in zip(first["variable"], first["p_value"], first["test"], strict=True):
            if t != "not_computable":
                per_row[str(v)] = float(p)
    names = list(per_row)
    holm = dict(zip(names, _adjust([per_row[n] for n in names], "holm"), strict=True))
    bh = dict(zip(names, _adjust([per_row[n] for n in names], "fdr_bh"), strict=True))
    for table in (categorical, numeric):
        if len(table):
            table["p_holm"] = table["variable"].map(holm)
            table["p_bh"] = table["variable"].map(bh)
