"""``comparisons.xlsx``: the tables as numbers a spreadsheet can sort, sum
and format.

One sheet for the descriptive table, one per comparison (one line per
question × answer, each group's n, denominator and share side by side, the
question's p-values repeated on each of its answers so that a sort or a filter
keeps them), one per comparison with numeric rows (median, quartiles… per
group), and a legend sheet naming what every column of every sheet means.
Counts are integers, shares fractions shown with a percent format, p-values
numbers shown with three decimals or "<0,001" by their number format; words
are in the run's language. Header rows are frozen, columns sized, every sheet
filtered by its header.

Text cells go through :func:`~dmp_survey.io.writers.write_xlsx_sheets`, which
stores them as text (never a formula) whatever their first character.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..io.writers import set_style, write_xlsx_sheets
from ..study.codebook import Codebook
from ..study.plan import AnalysisPlan, Comparison, group_levels
from . import numbers
from .annex import SHORT_TESTS, _level_label, _sheet_name, family_note, records_by_variable

__all__ = ["COLUMN_KINDS", "write_workbook"]

# What a numeric column holds; the number format follows (numbers.XLSX_FORMATS).
COLUMN_KINDS = ("count", "percent", "p", "ratio", "decimal")

_T = {
    "fr": {
        "descriptive": "Descriptif",
        "legend": "Légende",
        "numeric_suffix": " (num.)",
        "question": "Question",
        "answer": "Réponse",
        "n": "n",
        "denominator": "dénominateur",
        "percent": "%",
        "ci_low": "IC 95 % bas",
        "ci_high": "IC 95 % haut",
        "missing": "(sans réponse)",
        "answered": "(a répondu)",
        "not_answered": "Non renseigné",
        "overall": "Ensemble",
        "p": "p",
        "test": "test",
        "p_exact": "p exact bilatéral",
        "test_exact": "test exact",
        "p_holm": "p Holm",
        "p_bh": "p BH",
        "odds_ratio": "OR conditionnel",
        "or_ci_low": "OR IC 95 % bas",
        "or_ci_high": "OR IC 95 % haut",
        "cramers_v": "V de Cramér",
        "min_expected": "effectif attendu min.",
        "p_trend": "p tendance",
        "test_trend": "test de tendance",
        "group": "groupe",
        "missing_n": "sans réponse",
        "mean": "moyenne",
        "sd": "écart type",
        "median": "médiane",
        "q1": "Q1",
        "q3": "Q3",
        "min": "min.",
        "max": "max.",
        "sheet": "feuille",
        "column": "colonne",
        "meaning": "signification",
        "legend_title": "Ce que contient chaque colonne de chaque feuille",
        "all_comparisons": "chaque feuille de comparaison",
        "all_numeric": "chaque feuille « (num.) »",
    },
    "en": {
        "descriptive": "Descriptive",
        "legend": "Legend",
        "numeric_suffix": " (num.)",
        "question": "Question",
        "answer": "Answer",
        "n": "n",
        "denominator": "denominator",
        "percent": "%",
        "ci_low": "95% CI low",
        "ci_high": "95% CI high",
        "missing": "(no answer)",
        "answered": "(answered)",
        "not_answered": "Not answered",
        "overall": "Overall",
        "p": "p",
        "test": "test",
        "p_exact": "exact p (two-sided)",
        "test_exact": "exact test",
        "p_holm": "Holm p",
        "p_bh": "BH p",
        "odds_ratio": "conditional OR",
        "or_ci_low": "OR 95% CI low",
        "or_ci_high": "OR 95% CI high",
        "cramers_v": "Cramér's V",
        "min_expected": "min. expected count",
        "p_trend": "trend p",
        "test_trend": "trend test",
        "group": "group",
        "missing_n": "no answer",
        "mean": "mean",
        "sd": "SD",
        "median": "median",
        "q1": "Q1",
        "q3": "Q3",
        "min": "min",
        "max": "max",
        "sheet": "sheet",
        "column": "column",
        "meaning": "meaning",
        "legend_title": "What every column of every sheet holds",
        "all_comparisons": "every comparison sheet",
        "all_numeric": "every “(num.)” sheet",
    },
}

_MEANING = {
    "fr": {
        "question": "la question (son numéro et son libellé) ou la ligne du tableau",
        "answer": "la réponse ; « (sans réponse) » : les personnes interrogées qui n'ont pas répondu",
        "n": "nombre de répondants ayant donné cette réponse",
        "denominator": "nombre de répondants à qui la question a été posée",
        "percent": "n / dénominateur (nombre, affiché en pourcentage)",
        "ci_low": "borne basse de l'intervalle de confiance à 95 % de Wilson du pourcentage",
        "ci_high": "borne haute de l'intervalle de confiance à 95 % de Wilson du pourcentage",
        "group_n": "{group} : nombre de répondants du groupe ayant donné cette réponse",
        "group_den": "{group} : nombre de répondants du groupe ayant répondu à la question "
        "(ou de ceux que la ligne désigne)",
        "group_pct": "{group} : n / dénominateur du groupe (nombre, affiché en pourcentage)",
        "p": "p de la question selon la convention du plan (répétée sur chacune de ses réponses) ; "
        "affichée à trois décimales, « <0,001 » en dessous",
        "test": "le test qui donne p",
        "p_exact": "p exacte bilatérale (Fisher 2×2, Fisher-Freeman-Halton r×c)",
        "test_exact": "le test qui donne la p exacte",
        "p_holm": "p exacte ajustée par Holm sur la famille indiquée sous le tableau",
        "p_bh": "p exacte ajustée par Benjamini-Hochberg sur la même famille",
        "odds_ratio": "odds ratio conditionnel (maximum de vraisemblance, comme fisher.test de R), 2×2 "
        "seulement ; « ∞ » en texte quand il est infini",
        "or_ci_low": "borne basse de son intervalle de confiance exact à 95 %",
        "or_ci_high": "borne haute de son intervalle de confiance exact à 95 % (« ∞ » en texte)",
        "cramers_v": "V de Cramér de la question",
        "min_expected": "plus petit effectif attendu du tableau (moins de 5 : test du χ² peu fiable)",
        "p_trend": "p du test de tendance pour les réponses ordonnées",
        "test_trend": "le test de tendance",
        "group": "le groupe",
        "missing_n": "répondants interrogés sans réponse",
        "mean": "moyenne",
        "sd": "écart type",
        "median": "médiane",
        "q1": "premier quartile (type 7 de R)",
        "q3": "troisième quartile (type 7 de R)",
        "min": "minimum",
        "max": "maximum",
        "num_p": "p de la comparaison des groupes (répétée sur chaque groupe)",
    },
    "en": {
        "question": "the question (its number and wording) or the table's row",
        "answer": "the answer; “(no answer)”: the respondents asked who did not answer",
        "n": "respondents giving this answer",
        "denominator": "respondents the question was asked to",
        "percent": "n / denominator (a number shown as a percentage)",
        "ci_low": "lower bound of the percentage's 95% Wilson interval",
        "ci_high": "upper bound of the percentage's 95% Wilson interval",
        "group_n": "{group}: respondents of the group giving this answer",
        "group_den": "{group}: respondents of the group who answered the question (or those the row names)",
        "group_pct": "{group}: the group's n / denominator (a number shown as a percentage)",
        "p": "the question's p-value by the plan's convention (repeated on each of its answers); "
        "shown with three decimals, “<0.001” below",
        "test": "the test giving p",
        "p_exact": "exact two-sided p-value (Fisher 2×2, Fisher-Freeman-Halton r×c)",
        "test_exact": "the test giving the exact p",
        "p_holm": "exact p adjusted by Holm over the family stated under the table",
        "p_bh": "exact p adjusted by Benjamini-Hochberg over the same family",
        "odds_ratio": "conditional odds ratio (maximum likelihood, as R's fisher.test), 2×2 only; "
        "“∞” as text when infinite",
        "or_ci_low": "lower bound of its exact 95% confidence interval",
        "or_ci_high": "upper bound of its exact 95% confidence interval (“∞” as text)",
        "cramers_v": "the question's Cramér's V",
        "min_expected": "smallest expected count of the table (below 5: a χ² test is unreliable)",
        "p_trend": "p-value of the trend test for ordered answers",
        "test_trend": "the trend test",
        "group": "the group",
        "missing_n": "respondents asked who did not answer",
        "mean": "mean",
        "sd": "standard deviation",
        "median": "median",
        "q1": "first quartile (R's type 7)",
        "q3": "third quartile (R's type 7)",
        "min": "minimum",
        "max": "maximum",
        "num_p": "p-value of the groups' comparison (repeated on each group)",
    },
}


@dataclass
class _Sheet:
    name: str
    title: str
    header: list[str]
    kinds: list[str | None]
    widths: list[float]
    rows: list[list[Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    legend: list[tuple[str, str]] = field(default_factory=list)  # (column, meaning)
    notice: str = ""

    def add(self, key: str, header: str, kind: str | None, width: float, meaning: str) -> None:
        self.header.append(header)
        self.kinds.append(kind)
        self.widths.append(width)
        self.legend.append((header, meaning))

    def all_rows(self) -> tuple[list[list[Any]], int]:
        """Every row of the sheet and the 1-based number of its header row."""
        top: list[list[Any]] = [[self.title]]
        if self.notice:
            top.append([self.notice])
        top.append([])
        header_row = len(top) + 1
        bottom: list[list[Any]] = [[], *([n] for n in self.notes)] if self.notes else []
        return [*top, self.header, *self.rows, *bottom], header_row


def _number(value: Any) -> Any:
    """A cell value: None for NaN, int for whole counts, float otherwise."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return value


