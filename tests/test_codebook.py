from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import yaml

from dmp_survey.config import DEFAULT_CODEBOOK
from dmp_survey.errors import CodebookError
from dmp_survey.study.codebook import QuestionType, load_codebook

ANNEX_4 = [f"A{i}" for i in range(1, 8)] + [f"B{i}" for i in range(1, 8)] + [f"C{i}" for i in range(1, 13)]


def test_codebook_has_every_question_of_annex_4(codebook):
    numbers = [q.number for q in codebook.questions]
    for number in ANNEX_4:
        assert number in numbers
    assert codebook["c9_solution_detail"].type is QuestionType.FREE_TEXT
    assert codebook["contact"].type is QuestionType.PII
    assert len(set(codebook.ids)) == len(codebook.ids)


def test_suggested_ids_of_design_are_used(codebook):
    for qid in [
        "a1_age",
        "a7_trainer",
        "b2_regular_use",
        "b7_ready_daily",
        "c9_solution",
        "c12_daily_future",
    ]:
        assert qid in codebook


def test_conditions_of_the_questionnaire(codebook):
    assert codebook["c3_pilot_source"].asked_if.question == "c2_pilot_known"
    assert codebook["c9_solution"].asked_if.question == "c8_problems"
    assert codebook["c9_solution"].asked_if.codes == ("yes",)
    assert codebook["b5_patient_type"].asked_if is not None
    assert codebook["b6_section"].asked_if is not None
    assert codebook["a1_age"].asked_if is None


def test_c10_slip_is_corrected_to_a_1_to_5_scale(codebook):
    c10 = codebook["c10_interest"]
    assert c10.type is QuestionType.LIKERT
    assert c10.codes == ("1", "2", "3", "4", "5")
    assert "1 1 2 3 4 5" in c10.note


def test_ordered_scales_keep_questionnaire_order(codebook):
    assert codebook["a1_age"].is_ordered
    assert codebook["a1_age"].codes == ("under_35", "36_45", "46_60", "over_60")
    assert not codebook["a3_practice"].is_ordered


def test_every_answer_has_french_and_english_labels(codebook):
    for q in codebook.questions:
        for a in q.answers:
            assert a.fr and a.en and a.code


def test_annex_only_answer_is_added_with_a_note(codebook):
    not_used = codebook["c7_ease"].answer("not_used")
    assert not_used.fr == "Non utilisée"
    assert not_used.note


def test_usage_group_is_defined_in_the_codebook_as_an_assumption(codebook):
    group = codebook.derived_variable("usage_group")
    assert group.codes == ("regular", "occasional", "never")
    assert "assum" in group.assumption.lower() or "takes" in group.assumption


def test_codebook_objects_are_frozen(codebook):
    with pytest.raises(dataclasses.FrozenInstanceError):
        codebook["a1_age"].text = "x"  # type: ignore[misc]


def _edited(tmp_path: Path, edit) -> Path:
    data = yaml.safe_load(DEFAULT_CODEBOOK.read_text(encoding="utf-8"))
    edit(data)
    path = tmp_path / "codebook.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_duplicate_question_id_is_refused(tmp_path):
    def edit(d):
        d["questions"][1]["id"] = d["questions"][0]["id"]

    with pytest.raises(CodebookError, match="duplicate question id 'a1_age'"):
        load_codebook(_edited(tmp_path, edit))


def test_duplicate_answer_label_is_refused(tmp_path):
    def edit(d):
        d["questions"][1]["answers"][1]["fr"] = "Une  FEMME"

    with pytest.raises(CodebookError, match="duplicate answer label 'Une  FEMME'"):
        load_codebook(_edited(tmp_path, edit))


def test_condition_naming_an_unknown_question_is_refused(tmp_path):
    def edit(d):
        for q in d["questions"]:
            if q["id"] == "c9_solution":
                q["asked_if"] = {"question": "c8_problem", "in": ["yes"]}

    with pytest.raises(CodebookError, match="unknown question 'c8_problem'"):
        load_codebook(_edited(tmp_path, edit))


def test_condition_naming_an_unknown_answer_is_refused(tmp_path):
    def edit(d):
        for q in d["questions"]:
            if q["id"] == "c9_solution":
                q["asked_if"] = {"question": "c8_problems", "in": ["oui"]}

    with pytest.raises(CodebookError, match="unknown answer 'oui' of 'c8_problems'"):
        load_codebook(_edited(tmp_path, edit))


def test_unknown_question_type_is_refused(tmp_path):
    def edit(d):
        d["questions"][0]["type"] = "matrix"

    with pytest.raises(CodebookError, match="'matrix' is not allowed"):
        load_codebook(_edited(tmp_path, edit))
