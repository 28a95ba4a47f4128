"""Effect sizes for contingency tables.

Only what SciPy computes is used here: the conditional maximum likelihood
odds ratio and its exact confidence interval come from
:func:`scipy.stats.contingency.odds_ratio` (``kind="conditional"``), the
same estimate and interval as R's ``fisher.test`` for a 2 x 2 table.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy.stats.contingency import odds_ratio

__all__ = ["OddsRatio", "odds_ratio_conditional"]

#: Name of the method, as it travels with every estimate.
CONDITIONAL_MLE = "conditional MLE (Fisher), exact 95% CI"


@dataclass(frozen=True)
class OddsRatio:
    """An odds ratio with its confidence interval.

    Attributes
    ----------
    estimate : float
        The odds ratio; ``inf`` or ``0.0`` when a zero cell makes it so
        (never NaN for a table with two non-empty rows and columns).
    ci_low, ci_high : float
        Bounds of the confidence interval (``ci_high`` may be ``inf``,
        ``ci_low`` may be ``0.0``).
    confidence_level : float
        Confidence level of the interval (0.95 by default).
    method : str
        Name of the estimator and interval.
    """

    estimate: float
    ci_low: float
    ci_high: float
    confidence_level: float
    method: str


def odds_ratio_conditional(table2x2: ArrayLike, confidence_level: float = 0.95) -> OddsRatio:
    """Conditional maximum likelihood odds ratio with its exact interval.

    Direction: the table's rows are ``(group, rest)`` and its columns
    ``(yes, no)``; the result is the odds of "yes" (versus "no") in the
    group divided by the odds of "yes" in the rest, i.e. for
    ``[[a, b], [c, d]]`` an estimate of ``(a / b) / (c / d)``.  It is the
    conditional MLE (the non-central hypergeometric estimate), not the
    sample ratio ``a d / (b c)``, and it equals R's
    ``fisher.test(matrix(c(a, c, b, d), 2))$estimate``, with its
    ``conf.int``.

    Parameters
    ----------
    table2x2 : array_like
        2 x 2 array of non-negative integer counts, rows ``(group, rest)``,
        columns ``(yes, no)``.
    confidence_level : float, optional
        Confidence level of the interval, 0.95 by default.

    Returns
    -------
    OddsRatio
        Fields ``estimate``, ``ci_low``, ``ci_high``, ``confidence_level``
        and ``method``.  A zero in the ``b`` or ``c`` cell gives
        ``estimate = inf`` (``ci_high = inf``); a zero in ``a`` or ``d``
        gives ``estimate = 0.0`` (``ci_low = 0.0``).  A table with an empty
        row or column carries no information: SciPy returns NaN, kept as is.

    Raises
    ------
    ValueError
        If the table is not 2 x 2 or holds negative or non-integer counts.

    Examples
    --------
    >>> odds_ratio_conditional([[4, 0], [54, 6]]).estimate
    inf
    """
    t = np.asarray(table2x2)
    if t.shape != (2, 2):
        raise ValueError(f"table2x2 must have shape (2, 2), got {t.shape}")
    if not np.issubdtype(t.dtype, np.number) or t.dtype == np.bool_:
        raise ValueError("table2x2 must hold integer counts")
    if not np.all(np.isfinite(t)) or np.any(t < 0) or not np.all(t == np.round(t)):
        raise ValueError("table2x2 must hold non-negative integer counts")
    t = t.astype(np.int64)
    if _support_size(t) > LARGE_SUPPORT and (t.sum(axis=0) > 0).all() and (t.sum(axis=1) > 0).all():
        estimate, low, high = _conditional_large(t, confidence_level)
    else:
        res = odds_ratio(t, kind="conditional")
        ci = res.confidence_interval(confidence_level=confidence_level)
        estimate, low, high = float(res.statistic), float(ci.low), float(ci.high)
    return OddsRatio(
        estimate=estimate,
        ci_low=low,
        ci_high=high,
        confidence_level=float(confidence_level),
        method=CONDITIONAL_MLE,
    )


#: Above this many possible values of the first cell, the estimate and its
#: interval are computed by :func:`_conditional_large` (R's own way) rather
#: than by SciPy: SciPy sums the non-central hypergeometric distribution one
#: value at a time in Python, minutes for one 2 x 2 table of 10^5
#: respondents, hours for a run of 10^6. Every table of a few thousand
#: respondents or fewer (the tests pinned to R, any real survey) keeps
#: SciPy's path and its exact bytes.
LARGE_SUPPORT = 2000


def _support_size(t: np.ndarray) -> int:
    m, n, k = int(t[:, 0].sum()), int(t[:, 1].sum()), int(t[0].sum())
    return min(k, m) - max(0, k - n) + 1


def _conditional_large(t: np.ndarray, confidence_level: float) -> tuple[float, float, float]:
    """Conditional MLE and exact interval as R's ``fisher.test`` computes them.

    R (``fisher.test``, 2 x 2 branch) takes the log hypergeometric
    probabilities of the whole support once (``logdc``) and gets the
    non-central distribution for an odds ratio ``psi`` as
    ``exp(logdc + log(psi) * support)``, normalised (``dnhyper``). Here
    ``logdc`` is the running sum of the log ratios of consecutive
    probabilities (the distribution is log-concave: the ratios decrease), so
    that for any ``psi`` the mode is a binary search and only the values
    within ``exp(-800)`` of it, the ones that do not underflow, are summed:
    a few thousand numbers per evaluation whatever ``n``. The roots are found
    as SciPy's :func:`scipy.stats.contingency.odds_ratio` finds them (its
    ``_solve``: doubling or halving from 1, then Brent with ``xtol =
    1e-13``); the two paths agree to about 1e-11 (relative).
    """
    import bisect

    from scipy.optimize import brentq

    x = int(t[0, 0])
    m, n, k = int(t[:, 0].sum()), int(t[:, 1].sum()), int(t[0].sum())
    lo, hi = max(0, k - n), min(k, m)
    # Two arrays the size of the support are kept (up to 10^7 values at 10^7
    # respondents), the others computed in place: the same values as
    # ``log(m - s) + log(k - s) - log(s + 1) - log(n - k + s + 1)``.
    s = np.arange(lo, hi, dtype=np.float64)
    # log P(s + 1) - log P(s) of the central hypergeometric, s = lo .. hi-1
    step = np.log(m - s)
    step += np.log(k - s)
    step -= np.log(s + 1.0)
    step -= np.log(n - k + s + 1.0)
    del s
    logdc = np.empty(len(step) + 1)
    logdc[0] = 0.0
    np.cumsum(step, out=logdc[1:])
    # The closures below read the arrays from this list, emptied at the end.
    arrays = [logdc, np.negative(step, out=step)]  # log P(s) - log P(lo); its steps negated, increasing
    del step, logdc
    last = hi - lo
    xi = x - lo

    def dnhyper(psi: float) -> tuple[int, np.ndarray]:
        logdc, neg_step = arrays
        log_psi = math.log(psi)
        # mode: the number of steps still rising, log ratio + log(psi) > 0
        mode = int(np.searchsorted(neg_step, log_psi, side="left"))
        top = float(logdc[mode]) + mode * log_psi

        def d(i: int) -> float:
            return float(logdc[i]) + i * log_psi - top

        first = bisect.bisect_left(range(mode + 1), -800.0, key=d)
        stop = mode + bisect.bisect_left(range(last - mode + 1), 800.0, key=lambda j: -d(mode + j))
        w = logdc[first:stop] + log_psi * np.arange(first, stop, dtype=np.float64)
        w = np.exp(w - w.max())
        return first, w / w.sum()

    def mean(psi: float) -> float:
        first, p = dnhyper(psi)
        return float(np.arange(lo + first, lo + first + len(p), dtype=np.float64) @ p)

    def upper_tail(psi: float) -> float:  # P(X >= x)
        first, p = dnhyper(psi)
        return float(p[max(xi - first, 0) :].sum()) if xi < first + len(p) else 0.0

    def lower_tail(psi: float) -> float:  # P(X <= x)
        first, p = dnhyper(psi)
        return float(p[: max(xi - first + 1, 0)].sum())

    def solve(func: Any) -> float:
        nc = 1.0
        value = func(nc)
        if value == 0:
            return nc
        if value > 0:
            nc /= 2.0
            while func(nc) > 0:
                nc /= 2.0
            a, b = nc, 2.0 * nc
        else:
            nc *= 2.0
            while func(nc) < 0:
                nc *= 2.0
            a, b = nc / 2.0, nc
        return float(brentq(func, a, b, xtol=1e-13))

    alpha = 0.5 * (1.0 - confidence_level)
    if x == lo:
        estimate = 0.0
    elif x == hi:
        estimate = math.inf
    else:
        estimate = solve(lambda psi: mean(psi) - x)
    low = 0.0 if x == lo else solve(lambda psi: upper_tail(psi) - alpha)
    high = math.inf if x == hi else solve(lambda psi: alpha - lower_tail(psi))
    # SciPy's root finder keeps each function it was given in a reference
    # cycle (a wrapper that refers to itself), freed only by the cyclic
    # garbage collector: the closures above would keep both arrays alive
    # until then, 29 tables' worth on a large run. Let go here.
    arrays.clear()
    return estimate, low, high