def _count(value: Any) -> int | None:
    v = _number(value)
    return None if v is None else int(v)


def _fraction(percent: Any) -> float | None:
    v = _number(percent)
    return None if v is None else float(v) / 100.0


def _ratio_cell(value: Any) -> Any:
    """A finite odds ratio as a number, ∞ as text (a spreadsheet holds no infinity)."""
    v = _number(value)
    if v is None:
        return None
    return "∞" if math.isinf(v) else v


def _labels(codebook: Codebook, variable: str, level: str, lang: str) -> tuple[str, str]:
    t = _T[lang]
    special = {"(missing)": t["missing"], "(answered)": t["answered"]}
    if variable in codebook:
        q = codebook[variable]
        name = f"{q.number} {q.label(lang)}"
        answer = q.answer(level).label(lang) if level in q.codes else special.get(level, level)
    else:
        d = codebook.derived_variable(variable)
        name = d.en if lang == "en" else d.fr
        answer = d.level(level).label(lang) if level in d.codes else special.get(level, level)
    return name, answer


def _descriptive_sheet(descriptive: pd.DataFrame, codebook: Codebook, lang: str, used: set[str]) -> _Sheet:
    t, m = _T[lang], _MEANING[lang]
    name = t["descriptive"]
    used.add(name)
    sheet = _Sheet(name, t["descriptive"], [], [], [])
    for key, kind, width in (
        ("question", None, 40),
        ("answer", None, 28),
        ("n", "count", 7),
        ("denominator", "count", 13),
        ("percent", "percent", 9),
        ("ci_low", "percent", 11),
        ("ci_high", "percent", 11),
    ):
        sheet.add(key, t[key], kind, width, m[key])
    for r in descriptive.itertuples(index=False):
        question, answer = _labels(codebook, str(r.variable), str(r.level), lang)
        sheet.rows.append(
            [
                question,
                answer,
                _count(r.n),
                _count(r.denominator),
                _fraction(r.percent),
                _fraction(r.ci_low),
                _fraction(r.ci_high),
            ]
        )
    return sheet


