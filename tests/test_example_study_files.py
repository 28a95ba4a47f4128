"""The example study ``examples/pharmacists`` (scripts/make_example_study.py):
reproducible byte for byte, consistent across its files, and free of any word
or id of the shipped DMP study."""

from __future__ import annotations

import csv
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from dmp_survey.study.codebook import Codebook, load_codebook

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "make_example_study.py"
EXAMPLE = ROOT / "examples" / "pharmacists"
FILES = ("study/study.yaml", "study/codebook.yaml", "study/plan.yaml", "responses.csv")
N_RESPONDENTS = 150

# Words and ids of the DMP study that must not leak into the example.
DMP_WORDS = ("DMP", "médecin", "médecins", "généraliste", "généralistes", "Somme", "thèse")
DMP_IDS = (
    "a1_age", "a2_sex", "a3_practice", "a4_area", "a5_computerised", "a6_cme", "a7_trainer",
    "b1_access", "b2_regular_use", "b3_created", "b4_fed", "b5_patient_type", "b6_section",
    "b7_ready_daily", "c1_principle", "c2_pilot_known", "c3_pilot_source", "c4_software",
    "c5_training", "c6_operational", "c7_ease", "c8_problems", "c9_solution",
    "c9_solution_detail", "c10_interest", "c11_develop", "c12_daily_future", "usage_group",
    "dmp-somme-2019",
)  # fmt: skip
DMP_GROUPS = ("regular", "occasional", "never")


@pytest.fixture(scope="module")
def codebook() -> Codebook:
    return load_codebook(EXAMPLE / "study" / "codebook.yaml")


