"""The modern statistics of the DMP comparisons against R.

Reference values are in ``tests/results/*.csv``, written by R from the same
tables with ``tests/results/references.R`` (each call is in that script):
``fisher.test(m)`` for the conditional odds ratios, their exact intervals and
the all-groups p-values, ``prop.trend.test`` for Cochran–Armitage and
``coin::lbl_test`` for the linear-by-linear association.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from dmp_survey.cli import app
from dmp_survey.config import DEFAULT_RAW
from dmp_survey.outputs.annex import comparison_layout
from dmp_survey.pipeline import analyse, load_inputs
from dmp_survey.stats.compare import modern_statistics

RESULTS = Path(__file__).parent / "results"


@pytest.fixture(scope="module")
def dmp():
    return analyse(load_inputs(DEFAULT_RAW))


def test_every_2x2_annex_row_has_rs_conditional_odds_ratio_and_exact_interval(dmp):
    reference = pd.read_csv(RESULTS / "annex_odds_ratios.csv")
    assert len(reference) == 30  # every 2 x 2 row of annexes I-III
    for r in reference.itertuples():
        table = dmp.tables[r.comparison]
        rows = table[table["variable"] == r.variable]
        counts = np.array([rows["n_focal"], rows["n_other"]])
        counts = counts[:, counts.sum(axis=0) > 0]
        assert counts.ravel().tolist() == [r.a, r.b, r.c, r.d], (r.comparison, r.variable)
        got = rows.iloc[0]
        for name, expected in (
            ("odds_ratio", r.odds_ratio),
            ("or_ci_low", r.ci_low),
            ("or_ci_high", r.ci_high),
        ):
            if math.isinf(expected) or expected == 0:
                assert got[name] == expected, (r.comparison, r.variable, name)
            else:
                assert got[name] == pytest.approx(expected, rel=1e-6), (r.comparison, r.variable, name)
        assert got["p_exact"] == pytest.approx(r.p_value, rel=1e-9)


def test_principe_prints_an_infinite_odds_ratio_with_its_exact_lower_bound(dmp):
    # R: fisher.test(matrix(c(4, 54, 0, 6), 2)) -> estimate Inf, conf.int 0.0599... Inf
    table = dmp.tables["annex_1"]
    row = table[table["variable"] == "c1_principle"].iloc[0]
    assert math.isinf(row["odds_ratio"]) and math.isinf(row["or_ci_high"])
    assert row["or_ci_low"] == pytest.approx(0.0599, abs=5e-5)
    comparison = dmp.inputs.plan.comparison("annex_1")
    rows, _ = comparison_layout(table, comparison, dmp.inputs.codebook, "fr")
    line = next(r for r in rows if r and r[0] == "Principe")
    assert "∞ [0,060\u00a0; ∞]" in line  # French run: decimal comma, no-break space before ;


def test_a_larger_table_stays_exact():
    # R: fisher.test(matrix(c(15,5,4, 5,12,8, 5,8,15, 8,8,10), 3))$p.value -> 0.01082 (0.0108192...)
    stats = modern_statistics(np.array([[15, 5, 5, 8], [5, 12, 8, 8], [4, 8, 15, 10]]))
    assert stats.exact.test == "fisher_freeman_halton"
    assert stats.exact.value == pytest.approx(0.01082, abs=5e-6)
    # The chi-square of the same table (0.006338) is never under the exact name.
    assert abs(stats.exact.value - 0.006338) > 1e-3


def test_the_all_groups_table_matches_r_fisher_row_by_row(dmp):
    reference = pd.read_csv(RESULTS / "all_groups_fisher.csv")
    table = dmp.tables["by_usage_group"]
    assert len(reference) == table["variable"].nunique() == 18
    for r in reference.itertuples():
        row = table[table["variable"] == r.variable].iloc[0]
        if pd.isna(r.p_value):  # a constant row: no test in R either
            assert row["test_exact"] == "constant"
            continue
        assert row["test_exact"] in ("fisher_two_sided", "fisher_freeman_halton"), r.variable
        assert row["p_exact"] == pytest.approx(r.p_value, rel=1e-6), r.variable
        assert row["p_value"] == row["p_exact"]  # the plan's rule here is the exact test
    # q-values over the stated family: the 17 tested rows.
    tested = table.drop_duplicates("variable")
    tested = tested[tested["test_exact"] != "constant"]
    assert len(tested) == 17 and tested["p_bh"].notna().all()
    assert (tested["p_bh"] >= tested["p_exact"] - 1e-12).all()


def test_trend_tests_match_r(dmp):
    reference = pd.read_csv(RESULTS / "trend.csv")
    assert len(reference) >= 3
    for r in reference.itertuples():
        table = dmp.tables[r.comparison]
        row = table[table["variable"] == r.variable].iloc[0]
        assert row["test_trend"] == r.test
        assert row["p_trend"] == pytest.approx(r.p_value, abs=1e-6, rel=1e-6)


def test_the_all_groups_table_is_a_csv_a_sheet_and_a_report_section(tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["run", str(DEFAULT_RAW), "--out", str(out)])
    assert result.exit_code == 0, result.output
    processed = out / "data" / "processed"
    table = pd.read_csv(processed / "by_usage_group.csv")
    assert set(table["group"]) == {"regular", "occasional", "never", "(overall)"}
    assert "(missing)" in set(table["level"])  # not answered, apart from the percentages
    pairwise = pd.read_csv(processed / "by_usage_group_pairwise.csv")
    assert set(pairwise["adjust_method"]) == {"Holm"} and len(pairwise) == 3 * 18  # every pair, every row
    assert "Tableau 1" in load_workbook(processed / "comparisons.xlsx", read_only=True).sheetnames
    html = (out / "reports" / "report.html").read_text(encoding="utf-8")
    section = html[html.index('id="comparison-by_usage_group"') :]
    assert "Tableau 1\u00a0: Les trois groupes d’utilisation côte à côte" in section
    assert "sur les 17 lignes testées de ce tableau" in section