def _modern_columns(sheet: _Sheet, lang: str, with_odds: bool) -> None:
    t, m = _T[lang], _MEANING[lang]
    spec: list[tuple[str, str | None, float]] = [
        ("p", "p", 8),
        ("test", None, 18),
        ("p_exact", "p", 10),
        ("test_exact", None, 20),
        ("p_holm", "p", 8),
        ("p_bh", "p", 8),
    ]
    if with_odds:
        spec += [("odds_ratio", "ratio", 11), ("or_ci_low", "ratio", 10), ("or_ci_high", "ratio", 10)]
    spec += [
        ("cramers_v", "decimal2", 9),
        ("min_expected", "decimal", 11),
        ("p_trend", "p", 9),
        ("test_trend", None, 18),
    ]
    for key, kind, width in spec:
        sheet.add(key, t[key], kind, width, m[key])


def _modern_cells(first: Mapping[str, Any], lang: str, with_odds: bool) -> list[Any]:
    tests = SHORT_TESTS[lang]
    constant = first["test"] == "constant"
    cells: list[Any] = [
        1.0 if constant else _number(first["p_value"]),
        tests.get(str(first["test"]), str(first["test"])),
        _number(first["p_exact"]),
        tests.get(str(first["test_exact"]), str(first["test_exact"])),
        _number(first["p_holm"]),
        _number(first["p_bh"]),
    ]
    if with_odds:
        cells += [
            _ratio_cell(first.get("odds_ratio")),
            _ratio_cell(first.get("or_ci_low")),
            _ratio_cell(first.get("or_ci_high")),
        ]
    trend_test = first.get("test_trend")
    has_trend = isinstance(trend_test, str) and trend_test
    cells += [
        _number(first["cramers_v"]),
        _number(first["min_expected"]),
        _number(first.get("p_trend")) if has_trend else None,
        tests.get(str(trend_test), str(trend_test)) if has_trend else None,
    ]
    return cells


