"""Every bad input of issue 2 exits 2 with one located line on stderr."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from exports import form_export, write_csv, write_xlsx
from typer.testing import CliRunner

from dmp_survey.cli import app

runner = CliRunner()


def _validate(path: Path):
    return runner.invoke(app, ["validate", str(path)])


def _assert_refused(result, *fragments: str) -> str:
    assert result.exit_code == 2, result.output
    err = result.stderr.strip()
    assert "\n" not in err, err
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in err, err
    return err


@pytest.fixture
def export(codebook):
    return form_export(codebook, n=20, seed=21)


def test_missing_file(tmp_path):
    _assert_refused(_validate(tmp_path / "nope.xlsx"), "nope.xlsx", "file not found")


def test_directory(tmp_path):
    (tmp_path / "dir.xlsx").mkdir()
    _assert_refused(_validate(tmp_path / "dir.xlsx"), "dir.xlsx", "is a directory")


def test_empty_file(tmp_path):
    (tmp_path / "empty.xlsx").write_bytes(b"")
    _assert_refused(_validate(tmp_path / "empty.xlsx"), "empty.xlsx", "file is empty")


def test_csv_renamed_xlsx(tmp_path, codebook, export):
    headers, rows, _ = export
    csv_path = write_csv(tmp_path / "export.csv", headers, rows)
    renamed = csv_path.rename(tmp_path / "export.xlsx")
    _assert_refused(_validate(renamed), "export.xlsx", "the name says .xlsx", "text/CSV")


def _ole2(entries: list[str]) -> bytes:
    # Header of a Compound File (OLE2) followed by directory entry names, as a
    # legacy workbook or an encrypted OOXML container holds them.
    body = b"".join(name.encode("utf-16-le").ljust(64, b"\x00") + b"\x00" * 64 for name in entries)
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + body


def test_legacy_xls(tmp_path):
    path = tmp_path / "old.xls"
    path.write_bytes(_ole2(["Root Entry", "Workbook", "\x05SummaryInformation"]))
    _assert_refused(_validate(path), "old.xls", "legacy Excel 97-2003 (.xls)", "save it as .xlsx")


def test_legacy_xls_renamed_xlsx_is_named_as_such(tmp_path):
    path = tmp_path / "old.xlsx"
    path.write_bytes(_ole2(["Root Entry", "Workbook"]))
    _assert_refused(_validate(path), "old.xlsx", "legacy Excel 97-2003 (.xls) workbook, not .xlsx")


def test_encrypted_workbook(tmp_path):
    path = tmp_path / "locked.xlsx"
    path.write_bytes(_ole2(["Root Entry", "EncryptionInfo", "EncryptedPackage"]))
    _assert_refused(_validate(path), "locked.xlsx", "password-protected")


def test_sheet_without_header_row(tmp_path, export):
    _headers, rows, _ = export
    path = write_xlsx(tmp_path / "noheader.xlsx", rows[0], rows[1:])
    _assert_refused(
        _validate(path), "noheader.xlsx", "sheet 'Réponses au formulaire 1'", "row 1", "no header row"
    )


def test_required_question_missing(tmp_path, codebook, export):
    headers, rows, _ = export
    col = headers.index(codebook["a6_cme"].text)
    headers = [*headers[:col], *headers[col + 1 :]]
    rows = [[*r[:col], *r[col + 1 :]] for r in rows]
    path = write_xlsx(tmp_path / "missing.xlsx", headers, rows)
    _assert_refused(
        _validate(path), "missing.xlsx", "required question A6 missing", "Participez-vous à des FMC"
    )


def test_unknown_answer_label_names_row_and_column_and_suggests(tmp_path, codebook, export):
    headers, rows, _ = export
    col = headers.index(codebook["a2_sex"].text)
    rows[6][col] = "Un homem"
    path = write_xlsx(tmp_path / "label.xlsx", headers, rows)
    _assert_refused(
        _validate(path),
        "label.xlsx",
        "sheet 'Réponses au formulaire 1'",
        "row 8",
        "column 'Vous êtes :'",
        "unknown answer 'Un homem'",
        "closest: 'Un homme'",
    )


def test_duplicated_header(tmp_path, codebook, export):
    headers, rows, _ = export
    col = headers.index(codebook["a4_area"].text)
    headers = [*headers, "quelle est votre zone d'activité ?"]
    rows = [[*r, r[col]] for r in rows]
    path = write_xlsx(tmp_path / "dup.xlsx", headers, rows)
    _assert_refused(_validate(path), "dup.xlsx", "row 1", "duplicated header")


def test_answer_to_c9_while_c8_is_not_oui(tmp_path, codebook, export):
    headers, rows, truth = export
    i = next(i for i, t in enumerate(truth) if t["c8_problems"] == "no")
    rows[i][headers.index(codebook["c9_solution"].text)] = "Oui"
    path = write_xlsx(tmp_path / "cond.xlsx", headers, rows)
    _assert_refused(
        _validate(path),
        f"row {i + 2}",
        "column 'Si oui avez-vous trouvé une solution à ce problème ?'",
        "answer to C9 although it is asked only when C8 = 'Oui'",
        "C8 is 'Non'",
    )


def test_number_where_a_label_is_expected(tmp_path, codebook, export):
    headers, rows, _ = export
    rows[2][headers.index(codebook["a1_age"].text)] = 42
    path = write_xlsx(tmp_path / "num.xlsx", headers, rows)
    _assert_refused(_validate(path), "row 4", "column 'Quel âge avez-vous ?'", "a number (42)")


def test_number_text_where_a_label_is_expected_in_csv(tmp_path, codebook, export):
    headers, rows, _ = export
    rows[2][headers.index(codebook["a1_age"].text)] = "42"
    path = write_csv(tmp_path / "num.csv", headers, rows)
    _assert_refused(_validate(path), "num.csv", "row 4", "a number (42)")


def test_formula_cell(tmp_path, codebook, export):
    headers, rows, _ = export
    rows[0][headers.index(codebook["a5_computerised"].text)] = '=IF(1,"Oui","Non")'
    path = write_xlsx(tmp_path / "formula.xlsx", headers, rows)
    _assert_refused(_validate(path), "row 2", "column 'Êtes-vous informatisé ?'", "formula cell")


def test_not_a_workbook_zip(tmp_path):
    path = tmp_path / "archive.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("hello.txt", "hi")
    _assert_refused(_validate(path), "archive.xlsx", "ZIP archive that is not an Excel workbook")


def test_nothing_is_written_on_bad_input(tmp_path, codebook, export):
    headers, rows, _ = export
    rows[0][headers.index(codebook["a1_age"].text)] = "jeune"
    path = write_xlsx(tmp_path / "bad.xlsx", headers, rows)
    before = sorted(p.name for p in tmp_path.iterdir())
    _assert_refused(_validate(path))
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_valid_export_exits_0_and_prints_counts(tmp_path, export):
    headers, rows, _ = export
    result = _validate(write_xlsx(tmp_path / "ok.xlsx", headers, rows))
    assert result.exit_code == 0, result.output
    assert "20 respondent(s)" in result.stdout
    assert "valid" in result.stdout.splitlines()[-1]


@pytest.mark.parametrize("apart", [False, True], ids=["beside-the-coding", "before-the-coding"])
@pytest.mark.parametrize("bad_answer", [False, True], ids=["timestamp-only", "with-a-bad-answer"])
def test_bad_timestamp_is_reported_first(tmp_path, codebook, export, monkeypatch, bad_answer, apart):
    # The timestamps are parsed on a thread while the answers are coded (or,
    # from coding._PARSE_APART_ROWS respondents on, before them); an
    # unreadable timestamp is still the error reported, before an unknown
    # answer of an earlier row.
    from dmp_survey.io import coding

    monkeypatch.setattr(coding, "_PARSE_APART_ROWS", 1 if apart else 10**9)
    headers, rows, _ = export
    rows[9][0] = "le 3 du mois"
    if bad_answer:
        rows[2][headers.index(codebook["a2_sex"].text)] = "Un homem"
    path = write_csv(tmp_path / "stamp.csv", headers, rows)
    _assert_refused(
        _validate(path), "stamp.csv", "row 11", "column 'Horodateur'", "'le 3 du mois' is not a date and time"
    )


def test_bad_answer_is_reported_when_the_timestamps_are_good(tmp_path, codebook, export):
    headers, rows, _ = export
    rows[2][headers.index(codebook["a2_sex"].text)] = "Un homem"
    path = write_csv(tmp_path / "answer.csv", headers, rows)
    _assert_refused(_validate(path), "answer.csv", "row 4", "unknown answer 'Un homem'")
