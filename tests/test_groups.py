"""Tests of ``dmp_survey.stats.groups``: all groups side by side, one test per question.

Reference p-values from R 4.2.2, printed with ``sprintf("%.17g", ...)``.
Counts are groups x levels (groups as rows); R's ``matrix(v, nr)`` fills
by column, so the R matrices below are the same tables.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from dmp_survey.stats.groups import (
    OVERALL,
    TESTS,
    GroupOptions,
    adjust,
    compare_groups,
)

# R: G1 <- matrix(c(15,5,4, 5,12,8, 5,8,15, 8,8,10), 3)   (min expected 7.689)
G1 = [[15, 5, 5, 8], [5, 12, 8, 8], [4, 8, 15, 10]]
# R: G2 <- matrix(c(30,25,20, 22,24,30, 18,21,25), 3)     (min expected 20.84)
G2 = [[30, 22, 18], [25, 24, 21], [20, 30, 25]]
# R: G4 <- matrix(c(3,1,8, 7,2,1, 0,5,2), 3)               (min expected 1.931)
G4 = [[3, 7, 0], [1, 2, 5], [8, 1, 2]]
# R: Convictions <- matrix(c(2, 10, 15, 3), 2)
CONV = [[2, 15], [10, 3]]

GROUPS3 = ["A", "B", "C"]


@pytest.mark.parametrize(
    ("table", "rule", "key", "p"),
    [
        # R: fisher.test(G1)$p.value
        (G1, "exact", "fisher_freeman_halton", 0.010821892848348967),
        # R: chisq.test(G1, correct = FALSE)$p.value   (every expected count >= 5)
        (G1, "chi2_if_expected_ge_5", "pearson_chi2", 0.0063383282257088594),
        # R: fisher.test(G2)$p.value
        (G2, "exact", "fisher_freeman_halton", 0.37589216855388924),
        # R: chisq.test(G2, correct = FALSE)$p.value
        (G2, "chi2_if_expected_ge_5", "pearson_chi2", 0.37514222026073796),
        # R: fisher.test(G4)$p.value   (min expected < 5: exact under both rules;
        #    chisq.test(G4, correct = FALSE) would give 0.0012826389404794068)
        (G4, "exact", "fisher_freeman_halton", 0.0013468195830455972),
        (G4, "chi2_if_expected_ge_5", "fisher_freeman_halton", 0.0013468195830455972),
        # R: fisher.test(Convictions)$p.value   (2 x 2)
        (CONV, "exact", "fisher_two_sided", 0.00053672411914343636),
        # R: chisq.test(Convictions, correct = FALSE)$p.value   (min expected 5.2)
        (CONV, "chi2_if_expected_ge_5", "pearson_chi2", 0.00030626663018354985),
        # R: fisher.test(matrix(c(4,54, 0,6), 2))$p.value -> 1   (min expected 0.375)
        ([[4, 0], [54, 6]], "chi2_if_expected_ge_5", "fisher_two_sided", 1.0),
    ],
)
def test_overall_test_matches_r(table: list[list[int]], rule: str, key: str, p: float):
    levels = list(range(1, len(table[0]) + 1))
    groups = GROUPS3[: len(table)]
    res = compare_groups(table, levels, groups, GroupOptions(rule=rule))  # type: ignore[arg-type]
    assert res.test.key == key
    assert res.test.test == TESTS[key]
    assert res.test.p_value == pytest.approx(p, rel=1e-6)
    # the name travels with the p-value on every level row
    assert (res.cells["test"] == TESTS[key]).all()
    assert np.allclose(res.cells["p_value"], res.test.p_value)


def test_statistic_cramers_v_and_min_expected():
    # R: cs <- chisq.test(G1, correct = FALSE); cs$statistic -> 17.957877407877405
    #    min(cs$expected) -> 7.6893203883495147
    res = compare_groups(G1, [1, 2, 3, 4], GROUPS3).test
    assert res.statistic == pytest.approx(17.957877407877405, rel=1e-9)
    assert res.min_expected == pytest.approx(7.6893203883495147, rel=1e-9)
    assert res.df == 6
    n = np.sum(G1)
    assert res.cramers_v == pytest.approx(math.sqrt(17.957877407877405 / (n * 2)), rel=1e-9)


@pytest.mark.parametrize(
    ("table", "method", "raw", "adjusted"),
    [
        # R: ps <- c(fisher.test(G1[c(1,2),])$p.value, fisher.test(G1[c(1,3),])$p.value,
        #            fisher.test(G1[c(2,3),])$p.value); p.adjust(ps, "holm"); p.adjust(ps, "BH")
        (G1, "holm", [0.035847495765873177, 0.0063991959484929238, 0.38347354527786076],
         [0.071694991531746355, 0.019197587845478772, 0.38347354527786076]),
        (G1, "fdr_bh", [0.035847495765873177, 0.0063991959484929238, 0.38347354527786076],
         [0.053771243648809766, 0.019197587845478772, 0.38347354527786076]),
        # the same calls with G4
        (G4, "holm", [0.015082956259426787, 0.0087662595402532642, 0.028101929030721399],
         [0.030165912518853574, 0.026298778620759793, 0.030165912518853574]),
        (G4, "fdr_bh", [0.015082956259426787, 0.0087662595402532642, 0.028101929030721399],
         [0.022624434389140181, 0.022624434389140181, 0.028101929030721399]),
    ],
)  # fmt: skip
def test_pairwise_matches_r(table: list[list[int]], method: str, raw: list[float], adjusted: list[float]):
    opts = GroupOptions(pairwise=True, pairwise_adjust=method)  # type: ignore[arg-type]
    levels = list(range(1, len(table[0]) + 1))
    res = compare_groups(table, levels, GROUPS3, opts, question="Q1")
    pw = res.pairwise
    assert pw is not None
    assert list(zip(pw["group_a"], pw["group_b"], strict=True)) == [("A", "B"), ("A", "C"), ("B", "C")]
    assert pw["p_value"].to_numpy() == pytest.approx(raw, rel=1e-6)
    assert pw["p_adjusted"].to_numpy() == pytest.approx(adjusted, rel=1e-6)
    assert (pw["family"] == "Q1").all()
    assert pw["adjust_method"].iloc[0] == ("Holm" if method == "holm" else "Benjamini–Hochberg (FDR)")
    assert set(pw["test"]) <= {TESTS["fisher_freeman_halton"], TESTS["fisher_two_sided"]}


def test_counts_percentages_and_not_answered_row():
    counts = [[10, 30], [5, 5]]
    res = compare_groups(counts, ["yes", "no"], ["GP", "other"], missing=[3, 0])
    c = res.cells.set_index(["level", "group"])
    assert c.loc[("yes", "GP"), "n"] == 10
    assert c.loc[("yes", "GP"), "pct"] == pytest.approx(25.0)
    assert c.loc[("yes", "other"), "pct"] == pytest.approx(50.0)
    assert c.loc[("yes", OVERALL), "pct"] == pytest.approx(30.0)
    assert c.loc[("no", OVERALL), "n"] == 35
    # denominators: those who answered, per group
    assert c.loc[("yes", "GP"), "answered"] == 40
    assert c.loc[("yes", OVERALL), "answered"] == 50
    na = res.cells[res.cells["row"] == "not_answered"].set_index("group")
    assert list(na["level"].unique()) == ["not answered"]
    assert na.loc["GP", "n"] == 3 and na.loc[OVERALL, "n"] == 3
    assert na["pct"].isna().all() and na["p_value"].isna().all() and na["test"].isna().all()
    assert na.loc["GP", "answered"] == 40
    # missing answers change neither percentages nor the test
    without = compare_groups(counts, ["yes", "no"], ["GP", "other"])
    assert without.test == res.test
    levels_only = res.cells[res.cells["row"] == "level"].reset_index(drop=True)
    pd.testing.assert_frame_equal(levels_only, without.cells)


def test_wide_puts_groups_side_by_side():
    res = compare_groups(G4, ["a", "b", "c"], GROUPS3, missing=[1, 0, 2])
    w = res.wide()
    assert list(w.index) == ["a", "b", "c", "not answered"]
    assert w[("A", "n")].tolist() == [3, 7, 0, 1]
    assert w[(OVERALL, "n")].tolist() == [12, 10, 7, 3]
    assert w[("B", "pct")].iloc[2] == pytest.approx(62.5)
    assert w[("test", "")].iloc[0] == TESTS["fisher_freeman_halton"]


def test_empty_group_and_level_are_dropped_from_the_test_only():
    padded = [[15, 5, 0, 5, 8], [5, 12, 0, 8, 8], [0, 0, 0, 0, 0], [4, 8, 0, 15, 10]]
    res = compare_groups(padded, [1, 2, 3, 4, 5], ["A", "B", "empty", "C"])
    assert res.test.p_value == pytest.approx(0.010821892848348967, rel=1e-6)
    c = res.cells.set_index(["level", "group"])
    assert math.isnan(c.loc[(1, "empty"), "pct"])
    assert c.loc[(3, "A"), "pct"] == 0.0


def test_no_test_with_one_answered_level():
    res = compare_groups([[4, 0], [6, 0]], ["yes", "no"], ["A", "B"])
    assert res.test.key == "none" and math.isnan(res.test.p_value)


def test_too_large_uses_named_monte_carlo_or_raises():
    from dmp_survey.stats.exact import ExactTooLarge

    big = np.full((6, 6), 40)
    mc = compare_groups(big, list(range(6)), list("abcdef"), GroupOptions(monte_carlo_resamples=2000, seed=5))
    assert mc.test.key == "fisher_freeman_halton_monte_carlo"
    assert "Monte Carlo" in mc.test.test and "seed 5" in mc.test.test and "exact," not in mc.test.test
    with pytest.raises(ExactTooLarge):
        compare_groups(big, list(range(6)), list("abcdef"), GroupOptions(too_large="raise"))


def test_adjust_matches_r_p_adjust_and_keeps_nan():
    # R: p.adjust(c(0.01, 0.04, 0.03, 0.2), "holm") -> 0.04 0.09 0.09 0.2
    #    p.adjust(c(0.01, 0.04, 0.03, 0.2), "BH")   -> 0.04 0.05333333 0.05333333 0.2
    ps = pd.Series([0.01, 0.04, float("nan"), 0.03, 0.2], index=list("abcde"))
    holm = adjust(ps, "holm", "annex 2")
    assert list(holm.index) == list("abcde")
    assert holm["q_value"].drop("c").tolist() == pytest.approx([0.04, 0.09, 0.09, 0.2])
    assert math.isnan(holm.loc["c", "q_value"])
    assert (holm["family"] == "annex 2").all() and (holm["method"] == "Holm").all()
    bh = adjust([0.01, 0.04, 0.03, 0.2], "fdr_bh", "annex 2")
    assert bh["q_value"].tolist() == pytest.approx([0.04, 0.16 / 3, 0.16 / 3, 0.2])
    with pytest.raises(ValueError):
        adjust([0.1], "bonferroni", "x")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"counts": [[1, 2], [3, 4]], "level_codes": [1, 2, 3], "group_codes": ["a", "b"]},
        {"counts": [[1, 2], [3, 4]], "level_codes": [1, 2], "group_codes": ["a", OVERALL]},
        {"counts": [[1, -2], [3, 4]], "level_codes": [1, 2], "group_codes": ["a", "b"]},
        {"counts": [[1, 2], [3, 4]], "level_codes": [1, 2], "group_codes": ["a", "b"], "missing": [1]},
    ],
)
def test_invalid_input_raises(kwargs: dict[str, object]):
    with pytest.raises(ValueError):
        compare_groups(**kwargs)  # type: ignore[arg-type]