def _comparison_sheet(
    table: pd.DataFrame,
    comparison: Comparison,
    plan: AnalysisPlan,
    tables: Mapping[str, pd.DataFrame],
    codebook: Codebook,
    lang: str,
    used: set[str],
) -> _Sheet:
    from ..stats.counts import OTHER, OVERALL

    t, m = _T[lang], _MEANING[lang]
    name = _sheet_name(comparison, lang, used)
    sheet = _Sheet(name, comparison.heading(lang), [], [], [])
    sheet.add("question", t["question"], None, 30, m["question"])
    sheet.add("answer", t["answer"], None, 24, m["answer"])
    if comparison.kind == "all_groups":
        levels_of = group_levels(codebook, comparison.group_variable)
        groups = [(code, label.get(lang) or label["fr"]) for code, label in levels_of]
        groups.append((OVERALL, t["overall"]))
    else:
        other = OTHER if comparison.kind == "one_vs_rest" else str(comparison.versus)
        groups = [
            ("focal", comparison.focal_label.get(lang) or comparison.focal_label["fr"]),
            (other, comparison.other_label.get(lang) or comparison.other_label["fr"]),
        ]
    for _code, label in groups:
        sheet.add("n", f"{label} n", "count", 11, m["group_n"].format(group=label))
        sheet.add("den", f"{label} N", "count", 11, m["group_den"].format(group=label))
        sheet.add("pct", f"{label} %", "percent", 11, m["group_pct"].format(group=label))
    with_odds = comparison.kind != "all_groups"
    _modern_columns(sheet, lang, with_odds)
    # The table's lines read once, by question, then by answer (and by answer
    # and group) rather than filtered out of the table for each cell; the
    # first line of each, as a filter's first hit.
    by_variable = records_by_variable(table)
    for row in comparison.rows:
        if row.numeric or row.variable not in by_variable:
            continue
        records = by_variable[row.variable]
        first = records[0]
        by_level: dict[Any, dict[str, Any]] = {}
        by_group: dict[tuple[Any, Any], dict[str, Any]] = {}
        for record in records:
            by_level.setdefault(record["level"], record)
            if comparison.kind == "all_groups":
                by_group.setdefault((record["level"], record["group"]), record)
        q = codebook[row.variable]
        label = row.label.get(lang) or row.label["fr"]
        modern = _modern_cells(first, lang, with_odds)
        for code in row.printed_levels:
            answer = _level_label(row, q, code, lang)
            cells: list[Any] = [label, answer]
            if comparison.kind == "all_groups":
                for g, _ in groups:
                    r = by_group.get((code, g))
                    cells += (
                        [None, None, None]
                        if r is None
                        else [_count(r["n"]), _count(r["denominator"]), _fraction(r["percent"])]
                    )
            else:
                lv = by_level[code]
                cells += [
                    _count(lv["n_focal"]),
                    _count(lv["n_focal_total"]),
                    _fraction(lv["pct_focal"]),
                    _count(lv["n_other"]),
                    _count(lv["n_other_total"]),
                    _fraction(lv["pct_other"]),
                ]
            sheet.rows.append(cells + modern)
        if comparison.kind == "all_groups":
            missing = [r["n"] for r in records if r["level"] == "(missing)"]
            if sum(n for n in missing if pd.notna(n)) > 0:
                cells = [label, t["not_answered"]]
                for g, _ in groups:
                    hit = by_group.get(("(missing)", g))
                    cells += [_count(hit["n"]) if hit is not None else 0, None, None]
                sheet.rows.append(cells + [None] * (len(sheet.header) - len(cells)))
    sheet.notes.append(family_note(comparison, plan, tables, lang))
    return sheet


