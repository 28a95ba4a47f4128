"""The published values as data: parsing, per-group counts, cross-annex
consistency and the percentage (GRIM-style) check."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from dmp_survey.publication.published import (
    compare_printed,
    cross_annex_consistency,
    group_sizes,
    parse_printed,
    percent_checks,
    published_counts,
)


@pytest.mark.parametrize(
    ("text", "value", "decimals", "below"),
    [
        ("(81.7)", "81.7", 1, False),
        ("(25%)", "25", 0, False),
        ("(90.0%)", "90.0", 1, False),
        ("0.139", "0.139", 3, False),
        ("<0.001", "0.001", 3, True),
        ("<0,001", "0.001", 3, True),
        ("34,7 %", "34.7", 1, False),
        ("1", "1", 0, False),
    ],
)
def test_printed_numbers_parse_with_their_precision(text, value, decimals, below):
    p = parse_printed(text)
    assert p.value == Decimal(value)
    assert p.decimals == decimals
    assert p.below is below


def test_compare_printed_statuses():
    assert compare_printed("0.139", 0.13945) == "match"
    assert compare_printed("<0.001", 0.0004) == "match"
    assert compare_printed("<0.001", 0.0012) == "mismatch"
    assert compare_printed("6,2%", 100 * 4 / 64) == "rounding"  # 6.25 printed truncated
    assert compare_printed("(42.8%)", 100 * 3 / 7) == "rounding"  # 42.857…
    assert compare_printed("(67.7%)", 100 * 46 / 60) == "mismatch"
    assert compare_printed("0.0346", 0.03455) == "match"  # half up at the printed precision
    assert compare_printed("0.0345", 0.03455) == "rounding"


def test_group_sizes_come_from_the_annex_headers(published, plan):
    assert group_sizes(published, plan) == {"regular": 4, "occasional": 22, "never": 38}


def test_the_three_annexes_agree_with_each_other(published, plan):
    result = cross_annex_consistency(published, plan)
    assert len(result) == 99  # 90 counts + 6 denominators of the "other" columns + 3 group sizes
    assert (result["status"] == "consistent").all(), result[result["status"] != "consistent"]


def test_consistency_check_fails_on_a_deliberately_altered_cell(published, plan):
    cells = published.annex_cells.copy()
    target = (
        (cells["annex"] == 2)
        & (cells["variable"] == "a7_trainer")
        & (cells["column"] == "other")
        & (cells["quantity"] == "count")
    )
    assert cells.loc[target, "printed"].tolist() == ["6"]
    cells.loc[target, "printed"] = "7"
    altered = dataclasses.replace(published, annex_cells=cells)
    result = cross_annex_consistency(altered, plan)
    bad = result[result["status"] == "inconsistent"]
    assert bad[["annex", "variable", "level", "printed", "derived"]].values.tolist() == [
        [2, "a7_trainer", "yes", 7, 6]
    ]


def test_percentages_against_their_own_counts(published, plan):
    result = percent_checks(published, plan)
    assert len(result) == 186
    off = result[result["status"] != "match"]
    found = {(r.annex, r.variable, r.level, r.column, r.printed, r.status) for r in off.itertuples()}
    assert found == {
        (1, "c4_software", "yes", "other", "(67.7%)", "mismatch"),  # 46/60 = 76.7 %
        (2, "a4_area", "urban", "other", "(75%)", "mismatch"),  # 15/42 = 35.7 %
        (2, "c4_software", "yes", "focal", "(90.0%)", "mismatch"),  # 20/22 = 90.9 %
        (2, "c9_solution", "yes", "focal", "(42.8%)", "rounding"),  # 3/7 = 42.86 %, truncated
        (3, "a6_cme", "yes", "focal", "(71.7%)", "mismatch"),  # 27/38 = 71.1 %
    }


def test_binary_rows_are_completed_by_the_group_size(published, plan, codebook):
    counts, _ = published_counts(published, plan, codebook)
    cme = counts[counts["variable"] == "a6_cme"].set_index(["group", "level"])
    assert cme.loc[("never", "yes"), "n"] == 27
    assert cme.loc[("never", "no"), "n"] == 11
    assert cme.loc[("never", "no"), "source"] == "complement"
    solution = counts[counts["variable"] == "c9_solution"].set_index(["group", "level"])
    # C9 is completed by its printed denominator (those who met problems), not the group size.
    assert solution.loc[("occasional", "no"), "n"] == 4


def test_unprinted_third_answer_is_searched_and_chosen_by_the_documented_rule(published, plan, codebook):
    counts, splits = published_counts(published, plan, codebook)
    by_var = {s.variable: s for s in splits}
    assert set(by_var) == {"c4_software", "c11_develop"}
    software = by_var["c4_software"]
    assert software.candidates == 39  # (2+1) × (12+1) splits of the occasional and never remainders
    assert software.solutions == 2  # the same split with the two labels swapped
    assert software.counts["never"] == {"yes": 26, "no": 12, "dont_know": 0}
    assert software.counts["occasional"] == {"yes": 20, "no": 1, "dont_know": 1}
    develop = by_var["c11_develop"]
    assert develop.solutions == 4
    # Ties on the number of "Non" are broken by the smallest "Je ne sais pas" counts in group order.
    assert develop.counts["never"] == {"yes": 17, "no": 19, "dont_know": 2}
    assert develop.counts["occasional"] == {"yes": 15, "no": 7, "dont_know": 0}
    inferred = counts[counts["source"] == "inferred"]
    assert set(inferred["variable"]) == {"c4_software", "c11_develop"}
