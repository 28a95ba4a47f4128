from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from exports import expected_counts, form_export, write_csv, write_parquet, write_xlsx

from dmp_survey.io.coding import code_export
from dmp_survey.io.ingest import detect_format, read_export
from dmp_survey.io.validation import validate
from dmp_survey.text import normalise_header, normalise_label


def _assert_counts(coded, codebook, truth):
    for qid, counts in expected_counts(codebook, truth).items():
        got = coded.frame[qid].value_counts()
        assert {k: int(v) for k, v in got.items() if v} == dict(counts), qid


def test_form_export_with_messy_headers_validates_with_expected_counts(tmp_path, codebook):
    headers, rows, truth = form_export(codebook, n=64, seed=3, messy_headers=True)
    path = write_xlsx(tmp_path / "export.xlsx", headers, rows)
    report = validate(path, codebook)
    assert report.coded.n == 64
    _assert_counts(report.coded, codebook, truth)
    assert report.raw.sheet == "Réponses au formulaire 1"
    assert str(report.coded.frame["timestamp"].dtype).startswith("datetime64")


@pytest.mark.parametrize(
    ("sep", "encoding"),
    [(",", "utf-8"), (";", "utf-8-sig"), (";", "cp1252"), ("\t", "utf-8")],
)
def test_csv_in_every_french_excel_flavour(tmp_path, codebook, sep, encoding):
    headers, rows, truth = form_export(codebook, n=40, seed=5)
    path = write_csv(tmp_path / "export.csv", headers, rows, sep=sep, encoding=encoding)
    raw = read_export(path, codebook)
    coded = code_export(raw, codebook)
    _assert_counts(coded, codebook, truth)
    assert coded.frame["timestamp"].iloc[1] == pd.Timestamp("2018-12-22 02:00:00")


def test_parquet_export(tmp_path, codebook):
    headers, rows, truth = form_export(codebook, n=30, seed=7)
    path = write_parquet(tmp_path / "export.parquet", headers, rows)
    coded = code_export(read_export(path, codebook), codebook)
    _assert_counts(coded, codebook, truth)


def test_columns_may_be_headed_by_question_id(tmp_path, codebook):
    _headers, rows, truth = form_export(codebook, n=10, seed=2)
    ids = ["timestamp"] + [q.id for q in codebook.questions if q.type.value != "pii"] + ["contact"]
    path = write_csv(tmp_path / "ids.csv", ids, rows)
    coded = code_export(read_export(path, codebook), codebook)
    _assert_counts(coded, codebook, truth)


def test_ordered_scales_become_ordered_categoricals(tmp_path, codebook):
    headers, rows, _ = form_export(codebook, n=20, seed=1)
    coded = code_export(read_export(write_xlsx(tmp_path / "e.xlsx", headers, rows), codebook), codebook)
    age = coded.frame["a1_age"]
    assert isinstance(age.dtype, pd.CategoricalDtype)
    assert age.cat.ordered
    assert list(age.cat.categories) == ["under_35", "36_45", "46_60", "over_60"]
    assert not coded.frame["a3_practice"].cat.ordered
    assert coded.frame["c10_interest"].cat.ordered


def test_blank_answers_are_missing_and_conditional_blanks_are_not_counted_missing(tmp_path, codebook):
    headers, rows, truth = form_export(codebook, n=30, seed=11)
    a1 = headers.index(codebook["a1_age"].text)
    rows[4][a1] = "   "
    coded = code_export(read_export(write_xlsx(tmp_path / "e.xlsx", headers, rows), codebook), codebook)
    assert pd.isna(coded.frame["a1_age"].iloc[4])
    missing = coded.missing()
    assert missing["a1_age"] == (1, 30)
    asked_c9 = sum(1 for t in truth if t["c8_problems"] == "yes")
    assert missing["c9_solution"] == (0, asked_c9)


def test_likert_accepts_numbers_as_forms_export_them(tmp_path, codebook):
    headers, rows, truth = form_export(codebook, n=15, seed=4)
    col = headers.index(codebook["c10_interest"].text)
    for row in rows:
        row[col] = int(row[col])
    coded = code_export(read_export(write_xlsx(tmp_path / "e.xlsx", headers, rows), codebook), codebook)
    _assert_counts(coded, codebook, truth)


