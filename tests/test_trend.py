"""Tests of ``dmp_survey.stats.trend``: linear-by-linear and Cochran-Armitage.

Reference values from R 4.2.2 with coin 1.4-2 (Debian bookworm packages),
printed with ``sprintf("%.17g", ...)``.  R's ``matrix(v, nr)`` fills by
column; the tables below are written row by row.

``DescTools`` is not packaged in Debian bookworm and CRAN was not reachable,
so ``DescTools::CochranArmitageTest`` was not run.  Its source computes
``z = sum(x[,1] * (Ri - Rbar)) / sqrt(pdot1 * (1 - pdot1) * s2)``, the
binomial variance with ``N``: the same statistic as ``prop.trend.test``
(``X-squared = z^2``), to which the default is pinned.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from dmp_survey.stats.trend import TrendTest, cochran_armitage, linear_by_linear

LBL_CASES = [
    # R: m <- matrix(c(15,5,4, 5,12,8, 5,8,15, 8,8,10), 3)
    #    t <- coin::lbl_test(as.table(m)); c(statistic(t)^2, pvalue(t))
    ([[15, 5, 5, 8], [5, 12, 8, 8], [4, 8, 15, 10]], 6.0599536241021523, 0.013828131562160229),
    # R: m <- matrix(c(10,4, 12,9, 8,14, 3,11), 2); coin::lbl_test(as.table(m))
    ([[10, 12, 8, 3], [4, 9, 14, 11]], 8.7123983999863572, 0.0031605312477316627),
    # R: Job <- matrix(c(1,2,1,0, 3,3,6,1, 10,10,14,9, 6,7,12,11), 4, 4)
    #    coin::lbl_test(as.table(Job))  (has a zero cell)
    ([[1, 3, 10, 6], [2, 3, 10, 7], [1, 6, 14, 12], [0, 1, 9, 11]], 2.9829881206926379, 0.084143794706428299),
    # R: m <- matrix(c(20,15,10, 10,12,15, 5,9,18), 3); coin::lbl_test(as.table(m))
    ([[20, 10, 5], [15, 12, 9], [10, 15, 18]], 11.04880004871559, 0.00088744617766667311),
]


@pytest.mark.parametrize(("table", "stat", "p"), LBL_CASES)
def test_linear_by_linear_matches_coin(table: list[list[int]], stat: float, p: float):
    res = linear_by_linear(table)
    assert isinstance(res, TrendTest)
    assert res.statistic == pytest.approx(stat, rel=1e-9)
    assert res.pvalue == pytest.approx(p, rel=1e-6)
    assert res.df == 1
    assert res.n == int(np.sum(table))
    assert "linear-by-linear" in res.test
    assert res.row_scores == tuple(float(i) for i in range(1, len(table) + 1))


def test_linear_by_linear_equals_n_minus_one_r_squared():
    t = np.array(LBL_CASES[0][0])
    i, j = np.indices(t.shape)
    rows, cols = np.repeat(i.ravel() + 1, t.ravel()), np.repeat(j.ravel() + 1, t.ravel())
    r = np.corrcoef(rows, cols)[0, 1]
    assert linear_by_linear(t).statistic == pytest.approx((t.sum() - 1) * r**2, rel=1e-12)


def test_linear_by_linear_with_scores_matches_coin():
    # R: m <- matrix(c(20,15,10, 10,12,15, 5,9,18), 3)
    #    t <- coin::lbl_test(as.table(m), scores = list(Var1 = c(1,2,4), Var2 = c(0,1,3)))
    #    c(statistic(t)^2, pvalue(t))
    table = [[20, 10, 5], [15, 12, 9], [10, 15, 18]]
    res = linear_by_linear(table, row_scores=[1, 2, 4], col_scores=[0, 1, 3])
    assert res.statistic == pytest.approx(10.339765206889929, rel=1e-9)
    assert res.pvalue == pytest.approx(0.0013019457202356755, rel=1e-6)
    assert res.col_scores == (0.0, 1.0, 3.0)


def test_linear_by_linear_sign_and_degenerate():
    assert linear_by_linear([[10, 2], [2, 10]]).z > 0
    assert linear_by_linear([[2, 10], [10, 2]]).z < 0
    res = linear_by_linear([[3, 4, 5], [0, 0, 0]])  # one non-empty row: no variance
    assert math.isnan(res.pvalue) and math.isnan(res.statistic)


# (x, n, prop.trend.test X-squared, p, coin lbl_test statistic^2, p)
# R: p <- prop.trend.test(x, n); c(p$statistic, p$p.value)
#    t <- coin::lbl_test(as.table(rbind(x, n - x))); c(statistic(t)^2, pvalue(t))
CA_CASES = [
    # x <- c(83, 90, 129, 70); n <- c(86, 93, 136, 82)  (?prop.trend.test: smokers / patients)
    ([83, 90, 129, 70], [86, 93, 136, 82],
     8.2249222851977102, 0.004131897477641487, 8.2042045968218442, 0.0041793426285339358),
    # x <- c(10, 12, 8, 3); n <- c(14, 21, 22, 14)
    ([10, 12, 8, 3], [14, 21, 22, 14],
     8.8368612342718809, 0.0029520641711967832, 8.7123983999863572, 0.0031605312477316627),
    # x <- c(5, 9, 14, 20, 25); n <- rep(50, 5)
    ([5, 9, 14, 20, 25], [50] * 5,
     25.16252612026933, 5.2696260824849807e-07, 25.061876015788243, 5.5519751951393914e-07),
    # x <- c(2, 3, 1); n <- c(10, 9, 12)
    ([2, 3, 1], [10, 9, 12],
     0.56360865290068818, 0.45280990463148874, 0.54542772861356881, 0.46019196359801773),
]  # fmt: skip


@pytest.mark.parametrize(("x", "n", "stat", "p", "lbl_stat", "lbl_p"), CA_CASES)
def test_cochran_armitage_matches_prop_trend_test_and_lbl(
    x: list[int], n: list[int], stat: float, p: float, lbl_stat: float, lbl_p: float
):
    table = [x, [b - a for a, b in zip(x, n, strict=True)]]
    res = cochran_armitage(table)
    assert res.statistic == pytest.approx(stat, rel=1e-9)
    assert res.pvalue == pytest.approx(p, rel=1e-6)
    assert "binomial" in res.test
    hyp = cochran_armitage(table, variance="hypergeometric")
    assert hyp.statistic == pytest.approx(lbl_stat, rel=1e-9)
    assert hyp.pvalue == pytest.approx(lbl_p, rel=1e-6)
    assert "hypergeometric" in hyp.test
    # the hypergeometric version is the linear-by-linear test of the 2 x k table
    assert linear_by_linear(table).pvalue == pytest.approx(hyp.pvalue, rel=1e-12)
    assert res.statistic == pytest.approx(hyp.statistic * res.n / (res.n - 1), rel=1e-12)


def test_cochran_armitage_scores_match_prop_trend_test():
    # R: prop.trend.test(c(5,9,14,20,25), rep(50,5), score = c(0,1,2,4,8))
    res = cochran_armitage([[5, 9, 14, 20, 25], [45, 41, 36, 30, 25]], scores=[0, 1, 2, 4, 8])
    assert res.statistic == pytest.approx(23.227691355158282, rel=1e-9)
    assert res.pvalue == pytest.approx(1.439101387984618e-06, rel=1e-6)


def test_cochran_armitage_sign_and_errors():
    assert cochran_armitage([[1, 5, 9], [9, 5, 1]]).z > 0  # proportion of row 0 increases
    assert cochran_armitage([[9, 5, 1], [1, 5, 9]]).z < 0
    assert math.isnan(cochran_armitage([[3, 4, 5], [0, 0, 0]]).pvalue)
    with pytest.raises(ValueError):
        cochran_armitage([[1, 2], [3, 4], [5, 6]])
    with pytest.raises(ValueError):
        cochran_armitage([[1, 2, 3], [3, 4, 5]], scores=[1, 2])
    with pytest.raises(ValueError):
        cochran_armitage([[1, 2, 3], [3, 4, 5]], variance="other")  # type: ignore[arg-type]
