"""Annex layout: the annex tables as the thesis prints them ("n (x%)" cells, a
p-value per row), with the modern columns beside them, for xlsx and Markdown.

Rounding happens here only, on copies, for presentation.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ..study.codebook import Codebook, Question
from ..study.plan import AnalysisPlan, Annex, AnnexRow
from ..io.writers import write_text, write_xlsx_sheets

__all__ = [
    "annex_layout",
    "format_p",
    "write_annexes_markdown",
    "write_annexes_xlsx",
]

THESIS_HEADER = {"fr": "p", "en": "p"}
MODERN_HEADERS = {
    "fr": [
        "p exact bilatéral",
        "test exact",
        "p Holm",
        "p BH",
        "OR [IC 95 %]",
        "V de Cramér",
        "effectif attendu min.",
    ],
    "en": [
        "exact p (two-sided)",
        "exact test",
        "Holm p",
        "BH p",
        "OR [95% CI]",
        "Cramér's V",
        "min. expected",
    ],
}


def format_p(value: float, test: str) -> str:
    """A p-value as the thesis prints it: three decimals, "<0.001", "1" for a constant."""
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


def _modern(row: pd.Series, lang: str) -> list[Any]:
    odds = ""
    if pd.notna(row["odds_ratio"]):
        odds = f"{row['odds_ratio']:.2f} [{row['or_ci_low']:.2f}; {row['or_ci_high']:.2f}]"
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
    ]


def _level_label(row: AnnexRow, question: Question, code: str, lang: str) -> str:
    # The thesis' own short labels in French; the codebook's labels otherwise.
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
    },
    "en": {
        "fisher_one_sided": "Fisher one-sided",
        "pearson_chi2": "Pearson χ²",
        "constant": "constant",
        "fisher_two_sided": "Fisher two-sided",
        "fisher_freeman_halton": "Fisher-Freeman-Halton",
        "pearson_chi2_fallback": "χ² (beyond the exact-test bound)",
    },
}


def annex_layout(
    table: pd.DataFrame, annex: Annex, plan: AnalysisPlan, codebook: Codebook, lang: str = "fr"
) -> tuple[list[list[Any]], set[int]]:
    """Rows of one annex laid out like the thesis, and the 1-based numbers of
    its heading rows (to be set in bold).

    Each annex row of the plan becomes one line when the thesis prints a single
    answer (binary rows: the "oui" count), else a line with the label and the
    p-value followed by one "- answer" line per printed answer.
    """
    totals = table.drop_duplicates("variable").set_index("variable")
    n_focal = int(totals["n_focal_total"].max())
    n_other = int(totals["n_other_total"].max())
    title = annex.title.get(lang) or annex.title["fr"]
    word = "Annexe" if lang != "en" else "Annex"
    rows: list[list[Any]] = [
        [f"{word} {annex.roman} : {title}" if lang != "en" else f"{word} {annex.roman}: {title}"],
        [],
        [
            "",
            f"{annex.focal_label.get(lang) or annex.focal_label['fr']} (n={n_focal})",
            f"{annex.other_label.get(lang) or annex.other_label['fr']} (n={n_other})",
            THESIS_HEADER[lang],
            "test",
            "",
            *MODERN_HEADERS[lang],
        ],
    ]
    bold = {1, 3}
    by_variable = {str(v): g.set_index("level") for v, g in table.groupby("variable", sort=False)}
    for row in plan.rows:
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


def write_annexes_xlsx(
    path: Path,
    tables: dict[int, pd.DataFrame],
    plan: AnalysisPlan,
    codebook: Codebook,
    notice: str = "",
    lang: str = "fr",
) -> Path:
    """``annexes.xlsx``: one sheet per annex, laid out like the thesis."""
    sheets = []
    bold = {}
    widths = {}
    for annex in plan.annexes:
        rows, bold_rows = annex_layout(tables[annex.number], annex, plan, codebook, lang)
        if notice:
            rows.insert(1, [notice])
            bold_rows = {r if r == 1 else r + 1 for r in bold_rows}
        name = f"Annexe {annex.roman}" if lang != "en" else f"Annex {annex.roman}"
        sheets.append((name, rows))
        bold[name] = bold_rows
        widths[name] = dict(zip("ABCDEFGHIJKLM", (24, 15, 16, 7, 14, 1, 9, 20, 7, 7, 18, 8, 10), strict=True))
    return write_xlsx_sheets(
        path,
        sheets,
        title="Annexes I-III",
        description=notice,
        column_widths=widths,
        bold_rows=bold,
        format_sheet=_format_annex_sheet,
    )


def _format_annex_sheet(ws: Any, name: str) -> None:
    """Grid lines around the table, a three-line header, landscape, one page wide."""
    from openpyxl.styles import Alignment, Border, Side

    thin = Side(style="thin", color="999999")
    header_row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 2).value)
    for row in ws.iter_rows(min_row=header_row, max_row=ws.max_row, max_col=ws.max_column):
        for cell in row:
            if cell.column == 6:  # the gap between the thesis' columns and the modern ones
                continue
            cell.border = Border(left=thin, right=thin, top=thin, bottom=thin)
            cell.alignment = Alignment(vertical="top", wrap_text=cell.row == header_row)
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


def write_annexes_markdown(
    path: Path,
    tables: dict[int, pd.DataFrame],
    plan: AnalysisPlan,
    codebook: Codebook,
    notice: str = "",
    lang: str = "fr",
) -> Path:
    """``annexes.md``: the same tables in Markdown."""
    parts = []
    if notice:
        parts.append(f"> {notice}\n")
    for annex in plan.annexes:
        rows, _ = annex_layout(tables[annex.number], annex, plan, codebook, lang)
        title, _blank, header, *body = rows
        parts.append(f"## {title[0]}\n")
        parts.append(_md_table([header, *body]) + "\n")
    return write_text(path, "\n".join(parts))
