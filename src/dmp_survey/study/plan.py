"""The analysis plan (``plan.yaml`` of a study folder): which figure shows which
question, and which comparisons set which groups side by side, row by row.

The file's shape is checked by its JSON Schema (``schema/plan.schema.json``)
before this module reads it; here come the checks against the codebook.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import PlanError
from .codebook import CATEGORICAL_TYPES, Codebook, Condition, QuestionType, parse_condition
from .yamlfile import YamlFile

__all__ = [
    "COMPARISON_KINDS",
    "AnalysisPlan",
    "Comparison",
    "Figure",
    "Row",
    "build_plan",
    "group_levels",
    "load_plan",
]

COMPARISON_KINDS = ("one_vs_rest", "pair", "all_groups")
FIGURE_TYPES = CATEGORICAL_TYPES | {QuestionType.NUMERIC, QuestionType.MULTIPLE}

# The engine's own words for a column nobody named.
_OTHERS = {"fr": "Autres", "en": "Others"}


def _lang(mapping: Mapping[str, str], lang: str) -> str:
    return mapping.get(lang) or mapping.get("fr") or ""


@dataclass(frozen=True)
class Figure:
    number: int
    variable: str
    caption: Mapping[str, str]
    denominator: Mapping[str, str]
    note: str | Mapping[str, str] | None = None

    def note_text(self, lang: str = "fr") -> str:
        """The figure's note in ``lang`` (a plain string is the same in both)."""
        if not self.note:
            return ""
        return self.note if isinstance(self.note, str) else _lang(self.note, lang)

    def title(self, lang: str = "fr") -> str:
        """The caption as a manuscript prints it: "Figure 1 : âge de la population"
        (a no-break space before the French colon)."""
        sep = "\u00a0: " if lang != "en" else ": "
        return f"Figure {self.number}{sep}{_lang(self.caption, lang)}"


@dataclass(frozen=True)
class Row:
    """One row of a comparison table: a categorical question."""

    variable: str
    label: Mapping[str, str]
    printed_levels: tuple[str, ...]
    among: Condition | None = None
    level_labels: Mapping[str, str] = field(default_factory=dict)
    numeric: bool = False
    test: str | None = None  # numeric rows: mann_whitney, kruskal, welch or anova


@dataclass(frozen=True)
class Comparison:
    """Groups of one variable compared row by row.

    ``kind`` is ``one_vs_rest`` (``focal`` against every other group),
    ``pair`` (``focal`` against ``versus``, the rest left out) or
    ``all_groups`` (every group side by side).
    """

    id: str
    kind: str
    group_variable: str
    title: Mapping[str, str]
    label: Mapping[str, str]
    rows: tuple[Row, ...]
    focal: str | None = None
    versus: str | None = None
    focal_label: Mapping[str, str] = field(default_factory=dict)
    other_label: Mapping[str, str] = field(default_factory=dict)
    number: int | None = None
    p_value: str = "exact"
    posthoc: str | None = None  # all_groups: "holm" or "fdr_bh" pairwise tests
    family: str = "table"  # multiplicity family: this table's rows, or every "all_tables" row

    def heading(self, lang: str = "fr") -> str:
        """ "Annexe I : titre", or the title alone when the label is the title."""
        label, title = _lang(self.label, lang), _lang(self.title, lang)
        if label == title:
            return title
        return f"{label} : {title}" if lang != "en" else f"{label}: {title}"

    def row(self, variable: str) -> Row:
        for r in self.rows:
            if r.variable == variable:
                return r
        raise KeyError(variable)


@dataclass(frozen=True)
class AnalysisPlan:
    path: Path
    figures: tuple[Figure, ...]
    comparisons: tuple[Comparison, ...]

    def comparison(self, cid: str) -> Comparison:
        for c in self.comparisons:
            if c.id == cid:
                return c
        raise KeyError(cid)

    def numbered(self, number: int) -> Comparison:
        """The comparison a publication numbers ``number`` (its annex or table)."""
        for c in self.comparisons:
            if c.number == number:
                return c
        raise KeyError(number)


def group_is_ordered(codebook: Codebook, variable: str) -> bool:
    """Whether a grouping variable's levels are ordered (a trend test then applies)."""
    for d in codebook.derived:
        if d.id == variable:
            return d.ordered
    return codebook[variable].is_ordered


