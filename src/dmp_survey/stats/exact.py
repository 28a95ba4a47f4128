"""Exact conditional tests of independence for r x c contingency tables.

The two-sided Fisher exact test for 2 x 2 tables and its extension to
general r x c tables, the Fisher--Freeman--Halton test, are computed here
*exactly*: the p-value is the sum of the hypergeometric probabilities of all
tables with the observed margins that are not more probable than the observed
table (Freeman & Halton 1951).

Why this module exists: neither SciPy nor statsmodels provides the r x c test
exactly.  ``scipy.stats.fisher_exact`` accepts r x c tables (SciPy >= 1.15),
but for anything larger than 2 x 2 its default p-value is a Monte Carlo
estimate (``scipy.stats.random_table``) that changes from call to call
(0.7879, then 0.7809, with SciPy 1.17 for R's ``Job`` table, whose exact
value is 0.78268...).  A reproducible pipeline cannot print such a number, so
the exact test is written by hand below.  (For 2 x 2 tables SciPy is exact;
the tests use it as an independent check.)

Algorithm
---------
A network algorithm in the spirit of Mehta & Patel (1983):

* The table is oriented so that the shorter dimension is the "rows", and the
  columns are filled one at a time, smallest first (as in FEXACT).  A node
  of the network is the multiset of row totals still to be filled (kept
  sorted: the completions and their probabilities depend on it only).
* Each partial path carries its log "past" weight.  Paths reaching the same
  node with the same past weight (to 1e-9 in log scale) are merged.
* Bounds on the largest and smallest completion weight of every node decide
  whether *all* completions are at most as probable as the observed table
  (their total mass is known in closed form, ``m! / prod s_i!``, and is
  added at once), *none* is (the path is dropped), or the path must be
  extended.  The largest completion is computed exactly when two rows or
  two columns remain (a separable convex problem); otherwise row/column
  relaxations give valid bounds.
* All paths of a level are extended at once with numpy.  Rows of a node
  with equal totals are interchangeable, so only the fillings of the next
  column that are non-increasing within such rows are enumerated, each
  standing for its permutations (a multiplicity); the fillings are built in
  chunks and the child nodes identified by hashing.
* The past paths of a node are kept sorted by weight, so for each filling
  the paths whose completions all count form a prefix (their mass is read
  from a running log-sum), the undecided ones the next slice, and the rest
  are dropped: only the undecided (filling, path) pairs are built.
* With two columns left the completions of a node are enumerated at once
  with numpy and every past path at that node is settled (binary search in
  the sorted, cumulated weights, or one masked sum when the paths are few).
  A 2 x 2 table is settled in this single step.

All probabilities are handled as logarithms (``scipy.special.gammaln``);
sums of probabilities are formed by factoring out the largest term, adding
the scaled terms (numpy pairwise sums per node, ``math.fsum`` across nodes)
and never as ``1 - tail``.

Size
----
There is no default bound on the number of tables with the observed
margins (``max_tables`` can still set one, counted by :func:`count_tables`):
that number says little about the work (a 5 x 5 table with n = 500 has
about 1e27 tables and takes ~3.5 s).  Instead the work is counted as it is
done (column fillings, past paths, node bounds, final completions) and the
test stops with :class:`ExactTooLarge` once a fixed budget is spent
(``_WORK_BUDGET``; refusals took 0-10 s of CPU, usually 1-5 s), or earlier
when one level would need too much memory (peak about 1.2 GB).  The
budgets are counts, not times, so the same table is always computed or
always refused, whatever the machine load.
Refused tables can be given a seeded Monte Carlo estimate,
:func:`fisher_freeman_halton_monte_carlo`, reported under its own name.

Measured (CPython 3.11, numpy 2.4, 2 shared cores, CPU time): R's 3 x 4
example with p = 0.01082 in 0.03 s; 2 x 6 with n = 500 0.02 s; 3 x 4 with
n = 300 0.2 s; 3 x 5 with n = 255 0.6 s; 4 x 4 with n = 215 4.6 s (R's
``fisher.test`` needs 271 s); 3 x 5 with n = 500 (skewed margins) 5 s
(R: more than 300 s); 5 x 5 with n = 500, all cells 20, 3.4 s (R's FEXACT
stops).  On 52 random tables with n = 500 (4 per shape: near
independence or associated, even or skewed margins): all 2 x 3, 2 x 5,
3 x 3 and 3 x 4 tables were exact (at most 1.7 s), 3 of 4 2 x 8, 1 of 4
2 x 12 and 2 of 4 3 x 5 tables (at most 2.9 s); every 3 x 6, 4 x 4, 4 x 5,
4 x 6, 5 x 5 and 6 x 6 table was refused.  For those, report the Monte
Carlo estimate.

References
----------
Freeman, G. H. & Halton, J. H. (1951).  Note on an exact treatment of
contingency, goodness of fit and other problems of significance.
*Biometrika* 38, 141-149.

Mehta, C. R. & Patel, N. R. (1983).  A network algorithm for performing
Fisher's exact test in r x c contingency tables.  *JASA* 78, 427-434.

R Core Team, ``stats::fisher.test`` (R sources ``fisher.test.R`` and
``fexact.c``).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "REL_TOL",
    "ExactTooLarge",
    "MonteCarloP",
    "count_tables",
    "fisher_freeman_halton",
    "fisher_freeman_halton_monte_carlo",
]

#: Relative tolerance for "at most as probable as the observed table".
#: A table counts towards the p-value when its probability is
#: ``<= p_observed * (1 + REL_TOL)``.  This is the ``relErr <- 1 + 10^(-7)``
#: of R's ``fisher.test`` (two-sided 2 x 2 branch, ``fisher.test.R``); it
#: absorbs rounding noise so that tables tied with the observed one in exact
#: arithmetic are counted.  (R's r x c branch, FEXACT in ``fexact.c``, uses
#: an additive log tolerance ``TOL = 3.45254e-7`` instead; the two rules
#: differ only for tables whose probability ratio to the observed one lies in
#: (1 + 1e-7, 1 + 3.45e-7], which does not happen in the published examples.)
REL_TOL: float = 1e-7

# Past path weights closer than this (in log scale, i.e. relative 1e-9 in
# probability) are merged.  Rounding noise in a log weight is ~1e-12, so
# equal weights always merge; FEXACT merges within 3.45e-7.
_MERGE_TOL: float = 1e-9

# Largest number of fillings enumerated at once by one counting stage
# (count_tables) or for one final node of the test; beyond it the
# computation is refused (ExactTooLarge) rather than risk time and memory.
_ENUM_BUDGET: int = 2_000_000

# Largest number of column fillings (before the symmetry reduction; counted
# r/3 times each with r > 3 rows) that one network level may enumerate, in
# chunks of ``_CHUNK``; beyond it the exact test is refused (ExactTooLarge).
_LEVEL_BUDGET: int = 20_000_000
_CHUNK: int = 1_000_000

# Further work bounds of the network (ExactTooLarge beyond them): past paths
# kept at one level, distinct nodes whose bounds are computed at one level
# (weighted by their cost when it grows with n), and completions enumerated
# over all nodes with two columns left.
_PATH_BUDGET: int = 20_000_000
_NODE_BUDGET: int = 200_000
_FINAL_BUDGET: int = 30_000_000

# Total work of one exact test, in units of roughly 0.1-0.2 us of CPU on the
# development machine (one column filling, one final completion; a past path
# built counts 3, a node bound 100): the exact test stops, with
# ExactTooLarge, once this is spent, so a refusal costs at most a few
# seconds (up to ~10 s of CPU measured).
_WORK_BUDGET: int = 45_000_000

_IntArray = NDArray[np.int64]
_FloatArray = NDArray[np.float64]


class ExactTooLarge(Exception):
    """The exact test was refused because it is beyond reach.

    Raised by :func:`fisher_freeman_halton` when its work budget is spent
    (see the module docstring, "Size"), or when ``max_tables`` is given and
    the number of tables with the observed margins (see
    :func:`count_tables`) exceeds it.  The caller may then report
    :func:`fisher_freeman_halton_monte_carlo`, under its own name.
    """


class _OverBudget(Exception):
    """A work or memory budget would be exceeded (internal)."""


# --------------------------------------------------------------- validation


def _as_count_table(table: ArrayLike) -> _IntArray:
    """Validate a contingency table and return it as an int64 array.

    Parameters
    ----------
    table : array_like
        Two-dimensional array of non-negative integer counts.  Floats are
        accepted when they are integral (e.g. ``3.0``).

    Returns
    -------
    numpy.ndarray
        The counts as ``int64``.

    Raises
    ------
    ValueError
        If the input is not two-dimensional, not numeric, not integral,
        not finite or negative.
    """
    arr = np.asarray(table)
    if arr.ndim != 2:
        raise ValueError(f"table must be two-dimensional, got ndim={arr.ndim}")
    if arr.dtype == np.bool_ or not (
        np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)
    ):
        raise ValueError(f"table must hold integer counts, got dtype {arr.dtype}")
    if np.issubdtype(arr.dtype, np.floating):
        if not np.all(np.isfinite(arr)):
            raise ValueError("table contains non-finite values")
        if not np.all(arr == np.round(arr)):
            raise ValueError("table contains non-integer values")
    if np.any(arr < 0):
        raise ValueError("table contains negative counts")
    return arr.astype(np.int64)


def _as_margin(values: Iterable[Any] | ArrayLike, name: str) -> list[int]:
    """Validate a vector of margins (non-negative integers)."""
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional")
    if arr.size and not (
        np.issubdtype(arr.dtype, np.integer)
        or (np.issubdtype(arr.dtype, np.floating) and np.all(arr == np.round(arr)))
    ):
        raise ValueError(f"{name} must hold non-negative integers")
    if arr.dtype == np.bool_:
        raise ValueError(f"{name} must hold non-negative integers")
    if np.any(arr < 0):
        raise ValueError(f"{name} contains negative values")
    return [int(v) for v in arr.tolist()]


# ------------------------------------------------------ combinatorial tools


def _compositions(total: int, caps: _IntArray) -> _IntArray:
    """All integer vectors ``x`` with ``0 <= x <= caps`` and ``sum(x) == total``.

    Parameters
    ----------
    total : int
        Required sum; must satisfy ``0 <= total <= caps.sum()``.
    caps : numpy.ndarray
        Upper bounds, one per part.

    Returns
    -------
    numpy.ndarray
        Array of shape ``(number of vectors, len(caps))``, built part by
        part with vectorised ``repeat``/``arange`` (no Python loop over the
        vectors themselves).
    """
    r = int(caps.shape[0])
    after = np.zeros(r, dtype=np.int64)  # sum of the caps after part i
    if r > 1:
        after[:-1] = np.cumsum(caps[::-1])[::-1][1:]
    parts = np.zeros((1, r), dtype=np.int64)
    rem = np.array([total], dtype=np.int64)
    for i in range(r - 1):
        lo = np.maximum(0, rem - after[i])
        hi = np.minimum(caps[i], rem)
        cnt = hi - lo + 1
        idx = np.repeat(np.arange(rem.shape[0]), cnt)
        start = np.cumsum(cnt) - cnt
        xi = lo[idx] + (np.arange(idx.shape[0]) - np.repeat(start, cnt))
        parts = parts[idx]
        parts[:, i] = xi
        rem = rem[idx] - xi
    parts[:, r - 1] = rem
    return parts


def _count_compositions(total: int, caps: Sequence[int]) -> int:
    """Number of integer vectors with ``0 <= x_i <= caps[i]`` summing to ``total``.

    Exact.  A prefix-sum convolution, in numpy ``int64`` when the result
    provably fits (at most ``comb(total + r - 1, r - 1)``), otherwise with
    Python integers.
    """
    r = len(caps)
    if math.comb(total + r - 1, max(r - 1, 0)) < 2**62:
        ways = np.zeros(total + 1, dtype=np.int64)
        ways[0] = 1
        for cap in caps:
            prefix = np.concatenate(([0], np.cumsum(ways)))
            t = np.arange(total + 1)
            ways = prefix[t + 1] - prefix[np.maximum(0, t - cap)]
        return int(ways[total])
    ways_py = [1] + [0] * total
    for cap in caps:
        prefix_py = [0]
        for w in ways_py:
            prefix_py.append(prefix_py[-1] + w)
        ways_py = [prefix_py[t + 1] - prefix_py[max(0, t - cap)] for t in range(total + 1)]
    return ways_py[total]


def _compositions_batch(total: int, caps: _IntArray) -> tuple[_IntArray, _IntArray]:
    """All bounded compositions of ``total`` for every row of ``caps`` at once.

    Returns ``(parent, x)``: ``x[k]`` satisfies ``0 <= x[k] <= caps[parent[k]]``
    and ``x[k].sum() == total``.  Rows of ``caps`` that cannot hold
    ``total`` contribute nothing.
    """
    n_par, r = caps.shape
    after = np.zeros_like(caps)
    if r > 1:
        after[:, :-1] = np.cumsum(caps[:, ::-1], axis=1)[:, ::-1][:, 1:]
    parent = np.arange(n_par, dtype=np.int64)
    rem = np.full(n_par, total, dtype=np.int64)
    cols: list[_IntArray] = []
    for i in range(r - 1):
        lo = np.maximum(0, rem - after[parent, i])
        hi = np.minimum(caps[parent, i], rem)
        cnt = np.maximum(hi - lo + 1, 0)
        idx = np.repeat(np.arange(rem.shape[0]), cnt)
        xi = lo[idx] + (np.arange(idx.shape[0]) - np.repeat(np.cumsum(cnt) - cnt, cnt))
        cols = [c[idx] for c in cols] + [xi]
        parent = parent[idx]
        rem = rem[idx] - xi
    ok = rem <= caps[parent, r - 1]
    x = np.stack([c[ok] for c in cols] + [rem[ok]], axis=1) if r > 1 else rem[ok, None]
    return parent[ok], x.astype(np.int64)


def _sort_rows(arr: _IntArray) -> _IntArray:
    """Sort each row of a narrow 2-D array (ascending).

    Odd-even transposition network on the columns: ``r`` passes of
    vectorised min/max, several times faster than ``np.sort(axis=1)`` for
    the few columns (rows of the table) used here.
    """
    r = arr.shape[1]
    if r > 8:
        return np.sort(arr, axis=1)
    cols = [arr[:, i].copy() for i in range(r)]
    for step in range(r):
        for i in range(step % 2, r - 1, 2):
            lo = np.minimum(cols[i], cols[i + 1])
            cols[i + 1] = np.maximum(cols[i], cols[i + 1])
            cols[i] = lo
    return np.stack(cols, axis=1)


def _canonical_fillings(total: int, caps: _IntArray) -> tuple[_IntArray, _IntArray, _FloatArray]:
    """Fillings of one column, up to permutations of rows with equal totals.

    For each row ``caps[p]`` (remaining row totals, sorted ascending), all
    ``x`` with ``0 <= x <= caps[p]``, ``sum(x) == total`` and ``x``
    non-increasing within every run of equal caps.  Every other filling is a
    permutation of one of these within the runs, which gives the same child
    node (as a multiset) and the same weight; ``mult`` counts them
    (``prod_runs len! / prod_values count!``).  The lower bound of each part
    accounts for the parts after it (same run: at most ``x_i`` each; later
    runs: at most their caps), so every partial filling extends and nothing
    is filtered at the end.

    Returns
    -------
    parent, x, mult : numpy.ndarray
        Row of ``caps`` of each filling, the fillings ``(K, r)`` and their
        multiplicities (float).
    """
    n_par, r = caps.shape
    # same run as the previous / next part, parts left in the run, caps of later runs
    tied_prev = np.zeros((n_par, r), dtype=bool)
    tied_prev[:, 1:] = caps[:, 1:] == caps[:, :-1]
    left_in_run = np.zeros((n_par, r), dtype=np.int64)
    for i in range(r - 2, -1, -1):
        left_in_run[:, i] = np.where(tied_prev[:, i + 1], left_in_run[:, i + 1] + 1, 0)
    suffix = np.zeros((n_par, r + 1), dtype=np.int64)
    suffix[:, :r] = np.cumsum(caps[:, ::-1], axis=1)[:, ::-1]
    after_run = suffix[np.arange(n_par)[:, None], np.arange(r)[None, :] + left_in_run + 1]
    parent = np.arange(n_par, dtype=np.int64)
    rem = np.full(n_par, total, dtype=np.int64)
    prev = np.full(n_par, total, dtype=np.int64)
    cols: list[_IntArray] = []
    for i in range(r - 1):
        k = left_in_run[parent, i]
        # rem - x <= k * x + after_run  ->  x >= ceil((rem - after_run) / (k + 1))
        lo = np.maximum(0, -((after_run[parent, i] - rem) // (k + 1)))
        hi = np.minimum(caps[parent, i], rem)
        hi = np.where(tied_prev[parent, i], np.minimum(hi, prev), hi)
        cnt = np.maximum(hi - lo + 1, 0)
        idx = np.repeat(np.arange(rem.shape[0]), cnt)
        xi = lo[idx] + (np.arange(idx.shape[0]) - np.repeat(np.cumsum(cnt) - cnt, cnt))
        cols = [c[idx] for c in cols] + [xi]
        parent = parent[idx]
        rem = rem[idx] - xi
        prev = xi
    x = np.stack([*cols, rem], axis=1) if r > 1 else rem[:, None]
    # multiplicity: prod over parts of (position in run) / (position in run of equal values)
    tp = tied_prev[parent]
    num = np.ones(x.shape[0], dtype=np.int64)
    den = np.ones(x.shape[0], dtype=np.int64)
    k_run = np.ones(x.shape[0], dtype=np.int64)
    j_run = np.ones(x.shape[0], dtype=np.int64)
    for i in range(1, r):
        same = tp[:, i]
        k_run = np.where(same, k_run + 1, 1)
        j_run = np.where(same & (x[:, i] == x[:, i - 1]), j_run + 1, 1)
        num *= k_run
        den *= j_run
    return parent, x.astype(np.int64), (num // den).astype(np.float64)


def _count_compositions_batch(total: int, caps: _IntArray) -> _IntArray:
    """Bounded-composition counts for every row of ``caps`` (inclusion-exclusion).

    ``N = sum_S (-1)^|S| C(total - sum_{i in S} (caps_i + 1) + r - 1, r - 1)``
    over subsets ``S`` of the parts.  int64 arithmetic; the caller must
    ensure ``r * C(total + r - 1, r - 1) < 2**62`` (terms are then exact, and
    the alternating sum is exact modulo 2**64, hence exact).
    """
    n_par, r = caps.shape
    masks = (np.arange(2**r)[:, None] >> np.arange(r)[None, :]) & 1
    sign = np.where(masks.sum(axis=1) % 2 == 0, 1, -1).astype(np.int64)
    out = np.zeros(n_par, dtype=np.int64)
    step = max(1, 2**22 // 2**r)
    for k0 in range(0, n_par, step):
        t = total - (caps[k0 : k0 + step] + 1) @ masks.T
        val = np.ones_like(t)
        tt = np.maximum(t, 0)
        for j in range(1, r):
            val = val * (tt + j) // j
        val[t < 0] = 0
        out[k0 : k0 + step] = (val * sign[None, :]).sum(axis=1)
    return out


def _row_codes(arr: _IntArray) -> _IntArray:
    """One integer per row, equal iff the rows are equal.

    Mixed-radix code when it fits in int64, otherwise ranks from
    ``numpy.unique(axis=0)``.
    """
    base = int(arr.max(initial=0)) + 1
    width = arr.shape[1]
    if base**width < 2**62:
        powers = np.array([base**i for i in range(width)], dtype=np.int64)
        return arr @ powers
    _, inverse = np.unique(arr, axis=0, return_inverse=True)
    return inverse.reshape(-1).astype(np.int64)


def _group_pairs(child: _IntArray, cells: _IntArray) -> tuple[_IntArray, _IntArray, _IntArray, _IntArray]:
    """Group the rows of ``(child, cells)``.

    Returns the index of one member of each group, the group sizes, the
    child index of each group, and for each distinct child the position
    (in the group list) of one group having it.
    """
    k1 = _row_codes(child)
    k2 = _row_codes(cells)
    order = np.lexsort((k2, k1))
    s1, s2 = k1[order], k2[order]
    new = np.ones(order.shape[0], dtype=bool)
    new[1:] = (s1[1:] != s1[:-1]) | (s2[1:] != s2[:-1])
    starts = np.flatnonzero(new)
    mult = np.diff(np.append(starts, order.shape[0])).astype(np.int64)
    g1 = s1[starts]
    new_child = np.ones(g1.shape[0], dtype=bool)
    new_child[1:] = g1[1:] != g1[:-1]
    child_of_group = (np.cumsum(new_child) - 1).astype(np.int64)
    child_first = np.flatnonzero(new_child).astype(np.int64)
    return order[starts], mult, child_of_group, child_first


def _product_bound(rows: list[int], cols: list[int]) -> int:
    """Cheap upper bound of the number of tables (exact for two rows).

    Each row but the largest is a composition of its total capped by the
    column totals, chosen independently; the last row is then determined
    (when feasible).  The same holds with rows and columns exchanged, and
    the smaller product is returned.  With two rows the first row
    determines the table and every capped composition is feasible, so the
    bound is the count itself.
    """

    def one_way(caps: list[int], totals: list[int]) -> int:
        out = 1
        for g in sorted(totals)[:-1]:
            out *= _count_compositions(g, caps)
        return out

    return min(one_way(cols, rows), one_way(rows, cols))


def _feasible_table(rows: list[int], cols: list[int]) -> list[list[int]]:
    """A table with the given margins close to the expected one.

    ``floor(r_i c_j / n)`` plus the residual margins placed by the
    north-west corner rule.
    """
    n = sum(rows)
    table = [[r * c // n for c in cols] for r in rows]
    rr = [r - sum(row) for r, row in zip(rows, table, strict=True)]
    cc = [c - sum(table[i][j] for i in range(len(rows))) for j, c in enumerate(cols)]
    i = j = 0
    while i < len(rows) and j < len(cols):
        v = min(rr[i], cc[j])
        table[i][j] += v
        rr[i] -= v
        cc[j] -= v
        if rr[i] == 0:
            i += 1
        else:
            j += 1
    return table


def _block_lower_bound(rows: list[int], cols: list[int]) -> int:
    """A lower bound of the number of tables in O(r·c), whatever ``n``.

    Start from a table with these margins (:func:`_feasible_table`) and pair
    rows (0, 1), (2, 3)… and columns likewise into disjoint 2 x 2 blocks.
    In a block, moving ``t`` units around the cycle (+t, -t / -t, +t) keeps
    every margin, for ``t`` in a range of ``min(a, d) + min(b, c) + 1``
    values; moves in disjoint blocks combine freely, so the product of the
    ranges counts distinct tables. Cheap enough to run before the other
    bounds, whose cost grows with ``n`` (a 2 x 5 table with n = 10^6 is
    refused at once instead of after a second of counting).
    """
    table = _feasible_table(rows, cols)
    out = 1
    for i in range(0, len(rows) - 1, 2):
        for j in range(0, len(cols) - 1, 2):
            a, b = table[i][j], table[i][j + 1]
            c, d = table[i + 1][j], table[i + 1][j + 1]
            out *= min(a, d) + min(b, c) + 1
    return out


def _box_lower_bound(rows: list[int], cols: list[int]) -> int:
    """Another O(r·c) lower bound: a box of tables around a feasible one.

    Move each cell ``(i, j)`` outside the last row and column by
    ``|d_ij| <= h_ij``; the last column, last row and corner absorb the moves,
    so the margins hold. Every cell stays non-negative when ``h_ij <=
    x_ij`` and the moves summed along a row, a column and overall are no
    larger than the last-column cell, the last-row cell and the corner: the
    ``h_ij`` below ensure it, and the box holds ``prod (2 h_ij + 1)``
    distinct tables. The largest row and column are put last.
    """
    r_order = sorted(range(len(rows)), key=lambda i: rows[i])
    c_order = sorted(range(len(cols)), key=lambda j: cols[j])
    base = _feasible_table([rows[i] for i in r_order], [cols[j] for j in c_order])
    r, c = len(rows), len(cols)
    corner = base[r - 1][c - 1] // ((r - 1) * (c - 1))
    out = 1
    for i in range(r - 1):
        for j in range(c - 1):
            h = min(base[i][j], base[i][c - 1] // (c - 1), base[r - 1][j] // (r - 1), corner)
            out *= 2 * h + 1
    return out


def _lower_bound(rows: list[int], cols: list[int]) -> int:
    """Cheap lower bound of the number of tables.

    Take caps ``Y_ij >= 0`` for all columns but the largest, ``L``, with
    ``sum_j Y_ij <= r_i`` and ``sum_i Y_ij >= c_j``.  Any choice of columns
    ``x_j <= Y_j`` (``sum x_j = c_j``) then leaves a non-negative last column
    with the right total, and distinct choices are distinct tables, so
    ``count >= prod_j #{x_j : 0 <= x_j <= Y_j, sum x_j = c_j}``.  The caps
    are a table with these margins close to the expected one, with its
    column ``L`` spread over the other columns.  The same is done with rows
    and columns exchanged; the larger bound is returned.
    """

    def one_way(parts: list[int], totals: list[int]) -> int:
        order = sorted(range(len(totals)), key=lambda j: totals[j])
        last = order[-1]
        rest = order[:-1]
        table = _feasible_table(parts, totals)
        caps = [[table[i][j] for j in rest] for i in range(len(parts))]
        for i, row in enumerate(caps):  # spread column L's cells round-robin
            extra = table[i][last]
            k = len(rest) - 1
            while extra > 0:
                row[k] += 1
                extra -= 1
                k = k - 1 if k > 0 else len(rest) - 1
        out = 1
        for col, j in enumerate(rest):
            out *= _count_compositions(totals[j], [row[col] for row in caps])
        return out

    return max(one_way(rows, cols), one_way(cols, rows))


class _Context:
    """Margins (oriented, zero-free, columns ascending) and their log-factorials.

    Column ``k`` is filled at level ``k``; a node is the sorted tuple of row
    totals still to be filled.  Holds the table counting (``count``,
    ``excess_count``) and, for the Python-integer counting path, a cached
    per-node expansion (``expand``).
    """

    def __init__(self, rows: list[int], cols: list[int]) -> None:
        self.rows = rows
        self.cols = cols
        self._lf: _FloatArray | None = None
        self._lfl: list[float] | None = None
        self._expand_cache: dict[
            tuple[int, tuple[int, ...]],
            tuple[list[tuple[int, ...]], _IntArray, _FloatArray, _IntArray],
        ] = {}

    @property
    def lf(self) -> _FloatArray:
        """log k! for k = 0 … n + 1, built on first use: counting tables (and
        refusing a table beyond the bound) never needs it, and it is O(n)."""
        if self._lf is None:
            from scipy.special import (
                gammaln,
            )  # here: the module is imported where SciPy is not (tests' names)

            self._lf = gammaln(np.arange(sum(self.rows) + 2, dtype=np.float64) + 1.0)
        return self._lf

    @property
    def lfl(self) -> list[float]:
        if self._lfl is None:
            self._lfl = self.lf.tolist()
        return self._lfl

    def expand(
        self, level: int, state: tuple[int, ...]
    ) -> tuple[list[tuple[int, ...]], _IntArray, _FloatArray, _IntArray]:
        """Children of ``state`` when column ``level`` is filled.

        Returns
        -------
        children : list of tuple
            Distinct child nodes.
        child_of_group : numpy.ndarray
            For each group, the index of its child in ``children``.
        weight : numpy.ndarray
            Log weight ``log c_k! - sum_i log x_i!`` of each group.
        mult : numpy.ndarray
            Number of column fillings in each group.
        """
        key = (level, state)
        hit = self._expand_cache.get(key)
        if hit is not None:
            return hit
        ck = self.cols[level]
        caps = np.asarray(state, dtype=np.int64)
        x = _compositions(ck, caps)
        child = np.sort(caps - x, axis=1)
        cells = np.sort(x, axis=1)
        first, mult, child_of_group, child_first = _group_pairs(child, cells)
        weight = self.lfl[ck] - self.lf[cells[first]].sum(axis=1)
        children = [tuple(c) for c in child[first[child_first]].tolist()]
        out = (children, child_of_group, weight, mult)
        self._expand_cache[key] = out
        return out

    def excess_count(self, limit: int) -> int | None:
        """``None`` if at most ``limit`` tables exist, else a count ``> limit``.

        Cheap upper and lower bounds settle most cases without the DP.
        """
        quick = max(_block_lower_bound(self.rows, self.cols), _box_lower_bound(self.rows, self.cols))
        if quick > limit:
            return quick
        bound = _product_bound(self.rows, self.cols)
        if bound <= limit:
            return None
        if len(self.rows) == 2:  # the bound is exact
            return bound
        low = _lower_bound(self.rows, self.cols)
        if low > limit:
            return low
        n = self.count(stop_above=limit, budget=_ENUM_BUDGET)
        return n if n > limit else None

    def count(self, stop_above: int | None, budget: int | None = None) -> int:
        """Number of tables with these margins (see :func:`count_tables`).

        With ``budget``, raise ``_OverBudget`` instead of enumerating more
        than ``budget`` fillings at one stage.
        """
        rows, cols = self.rows, self.cols
        r = len(rows)
        if r == 2:  # the first row determines the table
            return _count_compositions(min(rows), cols)
        if stop_above is not None:
            low = _lower_bound(rows, cols)
            if low > stop_above:
                return low
        safe = _product_bound(rows, cols) < 2**62 and r * math.comb(max(cols) + r - 1, r - 1) < 2**62
        if safe:
            return self._count_int64(stop_above, budget)
        return self._count_exact(stop_above, budget)

    def _count_int64(self, stop_above: int | None, budget: int | None) -> int:
        """Vectorised level DP; every quantity is at most the count, < 2**62."""
        cols = self.cols
        states = np.array([sorted(self.rows)], dtype=np.int64)
        ways = np.ones(1, dtype=np.int64)
        for level in range(len(cols) - 2):
            ck = cols[level]
            # partial tables through this column: a lower bound of the count
            n_fill = _count_compositions_batch(ck, states)
            reached = int((ways * n_fill).sum())
            if stop_above is not None and reached > stop_above:
                return reached
            if budget is not None and int(n_fill.sum()) > budget:
                raise _OverBudget
            parent, x = _compositions_batch(ck, states)
            children = np.sort(states[parent] - x, axis=1)
            _, first, inverse = np.unique(_row_codes(children), return_index=True, return_inverse=True)
            merged = np.zeros(first.shape[0], dtype=np.int64)
            np.add.at(merged, inverse.reshape(-1), ways[parent])
            states, ways = children[first], merged
        return int((ways * _count_compositions_batch(cols[-2], states)).sum())

    def _count_exact(self, stop_above: int | None, budget: int | None) -> int:
        """Level DP with Python integers (huge margins); stops early if asked."""
        cols = self.cols
        states: dict[tuple[int, ...], int] = {tuple(sorted(self.rows)): 1}
        for level in range(len(cols) - 2):
            # partial tables through this column: a lower bound of the count,
            # checked for the whole level before anything is enumerated
            reached = 0
            n_fill = 0
            for state, ways in states.items():
                n_state = _count_compositions(cols[level], state)
                reached += ways * n_state
                n_fill += n_state
                if stop_above is not None and reached > stop_above:
                    return reached
            if budget is not None and n_fill > budget:
                raise _OverBudget
            new: dict[tuple[int, ...], int] = {}
            for state, ways in states.items():
                children, child_of_group, _, mult = self.expand(level, state)
                per_child = np.zeros(len(children), dtype=np.int64)
                np.add.at(per_child, child_of_group, mult)
                for child, g in zip(children, per_child.tolist(), strict=True):
                    new[child] = new.get(child, 0) + ways * g
            states = new
        total = 0
        for state, ways in states.items():
            total += ways * _count_compositions(cols[-2], state)
            if stop_above is not None and total > stop_above:
                return total
        return total


def _oriented_margins(rows: list[int], cols: list[int]) -> tuple[list[int], list[int]]:
    """Drop zero margins, put the shorter dimension first, sort columns ascending."""
    rows = [v for v in rows if v > 0]
    cols = [v for v in cols if v > 0]
    if len(rows) > len(cols):
        rows, cols = cols, rows
    return rows, sorted(cols)


def count_tables(
    row_sums: Iterable[int] | ArrayLike,
    col_sums: Iterable[int] | ArrayLike,
    *,
    stop_above: int | None = None,
) -> int:
    """Count the non-negative integer tables with the given margins.

    Dynamic programming over the columns: the state after filling some
    columns is the multiset of row totals still to be filled, and the
    number of ways to reach every state is propagated; the last two columns
    are counted in closed form (bounded compositions).  No table is
    enumerated, so the count is cheap even when it is in the billions.

    Parameters
    ----------
    row_sums, col_sums : sequence of int
        Margins (non-negative integers with equal totals).
    stop_above : int, optional
        If given, counting stops as soon as the count is known to exceed
        this value, and some number ``> stop_above`` (a lower bound of the
        count) is returned.  Every partial table extends to at least one
        full table, so partial counts are valid lower bounds.  Use it on
        margins that may admit astronomically many tables.

    Returns
    -------
    int
        The number of tables (exact whenever it is ``<= stop_above``, or
        when ``stop_above`` is None).

    Raises
    ------
    ValueError
        If a margin is negative or non-integer, or the totals differ.

    Examples
    --------
    >>> count_tables([2, 2], [2, 2])
    3
    """
    rows = _as_margin(row_sums, "row_sums")
    cols = _as_margin(col_sums, "col_sums")
    if sum(rows) != sum(cols):
        raise ValueError(f"row and column totals differ ({sum(rows)} != {sum(cols)})")
    rows, cols = _oriented_margins(rows, cols)
    if len(rows) <= 1:
        return 1
    return _Context(rows, cols).count(stop_above)


# ---------------------------------------------------------------- the test


def _log_sum(logs: _FloatArray) -> float:
    """``log(sum(exp(logs)))``: largest term factored out, pairwise numpy sum."""
    top = float(np.max(logs))
    return top + math.log(float(np.sum(np.exp(logs - top))))


class _Network:
    """Network algorithm for one oriented, zero-free table (internal)."""

    def __init__(self, ctx: _Context, log_thr: float) -> None:
        self.ctx = ctx
        self.cols = ctx.cols
        self.lf = ctx.lf
        self.lfl = ctx.lfl
        self.log_thr = log_thr
        n = sum(ctx.rows)
        # log of prod(r_i!) / n!: the constant factor of every table probability
        self.log_k = math.fsum(self.lfl[r] for r in ctx.rows) - self.lfl[n]
        # log masses of the settled paths, one entry per node and decision
        self.terms: list[float] = []
        # work done so far (fillings, past paths built, node bounds,
        # final completions), against _WORK_BUDGET
        self.work = 0
        self._bound_cache: dict[tuple[int, tuple[int, ...]], tuple[float, float]] = {}
        self._marg_cache: dict[int, _FloatArray] = {}

    # -- bounds -------------------------------------------------------------

    def _min_sum_lf(self, total: int, caps: list[int]) -> float:
        """min sum(log x_i!) s.t. sum x = total, 0 <= x_i <= caps_i (water-filling)."""
        lf = self.lfl
        res = 0.0
        rem = total
        caps_sorted = sorted(caps)
        k = len(caps_sorted)
        for i, cap in enumerate(caps_sorted):
            left = k - i
            if cap <= rem // left:
                res += lf[cap]
                rem -= cap
            else:
                q, extra = divmod(rem, left)
                return res + (left - extra) * lf[q] + extra * lf[q + 1]
        return res

    def _max_sum_lf(self, total: int, caps: list[int]) -> float:
        """max sum(log x_i!) s.t. sum x = total, 0 <= x_i <= caps_i (fill largest)."""
        lf = self.lfl
        res = 0.0
        rem = total
        for cap in sorted(caps, reverse=True):
            x = min(cap, rem)
            res += lf[x]
            rem -= x
            if rem == 0:
                break
        return res

    def _marginals(self, s: int) -> _FloatArray:
        """Marginal costs ``log(x + 1) - log(s - x)``, ``x = 0 .. s - 1`` (cached)."""
        hit = self._marg_cache.get(s)
        if hit is None:
            x = np.arange(s, dtype=np.float64)
            hit = np.log(x + 1.0) - np.log(s - x)
            self._marg_cache[s] = hit
        return hit

    def _two_way_min(self, parts: list[int], total: int) -> float:
        """Exact min of ``sum_j [log x_j! + log (p_j - x_j)!]`` with ``sum x = total``.

        This is the most probable completion when only two rows (``parts``
        = column totals, ``total`` = one row total) or two columns
        (``parts`` = row totals, ``total`` = one column total) remain.  Each
        term is convex in ``x_j`` with strictly increasing marginal cost
        ``log(x + 1) - log(p_j - x)``, so the optimum takes the ``total``
        smallest marginal costs over all parts.
        """
        base = math.fsum(self.lfl[v] for v in parts)
        if total == 0:
            return base
        marg = np.concatenate([self._marginals(v) for v in parts])
        return base + float(np.sum(np.partition(marg, total - 1)[:total]))

    def _bounds(self, level: int, state: tuple[int, ...]) -> tuple[float, float]:
        """Bounds (upper on the max, lower on the min) of the completion log weight.

        The log weight of a completion is ``sum_j [log c_j! - sum_i log x_ij!]``
        over the remaining columns.  Dropping either the row or the column
        equalities (keeping them as caps) gives separable problems solved
        exactly by water-filling / greedy filling; each yields a valid bound
        and the better of the two is used.  With two rows or two columns
        left the maximum is computed exactly (``_two_way_min``).
        """
        key = (level, state)
        hit = self._bound_cache.get(key)
        if hit is not None:
            return hit
        cols = self.cols[level:]
        rows = [s for s in state if s > 0]
        base = math.fsum(self.lfl[c] for c in cols)
        if len(rows) <= 1:
            lo_sum = math.fsum(self.lfl[c] for c in cols)
        elif len(rows) == 2:
            lo_sum = self._two_way_min(cols, rows[0])
        elif len(cols) == 2:
            lo_sum = self._two_way_min(rows, cols[0])
        else:
            lo_sum = max(
                sum(self._min_sum_lf(c, rows) for c in cols),
                sum(self._min_sum_lf(s, cols) for s in rows),
            )
        hi_sum = min(
            sum(self._max_sum_lf(c, rows) for c in cols),
            sum(self._max_sum_lf(s, cols) for s in rows),
        )
        # tiny widening so that rounding can never make a bound invalid
        slack = 1e-9 * (1.0 + abs(base))
        out = (base - lo_sum + slack, base - hi_sum - slack)
        self._bound_cache[key] = out
        return out

    def _final_info_batch(self, states: _IntArray) -> _FloatArray:
        """Vectorised ``_node_info`` for nodes with two columns left.

        Parameters
        ----------
        states : numpy.ndarray
            ``(K, r)`` array of row totals still to be filled (zeros allowed).

        Returns
        -------
        numpy.ndarray
            ``(K, 3)``: upper bound of the max, lower bound of the min, and
            log total of the completion log weights.  The max is exact: the
            most probable completion (the mode of a multivariate
            hypergeometric law) is found from the proportional split by unit
            moves to the cheapest marginal cost and then unit exchanges
            until none improves, which is optimal for a separable convex
            objective.  The min uses the row and column relaxations.
        """
        ca, cb = self.cols[-2], self.cols[-1]
        lf = self.lf
        st = states.astype(np.int64)
        k = st.shape[0]
        rows = np.arange(k)
        m = st.sum(axis=1)
        base = self.lfl[ca] + self.lfl[cb]
        x = np.minimum(st * ca // np.maximum(m, 1)[:, None], st)
        deficit = ca - x.sum(axis=1)

        def up_cost(x: _IntArray) -> _FloatArray:
            room = x < st
            out = np.full(x.shape, np.inf)
            out[room] = np.log(x[room] + 1.0) - np.log((st - x)[room].astype(np.float64))
            return out

        while np.any(deficit > 0):
            need = np.flatnonzero(deficit > 0)
            i = np.argmin(up_cost(x)[need], axis=1)
            x[need, i] += 1
            deficit[need] -= 1
        while True:
            up = up_cost(x)
            has = x > 0
            down = np.full(x.shape, -np.inf)
            down[has] = np.log(x[has].astype(np.float64)) - np.log((st - x + 1)[has].astype(np.float64))
            iu = np.argmin(up, axis=1)
            idn = np.argmax(down, axis=1)
            move = (down[rows, idn] - up[rows, iu] > 1e-12) & (iu != idn)
            if not np.any(move):
                break
            x[move, iu[move]] += 1
            x[move, idn[move]] -= 1
        lo_sum = (lf[x] + lf[st - x]).sum(axis=1)
        # least probable completion: fill the largest caps first (per column)
        desc = st[:, ::-1]
        before = np.cumsum(desc, axis=1) - desc
        by_col = sum(lf[np.clip(c - before, 0, desc)].sum(axis=1) for c in (ca, cb))
        # ... or put each row as far as possible into one column
        y1 = np.minimum(st, ca)
        y2 = st - np.minimum(st, cb)
        by_row = np.maximum(lf[y1] + lf[st - y1], lf[y2] + lf[st - y2]).sum(axis=1)
        hi_sum = np.minimum(by_col, by_row)
        slack = 1e-9 * (1.0 + abs(base))
        out = np.empty((k, 3))
        out[:, 0] = base - lo_sum + slack
        out[:, 1] = base - hi_sum - slack
        out[:, 2] = lf[m] - lf[st].sum(axis=1)
        return out

    def _log_total(self, state: tuple[int, ...]) -> float:
        """log of the summed weight of all completions: m! / prod(s_i!)."""
        lf = self.lfl
        return lf[sum(state)] - math.fsum(lf[s] for s in state)

    # -- the last two columns ----------------------------------------------

    def _final_weights(self, state: tuple[int, ...]) -> _FloatArray:
        """Log weights of all completions of a node with two columns left.

        ``log c_a! + log c_b! - sum_i [log x_i! + log (s_i - x_i)!]`` over all
        ``x`` with ``0 <= x <= s`` and ``sum x = c_a``; built row by row with
        vectorised ``repeat``/``arange`` (the cells themselves are not kept).
        """
        ca, cb = self.cols[-2], self.cols[-1]
        caps = [v for v in state if v > 0]
        if _count_compositions(ca, caps) > _ENUM_BUDGET:
            raise _OverBudget
        lf = self.lf
        after = [*np.cumsum(caps[::-1])[::-1].tolist()[1:], 0]
        f = np.array([self.lfl[ca] + self.lfl[cb]])
        rem = np.array([ca], dtype=np.int64)
        for i, cap in enumerate(caps[:-1]):
            lo = np.maximum(0, rem - after[i])
            hi = np.minimum(cap, rem)
            cnt = hi - lo + 1
            idx = np.repeat(np.arange(rem.shape[0]), cnt)
            xi = lo[idx] + (np.arange(idx.shape[0]) - np.repeat(np.cumsum(cnt) - cnt, cnt))
            f = f[idx] - (lf[xi] + lf[cap - xi])
            rem = rem[idx] - xi
        return f - (lf[rem] + lf[caps[-1] - rem])

    def _spend(self, units: int) -> None:
        """Count work; refuse (``_OverBudget``) beyond ``_WORK_BUDGET`` in all."""
        self.work += units
        if self.work > _WORK_BUDGET:
            raise _OverBudget

    def _check_final_work(self, states: _IntArray) -> None:
        """Refuse (``_OverBudget``) when the final nodes hold too many completions."""
        ca = self.cols[-2]
        r = states.shape[1]
        if r * math.comb(ca + r - 1, r - 1) < 2**62:
            total = int(_count_compositions_batch(ca, states).sum())
        else:
            total = sum(_count_compositions(ca, row) for row in states.tolist())
        self._spend(total)
        if total > _FINAL_BUDGET:
            raise _OverBudget

    def _settle_final(self, state: tuple[int, ...], a: _FloatArray, m: _FloatArray) -> None:
        """Settle all past paths at a node with two columns left.

        The completions are enumerated at once (vectorised).  With many past
        paths their log weights are sorted and cumulated from the smallest
        (scaled by the largest), and each path needs one binary search; with
        few paths each gets one masked sum instead.
        """
        f = self._final_weights(state)
        top = float(f.max())
        lim = self.log_thr - a
        if a.shape[0] <= 8:  # few paths: one masked sum each beats a sort
            e = np.exp(f - top)
            sums = np.array([float(np.sum(e[f <= t])) for t in lim.tolist()])
            ok = sums > 0
            if np.any(ok):
                self.terms.append(_log_sum(np.log(m[ok]) + a[ok] + top + np.log(sums[ok])))
            return
        f.sort()
        cum = np.cumsum(np.exp(f - top))
        idx = np.searchsorted(f, lim, side="right")
        ok = idx > 0
        if np.any(ok):
            logs = np.log(m[ok]) + a[ok] + top + np.log(cum[idx[ok] - 1])
            self.terms.append(_log_sum(logs))

    def _node_info(self, level: int, state: tuple[int, ...]) -> tuple[float, float, float]:
        """``(upper bound of max, lower bound of min, log total)`` of the completions."""
        hi, lo = self._bounds(level, state)
        return hi, lo, self._log_total(state)

    def _expand_level(
        self, level: int, parents: _IntArray
    ) -> tuple[_IntArray, _IntArray, _FloatArray, _FloatArray, _IntArray]:
        """Fill column ``level`` from every parent node at once.

        Rows of a parent with equal totals are interchangeable: only the
        fillings that are non-increasing within each run of equal totals are
        enumerated (:func:`_canonical_fillings`), each standing for its
        distinct permutations (``mult``).  The parents are processed in
        chunks of at most ``_CHUNK`` fillings (bounded memory), and the
        children are identified by hashing (``pandas.factorize``) their
        mixed-radix codes rather than by sorting.

        Returns
        -------
        parent_of_group, child_of_group : numpy.ndarray
            Parent row (in ``parents``) and child index (in ``children``) of
            each group (canonical filling); groups are sorted by parent.
        weight : numpy.ndarray
            ``log c_k! - sum_i log x_i!`` of each group.
        mult : numpy.ndarray
            Number of fillings each group stands for (float).
        children : numpy.ndarray
            Distinct child nodes (sorted row totals), one per row.
        """
        ck = self.cols[level]
        r = parents.shape[1]
        if parents.shape[0] > _NODE_BUDGET:
            raise _OverBudget
        if r <= 12 and r * math.comb(ck + r - 1, r - 1) < 2**62:  # exact in int64
            sizes = _count_compositions_batch(ck, parents).astype(np.float64)
        else:
            sizes = np.array([_count_compositions(ck, row) for row in parents.tolist()], dtype=np.float64)
        # the cost of a filling grows with the number of rows
        units = int(sizes.sum()) * max(r, 3) // 3
        self._spend(units)
        if units > _LEVEL_BUDGET:
            raise _OverBudget
        base = int(parents.max(initial=0)) + 1
        use_codes = base**r < 2**62
        powers = np.array([base**i for i in range(r)], dtype=np.int64) if use_codes else None
        out_p: list[_IntArray] = []
        out_w: list[_FloatArray] = []
        out_m: list[_FloatArray] = []
        out_c: list[_IntArray] = []
        bounds = np.searchsorted(np.cumsum(sizes), np.arange(_CHUNK, float(sizes.sum()), _CHUNK))
        cuts = [0, *sorted(set((bounds + 1).tolist()) - {0}), parents.shape[0]]
        for c0, c1 in itertools.pairwise(cuts):
            if c0 >= c1:
                continue
            parent, x, mult = _canonical_fillings(ck, parents[c0:c1])
            child = _sort_rows(parents[c0:c1][parent] - x)
            out_p.append(parent + c0)
            out_w.append(self.lfl[ck] - self.lf[x].sum(axis=1))
            out_m.append(mult)
            out_c.append(child @ powers if powers is not None else child)
        parent_all = np.concatenate(out_p)
        weight = np.concatenate(out_w)
        mult_all = np.concatenate(out_m)
        if powers is not None:
            codes, uniq = pd.factorize(np.concatenate(out_c), sort=False)
            uniq = np.asarray(uniq, dtype=np.int64)
            children = (uniq[:, None] // powers[None, :]) % base
        else:  # huge margins: exact row comparison
            children, codes = np.unique(np.concatenate(out_c), axis=0, return_inverse=True)
        return parent_all, np.asarray(codes, dtype=np.int64).reshape(-1), weight, mult_all, children

    def run(self) -> float:
        """Return the p-value (sum of the settled masses)."""
        n_cols = len(self.cols)
        thr = self.log_thr
        root = tuple(sorted(self.ctx.rows))
        hi, _, _ = self._node_info(0, root)
        if self.log_k + hi <= thr:  # every table counts
            return 1.0
        states = np.array([root], dtype=np.int64)  # one node per row
        node = np.zeros(1, dtype=np.int64)  # node index of each past path
        a = np.array([self.log_k])  # log past weight, including log_k
        m = np.array([1.0])  # multiplicity: the path mass is m * exp(a)
        for level in range(n_cols - 2):
            # Expand every surviving path by column `level`; the children's
            # bounds are applied at once, so only undecided paths are built.
            final = level + 1 == n_cols - 2
            cuts = np.flatnonzero(np.diff(node)) + 1
            starts = np.concatenate(([0], cuts))
            ends = np.concatenate((cuts, [node.shape[0]]))
            pog, ch_all, w_all, mult_all, children = self._expand_level(level, states[node[starts]])
            if final:
                info = self._final_info_batch(children)
            else:
                # bounds cost ~30 us a node, plus O(n) when two rows remain
                per_node = 1 + (sum(self.cols[level + 1 :]) // 3000 if children.shape[1] <= 2 else 0)
                self._spend(100 * children.shape[0] * per_node)
                if children.shape[0] * per_node > _NODE_BUDGET:
                    raise _OverBudget
                info = np.array([self._node_info(level + 1, tuple(c)) for c in children.tolist()])
            g_cuts = np.searchsorted(pog, np.arange(starts.shape[0] + 1))
            n_paths = 0
            parts_n: list[_IntArray] = []
            parts_a: list[_FloatArray] = []
            parts_m: list[_FloatArray] = []
            # The paths of a parent are sorted by past weight ``a`` (see the
            # merge below), so for each group (column filling) the paths whose
            # completions all count form a prefix, the undecided ones the next
            # slice and the rest are dropped: two binary searches per group,
            # the prefix masses from a running log-sum, and only the undecided
            # pairs (group, path) are built.
            for p_idx, (i0, i1) in enumerate(zip(starts.tolist(), ends.tolist(), strict=True)):
                g0, g1 = int(g_cuts[p_idx]), int(g_cuts[p_idx + 1])
                if g0 == g1:
                    continue
                ch = ch_all[g0:g1]
                ch_info = info[ch]
                w = w_all[g0:g1]
                a_seg = a[i0:i1]
                k_in = np.searchsorted(a_seg, thr - w - ch_info[:, 0], side="right")
                k_keep = np.maximum(np.searchsorted(a_seg, thr - w - ch_info[:, 1], side="right"), k_in)
                has_in = k_in > 0
                if np.any(has_in):
                    # log of sum(m * exp(a)) over each prefix, no underflow
                    log_cum = np.logaddexp.accumulate(np.log(m[i0:i1]) + a_seg)
                    logs = np.log(mult_all[g0:g1][has_in]) + w[has_in] + ch_info[has_in, 2]
                    self.terms.append(_log_sum(logs + log_cum[k_in[has_in] - 1]))
                cnt = k_keep - k_in
                total = int(cnt.sum())
                n_paths += total
                self._spend(3 * total)  # built, concatenated, sorted and merged
                if n_paths > _PATH_BUDGET:
                    raise _OverBudget
                if total:
                    grp = np.repeat(np.arange(g1 - g0), cnt)
                    idx = np.repeat(k_in - np.cumsum(cnt) + cnt, cnt) + np.arange(total)
                    parts_a.append(w[grp] + a_seg[idx])
                    parts_m.append(mult_all[g0:g1][grp] * m[i0:i1][idx])
                    parts_n.append(ch[grp])
            if not parts_a:
                break
            node = np.concatenate(parts_n)
            a = np.concatenate(parts_a)
            m = np.concatenate(parts_m)
            states = children
            if final:
                self._check_final_work(children[np.unique(node)])
                order = np.argsort(node, kind="stable")
                node, a, m = node[order], a[order], m[order]
                cuts = np.flatnonzero(np.diff(node)) + 1
                for i0, i1 in zip(
                    np.concatenate(([0], cuts)).tolist(),
                    np.concatenate((cuts, [node.shape[0]])).tolist(),
                    strict=True,
                ):
                    state = tuple(states[int(node[i0])].tolist())
                    self._settle_final(state, a[i0:i1], m[i0:i1])
                break
            # sort by (node, a) and merge equal past weights (mass kept)
            order = np.lexsort((a, node))
            node, a, m = node[order], a[order], m[order]
            new_group = np.ones(node.shape[0], dtype=bool)
            new_group[1:] = (np.diff(node) != 0) | (np.diff(a) > _MERGE_TOL)
            if not new_group.all():
                first = np.flatnonzero(new_group)
                gidx = np.cumsum(new_group) - 1
                m = np.add.reduceat(m * np.exp(a - a[first][gidx]), first)
                node, a = node[first], a[first]
        if n_cols == 2:
            self._settle_final(root, a, m)
        if not self.terms:
            return 0.0
        return math.exp(_logsumexp_exact(self.terms))


def _logsumexp_exact(logs: Sequence[float]) -> float:
    """``log(sum(exp(logs)))`` with the largest term factored out and fsum."""
    top = max(logs)
    return top + math.log(math.fsum(math.exp(v - top) for v in logs))


def fisher_freeman_halton(table: ArrayLike, max_tables: int | None = None) -> float:
    """Exact two-sided Fisher (2 x 2) / Fisher--Freeman--Halton (r x c) p-value.

    The p-value is the sum of the hypergeometric probabilities

    .. math:: P(X) = \\frac{\\prod_i r_i! \\, \\prod_j c_j!}{n! \\, \\prod_{ij} x_{ij}!}

    of all tables ``X`` with the observed margins whose probability is
    ``<= P(observed) * (1 + REL_TOL)`` (``REL_TOL = 1e-7``, the relative
    tolerance of R's ``fisher.test``).  It matches R's
    ``fisher.test(x)$p.value`` (exact network algorithm, ``hybrid = FALSE``).

    Parameters
    ----------
    table : array_like
        Two-dimensional array of non-negative integer counts (lists, numpy
        arrays, pandas DataFrames).  All-zero rows and columns are dropped
        first; a table with fewer than two non-empty rows or columns carries
        no evidence against independence and gives 1.0.
    max_tables : int, optional
        If given, refuse the computation when more than this many tables
        share the observed margins (counted by :func:`count_tables`; the
        count itself can take seconds for large tables).  Default ``None``:
        no bound on the number of tables -- the work bounds below decide.
        The number of tables says little about the work of the network
        algorithm: a 5 x 5 table with n = 500 (about 1e27 tables) takes a few
        seconds; see the module docstring for timings.

    Returns
    -------
    float
        The p-value, in ``[0, 1]``; 0.0 only when it is below the double
        precision range (about 1e-308), as for SciPy.

    Raises
    ------
    ValueError
        If the table is not two-dimensional or holds negative or
        non-integer values.
    ExactTooLarge
        If ``max_tables`` is given and ``count_tables(row_sums, col_sums) >
        max_tables``, or when the computation would exceed its fixed work
        bounds (column fillings per level ``_LEVEL_BUDGET``, past paths per
        level ``_PATH_BUDGET``, node bounds ``_NODE_BUDGET``, completions of
        the last two columns ``_FINAL_BUDGET`` and ``_ENUM_BUDGET`` per node).
        and the total work ``_WORK_BUDGET``).  The bounds are counts, not
        times, so a table is always either computed or refused, whatever the
        load; a refusal costs at most the budget (0-10 s of CPU in the
        measurements, usually 1-5 s).

    Notes
    -----
    The sum is accumulated from probabilities held as logarithms
    (``gammaln``), each partial sum scaled by its largest term; p-values
    close to 1 are summed directly (never as ``1 - tail``), so there is no
    cancellation.  Tables tied with the observed one in exact arithmetic are
    always counted (the ``REL_TOL`` slack); without it the ``Job`` example
    would give 0.78221 instead of R's 0.78268.  The result is deterministic.

    Examples
    --------
    >>> round(fisher_freeman_halton([[3, 1], [1, 3]]), 4)   # TeaTasting
    0.4857
    """
    x = _as_count_table(table)
    x = x[x.sum(axis=1) > 0][:, x.sum(axis=0) > 0]
    if x.shape[0] < 2 or x.shape[1] < 2:
        return 1.0
    rows = [int(v) for v in x.sum(axis=1)]
    cols = [int(v) for v in x.sum(axis=0)]
    o_rows, o_cols = _oriented_margins(rows, cols)
    ctx = _Context(o_rows, o_cols)
    if max_tables is not None:
        try:
            n_tables = ctx.excess_count(max_tables)
        except _OverBudget:
            raise ExactTooLarge(
                "these margins admit too many tables to be counted cheaply "
                f"(more than {_ENUM_BUDGET} partial tables at one stage); "
                "the exact test was not attempted"
            ) from None
        if n_tables is not None:
            raise ExactTooLarge(
                f"more than {max_tables} tables share these margins "
                f"(at least {n_tables}); the exact test was not attempted"
            )
    n = int(x.sum())
    lf = ctx.lfl
    log_p_obs = (
        math.fsum(lf[r] for r in rows)
        + math.fsum(lf[c] for c in cols)
        - lf[n]
        - math.fsum(lf[v] for v in x.ravel().tolist())
    )
    log_thr = log_p_obs + math.log1p(REL_TOL)
    try:
        p = _Network(ctx, log_thr).run()
    except _OverBudget:
        raise ExactTooLarge(
            "the exact computation would exceed its work bounds (column fillings, "
            "past paths, nodes or final completions); it was stopped before that. "
            "Use fisher_freeman_halton_monte_carlo for an estimate, named as such"
        ) from None
    return min(1.0, p)


# ------------------------------------------------------------ Monte Carlo

#: Name of the Monte Carlo estimate, distinct from the exact test's.
MONTE_CARLO_TEST = "Fisher–Freeman–Halton Monte Carlo estimate (not exact), two-sided"


class MonteCarloP(NamedTuple):
    """A Monte Carlo p-value (unpacks as ``(pvalue, standard_error, seed, n_resamples)``).

    Attributes
    ----------
    pvalue : float
        ``(1 + #{resampled tables at most as probable as the observed}) /
        (n_resamples + 1)``, as R's ``fisher.test(simulate.p.value = TRUE)``
        and :func:`scipy.stats.monte_carlo_test`.
    standard_error : float
        Binomial standard error of the estimate, ``sqrt(p (1 - p) / n_resamples)``.
    seed : int
        Seed of the generator (the same seed gives the same p-value).
    n_resamples : int
        Number of random tables drawn.
    """

    pvalue: float
    standard_error: float
    seed: int
    n_resamples: int

    @property
    def test(self) -> str:
        """Name of the test, to be printed with the p-value (never "exact")."""
        return MONTE_CARLO_TEST


def fisher_freeman_halton_monte_carlo(
    table: ArrayLike, n_resamples: int = 100_000, seed: int = 0
) -> MonteCarloP:
    """Monte Carlo estimate of the Fisher--Freeman--Halton p-value (not exact).

    For tables beyond the reach of :func:`fisher_freeman_halton`.  Random
    tables with the observed margins are drawn under independence
    (:func:`scipy.stats.random_table`, Patefield's algorithm) through
    :func:`scipy.stats.fisher_exact` with a seeded
    :class:`scipy.stats.MonteCarloMethod`; a table is "as extreme" when its
    probability is at most the observed one (SciPy's relative slack).  The
    result carries its own name (:attr:`MonteCarloP.test`) and must never be
    reported as the exact test.

    Parameters
    ----------
    table : array_like
        Two-dimensional array of non-negative integer counts.
    n_resamples : int
        Number of random tables (default 100 000: standard error at most
        0.0016, about 0.0007 near p = 0.05).
    seed : int
        Seed of ``numpy.random.default_rng``; the same seed and table give
        the same estimate.

    Returns
    -------
    MonteCarloP
        ``(pvalue, standard_error, seed, n_resamples)``, plus ``.test``.

    Raises
    ------
    ValueError
        On an invalid table or ``n_resamples < 1``.
    """
    from scipy.stats import monte_carlo_test, random_table

    if int(n_resamples) != n_resamples or n_resamples < 1:
        raise ValueError(f"n_resamples must be a positive integer, got {n_resamples!r}")
    x = _as_count_table(table)
    x = x[x.sum(axis=1) > 0][:, x.sum(axis=0) > 0]
    if x.shape[0] < 2 or x.shape[1] < 2:
        return MonteCarloP(1.0, 0.0, int(seed), int(n_resamples))
    n_res = int(n_resamples)
    batch = max(1, min(n_res, 2_000_000 // x.size))  # bounded memory
    # What scipy.stats.fisher_exact(x, method=MonteCarloMethod(...)) does
    # (SciPy 1.17, _fisher_exact_monte_carlo_method), same generator, same
    # draws, same p-value, written out because SciPy tells one table from a
    # batch of tables by ``size > n``: with more respondents than numbers in
    # a batch (n = 10^6, 2 x 4 table) it reshapes a batch as one table and
    # raises. Here a batch is what has two dimensions.
    shape = x.shape
    tables = random_table(x.sum(axis=1), x.sum(axis=0), seed=np.random.default_rng(seed))

    def rvs(size: tuple[int, int]) -> np.ndarray:
        return np.asarray(tables.rvs(size=size[0])).reshape(size)

    def statistic(t: np.ndarray, axis: int) -> np.ndarray:
        return np.asarray(tables.pmf(t.reshape((-1, *shape)) if t.ndim > 1 else t.reshape(shape)))

    result = monte_carlo_test(x.ravel(), rvs, statistic, alternative="less", n_resamples=n_res, batch=batch)
    p = float(result.pvalue)
    return MonteCarloP(p, math.sqrt(p * (1.0 - p) / n_res), int(seed), n_res)


# --- Large samples -----------------------------------------------------------

#: More respondents than this in an r x c table (larger than 2 x 2) whose
#: expected counts are all at least ``LARGE_SAMPLE_MIN_EXPECTED``: the exact
#: test is not attempted (see :func:`large_sample_pvalue`).
LARGE_SAMPLE_N: int = 10_000
LARGE_SAMPLE_MIN_EXPECTED: float = 5.0
LARGE_SAMPLE_TEST = (
    "Pearson chi-square, asymptotic two-sided (large sample: more than 10,000 respondents and every "
    "expected count at least 5; the exact test is not attempted)"
)


def large_sample_pvalue(table: ArrayLike) -> float | None:
    """Pearson's chi-square p-value of a table past the exact test's range, or None.

    The rule: a table larger than 2 x 2 (after dropping empty rows and
    columns) with more than ``LARGE_SAMPLE_N`` respondents and every expected
    count at least ``LARGE_SAMPLE_MIN_EXPECTED`` (Cochran's condition) gets
    :func:`scipy.stats.chi2_contingency` (no continuity correction), reported
    under its own name (``LARGE_SAMPLE_TEST``), never as the exact test.
    Any other table returns None: the caller computes the exact test (and its
    Monte Carlo estimate where the exact one is refused).

    Why: the network algorithm's work grows with n, and past a few thousand
    respondents most r x c tables spend the whole work budget (seconds and up
    to ~1.2 GB each) before being refused; the Monte Carlo estimate then
    costs more with n too (Patefield's draws), and cannot go below
    1 / (resamples + 1). At these sizes, under Cochran's condition, the
    chi-square p-value is the exact one to within the Monte Carlo estimate's
    own error: measured on tables drawn under independence with 10,000 and
    30,000 respondents (2 x 3 to 4 x 6), |chi-square - exact or Monte Carlo|
    was 0.0002-0.004, against a Monte Carlo standard error of 0.0012-0.0016.
    2 x 2 tables keep Fisher's exact test at every size (SciPy's is fast).
    """
    from scipy.stats import chi2_contingency
    from scipy.stats.contingency import expected_freq

    x = _as_count_table(table)
    x = x[x.sum(axis=1) > 0][:, x.sum(axis=0) > 0]
    if x.shape[0] < 2 or x.shape[1] < 2 or x.shape == (2, 2) or int(x.sum()) <= LARGE_SAMPLE_N:
        return None
    if float(expected_freq(x).min()) < LARGE_SAMPLE_MIN_EXPECTED:
        return None
    return float(chi2_contingency(x, correction=False).pvalue)