def test_usage_group_follows_the_codebook_definition(tmp_path, codebook):
    headers, rows, truth = form_export(codebook, n=64, seed=9)
    coded = code_export(read_export(write_xlsx(tmp_path / "e.xlsx", headers, rows), codebook), codebook)
    for t, group in zip(truth, coded.frame["usage_group"], strict=True):
        expected = (
            "regular"
            if t["b2_regular_use"] == "yes"
            else "occasional"
            if "yes" in (t["b3_created"], t["b4_fed"])
            else "never"
        )
        assert group == expected


def test_pii_columns_are_dropped_unread(tmp_path, codebook):
    planted = {
        "Adresse e-mail": "jeanne.dupont@example.org",
        "Nom": "Dupont-Secret",
        "Téléphone": "0601020304",
    }
    headers, rows, _ = form_export(codebook, n=12, seed=2, pii=planted)
    contact_col = headers.index(codebook["contact"].text)
    for row in rows:
        row[contact_col] = "jeanne.dupont@example.org 06 01 02 03 04"
    raw = read_export(write_xlsx(tmp_path / "e.xlsx", headers, rows), codebook)
    coded = code_export(raw, codebook)
    dump = coded.frame.to_csv() + raw.frame.to_csv() + " ".join(raw.warnings)
    for value in ("jeanne.dupont", "Dupont-Secret", "0601020304", "06 01 02"):
        assert value not in dump
    assert "contact" not in coded.frame
    assert raw.pii_columns == 4


def test_identical_duplicate_rows_are_a_warning_not_an_error(tmp_path, codebook):
    headers, rows, _ = form_export(codebook, n=10, seed=2)
    rows.append(list(rows[3]))
    report = validate(write_xlsx(tmp_path / "e.xlsx", headers, rows), codebook)
    assert report.coded.n == 11
    assert any("identical" in w for w in report.coded.warnings)


def test_duplicate_rows_are_counted_only_when_the_warnings_are_asked_for(tmp_path, codebook, monkeypatch):
    # A run never shows the coding warnings (validate does): it does not pay for counting them.
    from dmp_survey.io import coding

    calls = []
    real = coding._duplicated_rows
    monkeypatch.setattr(coding, "_duplicated_rows", lambda frame: calls.append(len(frame)) or real(frame))
    headers, rows, _ = form_export(codebook, n=10, seed=2)
    rows.append(list(rows[3]))
    raw = read_export(write_xlsx(tmp_path / "e.xlsx", headers, rows), codebook)
    coded = code_export(raw, codebook)
    assert calls == []
    assert coded.warnings[: len(raw.warnings)] == raw.warnings
    assert coded.warnings[-1] == "1 row(s) identical to an earlier row (kept)"
    assert coded.warnings == coded.warnings and calls == [11]  # counted once


def test_empty_lines_are_not_respondents(tmp_path, codebook):
    headers, rows, _ = form_export(codebook, n=5, seed=2)
    rows.insert(2, [None] * len(headers))
    coded = code_export(read_export(write_xlsx(tmp_path / "e.xlsx", headers, rows), codebook), codebook)
    assert coded.n == 5
    assert list(coded.frame.index) == [2, 3, 5, 6, 7]


def test_format_is_read_from_the_bytes(tmp_path):
    (tmp_path / "a.bin").write_bytes(b"PAR1....")
    assert detect_format(tmp_path / "a.bin") == "parquet"
    (tmp_path / "b.dat").write_text("x;y\n1;2\n")
    assert detect_format(tmp_path / "b.dat") == "csv"


@pytest.mark.parametrize(
    ("variant", "label"),
    [("  UNE   femme ", "Une femme"), ("> 60ANS", "> 60 ans"), ("Medecin de msp", "Médecin de MSP")],
)
def test_label_normalisation(variant, label):
    assert normalise_label(variant) == normalise_label(label)