def group_levels(codebook: Codebook, variable: str) -> list[tuple[str, Mapping[str, str]]]:
    """(code, {fr, en}) of each level of a grouping variable: a derived
    variable or a categorical question."""
    for d in codebook.derived:
        if d.id == variable:
            return [(lv.code, {"fr": lv.fr, "en": lv.en}) for lv in d.levels]
    if variable in codebook and codebook[variable].is_categorical:
        return [(a.code, {"fr": a.fr, "en": a.en}) for a in codebook[variable].answers]
    raise KeyError(variable)


def _row(doc: YamlFile, node: Mapping[str, Any], key: tuple[str | int, ...], codebook: Codebook) -> Row:
    variable = str(node["variable"])
    if variable not in codebook or not (
        codebook[variable].is_categorical or codebook[variable].type is QuestionType.NUMERIC
    ):
        raise doc.error(
            (*key, "variable"),
            f"unknown question '{variable}' (expected a categorical or numeric question of the codebook, "
            "or an option ID__CODE of a multiple question)",
            PlanError,
        )
    q = codebook[variable]
    among = None
    if node.get("among") is not None:
        among = parse_condition(doc.path, node["among"], f"row '{variable}'")
        _check_condition(doc, (*key, "among"), among, codebook)
    if q.type is QuestionType.NUMERIC:
        for name in ("printed_levels", "level_labels"):
            if name in node:
                raise doc.error((*key, name), f"a numeric row has no '{name}'", PlanError)
        return Row(
            variable=variable,
            label=node["label"],
            printed_levels=(),
            among=among,
            numeric=True,
            test=node.get("test"),
        )
    if node.get("test") is not None:
        raise doc.error((*key, "test"), "'test' is for numeric rows", PlanError)
    printed = node.get("printed_levels")
    if printed is None:
        # Binary rows print their first answer ("yes"); others every answer.
        printed = [q.codes[0]] if q.type.value == "binary" else list(q.codes)
    for i, code in enumerate(printed):
        if str(code) not in q.codes:
            raise doc.error(
                (*key, "printed_levels", i),
                f"unknown answer '{code}' of '{variable}' (expected one of {', '.join(q.codes)})",
                PlanError,
            )
    labels = {str(k): str(v) for k, v in (node.get("level_labels") or {}).items()}
    for code in labels:
        if code not in q.codes:
            raise doc.error(
                (*key, "level_labels", code),
                f"unknown answer '{code}' of '{variable}' (expected one of {', '.join(q.codes)})",
                PlanError,
            )
    return Row(
        variable=variable,
        label=node["label"],
        printed_levels=tuple(str(c) for c in printed),
        among=among,
        level_labels=labels,
    )


def _check_condition(doc: YamlFile, key: tuple[str | int, ...], cond: Condition, codebook: Codebook) -> None:
    stack = [cond]
    while stack:
        c = stack.pop()
        if c.question is not None:
            if c.question not in codebook:
                raise doc.error(key, f"condition names unknown question '{c.question}'", PlanError)
            unknown = [code for code in c.codes if code not in codebook[c.question].codes]
            if unknown:
                raise doc.error(
                    key, f"condition uses unknown answer '{unknown[0]}' of '{c.question}'", PlanError
                )
        stack.extend((*c.all_of, *c.any_of, *((c.negate,) if c.negate else ())))