@pytest.fixture(scope="module")
def plan() -> dict:
    return yaml.safe_load((EXAMPLE / "study" / "plan.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def export() -> list[list[str]]:
    with (EXAMPLE / "responses.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def _generate(out: Path, *args: str) -> None:
    subprocess.run([sys.executable, str(SCRIPT), "--out", str(out), *args], check=True, capture_output=True)


# --- (a) reproducible ---------------------------------------------------------


def test_script_reproduces_the_committed_files(tmp_path: Path) -> None:
    _generate(tmp_path)
    written = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert written == sorted(FILES)
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (EXAMPLE / name).read_bytes(), name
        assert b"\r" not in (tmp_path / name).read_bytes(), name


def test_another_seed_gives_other_answers_same_study(tmp_path: Path) -> None:
    _generate(tmp_path, "--seed", "7")
    assert (tmp_path / "responses.csv").read_bytes() != (EXAMPLE / "responses.csv").read_bytes()
    for name in ("study/codebook.yaml", "study/plan.yaml"):
        assert (tmp_path / name).read_bytes() == (EXAMPLE / name).read_bytes(), name


# --- (b) the codebook loads; the plan names only what it defines --------------


def test_study_yaml() -> None:
    study = yaml.safe_load((EXAMPLE / "study" / "study.yaml").read_text(encoding="utf-8"))
    assert re.fullmatch(r"[A-Za-z0-9_-]+", study["id"])
    for key in ("title", "population"):
        assert set(study[key]) == {"fr", "en"} and all(study[key].values())
    methods = study["texts"]["methods"]
    assert set(methods) == {"fr", "en"}
    assert all(isinstance(p, list) and len(p) == 1 and p[0].strip() for p in methods.values())
    assert "published" not in study and not (EXAMPLE / "study" / "published").exists()


def test_codebook_has_every_kind_of_question(codebook: Codebook) -> None:
    types = [q.type.value for q in codebook.questions]
    for kind in ("binary", "single", "ordered", "likert", "free_text"):
        assert kind in types, kind
    assert sum(q.is_categorical for q in codebook.questions) >= 8
    assert any(q.asked_if is not None for q in codebook.questions)
    (group,) = codebook.derived
    assert len(group.levels) == 3 and group.levels[-1].when is None


def test_plan_names_only_what_the_codebook_defines(codebook: Codebook, plan: dict) -> None:
    categorical = {q.id for q in codebook.questions if q.is_categorical}
    derived = {d.id: d for d in codebook.derived}
    assert set(plan) == {"figures", "rows", "comparisons"}

    figures = [f["variable"] for f in plan["figures"]]
    drawn = [q.id for q in codebook.questions if q.is_categorical or q.type.value in ("numeric", "multiple")]
    assert figures == drawn  # one per question, in order
    for fig in plan["figures"]:
        assert set(fig["caption"]) == set(fig["denominator"]) == {"fr", "en"}
        assert all("{n}" in text for text in fig["denominator"].values())

    group_defining = {
        qid for d in codebook.derived for lv in d.levels if lv.when is not None for qid in lv.when.questions()
    }
    rows = [r["variable"] for r in plan["rows"]]
    comparable = categorical | {q.id for q in codebook.questions if q.type.value == "numeric"}
    comparable |= {c for q in codebook.questions if q.is_multiple for c in q.columns}
    assert rows and set(rows) <= comparable and not set(rows) & group_defining
    assert {"q11_patients", "q12_sources__web", "q13_barriers__time"} <= set(rows)
    assert len(rows) == len(set(rows))
    assert all(set(r["label"]) == {"fr", "en"} for r in plan["rows"])

    kinds = {c["kind"]: c for c in plan["comparisons"]}
    assert sorted(kinds) == ["all_groups", "one_vs_rest"]
    for comp in plan["comparisons"]:
        assert comp["group_variable"] in derived
        assert set(comp["title"]) == {"fr", "en"}
    focal = kinds["one_vs_rest"]["focal"]
    assert focal in derived[kinds["one_vs_rest"]["group_variable"]].codes


# --- (c) the export -------------------------------------------------------------


def test_export_shape_and_headers(codebook: Codebook, export: list[list[str]]) -> None:
    header, rows = export[0], export[1:]
    assert len(rows) == N_RESPONDENTS
    assert all(len(r) == len(header) for r in rows)
    assert header[0] == "Horodateur" and codebook.is_timestamp_header(header[0])
    assert all(re.fullmatch(r"\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}", r[0]) for r in rows)
    assert "Adresse e-mail" in header and codebook.is_pii_header("Adresse e-mail")
    for q in codebook.data_questions:
        if q.is_multiple and q.encoding == "columns":  # one column per option
            assert all(str(a.column) in header for a in q.answers), q.id
            continue
        assert q.text in header, q.id
        assert not codebook.is_pii_header(q.text), q.id


def test_every_answer_is_a_french_label(codebook: Codebook, export: list[list[str]]) -> None:
    header, rows = export[0], export[1:]
    for q in codebook.questions:
        if not q.is_categorical:
            continue
        column = [r[header.index(q.text)] for r in rows]
        labels = {a.fr for a in q.answers}
        assert {v for v in column if v} <= labels, q.id
        assert len({v for v in column if v}) >= 2, q.id


def test_skip_rule_leaves_unasked_cells_blank(codebook: Codebook, export: list[list[str]]) -> None:
    header, rows = export[0], export[1:]
    for q in codebook.questions:
        cond = q.asked_if
        if cond is None:
            continue
        assert cond.question is not None  # the example uses a simple condition
        parent = codebook[cond.question]
        asked_labels = {parent.answer(c).fr for c in cond.codes}
        for r in rows:
            asked = r[header.index(parent.text)] in asked_labels
            answered = r[header.index(q.text)] != ""
            assert answered == asked, (q.id, r[0])


def test_three_groups_and_some_missing_answers(codebook: Codebook, export: list[list[str]]) -> None:
    header, rows = export[0], export[1:]
    (group,) = codebook.derived

    def holds(cond, r) -> bool:  # the simple and `any` conditions the example uses
        if cond.question is not None:
            q = codebook[cond.question]
            return r[header.index(q.text)] in {q.answer(c).fr for c in cond.codes}
        return any(holds(c, r) for c in cond.any_of)

    sizes = dict.fromkeys(group.codes, 0)
    for r in rows:
        sizes[next(lv.code for lv in group.levels if lv.when is None or holds(lv.when, r))] += 1
    assert all(n >= 20 for n in sizes.values()), sizes

    unasked_free = [q for q in codebook.questions if q.is_categorical and q.asked_if is None]
    with_blanks = [q.id for q in unasked_free if any(r[header.index(q.text)] == "" for r in rows)]
    assert 1 <= len(with_blanks) < len(unasked_free)


# --- (d) no word of the DMP study -------------------------------------------------


@pytest.mark.parametrize("name", [*FILES, "../../scripts/make_example_study.py"])
def test_no_dmp_word_or_id(name: str) -> None:
    text = (EXAMPLE / name).resolve().read_text(encoding="utf-8")
    for word in (*DMP_WORDS, *DMP_IDS, *DMP_GROUPS):
        found = re.search(rf"\b{re.escape(word)}\b", text, flags=re.IGNORECASE)
        assert found is None, f"{name}: {word!r} at {found.start() if found else ''}"
