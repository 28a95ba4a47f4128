"""The reconstructed export reproduces every published count."""

from __future__ import annotations

import hashlib

import pandas as pd
import pytest
from typer.testing import CliRunner

from dmp_survey.cli import app
from dmp_survey.config import DEFAULT_RAW
from dmp_survey.io.validation import validate
from dmp_survey.publication.published import annex_view
from dmp_survey.study.codebook import QuestionType

runner = CliRunner()


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory):
    out = tmp_path_factory.mktemp("rec") / "responses.xlsx"
    result = runner.invoke(app, ["reconstruct", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_reconstruct_then_validate_exits_0(rebuilt):
    result = runner.invoke(app, ["validate", str(rebuilt)])
    assert result.exit_code == 0, result.output
    assert "64 respondent(s)" in result.stdout


def test_every_annex_count_per_group_equals_the_transcription(rebuilt, codebook, plan, published):
    coded = validate(rebuilt, codebook).coded
    frame = coded.frame
    cells = published.annex_cells
    checked = 0
    for annex in annex_view(plan).annexes:
        focal = frame["usage_group"] == annex.focal
        for r in cells[
            (cells["annex"] == annex.number) & (cells["quantity"].isin(["count", "denominator"]))
        ].itertuples():
            column = focal if r.column == "focal" else ~focal
            if r.quantity == "count":
                got = int((column & (frame[r.variable] == r.level)).sum())
            else:  # "2/7": those asked, i.e. who met problems
                got = int((column & frame[r.variable].notna()).sum())
            assert got == int(r.printed), (annex.number, r.variable, r.level, r.column, r.quantity)
            checked += 1
    assert checked == 186 + 6
    for r in published.annex_groups.itertuples():
        focal = frame["usage_group"] == plan.numbered(r.annex).focal
        assert int((focal if r.column == "focal" else ~focal).sum()) == int(r.printed)


def test_text_totals_where_the_annexes_are_silent(rebuilt, codebook):
    frame = validate(rebuilt, codebook).coded.frame
    assert (frame["b3_created"] == "yes").sum() == 24
    assert (frame["b4_fed"] == "yes").sum() == 13
    assert (frame["b2_regular_use"] == "yes").sum() == 4


def test_layout_is_an_online_form_export(rebuilt, codebook):
    from openpyxl import load_workbook

    wb = load_workbook(rebuilt, read_only=True)
    ws = wb.worksheets[0]
    header = [c.value for c in next(ws.iter_rows(max_row=1))]
    assert header[0] == "Horodateur"
    assert header[1:] == [q.text for q in codebook.questions]
    assert "reconstructed" in wb.properties.keywords
    assert wb.sheetnames[1].startswith("À lire")
    frame = validate(rebuilt, codebook).coded.frame
    stamps = frame["timestamp"]
    assert stamps.min() >= pd.Timestamp("2018-12-21") and stamps.max() < pd.Timestamp("2019-03-05")
    assert stamps.is_monotonic_increasing
    contact = header.index(codebook["contact"].text) + 1
    assert all(row[contact - 1].value is None for row in ws.iter_rows(min_row=2))
    # conditional questions are blank where not asked
    assert frame.loc[frame["c8_problems"] != "yes", "c9_solution"].isna().all()
    assert frame.loc[frame["c2_pilot_known"] != "yes", "c3_pilot_source"].isna().all()


def test_unpublished_questions_are_marked_in_the_codebook(codebook):
    unpublished = {q.id for q in codebook.questions if not q.published}
    assert {
        "b5_patient_type",
        "b6_section",
        "c3_pilot_source",
        "c10_interest",
        "c12_daily_future",
    } <= unpublished
    assert all(codebook[q].type is not QuestionType.PII for q in unpublished)


def test_reconstruct_twice_gives_identical_bytes(rebuilt, tmp_path):
    again = tmp_path / "again.xlsx"
    assert runner.invoke(app, ["reconstruct", "--out", str(again)]).exit_code == 0
    assert _sha(again) == _sha(rebuilt)


def test_shipped_export_is_what_reconstruct_writes(rebuilt):
    assert _sha(DEFAULT_RAW) == _sha(rebuilt)
