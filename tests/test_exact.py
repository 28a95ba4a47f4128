"""Tests of ``dmp_survey.stats.exact``: exact Fisher / Fisher-Freeman-Halton p-values.

Where the pinned numbers come from (outside this code):

- R's ``fisher.test`` on the examples of its help page (``?fisher.test``):
  the values R prints, and more digits of the same R results recorded by two
  public test suites that call R: CampagneLaboratory/goby
  (``test-src/edu/cornell/med/icb/goby/R/TestFisherExact.java``, R through
  rJava/JRI, asserted to 1e-12) and WillemSleegers/tidystats
  (``tests/testthat/test_htest.R``, 7 significant digits).
- OEIS A001496 and A003439: numbers of 4 x 4 and 6 x 6 tables whose row and
  column sums all equal n (for ``count_tables``).

Independent checks (no shared code with the module):

- 2 x 2: ``scipy.stats.fisher_exact`` (two-sided), which is exact for 2 x 2.
  SciPy's r x c result is a Monte Carlo estimate and is never used here.
- r x c: brute-force enumeration of every table with the margins
  (``itertools``) and exact rational arithmetic (``fractions``).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from scipy.stats import fisher_exact

from dmp_survey.stats.exact import (
    REL_TOL,
    ExactTooLarge,
    MonteCarloP,
    count_tables,
    fisher_freeman_halton,
    fisher_freeman_halton_monte_carlo,
)

# R: Job <- matrix(c(1,2,1,0, 3,3,6,1, 10,10,14,9, 6,7,12,11), 4, 4)
# (R fills by column, so these are R's rows.)
JOB = [[1, 3, 10, 6], [2, 3, 10, 7], [1, 6, 14, 12], [0, 1, 9, 11]]
# R: TeaTasting <- matrix(c(3, 1, 1, 3), nrow = 2)
TEA = [[3, 1], [1, 3]]
# R: Convictions <- matrix(c(2, 10, 15, 3), nrow = 2)
CONVICTIONS = [[2, 15], [10, 3]]
# R: MP6 <- rbind(c(1,2,2,1,1,0,1), c(2,0,0,2,3,0,0), c(0,1,1,1,2,7,3),
#                 c(1,1,2,0,0,0,1), c(0,1,1,1,1,0,0))
MP6 = [
    [1, 2, 2, 1, 1, 0, 1],
    [2, 0, 0, 2, 3, 0, 0],
    [0, 1, 1, 1, 2, 7, 3],
    [1, 1, 2, 0, 0, 0, 1],
    [0, 1, 1, 1, 1, 0, 0],
]


# ----------------------------------------------------- simple brute force


def _compositions(total: int, caps: list[int]) -> Iterator[tuple[int, ...]]:
    """Every x with 0 <= x_j <= caps[j] and sum(x) == total (product + filter)."""
    for x in itertools.product(*(range(min(c, total) + 1) for c in caps)):
        if sum(x) == total:
            yield x


def _all_tables(rows: list[int], cols: list[int]) -> Iterator[list[tuple[int, ...]]]:
    """Every non-negative integer table with these margins, row by row."""
    if len(rows) == 1:
        yield [tuple(cols)]
        return
    for first in _compositions(rows[0], cols):
        rest = [c - f for c, f in zip(cols, first, strict=True)]
        for tail in _all_tables(rows[1:], rest):
            yield [first, *tail]


def _probability(table: list[tuple[int, ...]] | list[list[int]]) -> Fraction:
    """Exact hypergeometric probability prod r! prod c! / (n! prod x!)."""
    rows = [sum(r) for r in table]
    cols = [sum(c) for c in zip(*table, strict=True)]
    num = math.prod(math.factorial(v) for v in rows + cols)
    den = math.factorial(sum(rows)) * math.prod(math.factorial(v) for r in table for v in r)
    return Fraction(num, den)


def _brute_force_p(table: list[list[int]]) -> Fraction:
    """Sum of P(Y) over tables Y with P(Y) <= P(observed) * (1 + 1e-7), exactly."""
    rows = [sum(r) for r in table]
    cols = [sum(c) for c in zip(*table, strict=True)]
    limit = _probability(table) * (1 + Fraction(1, 10**7))
    return sum(
        (p for p in map(_probability, _all_tables(rows, cols)) if p <= limit),
        start=Fraction(0),
    )


# ------------------------------------------------- published R results


def test_job_satisfaction_matches_r():
    # R: fisher.test(Job)$p.value  -> 0.7827 (printed in ?fisher.test:
    #    "fisher.test(Job) # 0.7827"; Agresti 2002, p. 57)
    p = fisher_freeman_halton(JOB)
    assert round(p, 4) == 0.7827
    # The same R result with more digits: 0.7826849389656096 (goby,
    # TestFisherExact.agrestiJobSatisfaction) and 0.7826849 (tidystats).
    assert p == pytest.approx(0.7826849389656096, rel=1e-9)


def test_tea_tasting_two_sided_matches_r():
    # R: fisher.test(TeaTasting)$p.value -> 0.4857 (two-sided; ?fisher.test
    #    shows alternative = "greater", 0.2429).  Exactly 34/70: the tables
    #    have probabilities (1, 16, 36, 16, 1)/70 and the observed one 16/70.
    p = fisher_freeman_halton(TEA)
    assert round(p, 4) == 0.4857
    assert p == pytest.approx(Fraction(34, 70), rel=1e-12)


def test_convictions_two_sided_matches_r():
    # R: fisher.test(Convictions, conf.int = FALSE)  -> p-value = 0.0005367
    #    (?fisher.test); 0.0005367241 in tidystats' test_htest.R.
    p = fisher_freeman_halton(CONVICTIONS)
    assert f"{p:.4g}" == "0.0005367"
    assert p == pytest.approx(0.0005367241, rel=1e-7)


def test_mehta_patel_sixth_example_matches_r():
    # R: fisher.test(MP6)  ("6th example in Mehta & Patel's JASA paper",
    #    ?fisher.test); tidystats records 0.03928964 for
    #    fisher.test(MP6, hybrid = TRUE), which ?fisher.test says gives
    #    "exactly the same p-value, as Cochran's conditions are never met".
    # 1.09e11 tables share these margins: refused under an explicit
    # max_tables, computed without one (there is no default bound on the
    # number of tables).
    assert count_tables(np.sum(MP6, axis=1), np.sum(MP6, axis=0)) == 108_712_356_901
    with pytest.raises(ExactTooLarge):
        fisher_freeman_halton(MP6, max_tables=10**8)
    assert fisher_freeman_halton(MP6, max_tables=2 * 10**11) == pytest.approx(0.03928964, rel=1e-7)
    assert fisher_freeman_halton(MP6) == pytest.approx(0.03928964, rel=1e-7)


def test_three_by_two_table_matches_r_via_goby():
    # goby TestFisherExact.chiSquaredUConn asserts 2.9565806126420623e-05
    # (to 1e-12) for R's fisher.test on the vector (12, 17, 4, 25, 15, 4)
    # shaped 3 x 2.  That value is the p of the table below, i.e. R's
    # matrix(c(12,17,4,25,15,4), ncol = 2, byrow = TRUE) or its transpose
    # matrix(c(12,17,4,25,15,4), 2, 3); the column-wise 3 x 2 reading,
    # [[12, 25], [17, 15], [4, 4]], gives 0.2359 instead.  Agreement to
    # 13 digits identifies the table.
    p = fisher_freeman_halton([[12, 17], [4, 25], [15, 4]])
    assert p == pytest.approx(2.9565806126420623e-05, rel=1e-9)


# ----------------------------------------------- independent checks


def test_two_by_two_equals_scipy_fisher_exact():
    # SciPy is exact for 2 x 2 tables (two-sided, ties to within 1e-14).
    rng = np.random.default_rng(20240601)
    for high in (2, 4, 10, 30, 100):
        for _ in range(80):
            t = rng.integers(0, high, size=(2, 2))
            if rng.random() < 0.2:
                t[rng.integers(2), rng.integers(2)] = 0
            expected = fisher_exact(t, alternative="two-sided").pvalue
            assert fisher_freeman_halton(t) == pytest.approx(expected, rel=1e-9, abs=1e-300), t


@pytest.mark.parametrize(
    "shape",
    [(2, 3), (3, 2), (2, 4), (3, 3), (2, 5), (3, 4), (4, 3), (4, 4)],
)
def test_rxc_equals_brute_force_enumeration(shape: tuple[int, int]):
    rng = np.random.default_rng(sum(shape) * 1000 + shape[0])
    checked = 0
    while checked < 6:
        t = rng.integers(0, 4, size=shape).tolist()
        rows = [sum(r) for r in t]
        cols = [sum(c) for c in zip(*t, strict=True)]
        if 0 in rows or 0 in cols or count_tables(rows, cols) > 3000:
            continue
        expected = _brute_force_p(t)
        assert fisher_freeman_halton(t) == pytest.approx(float(expected), rel=1e-10), t
        checked += 1


def test_pipeline_sized_two_by_five_equals_exact_rational_sum():
    # The pipeline's largest tables are 2 x 5 with n = 64.  For two rows
    # P(x) is proportional to prod_j C(c_j, x_j) (x = first row): exact
    # integers, all first rows enumerated.
    t = [[3, 9, 5, 12, 3], [7, 4, 10, 6, 5]]
    cols = [a + b for a, b in zip(*t, strict=True)]
    r1 = sum(t[0])
    weights = [
        math.prod(math.comb(c, x) for c, x in zip(cols, first, strict=True))
        for first in _compositions(r1, cols)
    ]
    w_obs = math.prod(math.comb(c, x) for c, x in zip(cols, t[0], strict=True))
    limit = w_obs * (1 + Fraction(1, 10**7))
    expected = Fraction(sum(w for w in weights if w <= limit), sum(weights))
    assert fisher_freeman_halton(t) == pytest.approx(float(expected), rel=1e-12)


# ------------------------------------------------------ count_tables


def test_count_tables_equals_enumeration():
    rng = np.random.default_rng(7)
    for _ in range(60):
        shape = (int(rng.integers(1, 5)), int(rng.integers(1, 5)))
        t = rng.integers(0, 4, size=shape)
        rows, cols = t.sum(axis=1).tolist(), t.sum(axis=0).tolist()
        n_enum = sum(1 for _ in _all_tables(rows, cols))
        assert count_tables(rows, cols) == n_enum, (rows, cols)


# OEIS A001496: 4 x 4 tables with every row and column sum equal to n.
A001496 = [1, 24, 282, 2008, 10147, 40176, 132724, 381424, 981541, 2309384, 5045326, 10356424,
           20158151, 37478624, 66952936, 115479776, 193077449, 313981688, 498033282, 772409528,
           1173759851, 1750812624, 2567527260, 3706873040]  # fmt: skip
# OEIS A003439: the same for 6 x 6 tables.
A003439 = [1, 720, 202410, 20933840, 1047649905, 30767936616, 602351808741, 8575979362560,
           94459713879600, 842286559093240]  # fmt: skip


@pytest.mark.parametrize(("size", "sequence"), [(4, A001496), (6, A003439)])
def test_count_tables_matches_oeis(size: int, sequence: list[int]):
    for n, expected in enumerate(sequence):
        assert count_tables([n] * size, [n] * size) == expected, n


def test_count_tables_small_cases_and_stop_above():
    assert count_tables([2, 2], [2, 2]) == 3
    assert count_tables([5], [1, 2, 2]) == 1
    assert count_tables([0, 0], [0, 0]) == 1  # the empty table
    job_rows, job_cols = np.sum(JOB, axis=1), np.sum(JOB, axis=0)
    exact = count_tables(job_rows, job_cols)
    assert exact == 90_208_550
    assert count_tables(job_rows, job_cols, stop_above=exact) == exact
    assert count_tables(job_rows, job_cols, stop_above=1000) > 1000


def test_count_tables_rejects_bad_margins():
    with pytest.raises(ValueError, match="differ"):
        count_tables([1, 2], [4])
    with pytest.raises(ValueError, match="negative"):
        count_tables([-1, 2], [1])
    with pytest.raises(ValueError):
        count_tables([1.5, 1.5], [3])


# -------------------------------------------------- degenerate tables


@pytest.mark.parametrize(
    "table",
    [
        [[3, 4, 5]],  # a single row
        [[5], [7]],  # a single column
        [[0, 0, 0], [1, 2, 3]],  # one non-empty row
        [[0, 4], [0, 9]],  # one non-empty column
        [[0, 0], [0, 0]],  # nothing observed
        np.zeros((0, 3), dtype=int),
    ],
)
def test_fewer_than_two_nonempty_rows_or_columns_give_one(table: object):
    assert fisher_freeman_halton(table) == 1.0


def test_zero_rows_and_columns_are_dropped():
    padded = [[0, 0, 0, 0, 0], *[[*r[:2], 0, *r[2:]] for r in JOB], [0, 0, 0, 0, 0]]
    assert fisher_freeman_halton(padded) == fisher_freeman_halton(JOB)
    assert fisher_freeman_halton([[3, 0, 1], [1, 0, 3]]) == fisher_freeman_halton(TEA)


def test_observed_mode_gives_one():
    assert fisher_freeman_halton([[1, 1], [1, 1]]) == 1.0
    assert fisher_freeman_halton([[2, 2, 2], [2, 2, 2]]) == pytest.approx(1.0, rel=1e-12)


@pytest.mark.parametrize(
    "bad",
    [
        [[1, -1], [2, 3]],  # negative
        [[1.5, 1], [2, 3]],  # non-integer
        [[np.nan, 1], [2, 3]],  # not finite
        [1, 2, 3],  # one-dimensional
        [[[1, 2], [3, 4]]],  # three-dimensional
        [["a", "b"], ["c", "d"]],  # not numbers
        [[True, False], [False, True]],  # booleans are not counts
    ],
)
def test_invalid_tables_raise_value_error(bad: object):
    with pytest.raises(ValueError):
        fisher_freeman_halton(bad)


def test_bound_exceeded_raises_exact_too_large():
    with pytest.raises(ExactTooLarge, match="tables"):
        fisher_freeman_halton(JOB, max_tables=10**6)
    # Tables beyond the work bounds are refused before the work is done
    # (how fast is measured, not asserted here).
    for table in (
        np.full((20, 20), 5),
        np.full((6, 6), 40),
        [[300_000, 200_000, 100_000], [150_000, 150_000, 100_000]],
    ):
        with pytest.raises(ExactTooLarge, match="work bounds"):
            fisher_freeman_halton(table)


# ------------------------------------------------------------ properties


def test_invariant_under_transpose_and_permutations():
    for table in (np.array(JOB), np.array([[3, 9, 5, 12, 3], [7, 4, 10, 6, 5]])):
        p = fisher_freeman_halton(table)
        assert fisher_freeman_halton(table.T) == pytest.approx(p, rel=1e-12)
        rows = np.arange(table.shape[0])[::-1]
        cols = np.roll(np.arange(table.shape[1]), 2)
        assert fisher_freeman_halton(table[rows][:, cols]) == pytest.approx(p, rel=1e-12)


def test_ties_with_the_observed_table_are_counted():
    # REL_TOL is R's relErr; without it, rounding would drop tables tied
    # with the observed one and Job would give 0.78221 instead of 0.78268.
    assert REL_TOL == 1e-7
    assert fisher_freeman_halton([[2, 2, 2], [2, 2, 2]]) == pytest.approx(1.0, rel=1e-12)
    assert round(fisher_freeman_halton(JOB), 4) == 0.7827


def test_reproducible_and_accepts_common_inputs():
    # The point of the module: the same table always gives the same number.
    first = fisher_freeman_halton(JOB)
    assert all(fisher_freeman_halton(JOB) == first for _ in range(3))
    assert fisher_freeman_halton(np.array(JOB, dtype=np.int32)) == first
    assert fisher_freeman_halton(np.array(JOB, dtype=float)) == first
    assert fisher_freeman_halton(pd.DataFrame(JOB)) == first


def test_cheap_lower_bounds_never_exceed_the_count():
    from dmp_survey.stats.exact import _block_lower_bound, _box_lower_bound

    rng = np.random.default_rng(11)
    checked = 0
    for _ in range(400):
        r, c = int(rng.integers(2, 5)), int(rng.integers(2, 6))
        x = rng.integers(0, 8, size=(r, c))
        rows, cols = [int(v) for v in x.sum(axis=1)], [int(v) for v in x.sum(axis=0)]
        if min(rows) == 0 or min(cols) == 0:
            continue
        n = count_tables(rows, cols)
        assert _block_lower_bound(rows, cols) <= n
        assert _box_lower_bound(rows, cols) <= n
        checked += 1
    assert checked > 300


def test_large_n_tables_are_refused_by_the_cheap_bounds():
    # 2 x 3 with a million respondents: the box around the expected table
    # alone holds far more than the limit.
    from dmp_survey.stats.exact import _box_lower_bound

    rows, cols = [600_000, 400_000], [450_000, 350_000, 200_000]
    assert _box_lower_bound(rows, cols) > 5_000_000
    with pytest.raises(ExactTooLarge, match="at least"):
        fisher_freeman_halton(
            [[300_000, 200_000, 100_000], [150_000, 150_000, 100_000]], max_tables=5_000_000
        )


# ------------------------------------------ survey-sized tables (n <= 500)

# R 4.2.2: sprintf("%.17g", fisher.test(m, workspace = 2e8)$p.value), R's
# matrix(v, nr) filled by column -- the tables below are written row by row.
SURVEY_SIZED = [
    # m <- matrix(c(15,5,4, 5,12,8, 5,8,15, 8,8,10), 3)  -> printed p-value = 0.01082
    ([[15, 5, 5, 8], [5, 12, 8, 8], [4, 8, 15, 10]], 0.010821892848348967),
    # m <- rbind(c(40,45,38,52,41,30), c(55,42,48,35,40,34))   (2 x 6, n = 500; R 0.24 s)
    ([[40, 45, 38, 52, 41, 30], [55, 42, 48, 35, 40, 34]], 0.21480739940667126),
    # m <- rbind(c(30,25,20,18), c(22,30,28,20), c(15,25,30,37))   (3 x 4, n = 300; R 3.5 s)
    ([[30, 25, 20, 18], [22, 30, 28, 20], [15, 25, 30, 37]], 0.019747857856960416),
    # m <- rbind(c(25,20,15,12,8), c(20,22,18,15,10), c(12,18,20,22,18))   (3 x 5, n = 255; R 30 s)
    ([[25, 20, 15, 12, 8], [20, 22, 18, 15, 10], [12, 18, 20, 22, 18]], 0.12381452397942651),
    # m <- rbind(c(20,15,10,8), c(15,18,12,10), c(10,12,18,15), c(8,10,14,20))   (4 x 4, n = 215; R 271 s)
    ([[20, 15, 10, 8], [15, 18, 12, 10], [10, 12, 18, 15], [8, 10, 14, 20]], 0.03846874429516204),
    # m <- rbind(c(33,34,32,35,33), c(34,33,35,32,33), c(33,33,33,34,33))   (3 x 5, n = 500; R 0.17 s)
    ([[33, 34, 32, 35, 33], [34, 33, 35, 32, 33], [33, 33, 33, 34, 33]], 0.99998490430693476),
    # m <- rbind(c(31,32,30,32), c(32,31,32,30), c(30,32,31,32), c(32,30,32,31))   (4 x 4, n = 500; R 0.6 s)
    ([[31, 32, 30, 32], [32, 31, 32, 30], [30, 32, 31, 32], [32, 30, 32, 31]], 0.99999193163028699),
]


@pytest.mark.parametrize(("table", "expected"), SURVEY_SIZED)
def test_survey_sized_tables_match_r(table: list[list[int]], expected: float):
    p = fisher_freeman_halton(table)
    assert p == pytest.approx(expected, rel=1e-6)


def test_three_by_four_prints_r_digits():
    # R: fisher.test(matrix(c(15,5,4, 5,12,8, 5,8,15, 8,8,10), 3)) -> p-value = 0.01082
    p = fisher_freeman_halton([[15, 5, 5, 8], [5, 12, 8, 8], [4, 8, 15, 10]])
    assert f"{p:.4g}" == "0.01082"
    assert p == pytest.approx(0.010821892848348967, rel=1e-9)


def test_no_default_bound_on_the_number_of_tables():
    # About 1e27 tables share these margins (5 x 5, n = 500); R's FEXACT
    # stops ("The algorithm cannot proceed", workspace = 2e8).  The mode
    # itself: p = 1 up to rounding.
    p = fisher_freeman_halton(np.full((5, 5), 20))
    assert p == pytest.approx(1.0, abs=1e-12)


# ------------------------------------------------------------ Monte Carlo


def test_monte_carlo_is_seeded_named_and_close_to_exact():
    t = [[15, 5, 5, 8], [5, 12, 8, 8], [4, 8, 15, 10]]
    res = fisher_freeman_halton_monte_carlo(t, n_resamples=20_000, seed=42)
    assert isinstance(res, MonteCarloP)
    p, se, seed, n = res  # unpacks as (p, standard_error, seed, n)
    assert (seed, n) == (42, 20_000)
    assert se == pytest.approx(math.sqrt(p * (1 - p) / n))
    assert "Monte Carlo" in res.test and "not exact" in res.test
    # the same seed gives the same estimate; the estimate is near the exact value
    assert fisher_freeman_halton_monte_carlo(t, n_resamples=20_000, seed=42) == res
    assert abs(p - 0.010821892848348967) < 5 * se
    assert fisher_freeman_halton_monte_carlo([[3, 4, 5]], 100, 1).pvalue == 1.0
    with pytest.raises(ValueError):
        fisher_freeman_halton_monte_carlo(t, n_resamples=0)


def test_monte_carlo_on_more_respondents_than_a_batch_holds():
    # A 2 x 4 table of 10^6 respondents: SciPy 1.17's fisher_exact(method=
    # MonteCarloMethod(...)) takes a batch of 100 000 tables (800 000 numbers,
    # fewer than n) for one table and raises; the estimate must come out,
    # identical to SciPy's where SciPy works (the small table of the test
    # above: the same seed gives SciPy's value).
    from scipy.stats import MonteCarloMethod, fisher_exact

    big = [[3000, 40000, 50000, 7000], [30000, 400000, 450000, 20000]]
    res = fisher_freeman_halton_monte_carlo(big, n_resamples=2_000, seed=7)
    assert 0.0 < res.pvalue <= 1.0
    small = np.array([[15, 5, 5, 8], [5, 12, 8, 8], [4, 8, 15, 10]])
    scipy_p = fisher_exact(
        small, method=MonteCarloMethod(n_resamples=3_000, batch=3_000, rng=np.random.default_rng(3))
    ).pvalue
    assert fisher_freeman_halton_monte_carlo(small, n_resamples=3_000, seed=3).pvalue == scipy_p