def _numeric_sheet(
    numeric: pd.DataFrame, comparison: Comparison, codebook: Codebook, lang: str, used: set[str]
) -> _Sheet:
    from ..stats.counts import OTHER, OVERALL

    t, m = _T[lang], _MEANING[lang]
    name = _sheet_name(comparison, lang, used, t["numeric_suffix"])
    sheet = _Sheet(name, comparison.heading(lang), [], [], [])
    names = {
        code: label.get(lang) or label["fr"]
        for code, label in group_levels(codebook, comparison.group_variable)
    }
    names[OVERALL] = t["overall"]
    if comparison.kind != "all_groups":
        names[str(comparison.focal)] = comparison.focal_label.get(lang) or comparison.focal_label["fr"]
        names[OTHER] = comparison.other_label.get(lang) or comparison.other_label["fr"]
    sheet.add("question", t["question"], None, 30, m["question"])
    sheet.add("group", t["group"], None, 22, m["group"])
    for key, kind in (
        ("n", "count"),
        ("missing_n", "count"),
        ("mean", "decimal"),
        ("sd", "decimal"),
        ("median", "decimal"),
        ("q1", "decimal"),
        ("q3", "decimal"),
        ("min", "decimal"),
        ("max", "decimal"),
    ):
        sheet.add(key, t[key], kind, 9, m[key])
    sheet.add("p", t["p"], "p", 8, m["num_p"])
    sheet.add("test", t["test"], None, 16, m["test"])
    sheet.add("p_holm", t["p_holm"], "p", 8, m["p_holm"])
    sheet.add("p_bh", t["p_bh"], "p", 8, m["p_bh"])
    for r in numeric.to_dict("records"):
        q = codebook[str(r["variable"])]
        label = str(r.get("row_label") or q.label(lang))
        sheet.rows.append(
            [
                label,
                names.get(str(r["group"]), str(r["group"])),
                _count(r["n"]),
                _count(r["missing"]),
                *(_number(r[k]) for k in ("mean", "sd", "median", "q1", "q3", "min", "max")),
                None if r["test"] == "not_computable" else _number(r["p_value"]),
                SHORT_TESTS[lang].get(str(r["test"]), str(r["test"])),
                _number(r.get("p_holm")),
                _number(r.get("p_bh")),
            ]
        )
    return sheet


def _legend_sheet(sheets: Sequence[_Sheet], lang: str) -> _Sheet:
    t = _T[lang]
    legend = _Sheet(
        t["legend"], t["legend_title"], [t["sheet"], t["column"], t["meaning"]], [None] * 3, [28, 26, 100]
    )
    for sheet in sheets:
        for column, meaning in sheet.legend:
            legend.rows.append([sheet.name, column, meaning])
    return legend


