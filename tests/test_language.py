"""One language per run, with its typography (issue 17, part 2), and a workbook
of numbers (part 3).

Every printed string of every output (CSV cells, Markdown, the report's text,
the docx, the workbook's text cells, the SVG figures' texts; read by
tests/output_text.py) of the DMP study and of the example study, run in French
and in English: no word of the other language, no decimal point in a French
number, no decimal comma in an English one. What is left out, and why, is
listed in tests/output_text.py and README ("Languages and typography").
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from output_text import language_problems, output_strings

from dmp_survey.outputs import numbers

WORKBOOK = Path("data/processed/comparisons.xlsx")


@pytest.fixture(scope="module")
def runs(shipped_run, english_run, example_runs) -> dict[tuple[str, str], Path]:
    return {
        ("dmp", "fr"): shipped_run,
        ("dmp", "en"): english_run,
        ("example", "fr"): example_runs["fr"],
        ("example", "en"): example_runs["en"],
    }


@pytest.mark.parametrize("study", ["dmp", "example"])
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_output_speaks_the_run_language_only(runs, study, lang):
    root = runs[(study, lang)]
    read = {rel for rel, _ in output_strings(root)}
    # Every kind of output was read, so that an unread one cannot pass silently.
    assert {Path(rel).suffix for rel in read} >= {".csv", ".md", ".html", ".docx", ".xlsx", ".svg"}
    problems = language_problems(root, lang)
    assert problems == [], f"{len(problems)} problems, first ones:\n" + "\n".join(problems[:15])


def test_french_statuses_and_typography_are_there(shipped_run):
    """The positive side of the test above: the French words and spaces are printed."""
    text = "\n".join(value for _, value in output_strings(shipped_run))
    for word in ("concordant", "discordant", "non vérifiable", "Fisher unilatéral", "p exact bilatéral"):
        assert word in text, word
    assert re.search(r"\d+,\d\u00a0%", text)  # "37,5 %" with a no-break space
    assert "<0,001" in text
    assert "Note\u00a0:" in text and "«\u00a0" in text


def test_english_statuses_are_there(english_run):
    text = "\n".join(value for _, value in output_strings(english_run))
    for word in ("match", "mismatch", "not checkable", "Fisher one-sided", "exact p (two-sided)"):
        assert word in text, word
    assert re.search(r"\d+\.\d%", text) and "<0.001" in text


def test_csv_verdicts_keep_their_code_beside_a_label(shipped_run, english_run):
    import pandas as pd

    fr = pd.read_csv(shipped_run / "data/processed/audit.csv", keep_default_na=False)
    en = pd.read_csv(english_run / "data/processed/audit.csv", keep_default_na=False)
    assert list(fr["status"]) == list(en["status"])  # codes: the same in both languages
    assert set(fr["status_label"]) == {"concordant", "discordant", "arrondi (tronqué)", "non vérifiable"}
    assert set(en["status_label"]) == {"match", "mismatch", "rounding (truncated)", "not checkable"}
    check = pd.read_csv(shipped_run / "data/processed/pvalue_check.csv", keep_default_na=False)
    assert {"status_label", "test_label"} <= set(check.columns)
    pairwise = pd.read_csv(shipped_run / "data/processed/by_usage_group_pairwise.csv")
    assert set(pairwise["test"]) <= {"fisher_two_sided", "fisher_freeman_halton", "none"}
    assert "Fisher-Freeman-Halton" in set(pairwise["test_label"])


def test_number_formats_of_one_module():
    # Issue 17: "12,5 %", "p < 0,001" in French; "12.5%", "p < 0.001" in English.
    assert numbers.percent(12.5, "fr") == "12,5\u00a0%" and numbers.percent(12.5, "en") == "12.5%"
    assert numbers.percent(50.0, "fr") == "50\u00a0%"
    assert numbers.p_phrase(0.0004, "fr") == "p\u00a0<\u00a00,001"
    assert numbers.p_phrase(0.0004, "en") == "p < 0.001"
    assert numbers.p_value(0.0234, "fisher_one_sided", "fr") == "0,023"
    assert numbers.p_value(0.5, "constant", "fr") == "1"
    assert numbers.ratio(0.0599, "fr") == "0,060" and numbers.ratio(float("inf"), "en") == "∞"
    assert (
        numbers.typeset("Note : 12% ; oui; « x »", "fr")
        == "Note\u00a0: 12\u00a0%\u00a0; oui\u00a0; «\u00a0x\u00a0»"
    )
    assert numbers.typeset("Note: 12%", "en") == "Note: 12%"
    assert numbers.integer(100000, "fr") == "100\u202f000" and numbers.integer(100000, "en") == "100,000"


# --- the workbook -------------------------------------------------------------

# Column headers of the workbook by meaning, in each language (the legend sheet names them all).
_NUMERIC_HEADERS = {
    "fr": {
        "count": (r"^n$", r" n$", r" N$", r"^dénominateur$", r"^sans réponse$"),
        "percent": (r"^%$", r"\u00a0%$", r"^IC 95\u00a0% (bas|haut)$"),
        "p": (r"^p$", r"^p exact bilatéral$", r"^p Holm$", r"^p BH$", r"^p tendance$"),
    },
    "en": {
        "count": (r"^n$", r" n$", r" N$", r"^denominator$", r"^no answer$"),
        "percent": (r"^%$", r" %$", r"^95% CI (low|high)$"),
        "p": (r"^p$", r"^exact p \(two-sided\)$", r"^Holm p$", r"^BH p$", r"^trend p$"),
    },
}


def _header_row(ws) -> int:
    # The header row is the one the panes are frozen under.
    return int(re.sub(r"[A-Z]+", "", ws.freeze_panes)) - 1


@pytest.mark.parametrize("study", ["dmp", "example"])
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_count_percentage_and_p_value_cell_is_a_number(runs, study, lang):
    wb = load_workbook(runs[(study, lang)] / WORKBOOK)
    legend_name = {"fr": "Légende", "en": "Legend"}[lang]
    assert wb.sheetnames[0] == {"fr": "Descriptif", "en": "Descriptive"}[lang]
    assert wb.sheetnames[-1] == legend_name
    legend = {(r[0], r[1]) for r in wb[legend_name].iter_rows(min_row=4, values_only=True) if r[0]}
    checked = {"count": 0, "percent": 0, "p": 0}
    for ws in wb.worksheets[:-1]:
        header_row = _header_row(ws)
        headers = [c.value for c in ws[header_row]]
        # Data rows: below the header, not the blank row and the note under the table.
        data_rows = [
            r
            for r in range(header_row + 1, ws.max_row + 1)
            if any(ws.cell(r, c).value is not None for c in range(2, len(headers) + 1))
        ]
        assert data_rows, ws.title
        for c, header in enumerate(headers, start=1):
            assert (ws.title, header) in legend, (ws.title, header)  # every column explained
            kind = next(
                (
                    k
                    for k, patterns in _NUMERIC_HEADERS[lang].items()
                    if any(re.search(p, header) for p in patterns)
                ),
                None,
            )
            if kind is None:
                continue
            for r in data_rows:
                cell = ws.cell(r, c)
                if cell.value is None:
                    continue
                assert isinstance(cell.value, int | float), (ws.title, header, r, cell.value)
                fmt = cell.number_format
                if kind == "percent":
                    assert "%" in fmt and 0 <= cell.value <= 1, (ws.title, header, fmt, cell.value)
                elif kind == "p":
                    assert fmt == numbers.XLSX_FORMATS[lang]["p"] and 0 <= cell.value <= 1
                else:
                    assert fmt == "0" and cell.value == int(cell.value)
                checked[kind] += 1
    assert all(checked.values()), checked


def test_workbook_sheets_freeze_their_header_and_size_their_columns(shipped_run):
    wb = load_workbook(shipped_run / WORKBOOK)
    assert wb.sheetnames == ["Descriptif", "Annexe I", "Annexe II", "Annexe III", "Tableau 1", "Légende"]
    for ws in wb.worksheets:
        assert ws.freeze_panes is not None
        assert ws.column_dimensions["A"].width >= 20
        assert ws.auto_filter.ref
    descriptive = wb["Descriptif"]
    assert descriptive.max_row > 100  # every answer of every question
