"""Comparison layout: the comparison tables as a manuscript prints them ("n (x%)"
cells, a p-value per row), with the modern columns beside them, for xlsx,
Markdown and the report.

Rounding happens here only, on copies, for presentation.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ..io.writers import set_style, write_text, write_xlsx_sheets
from ..study.codebook import Codebook, Question
from ..study.plan import AnalysisPlan, Comparison, Row, group_levels

__all__ = [
    "comparison_layout",
    "family_note",
    "format_p",
    "write_comparisons_markdown",
    "write_comparisons_xlsx",
]

THESIS_HEADER = {"fr": "p", "en": "p"}
MODERN_HEADERS = {
    "fr": [
        "p exact bilatéral",
        "test exact",
        "p Holm",
        "p BH",
        "OR conditionnel [IC 95 % exact]",
        "V de Cramér",
        "effectif attendu min.",
        "p tendance",
    ],
    "en": [
        "exact p (two-sided)",
        "exact test",
        "Holm p",
        "BH p",
        "conditional OR [exact 95% CI]",
        "Cramér's V",
        "min. expected",
        "trend p",
    ],
}


def format_p(value: float, test: str) -> str:
    """A p-value as a manuscript prints it: three decimals, "<0.001", "1" for a constant."""
    if test == "constant":
        return "1"
    if value < 0.001:
        return "<0.001"
    return f"{value:.3f}"


def _pct(value: float) -> str:
    if math.isnan(value):
        return ""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _cell(n: int, total: int, pct: float, with_denominator: bool) -> str:
    count = f"{n}/{total}" if with_denominator else f"{n}"
    return f"{count} ({_pct(pct)}%)"


def _ratio(value: float) -> str:
    """An odds ratio or bound: ∞ and 0 as such; three decimals below 10
    (so that a lower bound of 0.0599 reads 0.060), fewer above."""
    if math.isinf(value):
        return "∞"
    if value < 10:
        return f"{value:.3f}"
    return f"{value:.2f}" if value < 100 else f"{value:.1f}"


def _modern(row: pd.Series, lang: str) -> list[Any]:
    odds = ""
    if "odds_ratio" in row and pd.notna(row["odds_ratio"]):
        odds = f"{_ratio(row['odds_ratio'])} [{_ratio(row['or_ci_low'])}; {_ratio(row['or_ci_high'])}]"
    trend = ""
    if "p_trend" in row and pd.notna(row["p_trend"]):
        trend = f"{format_p(row['p_trend'], row['test_trend'])} ({SHORT_TESTS[lang][row['test_trend']]})"
    min_exp = ""
    if pd.notna(row["min_expected"]):
        min_exp = f"{row['min_expected']:.1f}" + (" (<5)" if row["sparse"] else "")
    return [
        format_p(row["p_exact"], row["test_exact"]),
        SHORT_TESTS[lang][row["test_exact"]],
        "" if pd.isna(row["p_holm"]) else format_p(row["p_holm"], "holm"),
        "" if pd.isna(row["p_bh"]) else format_p(row["p_bh"], "bh"),
        odds,
        "" if pd.isna(row["cramers_v"]) else f"{row['cramers_v']:.2f}",
        min_exp,
        trend,
    ]


def _level_label(row: Row, question: Question, code: str, lang: str) -> str:
    # The publication's own short labels in French; the codebook's labels otherwise.
    if lang == "fr" and code in row.level_labels:
        return row.level_labels[code]
    return question.answer(code).label(lang)


SHORT_TESTS = {
    "fr": {
        "fisher_one_sided": "Fisher unilatéral",
        "pearson_chi2": "χ² de Pearson",
        "constant": "constante",
        "fisher_two_sided": "Fisher bilatéral",
        "fisher_freeman_halton": "Fisher-Freeman-Halton",
        "pearson_chi2_fallback": "χ² (borne du test exact dépassée)",
        "fisher_freeman_halton_monte_carlo": "Fisher-Freeman-Halton, Monte-Carlo (non exact)",
        "cochran_armitage": "Cochran-Armitage",
        "linear_by_linear": "linéaire par linéaire",
        "mann_whitney": "Mann-Whitney",
        "kruskal": "Kruskal-Wallis",
        "welch": "t de Welch",
        "anova": "ANOVA",
        "not_computable": "non calculable",
    },
    "en": {
        "fisher_one_sided": "Fisher one-sided",
        "pearson_chi2": "Pearson χ²",
        "constant": "constant",
        "fisher_two_sided": "Fisher two-sided",
        "fisher_freeman_halton": "Fisher-Freeman-Halton",
        "pearson_chi2_fallback": "χ² (beyond the exact-test bound)",
        "fisher_freeman_halton_monte_carlo": "Fisher-Freeman-Halton, Monte Carlo (not exact)",
        "cochran_armitage": "Cochran-Armitage",
        "linear_by_linear": "linear-by-linear",
        "mann_whitney": "Mann-Whitney",
        "kruskal": "Kruskal-Wallis",
        "welch": "Welch t",
        "anova": "ANOVA",
        "not_computable": "not computable",
    },
}


def _median_cell(row: Mapping[str, Any], lang: str) -> str:
    """ "155 [126 ; 179] (n = 146)": median and quartiles of a numeric row."""
    if not row["n"]:
        return "–"

    def num(x: float) -> str:
        text = f"{x:.1f}".rstrip("0").rstrip(".")
        return text.replace(".", ",") if lang != "en" else text

    sep = " ; " if lang != "en" else "; "
    return f"{num(row['median'])} [{num(row['q1'])}{sep}{num(row['q3'])}] (n={int(row['n'])})"


def _numeric_line(
    row: Row, numeric: pd.DataFrame, groups: list[str], codebook: Codebook, lang: str, n_modern: int
) -> list[Any]:
    sub = numeric[numeric["variable"] == row.variable]
    by_group = {str(r["group"]): r for r in sub.to_dict("records")}
    first = sub.iloc[0]
    q = codebook[row.variable]
    label = row.label.get(lang) or row.label["fr"]
    unit = q.unit.get(lang) if q.unit else ""
    label = f"{label} ({_MEDIAN[lang]}{', ' + unit if unit else ''})"
    modern = [""] * n_modern
    modern[2] = "" if pd.isna(first["p_holm"]) else format_p(first["p_holm"], "holm")
    modern[3] = "" if pd.isna(first["p_bh"]) else format_p(first["p_bh"], "bh")
    p = "" if first["test"] == "not_computable" else format_p(first["p_value"], first["test"])
    return [
        label,
        *(_median_cell(by_group[g], lang) for g in groups),
        p,
        SHORT_TESTS[lang][first["test"]],
        "",
        *modern,
    ]


_MEDIAN = {"fr": "médiane [Q1 ; Q3]", "en": "median [Q1; Q3]"}


# (table, comparison, codebook, lang, numeric) -> layout, while write_outputs
# writes one analysis (see layouts_shared); None: no sharing.
_SHARED: dict[tuple[int, ...], tuple[tuple[Any, ...], list[list[Any]], set[int]]] | None = None


@contextlib.contextmanager
def layouts_shared() -> Iterator[None]:
    """Within this block, each comparison is laid out once and the layout
    shared by the workbook, the Markdown, the Word document and the report
    (each got its own copy of the same rows; laying one out costs about a
    tenth of a second). The tables must not change inside the block."""
    global _SHARED
    outer = _SHARED
    _SHARED = {}
    try:
        yield
    finally:
        _SHARED = outer


def comparison_layout(
    table: pd.DataFrame,
    comparison: Comparison,
    codebook: Codebook,
    lang: str = "fr",
    numeric: pd.DataFrame | None = None,
) -> tuple[list[list[Any]], set[int]]:
    """Rows of one comparison laid out like a manuscript's table, and the
    1-based numbers of its heading rows (to be set in bold).

    Each row of the comparison becomes one line when it prints a single answer
    (binary rows: the "oui" count), else a line with the label and the p-value
    followed by one "- answer" line per printed answer.
    """
    if _SHARED is None:
        return _comparison_layout(table, comparison, codebook, lang, numeric)
    objects = (table, comparison, codebook, lang, numeric)
    key = tuple(id(o) for o in objects)
    hit = _SHARED.get(key)
    if hit is None:
        rows, bold = _comparison_layout(table, comparison, codebook, lang, numeric)
        hit = _SHARED[key] = (objects, rows, bold)  # objects kept alive: their ids stay theirs
    return [list(r) for r in hit[1]], set(hit[2])


def _comparison_layout(
    table: pd.DataFrame,
    comparison: Comparison,
    codebook: Codebook,
    lang: str = "fr",
    numeric: pd.DataFrame | None = None,
) -> tuple[list[list[Any]], set[int]]:
    if comparison.kind == "all_groups":
        return _groups_layout(table, comparison, codebook, lang, numeric)
    from ..stats.compare import OTHER

    focal_name = str(comparison.focal)
    other_name = OTHER if comparison.kind == "one_vs_rest" else str(comparison.versus)
    if len(table):
        totals = table.drop_duplicates("variable").set_index("variable")
        n_focal = int(totals["n_focal_total"].max())
        n_other = int(totals["n_other_total"].max())
    else:  # numeric rows only: the groups' sizes are those asked
        assert numeric is not None
        n_focal = int((numeric[numeric["group"] == focal_name][["n", "missing"]].sum(axis=1)).max())
        n_other = int((numeric[numeric["group"] == other_name][["n", "missing"]].sum(axis=1)).max())
    rows: list[list[Any]] = [
        [comparison.heading(lang)],
        [],
        [
            "",
            f"{comparison.focal_label.get(lang) or comparison.focal_label['fr']} (n={n_focal})",
            f"{comparison.other_label.get(lang) or comparison.other_label['fr']} (n={n_other})",
            THESIS_HEADER[lang],
            "test",
            "",
            *MODERN_HEADERS[lang],
        ],
    ]
    bold = {1, 3}
    by_variable = {str(v): g.set_index("level") for v, g in table.groupby("variable", sort=False)}
    for row in comparison.rows:
        if row.numeric:
            assert numeric is not None
            rows.append(
                _numeric_line(
                    row, numeric, [focal_name, other_name], codebook, lang, len(MODERN_HEADERS[lang])
                )
            )
            continue
        sub = by_variable[row.variable]
        first = sub.iloc[0]
        q = codebook[row.variable]
        label = row.label.get(lang) or row.label["fr"]
        with_den = row.among is not None
        p_cells = [
            format_p(first["p_value"], first["test"]),
            SHORT_TESTS[lang][first["test"]],
            "",
            *_modern(first, lang),
        ]
        levels = list(row.printed_levels)
        if len(levels) == 1:
            lv = sub.loc[levels[0]]
            rows.append(
                [
                    label,
                    _cell(int(lv["n_focal"]), int(lv["n_focal_total"]), lv["pct_focal"], with_den),
                    _cell(int(lv["n_other"]), int(lv["n_other_total"]), lv["pct_other"], with_den),
                    *p_cells,
                ]
            )
            continue
        rows.append([label, "", "", *p_cells])
        for code in levels:
            lv = sub.loc[code]
            rows.append(
                [
                    f"- {_level_label(row, q, code, lang)}",
                    _cell(int(lv["n_focal"]), int(lv["n_focal_total"]), lv["pct_focal"], with_den),
                    _cell(int(lv["n_other"]), int(lv["n_other_total"]), lv["pct_other"], with_den),
                ]
            )
    return rows, bold


_OVERALL_LABEL = {"fr": "Ensemble", "en": "Overall"}
_GROUP_MODERN = {"fr": [0, 1, 2, 3, 5, 6, 7], "en": [0, 1, 2, 3, 5, 6, 7]}  # no odds ratio across groups
_NOT_ANSWERED = {"fr": "- Non renseigné", "en": "- Not answered"}


def _groups_layout(
    table: pd.DataFrame,
    comparison: Comparison,
    codebook: Codebook,
    lang: str,
    numeric: pd.DataFrame | None = None,
) -> tuple[list[list[Any]], set[int]]:
    from ..stats.compare import OVERALL

    levels_of = group_levels(codebook, comparison.group_variable)
    groups = [code for code, _ in levels_of] + [OVERALL]
    names = [label.get(lang) or label["fr"] for _, label in levels_of] + [_OVERALL_LABEL[lang]]
    first_categorical = next((r for r in comparison.rows if not r.numeric), None)
    if first_categorical is not None:
        first_row = table[table["variable"] == first_categorical.variable]
        sizes = {g: int(first_row[first_row["group"] == g]["denominator"].iloc[0]) for g in groups}
    else:
        assert numeric is not None
        sizes = {g: int(numeric[numeric["group"] == g][["n", "missing"]].sum(axis=1).max()) for g in groups}
    modern_headers = [MODERN_HEADERS[lang][i] for i in _GROUP_MODERN[lang]]
    rows: list[list[Any]] = [
        [comparison.heading(lang)],
        [],
        [
            "",
            *(f"{name} (n={sizes[g]})" for g, name in zip(groups, names, strict=True)),
            THESIS_HEADER[lang],
            "test",
            "",
            *modern_headers,
        ],
    ]
    by_variable = {str(v): g for v, g in table.groupby("variable", sort=False)}
    for row in comparison.rows:
        if row.numeric:
            assert numeric is not None
            cells_of = _numeric_line(row, numeric, groups, codebook, lang, len(MODERN_HEADERS[lang]))
            # No odds ratio across groups: drop that modern column as the header does.
            cut = len(groups) + 4
            rows.append(cells_of[:cut] + [cells_of[cut + i] for i in _GROUP_MODERN[lang]])
            continue
        sub = by_variable[row.variable]
        first = sub.iloc[0]
        q = codebook[row.variable]
        label = row.label.get(lang) or row.label["fr"]
        modern = _modern(first, lang)
        p_cells = [
            format_p(first["p_value"], first["test"]),
            SHORT_TESTS[lang][first["test"]],
            "",
            *(modern[i] for i in _GROUP_MODERN[lang]),
        ]
        cells = {(r["level"], r["group"]): r for r in sub.to_dict("records")}

        def line(code: str, cells: dict[Any, Any] = cells, row: Row = row) -> list[str]:
            return [
                _cell(
                    int(cells[(code, g)]["n"]),
                    int(cells[(code, g)]["denominator"]),
                    cells[(code, g)]["percent"],
                    row.among is not None,
                )
                for g in groups
            ]

        levels = list(row.printed_levels)
        if len(levels) == 1:
            rows.append([label, *line(levels[0]), *p_cells])
        else:
            rows.append([label, *([""] * len(groups)), *p_cells])
            for code in levels:
                rows.append([f"- {_level_label(row, q, code, lang)}", *line(code)])
        # The respondents asked who did not answer: counted apart, out of the % and the tests.
        missing = [cells[("(missing)", g)]["n"] if ("(missing)", g) in cells else 0 for g in groups]
        if any(missing):
            rows.append([_NOT_ANSWERED[lang], *(str(int(n)) for n in missing)])
    return rows, {1, 3}


def family_note(
    comparison: Comparison, plan: AnalysisPlan, tables: Mapping[str, pd.DataFrame], lang: str
) -> str:
    """The sentence printed under a table: what its p-value columns are and
    the family over which Holm and Benjamini–Hochberg were applied."""
    if comparison.family == "all_tables":
        joint = [c for c in plan.comparisons if c.family == "all_tables"]
        names = ", ".join(c.label.get(lang) or c.label["fr"] for c in joint)
        family = (
            f"toutes les lignes testées des tableaux {names}"
            if lang != "en"
            else f"every tested row of the tables {names}"
        )
    else:
        table = tables[comparison.id]
        n = int(table.drop_duplicates("variable")["test_exact"].ne("constant").sum()) if len(table) else 0
        n += sum(1 for r in comparison.rows if r.numeric)
        family = (
            f"les {n} lignes testées de ce tableau" if lang != "en" else f"the {n} tested rows of this table"
        )
    method = {"holm": "Holm", "fdr_bh": "Benjamini–Hochberg"}.get(str(comparison.posthoc), "")
    if lang == "en":
        note = f"Note: Holm and Benjamini–Hochberg (BH) adjustments over {family}."
        if comparison.kind == "all_groups":
            note += (
                " Percentages of those who answered; the not-answered row is left out of them"
                " and of the tests."
            )
        if comparison.posthoc:
            note += (
                f" Pairwise exact tests between groups ({method}-adjusted within each question): "
                f"{comparison.id}_pairwise.csv."
            )
        return note
    note = f"Note : ajustements de Holm et de Benjamini–Hochberg (BH) sur {family}."
    if comparison.kind == "all_groups":
        note += (
            " Pourcentages des répondants à la question ; la ligne « Non renseigné » n'entre ni dans les "
            "pourcentages ni dans les tests."
        )
    if comparison.posthoc:
        note += (
            f" Tests exacts deux à deux entre groupes (ajustés par {method} dans chaque question) : "
            f"{comparison.id}_pairwise.csv."
        )
    return note


def _sheet_name(comparison: Comparison, lang: str, used: set[str]) -> str:
    # Excel: at most 31 characters, none of []:*?/\, unique in the workbook.
    base = comparison.label.get(lang) or comparison.label["fr"]
    for ch in "[]:*?/\\":
        base = base.replace(ch, " ")
    name = base[:31]
    k = 2
    while name in used:
        suffix = f" ({k})"
        name = base[: 31 - len(suffix)] + suffix
        k += 1
    used.add(name)
    return name


def write_comparisons_xlsx(
    path: Path,
    tables: dict[str, pd.DataFrame],
    plan: AnalysisPlan,
    codebook: Codebook,
    notice: str = "",
    lang: str = "fr",
    numeric: Mapping[str, pd.DataFrame] | None = None,
) -> Path:
    """``comparisons.xlsx``: one sheet per comparison, laid out like a manuscript."""
    sheets = []
    bold = {}
    widths = {}
    used: set[str] = set()
    for comparison in plan.comparisons:
        rows, bold_rows = comparison_layout(
            tables[comparison.id], comparison, codebook, lang, (numeric or {}).get(comparison.id)
        )
        if notice:
            rows.insert(1, [notice])
            bold_rows = {r if r == 1 else r + 1 for r in bold_rows}
        rows += [[], [family_note(comparison, plan, tables, lang)]]
        name = _sheet_name(comparison, lang, used)
        sheets.append((name, rows))
        bold[name] = bold_rows
        n_groups = len(rows[2 if not notice else 3]) - 11
        sizes = (24, *([15] * n_groups), 7, 14, 1, 9, 20, 7, 7, 8, 10, 16)
        if comparison.kind != "all_groups":
            sizes = (24, 15, 16, 7, 14, 1, 9, 20, 7, 7, 18, 8, 10, 16)
        widths[name] = {_column(i): w for i, w in enumerate(sizes)}
    return write_xlsx_sheets(
        path,
        sheets,
        title=", ".join(c.label.get(lang) or c.label["fr"] for c in plan.comparisons),
        description=notice,
        column_widths=widths,
        bold_rows=bold,
        format_sheet=_format_annex_sheet,
    )


def _column(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return str(get_column_letter(index + 1))


def _gap_column(ws: Any, header_row: int) -> int:
    # The empty header cell between the convention's columns and the modern ones.
    for column in range(2, ws.max_column + 1):
        if ws.cell(header_row, column).value in (None, ""):
            return column
    return 0


def _format_annex_sheet(ws: Any, name: str) -> None:
    """Grid lines around the table, a three-line header, landscape, one page wide."""
    from openpyxl.styles import Alignment, Border, Side

    thin = Side(style="thin", color="999999")
    header_row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 2).value)
    gap = _gap_column(ws, header_row)
    last = ws.max_row
    while last > header_row and not any(ws.cell(last, c).value for c in range(2, ws.max_column + 1)):
        last -= 1  # the note under the table (and the blank row before it) get no grid
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrapped = Alignment(vertical="top", wrap_text=True)
    top = Alignment(vertical="top", wrap_text=False)
    styles: dict[Any, Any] = {}
    for row in ws.iter_rows(min_row=header_row, max_row=last, max_col=ws.max_column):
        for cell in row:
            if cell.column == gap:  # the gap between the convention's columns and the modern ones
                continue
            set_style(cell, "border", border, styles)
            set_style(cell, "alignment", wrapped if cell.row == header_row else top, styles)
    # Spreadsheets do not grow a row for wrapped text they did not lay out.
    ws.row_dimensions[header_row].height = 45
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.freeze_panes = ws.cell(header_row + 1, 2)


def _md_table(rows: Sequence[Sequence[Any]]) -> str:
    header, *body = rows
    width = len(header)

    def line(cells: Sequence[Any]) -> str:
        padded = [str(c).replace("|", "\\|") for c in cells] + [""] * (width - len(cells))
        return "| " + " | ".join(padded[:width]) + " |"

    return "\n".join([line(header), "|" + "---|" * width, *(line(r) for r in body)])


def write_comparisons_markdown(
    path: Path,
    tables: dict[str, pd.DataFrame],
    plan: AnalysisPlan,
    codebook: Codebook,
    notice: str = "",
    lang: str = "fr",
    numeric: Mapping[str, pd.DataFrame] | None = None,
) -> Path:
    """``comparisons.md``: the same tables in Markdown."""
    parts = []
    if notice:
        parts.append(f"> {notice}\n")
    for comparison in plan.comparisons:
        rows, _ = comparison_layout(
            tables[comparison.id], comparison, codebook, lang, (numeric or {}).get(comparison.id)
        )
        title, _blank, header, *body = rows
        parts.append(f"## {title[0]}\n")
        parts.append(_md_table([header, *body]) + "\n")
        parts.append(family_note(comparison, plan, tables, lang) + "\n")
    return write_text(path, "\n".join(parts))
