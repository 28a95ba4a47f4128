"""Property-based tests (hypothesis).

- Any spelling of a codebook label that differs only in case, accents and
  spacing decodes to the label's answer code; the same for question headers.
- Any valid export (answers drawn per question, conditions respected) gives
  annex tables whose focal + other counts are the column totals and whose row
  totals are the sizes of the groups that answered.
"""

from __future__ import annotations

import tempfile
import unicodedata
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

from exports import _holds, label_of, write_csv
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dmp_survey.config import DEFAULT_ANALYSIS_PLAN, DEFAULT_CODEBOOK
from dmp_survey.io.coding import code_export
from dmp_survey.io.ingest import read_export
from dmp_survey.publication.published import annex_view
from dmp_survey.stats.counts import count_by_group, focal_table
from dmp_survey.study.codebook import QuestionType, load_codebook
from dmp_survey.study.plan import load_plan
from dmp_survey.text import normalise_header, normalise_label

# Module-level (not the session fixtures): strategies are built at import.
CODEBOOK = load_codebook(DEFAULT_CODEBOOK)
PLAN = load_plan(DEFAULT_ANALYSIS_PLAN, CODEBOOK)
SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

LABELS = sorted(
    {
        (q.id, text, a.code)
        for q in CODEBOOK.questions
        if q.is_categorical
        for a in q.answers
        for text in (a.fr, a.en, *a.aliases)
    }
)
HEADERS = sorted((q.id, q.text) for q in CODEBOOK.questions)
# Marks that French and its typists put on letters (or on the wrong ones).
MARKS = ("\u0300", "\u0301", "\u0302", "\u0303", "\u0308", "\u030a", "\u0327")
SEPARATORS = ("", " ", "  ", "   ", "\u00a0", "\u202f", " \t ")


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


@st.composite
def variants(draw: st.DrawFn, text: str) -> str:
    """``text`` with its case, accents and spacing changed."""
    # Case, character by character.
    case = draw(st.lists(st.sampled_from(("keep", "lower", "upper")), min_size=len(text), max_size=len(text)))
    text = "".join(
        c.lower() if how == "lower" else c.upper() if how == "upper" else c
        for c, how in zip(text, case, strict=True)
    )
    # Accents: kept, all removed, or added on letters (composed or not).
    accents = draw(st.sampled_from(("keep", "strip", "add")))
    if accents == "strip":
        text = _strip_accents(text)
    elif accents == "add":
        marks = draw(st.lists(st.sampled_from(("", *MARKS)), min_size=len(text), max_size=len(text)))
        text = "".join(c + (m if c.isalpha() else "") for c, m in zip(text, marks, strict=True))
        if draw(st.booleans()):
            text = unicodedata.normalize("NFC", text)
    # Spacing: each space removed, doubled or widened; spaces around.
    words = text.split(" ")
    seps = draw(st.lists(st.sampled_from(SEPARATORS), min_size=len(words) - 1, max_size=len(words) - 1))
    text = words[0] + "".join(sep + word for sep, word in zip(seps, words[1:], strict=True))
    lead = draw(st.sampled_from(SEPARATORS))
    trail = draw(st.sampled_from(SEPARATORS))
    return lead + text + trail


@SETTINGS
@given(data=st.data())
def test_label_variant_decodes_to_its_code(data):
    qid, text, code = data.draw(st.sampled_from(LABELS), label="label")
    variant = data.draw(variants(text), label="variant")
    assert CODEBOOK[qid].label_keys().get(normalise_label(variant)) == code


@SETTINGS
@given(data=st.data())
def test_header_variant_matches_its_question(data):
    qid, text = data.draw(st.sampled_from(HEADERS), label="header")
    variant = data.draw(variants(text), label="variant")
    assert CODEBOOK.header_keys().get(normalise_header(variant)) == qid


# --- random valid exports -----------------------------------------------------

QUESTIONS = [q for q in CODEBOOK.questions if q.type is not QuestionType.PII]
FREE_TEXT = st.text(
    st.characters(categories=("L", "N", "P", "Zs"), exclude_characters="\u2028\u2029"),
    min_size=1,
    max_size=15,
)


