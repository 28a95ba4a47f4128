"""Trend tests for ordered answers (asymptotic, two-sided).

* :func:`linear_by_linear` -- the linear-by-linear association test of an
  r x c table with row and column scores: SPSS CROSSTABS' "Linear-by-Linear
  Association", R's ``coin::lbl_test`` (asymptotic).  Statistic
  ``M^2 = (N - 1) r^2`` (``r`` the Pearson correlation of the scores over the
  N respondents), chi-square with 1 df.  Computed by statsmodels
  (:meth:`statsmodels.stats.contingency_tables.Table.test_ordinal_association`,
  whose null variance is the permutation one, with ``N - 1``).
* :func:`cochran_armitage` -- the Cochran--Armitage test for trend in
  proportions over the ordered columns of a 2 x k table.  By default with the
  binomial variance (``N`` in the denominator), the variance of R's
  ``prop.trend.test`` and of ``DescTools::CochranArmitageTest``
  (``z = sum(x1 (R - Rbar)) / sqrt(p (1 - p) sum(n (R - Rbar)^2))``);
  ``variance="hypergeometric"`` gives the ``N - 1`` version, which is the
  linear-by-linear test of the 2 x k table (``coin::lbl_test``).  The two
  statistics differ by the factor ``N / (N - 1)``.

Both return a :class:`TrendTest` whose ``test`` field names the test, so the
name travels with the p-value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.stats import norm
from statsmodels.stats.contingency_tables import Table

__all__ = ["TrendTest", "cochran_armitage", "linear_by_linear"]

LINEAR_BY_LINEAR = "linear-by-linear association, asymptotic two-sided (chi-square 1 df)"
COCHRAN_ARMITAGE = {
    "binomial": "Cochran-Armitage trend, binomial variance (R prop.trend.test), two-sided",
    "hypergeometric": (
        "Cochran-Armitage trend, hypergeometric variance (N - 1; = linear-by-linear), two-sided"
    ),
}


@dataclass(frozen=True)
class TrendTest:
    """Result of a trend test.

    Attributes
    ----------
    test : str
        Name of the test (travels with the p-value).
    statistic : float
        Chi-square statistic with 1 df (``z ** 2``); NaN when not computable.
    z : float
        Signed standardised statistic: positive when higher row scores go
        with higher column scores (for :func:`cochran_armitage`, when the
        proportion of the first row increases with the column score).
    df : int
        Degrees of freedom (1).
    pvalue : float
        Two-sided asymptotic p-value; NaN when not computable (fewer than
        two non-empty rows or columns: the scores have no variance).
    n : int
        Number of respondents ``N``.
    row_scores, col_scores : tuple of float
        Scores used (for :func:`cochran_armitage`, ``row_scores`` is empty).
    """

    test: str
    statistic: float
    z: float
    df: int
    pvalue: float
    n: int
    row_scores: tuple[float, ...]
    col_scores: tuple[float, ...]


def _as_table(table: ArrayLike) -> NDArray[np.float64]:
    t = np.asarray(table)
    if t.ndim != 2:
        raise ValueError(f"table must be two-dimensional, got ndim={t.ndim}")
    if t.dtype == np.bool_ or not np.issubdtype(t.dtype, np.number):
        raise ValueError("table must hold counts")
    if not np.all(np.isfinite(t)) or np.any(t < 0) or not np.all(t == np.round(t)):
        raise ValueError("table must hold non-negative integer counts")
    return t.astype(np.float64)


def _scores(scores: ArrayLike | None, k: int, name: str) -> NDArray[np.float64]:
    if scores is None:
        return np.arange(1, k + 1, dtype=np.float64)  # equally spaced 1..k
    s = np.asarray(scores, dtype=np.float64)
    if s.shape != (k,):
        raise ValueError(f"{name} must have length {k}, got shape {s.shape}")
    if not np.all(np.isfinite(s)):
        raise ValueError(f"{name} must be finite")
    return s


def _result(test: str, z: float, n: int, rs: NDArray[np.float64], cs: NDArray[np.float64]) -> TrendTest:
    scores = (tuple(rs.tolist()), tuple(cs.tolist()))
    if not np.isfinite(z):
        nan = float("nan")
        return TrendTest(test, nan, nan, 1, nan, n, *scores)
    p = float(2.0 * norm.sf(abs(z)))  # R: 2 * pnorm(abs(z), lower.tail = FALSE)
    return TrendTest(test, float(z * z), float(z), 1, p, n, *scores)


def linear_by_linear(
    table: ArrayLike, row_scores: ArrayLike | None = None, col_scores: ArrayLike | None = None
) -> TrendTest:
    """Linear-by-linear association test of an r x c table.

    ``M^2 = (N - 1) r^2`` where ``r`` is the Pearson correlation between row
    and column scores over the ``N`` respondents; asymptotically chi-square
    with 1 df under independence.  Identical to SPSS "Linear-by-Linear
    Association" and to R's ``coin::lbl_test(as.table(m))`` (asymptotic,
    ``statistic(t)^2``, ``pvalue(t)``).

    Parameters
    ----------
    table : array_like
        r x c array of counts (rows and columns both ordered).
    row_scores, col_scores : array_like, optional
        Scores of the rows and columns; default ``1..r`` and ``1..c``
        (equally spaced).  The test is invariant to linear transformations
        of either set of scores.

    Returns
    -------
    TrendTest
        Fields ``test``, ``statistic`` (``M^2``), ``z`` (signed ``M``),
        ``df`` (1), ``pvalue`` (two-sided), ``n``, ``row_scores``,
        ``col_scores``.

    Raises
    ------
    ValueError
        On a table that is not a 2-D array of non-negative integer counts,
        or scores of the wrong length.
    """
    t = _as_table(table)
    rs = _scores(row_scores, t.shape[0], "row_scores")
    cs = _scores(col_scores, t.shape[1], "col_scores")
    n = int(t.sum())
    if n < 2:
        return _result(LINEAR_BY_LINEAR, float("nan"), n, rs, cs)
    # shift_zeros=False: statsmodels would otherwise add 0.5 to every cell of
    # a table holding a zero.
    with np.errstate(divide="ignore", invalid="ignore"):
        res = Table(t, shift_zeros=False).test_ordinal_association(row_scores=rs, col_scores=cs)
    return _result(LINEAR_BY_LINEAR, float(res.zscore), n, rs, cs)


def cochran_armitage(
    table2xk: ArrayLike,
    scores: ArrayLike | None = None,
    variance: Literal["binomial", "hypergeometric"] = "binomial",
) -> TrendTest:
    """Cochran--Armitage test for a trend in proportions.

    Parameters
    ----------
    table2xk : array_like
        2 x k array of counts: row 0 the "events" (e.g. yes), row 1 the
        others, columns the k ordered levels.
    scores : array_like, optional
        Scores of the k columns; default ``1..k`` (equally spaced, as
        ``prop.trend.test`` and ``DescTools::CochranArmitageTest``).
    variance : {"binomial", "hypergeometric"}
        ``"binomial"`` (default): ``Var = p (1 - p) sum_j n_j (s_j - sbar)^2``
        with ``p`` the overall proportion of events, as R's
        ``prop.trend.test(x, n)`` (its chi-square equals ``z^2``) and
        ``DescTools::CochranArmitageTest``.  ``"hypergeometric"``: the same
        times ``N / (N - 1)``, the permutation variance; then the test is
        the linear-by-linear test of the table (``coin::lbl_test``).

    Returns
    -------
    TrendTest
        Fields ``test`` (names the variance), ``statistic`` (``z^2``), ``z``
        (positive when the proportion of row 0 increases with the score),
        ``df`` (1), ``pvalue`` (two-sided), ``n``, ``row_scores`` (empty),
        ``col_scores``.

    Raises
    ------
    ValueError
        If the table is not 2 x k, or on bad counts, scores or variance.
    """
    t = _as_table(table2xk)
    if t.shape[0] != 2:
        raise ValueError(f"table2xk must have two rows, got shape {t.shape}")
    if variance not in COCHRAN_ARMITAGE:
        raise ValueError(f"variance must be 'binomial' or 'hypergeometric', got {variance!r}")
    cs = _scores(scores, t.shape[1], "scores")
    name = COCHRAN_ARMITAGE[variance]
    n_j = t.sum(axis=0)
    n = float(n_j.sum())
    if n < 2:
        return _result(name, float("nan"), int(n), np.empty(0), cs)
    # Written out because statsmodels only has the N - 1 (hypergeometric)
    # variance; this is prop.trend.test's / DescTools' binomial one.
    s_bar = float(np.dot(n_j, cs)) / n
    p_bar = float(t[0].sum()) / n
    num = float(np.dot(t[0], cs - s_bar))
    var = p_bar * (1.0 - p_bar) * float(np.dot(n_j, (cs - s_bar) ** 2))
    if variance == "hypergeometric":
        var *= n / (n - 1.0)
    z = num / np.sqrt(var) if var > 0 else float("nan")
    return _result(name, float(z), int(n), np.empty(0), cs)
