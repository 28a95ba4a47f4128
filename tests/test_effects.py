"""Tests of ``dmp_survey.stats.effects``: conditional MLE odds ratio and exact CI.

Reference values are R 4.2.2's ``fisher.test`` equations (conditional MLE
and exact interval), solved to full precision.  R's own ``fisher.test``
solves them with ``uniroot``'s default tolerance ``.Machine$double.eps^0.25``
(~1.2e-4 on a (0, 1) scale, then inverted for odds ratios above 1), so its
printed digits are accurate to only ~1e-4 relative (e.g. TeaTasting's upper
bound prints 621.93, the root of the same equation is 626.24).  The
references were therefore computed by R's ``fisher.test`` itself with only
``uniroot``'s tolerance tightened:

    ft <- stats::fisher.test
    environment(ft) <- list2env(list(uniroot = function(...)
        stats::uniroot(..., tol = 1e-15, maxiter = 10000)), parent = asNamespace("stats"))
    f <- ft(m); sprintf("%.17g", c(f$estimate, f$conf.int))

The default-tolerance R values are quoted beside each case.  R's matrix
``matrix(c(a, c, b, d), 2)`` is the table ``[[a, b], [c, d]]`` here.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from dmp_survey.stats.effects import OddsRatio, odds_ratio_conditional

INF = math.inf

CASES = [
    # (table [[group yes, group no], [rest yes, rest no]], estimate, ci_low, ci_high)
    # R: ft(matrix(c(4,54,0,6),2)); default fisher.test: Inf, [0.05993930, Inf]
    ([[4, 0], [54, 6]], INF, 0.059927311796316642, INF),
    # zero cell on the other diagonal -> OR 0
    # R: ft(matrix(c(0,10,5,3),2)); default fisher.test: 0, [0, 0.5879435]
    ([[0, 5], [10, 3]], 0.0, 0.0, 0.58794315333805658),
    # R: ft(matrix(c(3,1,1,3),2)) (TeaTasting); default: 6.408309, [0.2117329, 621.9337506]
    ([[3, 1], [1, 3]], 6.4083196581996713, 0.21173559544657847, 626.24353058881354),
    # R: ft(matrix(c(2,10,15,3),2)) (Convictions); default: 0.04693661, [0.003325764, 0.363182271]
    ([[2, 15], [10, 3]], 0.046936639049680012, 0.0033171639506573698, 0.36318960235668052),
    # R: ft(matrix(c(12,7,5,20),2)); default: 6.514593, [1.495522, 33.384943]
    ([[12, 5], [7, 20]], 6.5145839565551933, 1.4955215609154793, 33.384029581158394),
    # R: ft(matrix(c(120,90,80,110),2)); default: 1.830537, [1.208979, 2.781452]
    ([[120, 80], [90, 110]], 1.8305149902234894, 1.2089753687625284, 2.7814290891996283),
]


@pytest.mark.parametrize(("table", "estimate", "low", "high"), CASES)
def test_matches_r_fisher_test(table: list[list[int]], estimate: float, low: float, high: float):
    res = odds_ratio_conditional(table)
    assert isinstance(res, OddsRatio)
    for got, want in ((res.estimate, estimate), (res.ci_low, low), (res.ci_high, high)):
        if math.isinf(want) or want == 0.0:
            assert got == want
        else:
            assert got == pytest.approx(want, rel=1e-6)
    assert res.confidence_level == 0.95
    assert "conditional" in res.method


def test_infinite_and_zero_estimates_are_not_nan():
    assert odds_ratio_conditional([[4, 0], [54, 6]]).estimate == INF
    assert odds_ratio_conditional([[0, 5], [10, 3]]).estimate == 0.0


def test_direction_group_vs_rest_on_yes_vs_no():
    # More "yes" in the group than in the rest -> OR > 1; swapping the rows
    # (rest vs group) or the columns inverts it, and the interval with it.
    t = [[12, 5], [7, 20]]
    res = odds_ratio_conditional(t)
    assert res.estimate > 1
    swapped = odds_ratio_conditional([t[1], t[0]])
    assert swapped.estimate == pytest.approx(1 / res.estimate, rel=1e-9)
    assert swapped.ci_low == pytest.approx(1 / res.ci_high, rel=1e-6)
    assert swapped.ci_high == pytest.approx(1 / res.ci_low, rel=1e-6)


def test_result_is_frozen():
    res = odds_ratio_conditional([[3, 1], [1, 3]])
    with pytest.raises(AttributeError):
        res.estimate = 1.0  # type: ignore[misc]


@pytest.mark.parametrize("bad", [[[1, 2, 3], [4, 5, 6]], [[1, -1], [2, 3]], [[1.5, 1], [2, 3]]])
def test_invalid_tables_raise(bad: object):
    with pytest.raises(ValueError):
        odds_ratio_conditional(bad)  # type: ignore[arg-type]


# Large tables: R's way (dnhyper on the log scale, summed near the mode), not
# SciPy's value-by-value sum (minutes for one table of 10^5 respondents).
@pytest.mark.parametrize(
    "table",
    [
        [[1500, 900], [1200, 1300]],
        [[5, 2995], [10, 2990]],
        [[40, 3000], [900, 2000]],
        [[2500, 10], [2400, 40]],
    ],
)
def test_large_table_path_agrees_with_scipy(table: list[list[int]]):
    from scipy.stats.contingency import odds_ratio

    from dmp_survey.stats.effects import _conditional_large

    ref = odds_ratio(np.array(table), kind="conditional")
    ci = ref.confidence_interval(0.95)
    got = _conditional_large(np.array(table), 0.95)
    assert got == pytest.approx((ref.statistic, ci.low, ci.high), rel=1e-9)


def test_large_table_matches_r():
    # R: ft(matrix(c(12000,250000,30000,700000),2)) gives 1.1199884, [1.0958956, 1.1445692]
    # (uniroot's default tolerance, 1e-5 relative); the value below is the
    # same root found to xtol = 1e-13, as SciPy's odds_ratio does.
    res = odds_ratio_conditional([[12000, 30000], [250000, 700000]])
    assert (res.estimate, res.ci_low, res.ci_high) == pytest.approx(
        (1.1199884, 1.0958956, 1.1445692), rel=2e-5
    )
    assert (res.estimate, res.ci_low, res.ci_high) == pytest.approx(
        (1.119999868954804, 1.0959129070997184, 1.1445639737087416), rel=1e-9
    )
    assert odds_ratio_conditional([[0, 30000], [250000, 700000]]).estimate == 0.0
    assert odds_ratio_conditional([[12000, 0], [250000, 700000]]).ci_high == INF


def test_large_table_path_lets_its_arrays_go_without_the_garbage_collector():
    # SciPy's root finder keeps the functions it is given in a reference
    # cycle; the closures must not keep the support-sized arrays alive until
    # the cyclic collector runs (29 tables of 10^7 respondents: gigabytes).
    import gc
    import tracemalloc

    from dmp_survey.stats.effects import _conditional_large

    table = np.array([[120_000, 300_000], [250_000, 700_000]])  # support ~370,000 values: 3 MB per array
    gc.collect()
    gc.disable()
    tracemalloc.start()
    try:
        _conditional_large(table, 0.95)
        kept, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        gc.enable()
    assert peak > 2_000_000  # the arrays were there
    assert kept < 500_000  # and are gone
