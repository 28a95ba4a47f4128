"""Published values: the numbers a publication prints, as transcribed in a
study's ``published/`` folder, parsed, made into per-group counts, and checked
against each other (cross-table consistency, percentages against their own
counts).

The published tables are one-against-the-rest comparisons of one grouping
(each numbered as the publication numbers it): when every group is the focal
group of one table, each group's counts are printed once as a focal column and
again inside the "other" columns, a redundancy the consistency check uses.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import PlanError
from ..study.codebook import Codebook
from ..study.plan import AnalysisPlan, Comparison, Row

__all__ = [
    "AnnexView",
    "Printed",
    "Published",
    "Split",
    "annex_view",
    "check_against_plan",
    "compare_printed",
    "cross_annex_consistency",
    "group_sizes",
    "load_published",
    "parse_printed",
    "percent_checks",
    "printed_group_counts",
    "published_counts",
    "unprinted_splits",
]

ANNEX_CELL_COLUMNS = ["annex", "row", "variable", "level", "column", "quantity", "printed", "cell"]
ANNEX_GROUP_COLUMNS = ["annex", "column", "group_label", "group", "printed", "cell"]
TEXT_COLUMNS = ["id", "section", "fragment", "printed", "quantity", "variable", "levels", "population"]
POPULATION_COLUMNS = ["population", "groups"]


@dataclass(frozen=True)
class Published:
    """The transcribed published values (every column a string, as printed)."""

    directory: Path
    annex_cells: pd.DataFrame
    annex_groups: pd.DataFrame
    text_numbers: pd.DataFrame
    populations: dict[str, frozenset[str] | None]

    def pvalues(self) -> pd.DataFrame:
        """``annex, variable, printed``: every published p-value."""
        p = self.annex_cells[self.annex_cells["quantity"] == "p_value"]
        return p[["annex", "variable", "printed"]].reset_index(drop=True)


def _read(path: Path, columns: list[str]) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except FileNotFoundError:
        raise PlanError(path, "published-values file not found") from None
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise PlanError(path, f"missing column '{missing[0]}'")
    return frame


def load_published(directory: Path) -> Published:
    """Read ``annex_cells.csv``, ``annex_groups.csv`` and ``text_numbers.csv``."""
    cells = _read(directory / "annex_cells.csv", ANNEX_CELL_COLUMNS)
    groups = _read(directory / "annex_groups.csv", ANNEX_GROUP_COLUMNS)
    for frame in (cells, groups):
        frame["annex"] = frame["annex"].astype(int)
    text = _read(directory / "text_numbers.csv", TEXT_COLUMNS)
    populations: dict[str, frozenset[str] | None] = {"": None}
    pop_path = directory / "populations.csv"
    if pop_path.exists():
        for r in _read(pop_path, POPULATION_COLUMNS).itertuples(index=False):
            groups_of = frozenset(g for g in str(r.groups).split("|") if g)
            populations[str(r.population)] = groups_of or None
    return Published(
        directory=directory,
        annex_cells=cells,
        annex_groups=groups,
        text_numbers=text,
        populations=populations,
    )


@dataclass(frozen=True)
class AnnexView:
    """The plan as the published tables see it: the numbered one-against-the-rest
    comparisons (``annexes``), on one group variable, sharing their rows."""

    plan: AnalysisPlan

    @property
    def annexes(self) -> tuple[Comparison, ...]:
        return tuple(c for c in self.plan.comparisons if c.number is not None and c.kind == "one_vs_rest")

    def annex(self, number: int) -> Comparison:
        return self.plan.numbered(number)

    @property
    def rows(self) -> tuple[Row, ...]:
        return self.annexes[0].rows if self.annexes else ()

    def row(self, variable: str) -> Row:
        return self.annexes[0].row(variable)

    @property
    def group_variable(self) -> str:
        return self.annexes[0].group_variable


def annex_view(plan: AnalysisPlan | AnnexView) -> AnnexView:
    return plan if isinstance(plan, AnnexView) else AnnexView(plan)


def _cell_line(path: Path, index: int) -> int:
    # Data rows of a CSV start on line 2 (no quoted line breaks in these files).
    return index + 2


def check_against_plan(published: Published, plan: AnalysisPlan, codebook: Codebook) -> None:
    """Cross-file checks: every published table is a numbered comparison of the
    plan, every published row one of its rows, every level an answer, every
    population defined.

    Raises
    ------
    PlanError
        Naming the published file, its line and column.
    """
    from ..study.plan import group_levels

    view = AnnexView(plan)
    numbered = {c.number: c for c in plan.comparisons if c.number is not None}
    cells_path = published.directory / "annex_cells.csv"
    groups_path = published.directory / "annex_groups.csv"
    group_vars = {c.group_variable for c in view.annexes}
    if len(group_vars) > 1:
        raise PlanError(plan.path, "published tables compare groups of one variable only", key="comparisons")
    for i, r in enumerate(published.annex_cells.itertuples(index=False)):
        comparison = numbered.get(int(r.annex))
        line = _cell_line(cells_path, i)
        if comparison is None or comparison.kind != "one_vs_rest":
            raise PlanError(
                cells_path,
                f"table {r.annex} is not a numbered one_vs_rest comparison of the plan",
                line=line,
                key="annex",
            )
        if r.variable not in {row.variable for row in comparison.rows}:
            raise PlanError(
                cells_path,
                f"'{r.variable}' is not a row of comparison '{comparison.id}' "
                "(expected a row the plan compares)",
                line=line,
                key="variable",
            )
        if r.quantity != "p_value" and r.level not in codebook[r.variable].codes:
            raise PlanError(
                cells_path, f"unknown answer '{r.level}' of '{r.variable}'", line=line, key="level"
            )
    for i, r in enumerate(published.annex_groups.itertuples(index=False)):
        comparison = numbered.get(int(r.annex))
        if comparison is None:
            raise PlanError(
                groups_path,
                f"table {r.annex} is not a numbered comparison of the plan",
                line=i + 2,
                key="annex",
            )
        codes = [code for code, _ in group_levels(codebook, comparison.group_variable)]
        if r.column == "focal" and r.group != comparison.focal:
            raise PlanError(
                groups_path,
                f"focal group '{r.group}' is not the focal group '{comparison.focal}' of '{comparison.id}'",
                line=i + 2,
                key="group",
            )
        if r.column == "focal" and r.group not in codes:
            raise PlanError(groups_path, f"unknown group '{r.group}'", line=i + 2, key="group")
    text_path = published.directory / "text_numbers.csv"
    known_groups = set()
    for c in view.annexes:
        known_groups |= {code for code, _ in group_levels(codebook, c.group_variable)}
    for name, groups_of in published.populations.items():
        unknown = sorted((groups_of or frozenset()) - known_groups)
        if unknown:
            raise PlanError(
                published.directory / "populations.csv",
                f"population '{name}' names unknown group '{unknown[0]}'",
                key="groups",
            )
    for i, r in enumerate(published.text_numbers.itertuples(index=False)):
        if r.population not in published.populations:
            raise PlanError(
                text_path,
                f"population '{r.population}' is not defined in populations.csv",
                line=i + 2,
                key="population",
            )
        if r.variable and r.variable in codebook and r.levels:
            unknown_levels = [lv for lv in str(r.levels).split("|") if lv not in codebook[r.variable].codes]
            if unknown_levels:
                raise PlanError(
                    text_path,
                    f"unknown answer '{unknown_levels[0]}' of '{r.variable}'",
                    line=i + 2,
                    key="levels",
                )


# --- printed numbers ---------------------------------------------------------

_NUMBER = re.compile(r"^\(?\s*(?P<bound><)?\s*(?P<num>\d+(?:[.,]\d+)?)\s*(?P<pct>%)?\s*\)?$")


@dataclass(frozen=True)
class Printed:
    """A number as printed: its value, its number of decimals, and whether it
    is an upper bound ("<0.001")."""

    text: str
    value: Decimal
    decimals: int
    below: bool = False

    def __float__(self) -> float:
        return float(self.value)


def parse_printed(text: str) -> Printed:
    """Parse "(81.7)", "(25%)", "34,7 %", "0,042", "<0.001", "1" (French commas accepted).

    >>> parse_printed("(81.7)").value
    Decimal('81.7')
    >>> parse_printed("<0,001").below
    True
    """
    m = _NUMBER.match(text.strip())
    if not m:
        raise ValueError(f"not a printed number: {text!r}")
    num = m.group("num").replace(",", ".")
    decimals = len(num.split(".")[1]) if "." in num else 0
    return Printed(text=text, value=Decimal(num), decimals=decimals, below=bool(m.group("bound")))


def _round(value: float, decimals: int, mode: str = ROUND_HALF_UP) -> Decimal:
    # repr() gives the shortest decimal that round-trips, so 0.0345 stays 0.0345.
    return Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-decimals), rounding=mode)


def compare_printed(printed: str, value: float) -> str:
    """Compare a recomputed value with a printed number at its printed precision.

    Returns ``match`` (equal after rounding half up to the printed decimals,
    or below a printed "<" bound), ``rounding`` (equal after truncation, the
    other common rounding), or ``mismatch``.
    """
    p = parse_printed(printed)
    if p.below:
        return "match" if value < float(p.value) else "mismatch"
    if _round(value, p.decimals) == p.value:
        return "match"
    if _round(value, p.decimals, ROUND_DOWN) == p.value:
        return "rounding"
    return "mismatch"


# --- counts ------------------------------------------------------------------


def group_sizes(published: Published, plan: AnalysisPlan | AnnexView) -> dict[str, int]:
    """Group code → size, from the annex headers ("(n=4)" …) of each focal column."""
    sizes = {}
    for annex in annex_view(plan).annexes:
        row = published.annex_groups[
            (published.annex_groups["annex"] == annex.number) & (published.annex_groups["column"] == "focal")
        ]
        sizes[str(annex.focal)] = int(row["printed"].iloc[0])
    return sizes


def printed_group_counts(published: Published, plan: AnalysisPlan | AnnexView) -> pd.DataFrame:
    """Per-group counts exactly as printed: each group's focal column.

    Returns
    -------
    DataFrame
        ``variable, level, group, quantity, n`` for every printed count and
        denominator ("2/2") of the focal columns.
    """
    cells = published.annex_cells
    focal_of = {a.number: a.focal for a in annex_view(plan).annexes}
    sub = cells[(cells["column"] == "focal") & cells["quantity"].isin(["count", "denominator"])]
    return pd.DataFrame(
        {
            "variable": sub["variable"].to_numpy(),
            "level": sub["level"].to_numpy(),
            "group": sub["annex"].map(focal_of).to_numpy(),
            "quantity": sub["quantity"].to_numpy(),
            "n": sub["printed"].astype(int).to_numpy(),
        }
    )


def cross_annex_consistency(published: Published, plan: AnalysisPlan | AnnexView) -> pd.DataFrame:
    """Check every printed "other" count against the focal counts of the other groups.

    Returns
    -------
    DataFrame
        ``annex, variable, level, quantity, printed, derived, status`` for every
        count and denominator of the "other" columns and every group size
        (``variable`` = group variable), ``status`` = ``consistent`` or
        ``inconsistent``.
    """
    plan = annex_view(plan)
    focal_of = {a.number: a.focal for a in plan.annexes}
    printed = printed_group_counts(published, plan)
    by_key = printed.set_index(["variable", "level", "quantity", "group"])["n"]
    records = []
    cells = published.annex_cells
    others = cells[(cells["column"] == "other") & cells["quantity"].isin(["count", "denominator"])]
    for r in others.itertuples(index=False):
        rest = [g for g in focal_of.values() if g != focal_of[r.annex]]
        try:
            derived = int(sum(by_key[(r.variable, r.level, r.quantity, g)] for g in rest))
        except KeyError:
            continue
        records.append((r.annex, r.variable, r.level, r.quantity, int(r.printed), derived))
    sizes = group_sizes(published, plan)
    groups = published.annex_groups
    for r in groups[groups["column"] == "other"].itertuples(index=False):
        derived = sum(n for g, n in sizes.items() if g != focal_of[r.annex])
        records.append((r.annex, plan.group_variable, r.group, "group_size", int(r.printed), derived))
    frame = pd.DataFrame.from_records(
        records, columns=["annex", "variable", "level", "quantity", "printed", "derived"]
    )
    frame["status"] = np.where(frame["printed"] == frame["derived"], "consistent", "inconsistent")
    return frame


def percent_checks(published: Published, plan: AnalysisPlan | AnnexView) -> pd.DataFrame:
    """Compare every printed annex percentage with its own count and denominator.

    The denominator is the printed one ("3/7") where there is one, else the
    column's group size from the annex header. A GRIM-style check: a
    percentage no integer count can give is caught as well as a typo.

    Returns
    -------
    DataFrame
        ``annex, variable, level, column, count, denominator, printed,
        recomputed, status`` with ``status`` as :func:`compare_printed`.
    """
    cells = published.annex_cells
    header = published.annex_groups.set_index(["annex", "column"])["printed"].astype(int)
    records = []
    # Each cell's printed quantities, grouped in one pass in order of first
    # appearance (what groupby(sort=False) gives, rows with a missing key left
    # out as it leaves them; a sub-frame per cell cost most of the check).
    by_cell: dict[tuple[Any, ...], dict[str, Any]] = {}
    lines = cells[cells["quantity"] != "p_value"]
    for annex, variable, level, column, quantity, printed in zip(
        lines["annex"],
        lines["variable"],
        lines["level"],
        lines["column"],
        lines["quantity"],
        lines["printed"],
        strict=True,
    ):
        key = (annex, variable, level, column)
        if not any(pd.isna(k) for k in key):
            by_cell.setdefault(key, {})[quantity] = printed
    for (annex, variable, level, column), quantities in by_cell.items():
        if "percent" not in quantities or "count" not in quantities:
            continue
        count = int(quantities["count"])
        denominator = int(quantities.get("denominator", header[(annex, column)]))
        recomputed = 100.0 * count / denominator
        records.append(
            (
                annex,
                variable,
                level,
                column,
                count,
                denominator,
                quantities["percent"],
                recomputed,
                compare_printed(quantities["percent"], recomputed),
            )
        )
    return pd.DataFrame.from_records(
        records,
        columns=[
            "annex",
            "variable",
            "level",
            "column",
            "count",
            "denominator",
            "printed",
            "recomputed",
            "status",
        ],
    )


# --- completing the counts the annexes do not print --------------------------


@dataclass(frozen=True)
class Split:
    """How the respondents of an annex row without a printed answer are shared
    between the row's unprinted answers.

    ``counts`` maps group → {level: n}; ``solutions`` is the number of splits
    that reproduce the row's three published p-values (0: none does, the
    first unprinted level takes everyone).
    """

    variable: str
    levels: tuple[str, ...]
    counts: dict[str, dict[str, int]]
    solutions: int
    candidates: int


def _row_pvalues_match(
    variable: str,
    per_group: dict[str, dict[str, int]],
    levels: list[str],
    plan: AnalysisPlan | AnnexView,
    published_p: dict[tuple[int, str], str],
) -> bool:
    from ..stats.compare import spss_crosstabs_pvalue

    for annex in annex_view(plan).annexes:
        focal = [per_group[str(annex.focal)].get(lv, 0) for lv in levels]
        other = [sum(per_group[g].get(lv, 0) for g in per_group if g != annex.focal) for lv in levels]
        p = spss_crosstabs_pvalue(np.array([focal, other]))
        if compare_printed(published_p[(int(annex.number or 0), variable)], p.value) != "match":
            return False
    return True


def _search_split(
    variable: str,
    printed: dict[str, dict[str, int]],
    remaining: dict[str, int],
    unprinted: list[str],
    levels: list[str],
    plan: AnalysisPlan | AnnexView,
    published_p: dict[tuple[int, str], str],
) -> Split:
    """Search the splits of ``remaining`` into the ``unprinted`` levels.

    Written by hand: an exhaustive search over integer compositions, small
    here (at most a few hundred candidates for two unprinted levels).

    Rule when several splits reproduce the three published p-values: the one
    giving the most answers to the first unprinted level (the questionnaire's
    own "Non"), then the smallest counts of the later levels in group order.
    """
    groups = list(remaining)

    def compositions(total: int, parts: int) -> list[tuple[int, ...]]:
        if parts == 1:
            return [(total,)]
        return [(k, *rest) for k in range(total, -1, -1) for rest in compositions(total - k, parts - 1)]

    options = [compositions(remaining[g], len(unprinted)) for g in groups]
    hits: list[dict[str, dict[str, int]]] = []
    candidates = 0
    for combo in itertools.product(*options):
        candidates += 1
        per_group = {
            g: {**printed[g], **dict(zip(unprinted, combo[i], strict=True))} for i, g in enumerate(groups)
        }
        if _row_pvalues_match(variable, per_group, levels, plan, published_p):
            hits.append(per_group)
    if not hits:
        chosen = {g: {**printed[g], unprinted[0]: remaining[g]} for g in groups}
        return Split(variable, tuple(unprinted), chosen, 0, candidates)

    def rank(per_group: dict[str, dict[str, int]]) -> tuple[int, tuple[int, ...]]:
        first = sum(per_group[g][unprinted[0]] for g in groups)
        later = tuple(per_group[g][lv] for lv in unprinted[1:] for g in groups)
        return (-first, later)

    chosen = min(hits, key=rank)
    return Split(variable, tuple(unprinted), chosen, len(hits), candidates)


def unprinted_splits(plan: AnalysisPlan | AnnexView, codebook: Codebook) -> frozenset[str]:
    """Annex variables with more than one answer the annexes do not print: their
    split between those answers is inferred, never printed."""
    return frozenset(
        r.variable
        for r in annex_view(plan).rows
        if sum(code not in r.printed_levels for code in codebook[r.variable].codes) > 1
    )


def published_counts(
    published: Published, plan: AnalysisPlan | AnnexView, codebook: Codebook
) -> tuple[pd.DataFrame, list[Split]]:
    """Complete per-group counts of every annex row from the published values.

    Binary rows often print only the first answer's count: the rest of the
    group (its size, or the printed denominator) answered the other level.
    Where a row has more than one unprinted level (a "don't know" the
    codebook adds to a printed yes/no, say), the split between them is
    searched for (:class:`Split`).

    Returns
    -------
    counts : DataFrame
        ``variable, level, group, n, source`` with ``source`` in ``printed``,
        ``complement`` (group size minus the printed levels) or ``inferred``
        (a split fitted to the row's published p-values).
    splits : list of Split
    """
    plan = annex_view(plan)
    sizes = group_sizes(published, plan)
    printed = printed_group_counts(published, plan)
    published_p = {(int(r.annex), r.variable): r.printed for r in published.pvalues().itertuples()}
    records = []
    splits = []
    for row in plan.rows:
        levels = list(codebook[row.variable].codes)
        sub = printed[printed["variable"] == row.variable]
        counts_of = {
            g: dict(
                zip(
                    sub[(sub["group"] == g) & (sub["quantity"] == "count")]["level"],
                    sub[(sub["group"] == g) & (sub["quantity"] == "count")]["n"],
                    strict=True,
                )
            )
            for g in sizes
        }
        totals = {}
        for g in sizes:
            den = sub[(sub["group"] == g) & (sub["quantity"] == "denominator")]["n"]
            totals[g] = int(den.iloc[0]) if len(den) else sizes[g]
        unprinted = [lv for lv in levels if lv not in row.printed_levels]
        remaining = {g: totals[g] - sum(counts_of[g].values()) for g in sizes}
        source = {lv: "printed" for lv in row.printed_levels}
        if len(unprinted) == 1:
            for g in sizes:
                counts_of[g][unprinted[0]] = remaining[g]
            source[unprinted[0]] = "complement"
        elif len(unprinted) > 1:
            split = _search_split(row.variable, counts_of, remaining, unprinted, levels, plan, published_p)
            splits.append(split)
            counts_of = split.counts
            source.update({lv: "inferred" for lv in unprinted})
        for g in sizes:
            for lv in levels:
                records.append((row.variable, lv, g, int(counts_of[g].get(lv, 0)), source.get(lv, "printed")))
    counts = pd.DataFrame.from_records(records, columns=["variable", "level", "group", "n", "source"])
    return counts, splits