def test_header_numbering_is_ignored():
    text = "Quel âge avez-vous ?"
    for variant in ["1- Quel âge avez-vous ?", "A1 - quel age avez vous", "A) QUEL ÂGE AVEZ-VOUS?"]:
        assert normalise_header(variant) == normalise_header(text)
    assert normalise_label("< 35 ans") != normalise_label("> 35 ans")


def test_raw_file_is_not_modified(tmp_path, codebook):
    headers, rows, _ = form_export(codebook, n=8, seed=2)
    path = write_xlsx(tmp_path / "e.xlsx", headers, rows)
    before = path.read_bytes()
    validate(path, codebook)
    assert path.read_bytes() == before
    assert sorted(p.name for p in Path(tmp_path).iterdir()) == ["e.xlsx"]


def test_calamine_and_openpyxl_readers_agree(tmp_path, codebook):
    """The fast reader (calamine) and the exact one (openpyxl, used when a sheet
    holds formulas or error cells) give the same raw table."""
    from dmp_survey.io.ingest import _read_xlsx_calamine, _read_xlsx_openpyxl

    headers, rows, _ = form_export(codebook, n=40, seed=8)
    likert = headers.index(codebook["c10_interest"].text)
    sex = headers.index(codebook["a2_sex"].text)
    for i, row in enumerate(rows):
        row[likert] = int(row[likert])  # numbers, as forms export a linear scale
        if i % 7 == 0:
            row[sex] = "  "  # whitespace-only answer
    headers[sex] = "2- VOUS  êtes"
    rows.insert(5, [None] * len(headers))  # an empty line
    path = write_xlsx(tmp_path / "e.xlsx", headers, rows)
    fast = _read_xlsx_calamine(path, codebook, None)
    exact = _read_xlsx_openpyxl(path, codebook, None)
    assert fast.sheet == exact.sheet
    assert fast.headers == exact.headers
    assert list(fast.frame.index) == list(exact.frame.index)

    def blanks_as_none(frame):  # calamine reads a whitespace-only cell as empty: both mean blank
        return frame.map(lambda v: None if isinstance(v, str) and not v.strip() else v)

    pd.testing.assert_frame_equal(blanks_as_none(fast.frame), blanks_as_none(exact.frame), check_dtype=False)
    assert code_export(fast, codebook).frame.equals(code_export(exact, codebook).frame)


def test_a_formula_anywhere_sends_the_workbook_to_the_exact_reader(tmp_path, codebook):
    from dmp_survey.io.ingest import _has_formula_or_error_cells

    headers, rows, _ = form_export(codebook, n=5, seed=8)
    assert not _has_formula_or_error_cells(write_xlsx(tmp_path / "ok.xlsx", headers, rows))
    rows[3][2] = "=1+1"
    assert _has_formula_or_error_cells(write_xlsx(tmp_path / "f.xlsx", headers, rows))


def _rewrite_sheet(src, dst, edit):
    """Copy a workbook, passing its first sheet's XML through ``edit``."""
    import zipfile

    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = edit(data)
            zout.writestr(info, data)
    return dst


def test_the_formula_scan_sees_past_its_first_chunk_and_through_prefixes(tmp_path, codebook):
    """The scan reads the sheet XML in 1 MB chunks with a substring pre-test:
    a formula in the last row of a multi-megabyte sheet, a namespace-prefixed
    formula element and an error cell are all found."""
    import re as _re

    from dmp_survey.io.ingest import _has_formula_or_error_cells

    headers, rows, _ = form_export(codebook, n=4000, seed=3)
    base = write_xlsx(tmp_path / "big.xlsx", headers, rows)
    assert not _has_formula_or_error_cells(base)
    last = len(rows) + 1

    def formula_in_last_row(xml):
        assert len(xml) > 2 << 20  # several chunks
        return _re.sub(rb'(<c r="C%d")[^>]*>.*?</c>' % last, rb"\1><f>1+1</f><v>2</v></c>", xml, count=1)

    def prefixed(xml):
        return _re.sub(rb'(<c r="C%d")[^>]*>.*?</c>' % last, rb"\1><x:f>1+1</x:f><v>2</v></c>", xml, count=1)

    def error_cell(xml):
        return _re.sub(rb'(<c r="C%d")[^>]*>.*?</c>' % last, rb'\1 t="e"><v>#N/A</v></c>', xml, count=1)

    for name, edit in [("f", formula_in_last_row), ("x", prefixed), ("e", error_cell)]:
        path = _rewrite_sheet(base, tmp_path / f"{name}.xlsx", edit)
        assert _has_formula_or_error_cells(path), name


