"""comparisons.xlsx: every count, denominator and share of a comparison sheet
is the comparison table's own value for its question, answer and group (the
sheet reads the table once and looks each cell up, outputs/workbook.py; the
expected values here are filtered out of the table, cell by cell)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from dmp_survey.outputs.annex import _level_label
from dmp_survey.outputs.numbers import typeset
from dmp_survey.outputs.workbook import write_workbook
from dmp_survey.pipeline import Analysis, analyse, load_inputs
from dmp_survey.stats.compare import OVERALL
from dmp_survey.study.plan import Comparison, group_levels

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "pharmacists"


@pytest.fixture(scope="module")
def example() -> Analysis:
    return analyse(load_inputs(EXAMPLE / "responses.csv", EXAMPLE / "study"))


def _expected_rows(analysis: Analysis, comparison: Comparison, lang: str) -> list[list[object]]:
    """(question, answer, then n, N, share per group) of each line of the sheet."""
    table, codebook = analysis.tables[comparison.id], analysis.inputs.codebook
    rows: list[list[object]] = []
    for row in comparison.rows:
        sub = table[table["variable"] == row.variable]
        if row.numeric or not len(sub):
            continue
        label = row.label.get(lang) or row.label["fr"]
        for code in row.printed_levels:
            answer = _level_label(row, codebook[row.variable], code, lang)
            cells: list[object] = [typeset(label, lang), typeset(answer, lang)]
            lines = sub[sub["level"] == code]
            if comparison.kind == "all_groups":
                groups = [g for g, _ in group_levels(codebook, comparison.group_variable)] + [OVERALL]
                for g in groups:
                    hit = lines[lines["group"] == g]
                    r = hit.iloc[0]
                    cells += [int(r["n"]), int(r["denominator"])]
                    cells.append(None if pd.isna(r["percent"]) else pytest.approx(r["percent"] / 100))
            else:
                r = lines.iloc[0]
                for side in ("focal", "other"):
                    cells += [int(r[f"n_{side}"]), int(r[f"n_{side}_total"])]
                    cells.append(pytest.approx(r[f"pct_{side}"] / 100))
            rows.append(cells)
        missing = sub[sub["level"] == "(missing)"]
        if comparison.kind == "all_groups" and missing["n"].sum() > 0:
            not_answered = {"fr": "Non renseigné", "en": "Not answered"}[lang]
            cells = [typeset(label, lang), not_answered]
            for g in [g for g, _ in group_levels(codebook, comparison.group_variable)] + [OVERALL]:
                hit = missing[missing["group"] == g]
                cells += [int(hit["n"].iloc[0]) if len(hit) else 0, None, None]
            rows.append(cells)
    return rows


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_comparison_sheets_hold_the_tables_values(example, tmp_path, lang):
    inputs = example.inputs
    path = write_workbook(
        tmp_path / "comparisons.xlsx",
        example.tables,
        inputs.plan,
        inputs.codebook,
        example.descriptive,
        "",
        lang,
        example.numeric_tables,
    )
    wb = load_workbook(path)
    kinds = set()
    for comparison in inputs.plan.comparisons:
        ws = next(ws for ws in wb.worksheets if ws["A1"].value == typeset(comparison.heading(lang), lang))
        expected = _expected_rows(example, comparison, lang)
        width = len(expected[0])
        header_row = next(r for r in range(1, 6) if ws.cell(r, 1).value == "Question")
        got = [
            [ws.cell(r, c).value for c in range(1, width + 1)]
            for r in range(header_row + 1, header_row + 1 + len(expected))
        ]
        assert got == expected, comparison.id
        assert ws.cell(header_row + 1 + len(expected), 1).value is None  # nothing more
        kinds.add(comparison.kind)
    # Both layouts are checked, and the not-answered line of the groups' one.
    assert kinds == {"one_vs_rest", "all_groups"}
    assert any(
        ws.cell(r, 2).value in ("Non renseigné", "Not answered")
        for ws in wb.worksheets
        for r in range(1, ws.max_row + 1)
    )