def _format(sheets: Mapping[str, tuple[_Sheet, int]], lang: str) -> Any:
    """The ``format_sheet`` callback: number formats by column meaning, bold
    wrapped header, frozen panes below it, widths, a filter on the header."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    formats = dict(numbers.XLSX_FORMATS[lang])
    formats["decimal2"] = "0.00"
    # One object per style, each set through set_style: openpyxl compares a
    # style with every style of the workbook on each assignment.
    styles: dict[Any, Any] = {}
    title_font = Font(name="Calibri", bold=True, size=12)
    header_font = Font(name="Calibri", bold=True)
    # Numbers' headers aligned with their numbers, on the right.
    header_text = Alignment(wrap_text=True, vertical="bottom", horizontal=None)
    header_number = Alignment(wrap_text=True, vertical="bottom", horizontal="right")
    text = {wrap: Alignment(vertical="top", wrap_text=wrap) for wrap in (False, True)}
    number = Alignment(vertical="top", horizontal="right")

    def apply(ws: Any, name: str) -> None:
        sheet, header_row = sheets[name]
        set_style(ws.cell(1, 1), "font", title_font, styles)
        last = header_row + len(sheet.rows)
        for c, kind in enumerate(sheet.kinds, start=1):
            letter = get_column_letter(c)
            ws.column_dimensions[letter].width = sheet.widths[c - 1]
            head = ws.cell(header_row, c)
            set_style(head, "font", header_font, styles)
            set_style(head, "alignment", header_text if kind is None else header_number, styles)
            if kind is None:
                alignment = text[sheet.widths[c - 1] >= 60]
                for r in range(header_row + 1, last + 1):
                    set_style(ws.cell(r, c), "alignment", alignment, styles)
                continue
            for r in range(header_row + 1, last + 1):
                cell = ws.cell(r, c)
                set_style(cell, "alignment", number, styles)
                if isinstance(cell.value, int | float) and not isinstance(cell.value, bool):
                    cell.number_format = formats[kind]
        # Spreadsheets do not grow a row for wrapped text they did not lay out:
        # room for the longest header at its column's width.
        lines = max(
            (len(str(h)) // max(int(w) - 1, 1) + 1 for h, w in zip(sheet.header, sheet.widths, strict=True)),
            default=1,
        )
        ws.row_dimensions[header_row].height = 15 * min(max(lines, 2), 5)
        ws.freeze_panes = ws.cell(header_row + 1, 3 if len(sheet.kinds) > 3 else 1)
        ws.auto_filter.ref = f"A{header_row}:{get_column_letter(len(sheet.kinds))}{max(last, header_row)}"
        ws.print_title_rows = f"{header_row}:{header_row}"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True

    return apply


def write_workbook(
    path: Path,
    tables: dict[str, pd.DataFrame],
    plan: AnalysisPlan,
    codebook: Codebook,
    descriptive: pd.DataFrame,
    notice: str = "",
    lang: str = "fr",
    numeric: Mapping[str, pd.DataFrame] | None = None,
) -> Path:
    """``comparisons.xlsx``: descriptive, comparison and legend sheets (module docstring)."""
    used: set[str] = set()
    t = _T[lang]
    used.add(t["legend"])
    sheets = [_descriptive_sheet(descriptive, codebook, lang, used)]
    for comparison in plan.comparisons:
        sheets.append(
            _comparison_sheet(tables[comparison.id], comparison, plan, tables, codebook, lang, used)
        )
        if numeric and comparison.id in numeric:
            sheets.append(_numeric_sheet(numeric[comparison.id], comparison, codebook, lang, used))
    sheets.append(_legend_sheet(sheets, lang))
    laid_out: dict[str, tuple[_Sheet, int]] = {}
    entries = []
    for sheet in sheets:
        sheet.notice = notice if sheet.name != t["legend"] else ""
        rows, header_row = sheet.all_rows()
        laid_out[sheet.name] = (sheet, header_row)
        entries.append(
            (
                sheet.name,
                [[numbers.typeset(v, lang) if isinstance(v, str) else v for v in row] for row in rows],
            )
        )
    return write_xlsx_sheets(
        path,
        entries,
        title=", ".join(c.label.get(lang) or c.label["fr"] for c in plan.comparisons),
        description=notice,
        format_sheet=_format(laid_out, lang),
    )
