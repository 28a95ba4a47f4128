"""The comparison layout (outputs/annex.py) prints, on each answer's line, the
counts of that question, answer and group: the layout reads the table once
and looks each line up; the expected cells here are filtered out of the
table with pandas, line by line."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from dmp_survey.outputs.annex import _cell, comparison_layout
from dmp_survey.outputs.numbers import typeset
from dmp_survey.pipeline import Analysis, analyse, load_inputs
from dmp_survey.stats.compare import OVERALL
from dmp_survey.study.plan import group_levels

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "pharmacists"


@pytest.fixture(scope="module")
def example() -> Analysis:
    return analyse(load_inputs(EXAMPLE / "responses.csv", EXAMPLE / "study"))


def _expected(
    sub: pd.DataFrame, code: str, kind: str, groups: list[str], among: bool, lang: str
) -> list[str]:
    """The count cells of one answer's line, each group's line filtered out
    of the question's table (the last hit across groups, the first otherwise,
    as the layouts read them)."""
    lines = sub[sub["level"] == code]
    if kind == "all_groups":
        hits = [lines[lines["group"] == g].iloc[-1] for g in groups]
        cells = [_cell(int(h["n"]), int(h["denominator"]), h["percent"], among, lang) for h in hits]
    else:
        h = lines.iloc[0]
        cells = [
            _cell(int(h[f"n_{s}"]), int(h[f"n_{s}_total"]), h[f"pct_{s}"], among, lang)
            for s in ("focal", "other")
        ]
    return [typeset(c, lang) for c in cells]


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_each_answer_line_prints_its_own_counts(example, lang):
    codebook = example.inputs.codebook
    checked = {"one_vs_rest": 0, "all_groups": 0, "not_answered": 0}
    for comparison in example.inputs.plan.comparisons:
        table = example.tables[comparison.id]
        rows, _ = comparison_layout(
            table, comparison, codebook, lang, example.numeric_tables.get(comparison.id)
        )
        body = rows[3:]
        groups = [g for g, _ in group_levels(codebook, comparison.group_variable)] + [OVERALL]
        i = 0
        for row in comparison.rows:
            if row.numeric:
                i += 1
                continue
            sub = table[table["variable"] == row.variable]
            among = row.among is not None

            width = len(groups) if comparison.kind == "all_groups" else 2
            levels = list(row.printed_levels)
            if len(levels) == 1:
                assert body[i][1 : 1 + width] == _expected(
                    sub, levels[0], comparison.kind, groups, among, lang
                ), (comparison.id, row.variable)
                i += 1
            else:
                i += 1  # the question's line: label and p-value
                for code in levels:
                    assert body[i][1 : 1 + width] == _expected(
                        sub, code, comparison.kind, groups, among, lang
                    ), (comparison.id, row.variable, code)
                    i += 1
            checked[comparison.kind] += 1
            if comparison.kind == "all_groups":
                missing = sub[sub["level"] == "(missing)"]
                counts = [int(missing[missing["group"] == g]["n"].iloc[-1]) for g in groups]
                if any(counts):
                    assert body[i][1:] == [str(n) for n in counts], (comparison.id, row.variable)
                    i += 1
                    checked["not_answered"] += 1
        assert i == len(body), comparison.id
    assert all(checked.values()), checked
