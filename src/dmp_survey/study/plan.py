"""The analysis plan: which figure shows which question, and which annex
compares which group with the rest, row by row (``data/analysis_plan.yaml``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .codebook import Codebook, Condition, parse_condition
from ..errors import PlanError

__all__ = ["AnalysisPlan", "Annex", "AnnexRow", "Figure", "load_plan"]


def _lang(mapping: Mapping[str, str], lang: str) -> str:
    return mapping.get(lang) or mapping.get("fr") or ""


@dataclass(frozen=True)
class Figure:
    number: int
    variable: str
    caption: Mapping[str, str]
    denominator: Mapping[str, str]
    note: str | None = None

    def title(self, lang: str = "fr") -> str:
        """The caption as the thesis prints it: "Figure 1 : âge de la population étudiée"."""
        sep = " : " if lang != "en" else ": "
        return f"Figure {self.number}{sep}{_lang(self.caption, lang)}"


@dataclass(frozen=True)
class AnnexRow:
    variable: str
    label: Mapping[str, str]
    printed_levels: tuple[str, ...]
    among: Condition | None = None
    level_labels: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Annex:
    number: int
    roman: str
    title: Mapping[str, str]
    focal: str
    focal_label: Mapping[str, str]
    other_label: Mapping[str, str]


@dataclass(frozen=True)
class AnalysisPlan:
    path: Path
    group_variable: str
    figures: tuple[Figure, ...]
    annexes: tuple[Annex, ...]
    rows: tuple[AnnexRow, ...]

    def annex(self, number: int) -> Annex:
        for a in self.annexes:
            if a.number == number:
                return a
        raise KeyError(number)

    def row(self, variable: str) -> AnnexRow:
        for r in self.rows:
            if r.variable == variable:
                return r
        raise KeyError(variable)


def load_plan(path: Path, codebook: Codebook) -> AnalysisPlan:
    """Read the analysis plan and check it against the codebook.

    Raises
    ------
    PlanError
        A figure or annex row naming an unknown variable or answer, an annex
        whose focal group is not a level of the group variable, a duplicate
        figure number or annex row.
    """
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PlanError(path, "analysis plan not found") from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise PlanError(path, f"cannot read the analysis plan: {exc.__class__.__name__}") from None
    if not isinstance(raw, Mapping):
        raise PlanError(path, "an analysis plan is a mapping")
    try:
        group = codebook.derived_variable(str(raw["group_variable"]))
        figures = tuple(
            Figure(
                number=int(f["number"]),
                variable=str(f["variable"]),
                caption=f["caption"],
                denominator=f["denominator"],
                note=f.get("note"),
            )
            for f in raw.get("figures", [])
        )
        annexes = tuple(
            Annex(
                number=int(a["number"]),
                roman=str(a["roman"]),
                title=a["title"],
                focal=str(a["focal"]),
                focal_label=a["focal_label"],
                other_label=a["other_label"],
            )
            for a in raw.get("annexes", [])
        )
        rows = tuple(
            AnnexRow(
                variable=str(r["variable"]),
                label=r["label"],
                printed_levels=tuple(str(c) for c in r.get("printed_levels", [])),
                among=parse_condition(path, r["among"], f"annex row {r['variable']}")
                if r.get("among")
                else None,
                level_labels={str(k): str(v) for k, v in (r.get("level_labels") or {}).items()},
            )
            for r in raw.get("annex_rows", [])
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise PlanError(path, f"malformed analysis plan ({exc.__class__.__name__}: {exc})") from None
    numbers = [f.number for f in figures]
    if len(set(numbers)) != len(numbers):
        raise PlanError(path, "duplicate figure number")
    for f in figures:
        if f.variable not in codebook:
            raise PlanError(path, f"figure {f.number}: unknown variable '{f.variable}'")
    variables = [r.variable for r in rows]
    if len(set(variables)) != len(variables):
        raise PlanError(path, "duplicate annex row")
    for r in rows:
        if r.variable not in codebook or not codebook[r.variable].is_categorical:
            raise PlanError(path, f"annex row '{r.variable}': not a categorical question of the codebook")
        unknown = [c for c in (*r.printed_levels, *r.level_labels) if c not in codebook[r.variable].codes]
        if unknown:
            raise PlanError(path, f"annex row '{r.variable}': unknown answer '{unknown[0]}'")
        if r.among is not None:
            for qid in r.among.questions():
                if qid not in codebook:
                    raise PlanError(path, f"annex row '{r.variable}': 'among' names unknown '{qid}'")
    for a in annexes:
        if a.focal not in group.codes:
            raise PlanError(path, f"annex {a.number}: focal group '{a.focal}' is not a level of {group.id}")
    return AnalysisPlan(path=path, group_variable=group.id, figures=figures, annexes=annexes, rows=rows)
