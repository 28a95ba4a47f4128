"""The descriptive table: counts among the respondents asked, percentages and
Wilson intervals, on random exports and on the shipped reconstructed export."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from exports import expected_counts, form_export, write_xlsx
from numpy.testing import assert_allclose
from statsmodels.stats.proportion import proportion_confint

from dmp_survey.config import DEFAULT_RAW
from dmp_survey.io.validation import validate
from dmp_survey.publication.published import annex_view
from dmp_survey.stats.describe import DESCRIPTIVE_COLUMNS, MISSING, describe
from dmp_survey.study.codebook import QuestionType


def _coded(tmp_path, codebook, headers, rows):
    return validate(write_xlsx(tmp_path / "export.xlsx", headers, rows), codebook).coded


@pytest.fixture(scope="module")
def shipped(codebook):
    return describe(validate(DEFAULT_RAW, codebook).coded)


@pytest.fixture
def random_export(tmp_path, codebook):
    headers, rows, truth = form_export(codebook, n=80, seed=11)
    return headers, rows, truth, _coded(tmp_path, codebook, headers, rows)


def _row(table, variable, level):
    hit = table[(table["variable"] == variable) & (table["level"] == level)]
    assert len(hit) == 1, (variable, level)
    return hit.iloc[0]


def test_columns_are_exactly_those_of_the_design(random_export):
    table = describe(random_export[3])
    assert list(table.columns) == DESCRIPTIVE_COLUMNS
    assert table["n"].dtype == np.int64 and table["denominator"].dtype == np.int64


def test_variables_in_codebook_order_free_text_as_answered_only_no_pii_usage_group_last(
    random_export, codebook
):
    table = describe(random_export[3])
    variables = list(dict.fromkeys(table["variable"]))
    expected = [q.id for q in codebook.questions if q.is_categorical or q.type is QuestionType.FREE_TEXT]
    assert variables == [*expected, "usage_group"]
    assert "contact" not in variables
    excluded = {q.id for q in codebook.questions if q.type is QuestionType.PII}
    assert excluded.isdisjoint(variables)
    # A free-text question is counted as answered or not, never by its text.
    assert list(table[table["variable"] == "c9_solution_detail"]["level"]) == ["(answered)", "(missing)"]


def test_levels_in_codebook_order_zero_counts_kept_missing_last(tmp_path, codebook):
    headers, rows, _ = form_export(codebook, n=30, seed=2)
    column = headers.index(codebook["a5_computerised"].text)
    for row in rows:
        row[column] = "Oui"  # nobody answers "Non": its row stays, with 0
    table = describe(_coded(tmp_path, codebook, headers, rows))
    a5 = table[table["variable"] == "a5_computerised"]
    assert list(a5["level"]) == ["yes", "no", MISSING]
    assert list(a5["n"]) == [30, 0, 0]
    age = table[table["variable"] == "a1_age"]
    assert list(age["level"]) == [*codebook["a1_age"].codes, MISSING]


def test_counts_per_level_sum_to_the_denominator(random_export, shipped):
    for table in (describe(random_export[3]), shipped):
        sums = table.groupby("variable", sort=False)["n"].sum()
        dens = table.groupby("variable", sort=False)["denominator"].agg(["min", "max"])
        assert (dens["min"] == dens["max"]).all()
        assert (sums == dens["min"]).all(), sums[sums != dens["min"]]


def test_counts_equal_the_answers_written(random_export, codebook):
    _headers, _rows, truth, coded = random_export
    table = describe(coded)
    for qid, counts in expected_counts(codebook, truth).items():
        for code in codebook[qid].codes:
            assert _row(table, qid, code)["n"] == counts.get(code, 0), (qid, code)


def test_denominators_of_conditional_questions_are_those_asked(random_export):
    _headers, _rows, truth, coded = random_export
    table = describe(coded)
    den = table.groupby("variable")["denominator"].first()
    fed = sum(t["b4_fed"] == "yes" for t in truth)
    problems = sum(t["c8_problems"] == "yes" for t in truth)
    pilot = sum(t["c2_pilot_known"] == "yes" for t in truth)
    assert 0 < fed < 80 and 0 < problems < 80 and 0 < pilot < 80
    assert den["b5_patient_type"] == den["b6_section"] == fed
    assert den["c9_solution"] == problems
    assert den["c3_pilot_source"] == pilot
    conditional = {"b5_patient_type", "b6_section", "c9_solution", "c9_solution_detail", "c3_pilot_source"}
    unconditional = [v for v in den.index if v not in conditional]
    assert (den[unconditional] == 80).all()


def test_missing_answers_are_counted_among_those_asked(tmp_path, codebook):
    headers, rows, truth = form_export(codebook, n=50, seed=4)
    age = headers.index(codebook["a1_age"].text)
    c9 = headers.index(codebook["c9_solution"].text)
    detail = headers.index(codebook["c9_solution_detail"].text)
    rows[0][age] = None
    rows[1][age] = None
    asked = [i for i, t in enumerate(truth) if t["c8_problems"] == "yes"]
    rows[asked[0]][c9] = None
    rows[asked[0]][detail] = None
    table = describe(_coded(tmp_path, codebook, headers, rows))
    missing = _row(table, "a1_age", MISSING)
    assert (missing["n"], missing["denominator"]) == (2, 50)
    assert missing["percent"] == pytest.approx(4.0)
    c9_missing = _row(table, "c9_solution", MISSING)
    # Those not asked C9 are not missing answers: only the blank among the asked.
    assert (c9_missing["n"], c9_missing["denominator"]) == (1, len(asked))


def test_percent_and_wilson_interval_match_statsmodels(random_export, shipped):
    for table in (describe(random_export[3]), shipped):
        low, high = proportion_confint(table["n"], table["denominator"], alpha=0.05, method="wilson")
        assert_allclose(table["percent"], 100 * table["n"] / table["denominator"], rtol=1e-12)
        assert_allclose(table["ci_low"], 100 * np.asarray(low), rtol=1e-12, atol=1e-12)
        assert_allclose(table["ci_high"], 100 * np.asarray(high), rtol=1e-12, atol=1e-12)
        # (statsmodels' bounds at 0 and 100 % are off by a rounding error)
        assert (table["ci_low"] <= table["percent"] + 1e-9).all()
        assert (table["percent"] <= table["ci_high"] + 1e-9).all()


def test_wilson_interval_against_r(shipped):
    # R 4.x: prop.test(24, 64, correct = FALSE)$conf.int -> 0.2666598 0.4974962
    created = _row(shipped, "b3_created", "yes")
    assert created["ci_low"] == pytest.approx(26.66598, abs=5e-5)
    assert created["ci_high"] == pytest.approx(49.74962, abs=5e-5)


def test_nobody_asked_gives_zero_denominator_and_no_percent(tmp_path, codebook):
    headers, rows, _ = form_export(codebook, n=20, seed=6)
    fed = headers.index(codebook["b4_fed"].text)
    b5 = headers.index(codebook["b5_patient_type"].text)
    b6 = headers.index(codebook["b6_section"].text)
    for row in rows:
        row[fed], row[b5], row[b6] = "Non", None, None
    table = describe(_coded(tmp_path, codebook, headers, rows))
    b5_rows = table[table["variable"] == "b5_patient_type"]
    assert (b5_rows["denominator"] == 0).all() and (b5_rows["n"] == 0).all()
    assert b5_rows[["percent", "ci_low", "ci_high"]].isna().all().all()


# --- the shipped (reconstructed) export ------------------------------------------


@pytest.mark.parametrize(
    ("variable", "level", "n", "percent"),
    [
        ("b3_created", "yes", 24, 37.5),
        ("b4_fed", "yes", 13, 20.3125),
        ("b2_regular_use", "yes", 4, 6.25),
        ("c1_principle", "no", 6, 9.375),
        ("a7_trainer", "yes", 15, 23.4375),
    ],
)
def test_known_values_of_the_shipped_export(shipped, variable, level, n, percent):
    row = _row(shipped, variable, level)
    assert (row["n"], row["denominator"]) == (n, 64)
    assert row["percent"] == pytest.approx(percent)


def test_shipped_export_has_64_respondents_and_the_feeders_denominator(shipped):
    assert (
        shipped[
            ~shipped["variable"].isin(
                ["b5_patient_type", "b6_section", "c3_pilot_source", "c9_solution", "c9_solution_detail"]
            )
        ]["denominator"]
        == 64
    ).all()
    den = shipped.groupby("variable")["denominator"].first()
    assert den["b5_patient_type"] == den["b6_section"] == 13
    assert den["c9_solution"] == 12


def test_shipped_export_reproduces_the_published_annex_totals(shipped, published, plan):
    """Each annex splits the 64 doctors in two columns: focal + other is the
    total of the descriptive table, for every printed count and denominator."""
    cells = published.annex_cells
    checked = 0
    for annex in annex_view(plan).annexes:
        sub = cells[(cells["annex"] == annex.number) & cells["quantity"].isin(["count", "denominator"])]
        totals = (
            sub.assign(n=sub["printed"].astype(int)).groupby(["variable", "level", "quantity"])["n"].sum()
        )
        for (variable, level, quantity), total in totals.items():
            row = _row(shipped, variable, level)
            got = row["n"] if quantity == "count" else row["denominator"]
            assert got == total, (annex.number, variable, level, quantity)
            checked += 1
    assert checked == 3 * 32  # 30 printed counts and 2 printed denominators per annex
    groups = published.annex_groups
    for annex in annex_view(plan).annexes:
        size = groups[(groups["annex"] == annex.number) & (groups["column"] == "focal")]["printed"]
        assert _row(shipped, "usage_group", annex.focal)["n"] == int(size.iloc[0])


def test_descriptive_round_trips_through_csv(tmp_path, shipped):
    from dmp_survey.io.writers import write_csv

    path = write_csv(tmp_path / "descriptive.csv", shipped)
    back = pd.read_csv(path, dtype={"level": str})
    assert list(back.columns) == DESCRIPTIVE_COLUMNS
    assert list(back["level"]) == list(shipped["level"])
    assert_allclose(back["percent"], shipped["percent"], rtol=1e-9)


def test_describe_is_the_counts_with_their_intervals(random_export):
    from dmp_survey.stats.describe import count_answers, with_intervals

    coded = random_export[3]
    counts = count_answers(coded)
    assert list(counts.columns) == DESCRIPTIVE_COLUMNS[:5]
    assert len(counts) > 20
    pd.testing.assert_frame_equal(with_intervals(counts), describe(coded))
    pd.testing.assert_frame_equal(describe(coded)[DESCRIPTIVE_COLUMNS[:5]], counts)


@pytest.mark.parametrize("n_levels", [2, 126, 127, 128, 300])
def test_answer_rows_count_blanks_and_the_respondents_asked_at_any_number_of_levels(n_levels):
    # Counted in the categorical's own small integer codes (int8 up to 127 levels, then int16):
    # the bin of those not asked needs one more value than the levels.
    from dmp_survey.stats.describe import _rows

    rng = np.random.default_rng(n_levels)
    levels = [f"l{i}" for i in range(n_levels)]
    codes = rng.integers(-1, n_levels, 2000)
    codes[:3] = n_levels - 1  # the last level, answered by someone asked
    column = pd.Series(pd.Categorical.from_codes(codes, categories=levels))
    asked = rng.random(2000) < 0.8
    asked[:3] = True
    table = _rows("q", column, levels, asked)
    answers = [int(((codes == i) & asked).sum()) for i in range(n_levels)]
    assert list(table["n"]) == [*answers, int(((codes < 0) & asked).sum())]
    assert set(table["denominator"]) == {int(asked.sum())}