def test_parquet_answers_read_as_dictionaries_code_like_the_csv(tmp_path):
    # A Parquet export's answer columns are read dictionary-encoded
    # (categoricals) and coded on their distinct values; the coded frame must
    # be the CSV's, for every question type of the example study (single,
    # multiple, Likert, numeric, date, free text), blanks as nulls and as
    # empty or spaced strings, and a bad number must be found at its row.
    import pyarrow as pa
    import pyarrow.parquet as pq

    from dmp_survey.errors import InputError
    from dmp_survey.study.folder import load_study

    root = Path(__file__).resolve().parents[1] / "examples" / "pharmacists"
    codebook = load_study(root / "study").codebook
    csv_path = root / "responses.csv"
    frame = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    # Blank cells as nulls, and every other one as spaces.
    text = {c: [(None if i % 2 else "  ") if v == "" else v for i, v in enumerate(frame[c])] for c in frame}
    table = pa.table({c: pa.array(v, pa.string()) for c, v in text.items()})
    path = tmp_path / "export.parquet"
    pq.write_table(table, path, row_group_size=40)  # several chunks, several dictionaries
    from_csv = code_export(read_export(csv_path, codebook), codebook).frame
    raw = read_export(path, codebook)
    assert any(isinstance(t, pd.CategoricalDtype) for t in raw.frame.dtypes)
    from_parquet = code_export(raw, codebook).frame
    pd.testing.assert_frame_equal(from_parquet.reset_index(drop=True), from_csv.reset_index(drop=True))
    numeric = next(q for q in codebook.data_questions if q.type.value == "numeric")
    column = next(c for c in frame.columns if normalise_header(c) == normalise_header(numeric.text))
    bad = table.set_column(
        table.schema.get_field_index(column),
        column,
        pa.array(["12", "douze", *frame[column].tolist()[2:]], pa.string()),
    )
    pq.write_table(bad, tmp_path / "bad.parquet")
    with pytest.raises(InputError, match="'douze' is not a number") as err:
        code_export(read_export(tmp_path / "bad.parquet", codebook), codebook)
    assert "row 3" in str(err.value)


def test_duplicated_rows_counts_like_pandas():
    # coding._duplicated_rows combines the columns' codes by hand (speed at
    # 10^6 rows); it must count what DataFrame.duplicated counts, on
    # categoricals with missing codes, floats with NaN, timestamps and
    # strings with nulls, and on enough columns to force its compression.
    import numpy as np

    from dmp_survey.io.coding import _duplicated_rows

    rng = np.random.default_rng(0)
    for _ in range(40):
        n = int(rng.integers(1, 400))
        columns: dict[str, object] = {}
        for j in range(int(rng.integers(1, 60))):
            k = int(rng.integers(1, 6))
            kind = j % 4
            if kind == 0:
                columns[f"c{j}"] = pd.Categorical.from_codes(
                    rng.integers(-1, k, n), [f"v{i}" for i in range(k)]
                )
            elif kind == 1:
                columns[f"c{j}"] = pd.Series(rng.integers(0, k, n).astype(float)).where(rng.random(n) > 0.2)
            elif kind == 2:
                columns[f"c{j}"] = pd.Timestamp("2020-01-01") + pd.to_timedelta(
                    rng.integers(0, k, n), unit="s"
                )
            else:
                columns[f"c{j}"] = pd.Series(
                    rng.choice(np.array(["a", "b", None], dtype=object), n), dtype="string"
                )
        frame = pd.DataFrame(columns)
        assert _duplicated_rows(frame) == int(frame.duplicated().sum())