@st.composite
def respondent(draw: st.DrawFn) -> dict[str, str | None]:
    """One respondent's codes: every question asked by its condition gets an
    answer (now and then left blank), the others none."""
    codes: dict[str, str | None] = {}
    for q in CODEBOOK.questions:
        if q.type is QuestionType.PII or (q.asked_if is not None and not _holds(q.asked_if, codes)):
            codes[q.id] = None
        elif q.is_categorical:
            blank = draw(st.integers(0, 19)) == 0
            codes[q.id] = None if blank else draw(st.sampled_from(q.codes))
        else:
            codes[q.id] = draw(st.none() | FREE_TEXT)
    return codes


def _group(codes: dict[str, str | None]) -> str:
    """The usage group, from the codebook's derived variable, computed here."""
    variable = CODEBOOK.derived_variable(annex_view(PLAN).group_variable)
    for level in variable.levels:
        if level.when is None or _holds(level.when, codes):
            return level.code
    raise AssertionError("the last level is 'otherwise'")


def _code_through_a_file(people: list[dict[str, str | None]]):
    headers = ["Horodateur", *(q.text for q in QUESTIONS)]
    start = datetime(2018, 12, 21, 9, 0, 0)
    rows = [
        [start + timedelta(minutes=7 * i), *(label_of(q, codes[q.id]) for q in QUESTIONS)]
        for i, codes in enumerate(people)
    ]
    with tempfile.TemporaryDirectory() as tmp:
        path = write_csv(Path(tmp) / "export.csv", headers, rows)
        return code_export(read_export(path, CODEBOOK), CODEBOOK)


@settings(SETTINGS, max_examples=30)
@given(
    people=st.lists(respondent(), min_size=1, max_size=50), annex=st.sampled_from(annex_view(PLAN).annexes)
)
def test_annex_tables_add_up_for_any_valid_export(people, annex):
    # One annex per example (drawn): its tables are built row by row from the
    # long counts frame, and all three annexes every time would triple the time.
    coded = _code_through_a_file(people)
    groups = [_group(c) for c in people]
    assert coded.n == len(people)
    assert list(coded.frame[annex_view(PLAN).group_variable].astype(str)) == groups
    counts = count_by_group(coded, annex_view(PLAN).rows, annex_view(PLAN).group_variable)
    focal = [g == annex.focal for g in groups]
    for row in annex_view(PLAN).rows:
        levels = list(CODEBOOK[row.variable].codes)
        table = focal_table(counts, row.variable, annex.focal, levels)
        counted = [
            (is_focal, c[row.variable])
            for c, is_focal in zip(people, focal, strict=True)
            if c[row.variable] is not None and (row.among is None or _holds(row.among, c))
        ]
        column_totals = Counter(level for _, level in counted)
        # Focal + other = the column total of each answer level.
        assert list(table.sum(axis=0)) == [column_totals[lv] for lv in levels], row.variable
        # Row totals = the sizes of the focal group and of the rest, among those who answered.
        answered_focal = sum(1 for is_focal, _ in counted if is_focal)
        assert list(table.sum(axis=1)) == [answered_focal, len(counted) - answered_focal], row.variable
        # And each cell, counted here from the drawn codes.
        assert list(table[0]) == [sum(1 for f, lv in counted if f and lv == level) for level in levels]
        if row.among is None and all(c[row.variable] is not None for c in people):
            # Nobody left out: the row totals are the group sizes themselves.
            assert list(table.sum(axis=1)) == [sum(focal), len(people) - sum(focal)], row.variable


# French typesetting returns at once a text holding none of the characters its
# rules act on (outputs/numbers.py, _TYPESET_TRIGGER): the same result as
# running every rule, whatever the text.
_TYPOGRAPHY = st.text(alphabet=st.sampled_from(list(" \u00a0\u202fab1)]_%:;!?«»\n\t")), max_size=24)


@settings(max_examples=400, deadline=None)
@given(text=st.one_of(_TYPOGRAPHY, st.text(max_size=24)))
def test_typesetting_skips_only_texts_its_rules_leave_alone(text):
    import re
    from unittest.mock import patch

    from dmp_survey.outputs import numbers

    quick = numbers.typeset(text, "fr")
    with patch.object(numbers, "_TYPESET_TRIGGER", re.compile("")):  # every text through every rule
        assert quick == numbers.typeset(text, "fr")