def build_plan(doc: YamlFile, codebook: Codebook) -> AnalysisPlan:
    """The plan of a schema-valid ``plan.yaml``, checked against the codebook.

    Raises
    ------
    PlanError
        A figure, row or comparison naming an unknown variable, answer or
        group; a duplicate figure number, row or comparison id; a pair whose
        two groups are the same. Located at the file's line and key.
    """
    raw = doc.data or {}
    figures = []
    key: tuple[str | int, ...]
    for i, f in enumerate(raw.get("figures") or [], start=1):
        key = ("figures", i - 1)
        variable = str(f["variable"])
        if variable not in codebook or codebook[variable].type not in FIGURE_TYPES:
            raise doc.error(
                (*key, "variable"),
                f"unknown variable '{variable}' (expected a categorical, numeric or multiple question "
                "of the codebook)",
                PlanError,
            )
        if "{n}" not in f["denominator"]["fr"] or "{n}" not in f["denominator"]["en"]:
            raise doc.error((*key, "denominator"), "expected '{n}' where the number goes", PlanError)
        figures.append(
            Figure(
                number=int(f.get("number", i)),
                variable=variable,
                caption=f["caption"],
                denominator=f["denominator"],
                note=f.get("note"),
            )
        )
    seen_numbers: dict[int, int] = {}
    for i, fig in enumerate(figures):
        if fig.number in seen_numbers:
            raise doc.error(("figures", i, "number"), f"duplicate figure number {fig.number}", PlanError)
        seen_numbers[fig.number] = i

    default_rows = tuple(_row(doc, r, ("rows", i), codebook) for i, r in enumerate(raw.get("rows") or []))
    _unique_rows(doc, ("rows",), default_rows)

    comparisons = []
    ids: set[str] = set()
    numbers: set[int] = set()
    for i, c in enumerate(raw.get("comparisons") or []):
        key = ("comparisons", i)
        cid = str(c["id"])
        if cid in ids:
            raise doc.error((*key, "id"), f"duplicate comparison id '{cid}'", PlanError)
        ids.add(cid)
        group = str(c["group_variable"])
        try:
            levels = group_levels(codebook, group)
        except KeyError:
            raise doc.error(
                (*key, "group_variable"),
                f"unknown group variable '{group}' (expected a derived variable or categorical question)",
                PlanError,
            ) from None
        codes = [code for code, _ in levels]
        labels = dict(levels)
        for field_name in ("focal", "versus"):
            value = c.get(field_name)
            if value is not None and str(value) not in codes:
                raise doc.error(
                    (*key, field_name),
                    f"'{value}' is not a group of {group} (expected one of {', '.join(codes)})",
                    PlanError,
                )
        focal = None if c.get("focal") is None else str(c["focal"])
        versus = None if c.get("versus") is None else str(c["versus"])
        kind = str(c["kind"])
        if kind == "pair" and focal == versus:
            raise doc.error((*key, "versus"), "a pair compares two different groups", PlanError)
        if c.get("posthoc") is not None and kind != "all_groups":
            raise doc.error(
                (*key, "posthoc"), "pairwise post-hoc tests are for all_groups comparisons", PlanError
            )
        if c.get("p_value") == "chi2_if_expected_ge_5" and kind != "all_groups":
            raise doc.error(
                (*key, "p_value"), "chi2_if_expected_ge_5 is a rule of all_groups comparisons", PlanError
            )
        if c.get("rows") is not None:
            rows = tuple(_row(doc, r, (*key, "rows", j), codebook) for j, r in enumerate(c["rows"]))
            _unique_rows(doc, (*key, "rows"), rows)
        else:
            rows = default_rows
        if not rows:
            raise doc.error(key, "a comparison needs rows (its own 'rows' or the plan's)", PlanError)
        for j, r in enumerate(rows):
            if r.variable == group:
                raise doc.error((*key, "rows", j), f"'{group}' is the group variable itself", PlanError)
        number = c.get("number")
        if number is not None:
            if int(number) in numbers:
                raise doc.error((*key, "number"), f"duplicate comparison number {number}", PlanError)
            numbers.add(int(number))
        focal_label = c.get("focal_label") or (labels[focal] if focal else {})
        if c.get("other_label"):
            other_label = c["other_label"]
        elif kind == "pair" and versus:
            other_label = labels[versus]
        else:
            other_label = dict(_OTHERS)
        comparisons.append(
            Comparison(
                id=cid,
                kind=kind,
                group_variable=group,
                title=c["title"],
                label=c.get("label") or c["title"],
                rows=rows,
                focal=focal,
                versus=versus,
                focal_label=focal_label,
                other_label=other_label,
                number=None if number is None else int(number),
                p_value=str(c.get("p_value", "exact")),
                posthoc=c.get("posthoc"),
                family=str(c.get("family", "table")),
            )
        )
    return AnalysisPlan(path=doc.path, figures=tuple(figures), comparisons=tuple(comparisons))


def _unique_rows(doc: YamlFile, key: tuple[str | int, ...], rows: tuple[Row, ...]) -> None:
    seen: set[str] = set()
    for j, r in enumerate(rows):
        if r.variable in seen:
            raise doc.error((*key, j, "variable"), f"duplicate row '{r.variable}'", PlanError)
        seen.add(r.variable)


def load_plan(path: Path, codebook: Codebook) -> AnalysisPlan:
    """Read, schema-check and build ``plan.yaml`` against ``codebook``."""
    from .folder import validate_schema
    from .yamlfile import read_yaml

    doc = read_yaml(path, "analysis plan", PlanError)
    validate_schema(doc, "plan", PlanError)
    return build_plan(doc, codebook)
