"""Effect sizes for contingency tables.

Only what SciPy computes is used here: the conditional maximum likelihood
odds ratio and its exact confidence interval come from
:func:`scipy.stats.contingency.odds_ratio` (``kind="conditional"``), the
same estimate and interval as R's ``fisher.test`` for a 2 x 2 table.
"""

from __future__ import annotations

from dataclasses import dataclass

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
    res = odds_ratio(t.astype(np.int64), kind="conditional")
    ci = res.confidence_interval(confidence_level=confidence_level)
    return OddsRatio(
        estimate=float(res.statistic),
        ci_low=float(ci.low),
        ci_high=float(ci.high),
        confidence_level=float(confidence_level),
        method=CONDITIONAL_MLE,
    )
