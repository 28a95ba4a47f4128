"""`--csv excel-fr` (issue 17): every CSV of the run in the French spreadsheet
dialect, the same data as the standard one; the manifest records it."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from dmp_survey.cli import app
from dmp_survey.config import DEFAULT_RAW
from dmp_survey.io.csvdialect import CSV_DIALECTS

runner = CliRunner()


@pytest.fixture(scope="module")
def excel_fr_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("excel-fr")
    result = runner.invoke(app, ["run", str(DEFAULT_RAW), "--out", str(root), "--csv", "excel-fr"])
    assert result.exit_code == 0, result.output
    return root


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_every_csv_reads_back_equal_to_the_standard_one(shipped_run, excel_fr_run):
    standard = sorted((shipped_run / "data/processed").glob("*.csv"))
    assert (
        len(standard) == 9
    )  # responses, descriptive, annexes I-III, Table 1 and its pairwise tests, check, audit
    for path in standard:
        fr = excel_fr_run / "data/processed" / path.name
        raw = fr.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf"), path.name  # UTF-8 with BOM
        assert raw.split(b"\n", 1)[0].count(b";") > 0, path.name
        expected = pd.read_csv(path)
        got = pd.read_csv(fr, sep=";", decimal=",", encoding="utf-8-sig")
        pd.testing.assert_frame_equal(got, expected, check_exact=True, obj=path.name)


def test_decimal_comma_and_the_manifest_records_the_dialect(shipped_run, excel_fr_run):
    text = (excel_fr_run / "data/processed/descriptive.csv").read_text(encoding="utf-8-sig")
    assert text.splitlines()[0] == "variable;level;n;denominator;percent;ci_low;ci_high"
    assert any(",".join(["57", "8125"]) in line for line in text.splitlines())  # 37/64 = 57,8125 %
    manifest = json.loads((excel_fr_run / "data/processed/manifest.json").read_text(encoding="utf-8"))
    assert manifest["options"]["csv"] == "excel-fr"
    standard = json.loads((shipped_run / "data/processed/manifest.json").read_text(encoding="utf-8"))
    assert standard["options"]["csv"] == "standard"
    # Only the CSV files differ, and the report whose provenance names the option.
    differ = {rel for rel, digest in manifest["outputs"].items() if standard["outputs"][rel] != digest}
    assert differ == {rel for rel in manifest["outputs"] if rel.endswith(".csv")} | {"reports/report.html"}
    assert _sha(excel_fr_run / "data/processed/results.docx") == _sha(
        shipped_run / "data/processed/results.docx"
    )


def test_an_unknown_dialect_is_one_line_and_exit_2(tmp_path):
    result = runner.invoke(app, ["run", str(DEFAULT_RAW), "--out", str(tmp_path), "--csv", "excel"])
    assert result.exit_code == 2
    assert result.stderr.strip() == "error: --csv must be one of standard, excel-fr, not 'excel'"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", ["figures", "report", "verify"])
def test_the_other_commands_take_the_option(command):
    result = runner.invoke(app, [command, "--help"], env={"COLUMNS": "160"})
    assert result.exit_code == 0 and "--csv" in result.output and "excel-fr" in result.output


@pytest.mark.parametrize("reverse", [False, True], ids=["direct-last", "dictionary-last"])
@pytest.mark.parametrize("dialect", sorted(CSV_DIALECTS))
def test_large_frames_written_by_arrow_have_pandas_bytes(tmp_path, monkeypatch, dialect, reverse):
    # From _ARROW_CSV_ROWS rows on, write_csv assembles the file with Arrow;
    # the bytes must be those of the pandas path: quoting, empty strings,
    # missing values, formula escaping, floats, dates, booleans, categories.
    # Last column formatted directly (a time: the line ends joined on after),
    # or from a dictionary (the line end is part of its texts).
    import numpy as np
    import pandas as pd

    from dmp_survey.io import writers

    n = 40
    frame = pd.DataFrame(
        {
            "text": pd.Series(
                ["a,b", 'q"uote', "", None, "=1+1", "line\nbreak", "x;y", "é"] * 5, dtype=object
            ),
            "code": pd.Categorical(["oui", "non", None, "oui"] * 10),
            "number": np.where(np.arange(n) % 7 == 0, np.nan, np.linspace(0, 1.5, n)),
            "count": np.arange(n),
            "flag": np.arange(n) % 3 == 0,
            "when": pd.Timestamp("2019-01-01 10:15:32") + pd.to_timedelta(np.arange(n) % 9, unit="h"),
            # A category that looks like a formula is escaped like text.
            "formula_code": pd.Categorical(["=2+2", "plain", None, "+1"] * 10),
            # Dates alone are written without a time.
            "day": pd.Series(pd.Timestamp("2019-01-01") + pd.to_timedelta(np.arange(n), unit="D")).where(
                np.arange(n) % 6 != 0
            ),
            # Times to the second, missing ones among them: formatted by Arrow.
            "stamp": pd.Series(
                pd.Timestamp("2019-01-01 10:15:32") + pd.to_timedelta(np.arange(n), unit="s")
            ).where(np.arange(n) % 4 != 0),
        }
    )
    if reverse:
        frame = frame[frame.columns[::-1]]
    monkeypatch.setattr(writers, "_ARROW_CSV_ROWS", 10**9)
    writers.write_csv(tmp_path / "pandas.csv", frame, **CSV_DIALECTS[dialect])
    monkeypatch.setattr(writers, "_ARROW_CSV_ROWS", 1)
    if reverse:
        monkeypatch.setattr(writers, "_CHUNK_BYTES", 1000)  # several chunks, of the bytes' size
    else:
        monkeypatch.setattr(writers, "_CHUNK_ROWS", 16)  # several chunks
    monkeypatch.setattr(writers, "_BLOCK_VALUES", 64)  # blocks of one and of several columns
    writers.write_csv(tmp_path / "arrow.csv", frame, **CSV_DIALECTS[dialect])
    assert (tmp_path / "arrow.csv").read_bytes() == (tmp_path / "pandas.csv").read_bytes()
    # A categorical's formula-looking values are escaped like text.
    assert b"'=2+2" in (tmp_path / "pandas.csv").read_bytes()
    assert b"'=1+1" in (tmp_path / "pandas.csv").read_bytes()
