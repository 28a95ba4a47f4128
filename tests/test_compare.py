"""The thesis' p-value convention and the modern statistics, on tables."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import chi2_contingency, fisher_exact
from scipy.stats.contingency import odds_ratio
from statsmodels.stats.contingency_tables import Table2x2
from statsmodels.stats.multitest import multipletests

from dmp_survey.publication.published import annex_view, published_counts
from dmp_survey.stats.compare import comparison_table, modern_statistics, statistics_tried, trim
from dmp_survey.stats.compare import spss_crosstabs_pvalue as thesis_pvalue


def test_rule_on_2x2_is_fisher_one_sided_in_the_observed_direction():
    # Annex I, Sexe: 1 woman of 4 regular users vs 31 of 60 (printed 0.306).
    t = np.array([[1, 3], [31, 29]])
    p = thesis_pvalue(t)
    assert p.test == "fisher_one_sided"
    assert p.value == pytest.approx(fisher_exact(t, alternative="less").pvalue)
    assert round(p.value, 3) == 0.306
    # Association in the other direction: annex I, FMC 4/4 vs 49/60 (printed 0.461).
    t = np.array([[4, 0], [49, 11]])
    p = thesis_pvalue(t)
    assert p.value == pytest.approx(fisher_exact(t, alternative="greater").pvalue)
    assert round(p.value, 3) == 0.461


def test_rule_on_2x3_and_2x4_is_pearson_without_correction():
    zone = np.array([[1, 2, 1], [21, 20, 19]])  # annex I, Zone d'activité, printed 0.792
    p = thesis_pvalue(zone)
    assert p.test == "pearson_chi2"
    assert round(p.value, 3) == 0.792
    age = np.array([[1, 1, 2, 0], [36, 9, 7, 8]])  # annex I, Age, printed 0.139
    p = thesis_pvalue(age)
    assert p.test == "pearson_chi2"
    # R: chisq.test(matrix(c(1,36,1,9,2,7,0,8), 2), correct = FALSE)$p.value  # 0.1394515
    assert p.value == pytest.approx(0.1394515, abs=1e-7)


def test_rule_drops_empty_levels_before_choosing_by_shape():
    # "Logiciel compatible" in annex I with an unanswered third level is 2 × 2 once trimmed.
    t = np.array([[4, 0, 0], [46, 13, 1]])
    assert trim(t).shape == (2, 3)
    t = np.array([[4, 0, 0], [46, 14, 0]])
    assert trim(t).shape == (2, 2)
    assert thesis_pvalue(t).test == "fisher_one_sided"


def test_constant_row_has_no_statistic_and_is_printed_1():
    p = thesis_pvalue(np.array([[4, 0], [60, 0]]))  # Informatisation: everyone "oui"
    assert (p.value, p.test) == (1.0, "constant")
    assert modern_statistics(np.array([[4, 0], [60, 0]])).exact.test == "constant"


def test_modern_statistics_on_2x2_use_scipy_conditional_odds_ratio():
    t = np.array([[14, 8], [12, 30]])
    m = modern_statistics(t)
    assert m.exact.test == "fisher_two_sided"
    assert m.exact.value == pytest.approx(fisher_exact(t).pvalue)
    ref = odds_ratio(t, kind="conditional")
    assert m.odds_ratio == pytest.approx(ref.statistic)
    assert m.or_ci == pytest.approx(tuple(ref.confidence_interval(0.95)))
    # Not the sample (Wald) odds ratio a·d/(b·c) of statsmodels' Table2x2.
    assert m.odds_ratio != pytest.approx(Table2x2(t.astype(float)).oddsratio)
    expected = chi2_contingency(t).expected_freq
    assert m.min_expected == pytest.approx(expected.min())
    assert m.cramers_v == pytest.approx(np.sqrt(chi2_contingency(t, correction=False).statistic / t.sum()))


def test_modern_statistics_on_larger_tables_are_exact_fisher_freeman_halton():
    m = modern_statistics(np.array([[1, 1, 2, 0], [36, 9, 7, 8]]))
    assert m.exact.test == "fisher_freeman_halton"
    assert m.odds_ratio is None
    assert m.min_expected == pytest.approx(0.5)


def test_zero_cell_odds_ratio_is_infinite_not_haldane_corrected():
    # R: fisher.test(matrix(c(4, 22, 0, 38), 2)) -> estimate Inf, upper bound Inf
    m = modern_statistics(np.array([[4, 0], [22, 38]]))
    assert np.isinf(m.odds_ratio) and np.isinf(m.or_ci[1]) and m.or_ci[0] > 0


def test_statistics_tried_lists_every_crosstab_statistic():
    tried = statistics_tried(np.array([[2, 0], [3, 7]]))
    assert set(tried) == {
        "pearson",
        "pearson_yates",
        "likelihood_ratio",
        "fisher_one_sided",
        "fisher_two_sided",
        "exact_rxc",
    }
    assert tried["exact_rxc"] == pytest.approx(tried["fisher_two_sided"])
    assert statistics_tried(np.array([[1, 2, 1], [3, 4, 5]]))["fisher_one_sided"] is None


def test_annex_table_has_the_design_columns_and_adjusts_within_the_annex(published, plan, codebook):
    counts, _ = published_counts(published, plan, codebook)
    table = comparison_table(counts, plan.numbered(3), codebook)
    assert list(table.columns[:8]) == [
        "variable",
        "level",
        "n_focal",
        "pct_focal",
        "n_other",
        "pct_other",
        "p_value",
        "test",
    ]
    assert table["variable"].drop_duplicates().tolist() == [r.variable for r in annex_view(plan).rows]
    # every answer level of the codebook is kept
    assert len(table) == sum(len(codebook[r.variable].codes) for r in annex_view(plan).rows)
    per_row = table.drop_duplicates("variable")
    testable = per_row[per_row["test_exact"] != "constant"]
    holm = multipletests(testable["p_exact"], method="holm")[1]
    assert np.allclose(testable["p_holm"], holm)
    assert np.allclose(testable["p_bh"], multipletests(testable["p_exact"], method="fdr_bh")[1])
    assert (
        per_row.set_index("variable").loc["a5_computerised", "p_holm"]
        != per_row.set_index("variable").loc["a5_computerised", "p_holm"]
    )  # NaN: constants are not adjusted
    age = table[table["variable"] == "a1_age"].set_index("level")
    assert age.loc["under_35", ["n_focal", "n_other"]].tolist() == [26, 11]
    assert age.loc["under_35", "pct_focal"] == pytest.approx(100 * 26 / 38)


# The large-sample rule (stats/exact.py, large_sample_pvalue): past 10,000
# respondents, every expected count at least 5, an r x c table gets Pearson's
# chi-square under its own name instead of an exact attempt.
# R: x <- matrix(c(2000,1800, 1500,1550, 1600,1551), 2); sum(x) == 10001
LARGE = [[2000, 1500, 1600], [1800, 1550, 1551]]
# One respondent fewer: 10,000, the rule does not apply.
AT_LIMIT = [[2000, 1500, 1599], [1800, 1550, 1551]]
# 16,004 respondents, but expected counts of 2.25 and 1.75 in the last column.
SPARSE_LARGE = [[6000, 3000, 3], [5000, 2000, 1]]


def test_large_sample_rule_reports_pearson_chi2_under_its_own_name():
    from dmp_survey.stats.compare import TESTS, exact_pvalue

    p = exact_pvalue(np.array(LARGE))
    assert p.test == "pearson_chi2_large_sample" and p.se is None
    # R: sprintf("%.17g", chisq.test(x, correct = FALSE)$p.value)
    assert p.value == pytest.approx(0.016979546256141592, rel=1e-12)
    assert "exact test is not attempted" in TESTS[p.test] and "10,000" in TESTS[p.test]
    # The modern statistics and the all-groups test follow the same rule.
    assert modern_statistics(np.array(LARGE)).exact.test == "pearson_chi2_large_sample"
    from dmp_survey.stats.groups import compare_groups

    res = compare_groups(np.array(LARGE), ["a", "b", "c"], ["A", "B"])
    assert res.test.key == "pearson_chi2_large_sample"
    assert res.test.p_value == pytest.approx(0.016979546256141592, rel=1e-12)


def test_large_sample_rule_stops_at_its_bounds():
    from dmp_survey.stats.compare import exact_pvalue

    # R: y <- matrix(c(2000,1800, 1500,1550, 1599,1551), 2)
    # sprintf("%.17g", fisher.test(y, workspace = 2e8)$p.value)
    at_limit = exact_pvalue(np.array(AT_LIMIT))
    assert at_limit.test == "fisher_freeman_halton"
    assert at_limit.value == pytest.approx(0.016899629421924751, rel=1e-7)
    # R: z <- matrix(c(6000,5000, 3000,2000, 3,1), 2); fisher.test(z)$p.value
    sparse = exact_pvalue(np.array(SPARSE_LARGE))
    assert sparse.test == "fisher_freeman_halton"
    assert sparse.value == pytest.approx(1.7342211407747076e-10, rel=1e-7)
    # A 2 x 2 table keeps Fisher's exact test at any size.
    big_2x2 = np.array([[300000, 200000], [299000, 201000]])
    assert exact_pvalue(big_2x2).test == "fisher_two_sided"
