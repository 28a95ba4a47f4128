"""The audit of every published number: coverage and pinned verdicts."""

from __future__ import annotations

import pytest

from dmp_survey.config import DEFAULT_RAW
from dmp_survey.pipeline import analyse, load_inputs


@pytest.fixture(scope="module")
def audit():
    return analyse(load_inputs(DEFAULT_RAW)).audit


def _text(audit, text_id):
    row = audit[audit["id"] == text_id]
    assert len(row) == 1, text_id
    return row.iloc[0]


def _annex(audit, location, quantity):
    row = audit[(audit["location"] == location) & (audit["quantity"] == quantity)]
    assert len(row) == 1, location
    return row.iloc[0]


def test_audit_covers_every_transcribed_number(audit, published):
    expected = len(published.annex_cells) + len(published.annex_groups) + len(published.text_numbers)
    assert len(audit) == expected == 432 + 6 + 112
    sections = set(audit["section"])
    assert {"RESULTATS", "ANNEXES", "DISCUSSION", "CONCLUSION", "RESUME", "ABSTRACT"} <= sections
    assert set(audit["status"]) == {"match", "rounding", "mismatch", "not_checkable"}
    assert list(audit.columns[:5]) == ["location", "claim", "published", "recomputed", "status"]


def test_match(audit):
    created = _text(audit, "res_created")  # 37,5 % = 24/64
    assert (created["status"], created["recomputed"]) == (
        "match",
        "37,5\u00a0% (24/64)",
    )
    assert _text(audit, "res_a2_p_trainer")["status"] == "match"  # "0,02" at 2 decimals


def test_rounding_truncated_percentages(audit):
    regular = _text(audit, "concl_regular")  # 4/64 = 6,25 %, printed 6,2 %
    assert regular["status"] == "rounding"
    solution = _annex(audit, "Annexe II · Solution · Oui · Utilisateurs ponctuels", "percent")
    assert (solution["published"], solution["status"], solution["self_check"]) == (
        "(42.8%)",
        "rounding",
        "rounding",
    )


def test_mismatch_by_one_respondent_is_said(audit):
    solo = _text(audit, "res_practice_solo")  # 12,5 % printed, annexes give 9/64
    assert solo["status"] == "mismatch"
    assert solo["recomputed"] == "14,1\u00a0% (9/64)"
    assert "8/64 donnerait «\u00a012,5 %\u00a0»" in solo["note"]  # the printed value quoted as printed
    principle = _text(audit, "concl_principle_unknown")
    assert "7/64 donnerait «\u00a010,9%\u00a0»" in principle["note"]


def test_annex_percentage_that_does_not_follow_from_its_own_count(audit):
    software = _annex(audit, "Annexe I · Logiciel compatible · Oui · Utilisateurs non réguliers", "percent")
    assert (software["published"], software["recomputed"], software["status"]) == (
        "(67.7%)",
        "76,7\u00a0%",  # the publication's "(67.7%)" as printed; the data's value in French
        "mismatch",
    )
    assert software["self_check"] == "mismatch"
    count = _annex(audit, "Annexe I · Logiciel compatible · Oui · Utilisateurs non réguliers", "count")
    assert count["status"] == "match"


def test_pvalues_are_audited_through_the_check(audit):
    p = _annex(audit, "Annexe I · Solution · p", "p_value")
    assert (p["published"], p["status"]) == ("0.040", "mismatch")
    assert "rapport de vraisemblance" in p["note"]  # the study's reason_fr
    assert _annex(audit, "Annexe III · Age · p", "p_value")["status"] == "match"
    assert _text(audit, "res_a1_p_operational")["status"] == "mismatch"


def test_not_checkable(audit):
    assert _text(audit, "meth_mails_sent")["status"] == "not_checkable"
    daily = _text(audit, "disc_daily_future")  # C12 was never published: circular on the reconstruction
    assert daily["status"] == "not_checkable"
    assert "construit à partir de cette phrase même" in daily["note"]


def test_inequalities_and_dates(audit):
    assert _text(audit, "res_age_under35")["status"] == "match"  # "plus de 50 %": 37/64
    assert _text(audit, "disc_age_under35")["status"] == "mismatch"  # "50%" exactly
    assert _text(audit, "meth_last_response_date")["recomputed"] == "2019-03-04"
    assert _text(audit, "meth_last_response_date")["status"] == "match"


def test_erratum_contains_every_text_number_the_annexes_contradict(audit):
    wrong = set(audit.loc[audit["status"] == "mismatch", "id"])
    for text_id in [
        "res_practice_solo",
        "res_practice_locum",
        "res_trainer",
        "res_operational_unknown",
        "res_principle_unknown",
        "res_pilot_unknown",
        "res_a2_occasional_male",
        "res_a3_never_cme",
        "disc_operational_unknown",
        "concl_pilot_known",
        "concl_operational_known",
    ]:
        assert text_id in wrong, text_id