def test_blank_mask_on_arrow_text_is_pandas_strip():
    # The Arrow path of _blank_mask (no stripped copy of the column) finds
    # blank exactly what ``str.strip() == ""`` finds on the same dtype, for
    # every character below U+3100 alone, doubled, after a space and before
    # a letter, and for the other Unicode spaces.
    import numpy as np

    from dmp_survey.io.coding import _blank_mask

    chars = [chr(c) for c in range(0x3100) if not 0xD800 <= c <= 0xDFFF]
    chars += ["\u3000", "\ufeff", "\u200b", "\u2028", "\u2029", "\u205f", "\u180e"]
    values = [v for c in chars for v in (c, c * 2, " " + c, c + "a")] + ["", None, "  ", "a"]
    column = pd.Series(values, dtype=pd.StringDtype("pyarrow"))
    expected = (column.isna() | column.str.strip().eq("")).fillna(True).to_numpy(dtype=bool)
    got = _blank_mask(column)
    assert got.dtype == bool
    assert expected.sum() > 20  # spaces of several kinds
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize(
    ("sep", "encoding", "newline"),
    [(",", "utf-8", "\n"), (";", "utf-8-sig", "\r\n"), ("\t", "cp1252", "\r\n"), (";", "cp1252", "\n")],
)
def test_csv_read_by_arrow_is_the_frame_pandas_reads(tmp_path, codebook, monkeypatch, sep, encoding, newline):
    # pyarrow's reader (the fast path) gives the frame of the pandas reader
    # it replaces (the path every refused file still takes): same texts, row
    # numbers, the timestamp as text, the answers as categoricals of the same
    # texts (dictionary-encoded), and the same coded frame; blank lines,
    # spaced blanks, quotes, a line break and the separator inside quoted
    # answers included.
    import csv

    from dmp_survey.io import ingest

    headers, rows, _ = form_export(codebook, n=50, seed=13)
    rows[3][1] = "   "  # a spaced blank answer
    rows[5] = ["" for _ in rows[5]]  # an empty row (dropped, its number kept)
    rows[7][-1] = f'a "quoted"{sep} answer\non two lines'
    path = tmp_path / "export.csv"
    with path.open("w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh, delimiter=sep, lineterminator=newline)
        w.writerow(headers)
        for i, row in enumerate(rows):
            w.writerow(["" if v is None else v for v in row])
            if i == 10:
                fh.write(newline)  # an empty line
    calls = []
    real = ingest._read_csv_arrow
    monkeypatch.setattr(ingest, "_read_csv_arrow", lambda *a: calls.append(real(*a)) or calls[-1])
    fast = read_export(path, codebook)
    assert calls and calls[0] is not None  # Arrow read it
    monkeypatch.setattr(ingest, "_read_csv_arrow", lambda *a: None)
    slow = read_export(path, codebook)
    assert str(fast.frame["timestamp"].dtype) == "str"
    answers = [c for c in fast.frame.columns if c != "timestamp"]
    assert all(isinstance(fast.frame[c].dtype, pd.CategoricalDtype) for c in answers)
    assert all(str(t) == "str" for t in slow.frame.dtypes)
    pd.testing.assert_frame_equal(
        fast.frame.astype(slow.frame.dtypes.to_dict()), slow.frame, check_exact=True
    )
    assert fast.frame.index[-1] == slow.frame.index[-1]
    pd.testing.assert_frame_equal(
        code_export(fast, codebook).frame, code_export(slow, codebook).frame, check_exact=True
    )


def test_csv_arrow_refuses_what_pandas_reports(tmp_path, codebook):
    # A row of the wrong width: Arrow gives up, the pandas reader names the row.
    from dmp_survey.errors import InputError
    from dmp_survey.io import ingest

    headers, rows, _ = form_export(codebook, n=10, seed=2)
    path = write_csv(tmp_path / "export.csv", headers, rows)
    text = path.read_text(encoding="utf-8").splitlines()
    text[4] += ",surplus"
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    cols = ingest._match_headers(path, headers, codebook, None)
    assert ingest._read_csv_arrow(path, "utf-8", ",", len(headers), sorted(cols.keep)) is None
    with pytest.raises(InputError, match="row 5") as err:
        read_export(path, codebook)
    assert "wrong number of fields" in str(err.value)


def _both_csv_paths(path, codebook, monkeypatch):
    """Read and code ``path`` through Arrow's reader (checked to be used) and
    through the pandas reader; each outcome is ("ok", coded frame) or
    ("error", message)."""
    from dmp_survey.errors import InputError
    from dmp_survey.io import ingest

    real = ingest._read_csv_arrow
    outcomes = []
    calls: list = []

    def arrow(*args):
        calls.append(real(*args))
        return calls[-1]

    for fast in (True, False):
        monkeypatch.setattr(ingest, "_read_csv_arrow", arrow if fast else (lambda *a: None))
        calls.clear()
        try:
            outcomes.append(("ok", code_export(read_export(path, codebook), codebook).frame))
        except InputError as exc:
            outcomes.append(("error", str(exc)))
        if fast:
            assert calls and calls[0] is not None  # Arrow read it
    monkeypatch.setattr(ingest, "_read_csv_arrow", real)
    return outcomes


def _same_outcome(outcomes):
    (kind_fast, fast), (kind_slow, slow) = outcomes
    assert kind_fast == kind_slow, outcomes
    if kind_fast == "error":
        assert fast == slow
    else:
        pd.testing.assert_frame_equal(fast, slow, check_exact=True)
    return kind_fast, fast


def test_csv_answers_read_as_dictionaries_fail_where_the_text_path_fails(tmp_path, monkeypatch):
    # A bad answer read dictionary-encoded (Arrow) is reported as the pandas
    # reader's text columns report it (same message, row and column), in
    # every answer column of the example study (single, binary, ordered,
    # Likert, numeric, a joined multiple, ticked option columns); and an
    # answer of other whitespace (U+001F, a space for Python and Arrow alike)
    # is blank on both.
    from dmp_survey.study.folder import load_study

    root = Path(__file__).resolve().parents[1] / "examples" / "pharmacists"
    codebook = load_study(root / "study").codebook
    frame = pd.read_csv(root / "responses.csv", dtype=str, keep_default_na=False)
    errors = 0
    for column in frame.columns[2:]:
        if column == "Remarques ou suggestions":  # free text: any answer is one
            continue
        for bad in ("zzz not an answer", "\x1f"):
            edited = frame.copy()
            row = next(i for i, v in enumerate(edited[column]) if v.strip()) + 3
            edited.loc[row, column] = bad
            path = tmp_path / "edited.csv"
            edited.to_csv(path, index=False)
            kind, result = _same_outcome(_both_csv_paths(path, codebook, monkeypatch))
            if bad != "\x1f":
                assert kind == "error" and f"row {row + 2}" in result, (column, result)
                errors += 1
    assert errors == 14  # the 15 answer columns but the free text


def test_csv_dates_read_as_dictionaries_code_like_text(tmp_path, monkeypatch):
    # Dates in the export's own format and in ISO 8601, read dictionary-encoded:
    # coded as the text path codes them, an impossible date found at its row.
    import textwrap

    from dmp_survey.study.codebook import load_codebook

    codebook_path = tmp_path / "codebook.yaml"
    codebook_path.write_text(
        textwrap.dedent(
            """\
            questions:
            - id: since
              text: "Installé depuis"
              en: "Since"
              type: date
              format: "%d/%m/%Y"
            - id: iso
              text: "Date ISO"
              en: "ISO date"
              type: date
            - id: other
              text: "Autre"
              en: "Other"
              type: free_text
            """
        ),
        encoding="utf-8",
    )
    codebook = load_codebook(codebook_path)
    export = tmp_path / "export.csv"
    good = "03/02/2019,2019-02-03,x\n,,x\n 25/12/2020 ,2020-12-25,y\n03/02/2019,2019-02-03,z\n"
    export.write_text("Installé depuis,Date ISO,Autre\n" + good, encoding="utf-8")
    kind, coded = _same_outcome(_both_csv_paths(export, codebook, monkeypatch))
    assert kind == "ok" and coded["since"].notna().sum() == 3 and coded["iso"].notna().sum() == 3
    for bad in ("31/02/2019,2019-02-03,x\n", "03/02/2019,2019-02-31,x\n"):
        export.write_text("Installé depuis,Date ISO,Autre\n" + good + bad, encoding="utf-8")
        kind, message = _same_outcome(_both_csv_paths(export, codebook, monkeypatch))
        assert kind == "error" and "row 6" in message, message


def test_a_nul_byte_is_reported_at_its_line_beyond_the_first_blocks(tmp_path):
    # The scan reads 1 MiB blocks and counts lines only once a NUL is found.
    from dmp_survey.errors import InputError
    from dmp_survey.io.ingest import _refuse_nul

    line = "a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p\n"
    path = tmp_path / "export.csv"
    rows = 3 * (1 << 20) // len(line)  # three blocks' worth
    path.write_bytes((line * rows + "x\x00y\n" + line * 10).encode())
    with pytest.raises(InputError, match=f"row {rows + 1}"):
        _refuse_nul(path)
    path.write_bytes((line * rows).encode())
    _refuse_nul(path)  # no NUL: nothing raised


def test_a_dictionary_column_in_several_chunks_becomes_the_categorical_of_its_values():
    """ingest._categorical on an Arrow column as a large CSV or a Parquet
    file of several row groups gives it: chunks with their own
    dictionaries, missing answers among them."""
    import pyarrow as pa

    from dmp_survey.io.ingest import _categorical

    values = [["Oui", None, "Non"], ["Non", "Peut-être", None, "Non"], [None], ["Oui"]]
    column = pa.chunked_array([pa.array(v, pa.string()).dictionary_encode() for v in values])
    got = _categorical(column)
    flat = [v for chunk in values for v in chunk]
    assert [None if pd.isna(v) else v for v in got] == flat
    assert got.codes.tolist() == [-1 if v is None else list(got.categories).index(v) for v in flat]
    assert _categorical(pa.chunked_array([], pa.dictionary(pa.int32(), pa.string()))).size == 0


def test_categorical_texts_are_decoded_as_pandas_makes_them_text():
    # coding._as_text: a categorical of texts decoded by Arrow is the column
    # astype("string") gives (missing answers, blanks, accents); other
    # columns go through astype itself.
    import numpy as np

    from dmp_survey.io import coding

    categories = pd.Index(["un confrère m'a aidé", "   ", "", "via la hotline"], dtype=object)
    codes = np.array([0, -1, 1, 2, 3, -1, 0, 3], dtype=np.int8)
    column = pd.Series(pd.Categorical.from_codes(codes, categories), index=range(2, 10), name="detail")
    decoded = coding._as_text(column)
    pd.testing.assert_series_equal(decoded, column.astype("string"), check_exact=True)
    assert decoded.isna().tolist() == [c < 0 for c in codes]
    numbers = pd.Series(pd.Categorical([1, None, 2]))
    pd.testing.assert_series_equal(coding._as_text(numbers), numbers.astype("string"))


def test_timestamps_parsed_beside_or_before_the_coding_give_the_same_frame(tmp_path, codebook, monkeypatch):
    # coding._PARSE_APART_ROWS: below it the timestamps are parsed on a thread
    # while the answers are coded, from it on before them (memory); the same
    # coded frame either way.
    from dmp_survey.io import coding

    headers, rows, _ = form_export(codebook, n=40, seed=5)
    raw = read_export(write_csv(tmp_path / "export.csv", headers, rows), codebook)
    monkeypatch.setattr(coding, "_PARSE_APART_ROWS", 10**9)
    beside = code_export(raw, codebook).frame
    monkeypatch.setattr(coding, "_PARSE_APART_ROWS", 1)
    before = code_export(raw, codebook).frame
    assert beside["timestamp"].notna().all()
    pd.testing.assert_frame_equal(beside, before, check_exact=True)
