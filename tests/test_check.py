"""The p-value regression check, on the shipped export and on the published counts."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from typer.testing import CliRunner

from dmp_survey.cli import app
from dmp_survey.config import DEFAULT_PUBLISHED, DEFAULT_RAW, DEFAULT_STUDY
from dmp_survey.pipeline import analyse, check_published_counts, load_inputs
from dmp_survey.publication.check import load_expected_mismatches
from dmp_survey.publication.published import published_counts
from dmp_survey.stats.compare import statistics_tried
from dmp_survey.stats.counts import focal_table

runner = CliRunner()


@pytest.fixture(scope="module")
def analysis():
    return analyse(load_inputs(DEFAULT_RAW))


@pytest.fixture(scope="module")
def published_check():
    return check_published_counts(load_inputs(DEFAULT_RAW))[0]


@pytest.mark.parametrize("which", ["export", "published counts"])
def test_at_least_50_of_54_published_pvalues_are_reproduced_on_both_paths(analysis, published_check, which):
    result = analysis.check if which == "export" else published_check
    assert len(result.frame) == 54
    assert result.count("match") >= 50
    assert not result.failed
    assert set(result.frame["status"]) == {"match", "expected_mismatch"}


def test_both_paths_give_the_same_pvalues(analysis, published_check):
    a = analysis.check.frame.set_index(["annex", "variable"])["recomputed"]
    b = published_check.frame.set_index(["annex", "variable"])["recomputed"]
    assert np.allclose(a, b.loc[a.index])


def test_expected_mismatch_list_records_what_is_recomputed(published, plan, codebook):
    expected = load_expected_mismatches(DEFAULT_PUBLISHED)
    counts, _ = published_counts(published, plan, codebook)
    for r in expected.itertuples():
        focal = plan.numbered(r.annex).focal
        table = focal_table(counts, r.variable, focal, list(codebook[r.variable].codes))
        tried = statistics_tried(table)
        for name, value in tried.items():
            listed = getattr(r, name)
            assert (listed == "") == (value is None), (r.variable, name)
            if value is not None:
                assert float(listed) == pytest.approx(value, abs=5e-5), (r.annex, r.variable, name)
        assert r.reason


def test_check_command_passes_on_the_shipped_export():
    result = runner.invoke(app, ["check"])
    assert result.exit_code == 0, result.output
    assert "export: 50 of 54" in result.stdout
    assert "published counts: 50 of 54" in result.stdout


def test_inferred_counts_are_flagged_only_on_the_reconstruction(analysis, published_check):
    for frame in (analysis.check.frame, published_check.frame):
        inferred = set(frame.loc[frame["counts"] == "inferred", "variable"])
        assert inferred == {"c4_software", "c11_develop"}


def _published_copy(tmp_path):
    study = tmp_path / "study"
    shutil.copytree(DEFAULT_STUDY, study)
    return study / "published"


def test_check_fails_when_a_value_outside_the_list_does_not_match(tmp_path):
    published = _published_copy(tmp_path)
    expected = published / "pvalue_expected_mismatches.csv"
    lines = expected.read_text(encoding="utf-8").splitlines()
    expected.write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")  # drop annex II Problèmes
    result = runner.invoke(app, ["check", "--study", str(published.parent)])
    assert result.exit_code == 1
    assert "table 2 c8_problems: published 0.050" in result.stdout
    assert "mismatch" in result.stdout


def test_check_fails_when_a_listed_value_starts_to_match(tmp_path):
    published = _published_copy(tmp_path)
    expected = published / "pvalue_expected_mismatches.csv"
    text = expected.read_text(encoding="utf-8").rstrip("\n")
    row = '1,a2_sex,Sexe,0.306,0.3056,fisher_one_sided,,,,,,,"listed on purpose"'
    expected.write_text(text + "\n" + row + "\n", encoding="utf-8")
    result = runner.invoke(app, ["check", "--study", str(published.parent)])
    assert result.exit_code == 1
    assert "unexpected_match" in result.stdout


def test_check_fails_when_a_published_value_is_changed(tmp_path):
    published = _published_copy(tmp_path)
    cells = published / "annex_cells.csv"
    text = cells.read_text(encoding="utf-8")
    assert "1,Sexe,a2_sex,,p,p_value,0.306,0.306" in text
    cells.write_text(
        text.replace("1,Sexe,a2_sex,,p,p_value,0.306,0.306", "1,Sexe,a2_sex,,p,p_value,0.307,0.307")
    )
    result = runner.invoke(app, ["check", "--study", str(published.parent)])
    assert result.exit_code == 1


def test_a_real_export_has_no_inferred_counts(tmp_path, codebook):
    from exports import form_export, write_xlsx

    headers, rows, _ = form_export(codebook, n=64, seed=5)
    path = write_xlsx(tmp_path / "real.xlsx", headers, rows)
    analysis = analyse(load_inputs(path))
    assert not analysis.raw.reconstructed
    assert set(analysis.check.frame["counts"]) == {"printed"}
    assert len(analysis.check.frame) == 54
