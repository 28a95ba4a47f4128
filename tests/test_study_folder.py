"""A study is a folder: it is checked before any stage runs, every mistake is
one line naming the file and key, the engine holds no word of the DMP study,
and a study the engine has never seen runs every command."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from dmp_survey.cli import app
from dmp_survey.config import DEFAULT_RAW, DEFAULT_STUDY
from dmp_survey.errors import StudyError
from dmp_survey.study.folder import load_study

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "dmp_survey"
EXAMPLE = ROOT / "examples" / "pharmacists"
EXAMPLE_STUDY = EXAMPLE / "study"
EXAMPLE_EXPORT = EXAMPLE / "responses.csv"


def _dmp_words() -> list[str]:
    """The DMP study's question and group ids, and the words of its subject."""
    codebook = yaml.safe_load((DEFAULT_STUDY / "codebook.yaml").read_text(encoding="utf-8"))
    ids = [q["id"] for q in codebook["questions"] if q["type"] != "pii"]
    for d in codebook["derived"]:
        ids.append(d["id"])
    return [*ids, "DMP", "Somme", "médecin", "médecins", "généraliste", "généralistes", "thèse"]


def _find_words(text: str, words: list[str]) -> list[str]:
    # Whole words; the package's own name (dmp-survey, dmp_survey) is not the study's.
    text = re.sub(r"dmp[-_]survey", "", text, flags=re.IGNORECASE)
    return [w for w in words if re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", text, re.IGNORECASE)]


def test_the_engine_holds_no_word_or_id_of_the_dmp_study():
    words = _dmp_words()
    assert "b2_regular_use" in words and "usage_group" in words  # the scan looks for real ids
    found = {}
    for path in sorted(PACKAGE.rglob("*")):
        if not path.is_file() or "studies" in path.relative_to(PACKAGE).parts or "__pycache__" in path.parts:
            continue
        hits = _find_words(path.read_text(encoding="utf-8"), words)
        if hits:
            found[str(path.relative_to(PACKAGE))] = hits
    assert found == {}


def test_the_scan_finds_a_planted_word(tmp_path):
    # The scan above can fail: the same search finds the ids in a planted line.
    assert _find_words("x = frame['usage_group']  # DMP", _dmp_words()) == ["usage_group", "DMP"]
    assert _find_words("dmp-survey run and dmp_survey.cli", _dmp_words()) == []


# --- mistakes in a study folder ------------------------------------------------


def _copy(tmp_path: Path) -> Path:
    study = tmp_path / "study"
    shutil.copytree(DEFAULT_STUDY, study)
    return study


def _edit_yaml(path: Path, edit: Callable[[dict], None]) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    edit(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _plan_unknown_variable(s: Path) -> None:
    _replace(s / "plan.yaml", "variable: a2_sex\n", "variable: a2_gender\n")


def _plan_unknown_answer(s: Path) -> None:
    _replace(s / "plan.yaml", "printed_levels: [female, male]", "printed_levels: [female, man]")


def _group_on_missing_question(s: Path) -> None:
    _replace(s / "codebook.yaml", "when: {question: b2_regular_use, in: [\"yes\"]}",
             "when: {question: b2_daily_use, in: [\"yes\"]}")  # fmt: skip


def _published_row_not_compared(s: Path) -> None:
    _replace(s / "plan.yaml", "  - {variable: c11_develop,", "  - {variable: c12_daily_future,")


def _duplicate_question_id(s: Path) -> None:
    _replace(s / "codebook.yaml", "  - id: a2_sex\n", "  - id: a1_age\n")


def _label_missing_in_english(s: Path) -> None:
    _replace(s / "plan.yaml", 'caption: {fr: "parité homme/femme", en: "men/women balance"}',
             'caption: {fr: "parité homme/femme"}')  # fmt: skip


def _unknown_focal_group(s: Path) -> None:
    _replace(s / "plan.yaml", "focal: occasional\n", "focal: sometimes\n")


def _duplicate_comparison_id(s: Path) -> None:
    _replace(s / "plan.yaml", "  - id: annex_2\n", "  - id: annex_1\n")


def _published_table_not_in_plan(s: Path) -> None:
    _replace(s / "plan.yaml", "    number: 3\n", "    number: 4\n")


def _condition_on_unknown_answer(s: Path) -> None:
    _replace(s / "plan.yaml", "among: {question: c8_problems, in: [\"yes\"]}",
             "among: {question: c8_problems, in: [\"often\"]}")  # fmt: skip


def _published_path_escapes(s: Path) -> None:
    _replace(s / "study.yaml", "published: published\n", "published: ../published\n")


def _python_tag(s: Path) -> None:
    _replace(s / "study.yaml", "id: dmp-somme-2019\n", 'id: !!python/object/apply:os.system ["true"]\n')


def _unknown_key(s: Path) -> None:
    _replace(
        s / "plan.yaml",
        "    kind: one_vs_rest\n",
        "    kind: one_vs_rest\n    colour: red\n",
    )


def _unknown_population(s: Path) -> None:
    _replace(s / "published" / "populations.csv", "users,regular|occasional\n", "")


MISTAKES = [
    (_plan_unknown_variable, "plan.yaml", "figures[1].variable", "unknown variable 'a2_gender'"),
    (_plan_unknown_answer, "plan.yaml", "rows[1].printed_levels[1]", "unknown answer 'man'"),
    (_group_on_missing_question, "codebook.yaml", "derived[0].levels", "unknown question 'b2_daily_use'"),
    (_published_row_not_compared, "annex_cells.csv", "variable", "'c11_develop' is not a row"),
    (_duplicate_question_id, "codebook.yaml", "questions[1].id", "duplicate question id 'a1_age'"),
    (_label_missing_in_english, "plan.yaml", "figures[1].caption.en", "missing key 'en'"),
    (_unknown_focal_group, "plan.yaml", "comparisons[1].focal", "'sometimes' is not a group of usage_group"),
    (_duplicate_comparison_id, "plan.yaml", "comparisons[1].id", "duplicate comparison id 'annex_1'"),
    (_published_table_not_in_plan, "annex_cells.csv", "annex", "table 3 is not a numbered"),
    (_condition_on_unknown_answer, "plan.yaml", "rows[16].among", "unknown answer 'often' of 'c8_problems'"),
    (_published_path_escapes, "study.yaml", "published", "leaves the study folder"),
    (_python_tag, "study.yaml", None, "no tags"),
    (_unknown_key, "plan.yaml", "comparisons[0]", "unknown key 'colour'"),
    (_unknown_population, "text_numbers.csv", "population", "population 'users' is not defined"),
]


@pytest.mark.parametrize(
    ("mistake", "file", "key", "message"), MISTAKES, ids=[m[0].__name__ for m in MISTAKES]
)
def test_a_study_mistake_is_one_line_naming_file_and_key(tmp_path, mistake, file, key, message):
    study = _copy(tmp_path)
    mistake(study)
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(DEFAULT_RAW), "--study", str(study), "--out", str(out)])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    line = lines[0]
    assert line.startswith(f"error: {file}"), line
    if key is not None:
        assert f", {key}:" in line or f" {key}:" in line, line
    assert message in line, line
    assert "Traceback" not in result.output
    assert not out.exists()  # checked before anything is written


def test_a_yaml_mistake_names_its_line(tmp_path):
    study = _copy(tmp_path)
    _plan_unknown_variable(study)
    with pytest.raises(StudyError) as info:
        load_study(study)
    lines = (study / "plan.yaml").read_text(encoding="utf-8").splitlines()
    assert "a2_gender" in lines[info.value.line - 1]


def test_a_billion_laughs_study_file_is_refused_quickly(tmp_path):
    study = _copy(tmp_path)
    bomb = ["lol0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    bomb += [f"lol{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    (study / "plan.yaml").write_text("\n".join(bomb) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["validate", str(DEFAULT_RAW), "--study", str(study)])
    assert result.exit_code == 2
    assert "billion laughs" in result.stderr


def test_a_missing_study_folder_is_one_line(tmp_path):
    result = runner.invoke(app, ["validate", str(DEFAULT_RAW), "--study", str(tmp_path / "nowhere")])
    assert result.exit_code == 2
    assert result.stderr.strip() == "error: nowhere: study folder not found"


@pytest.mark.parametrize("option", ["--codebook", "--plan", "--published"])
def test_the_old_options_say_what_replaced_them(tmp_path, option):
    result = runner.invoke(
        app, ["run", str(DEFAULT_RAW), option, str(tmp_path), "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "error: --codebook, --plan and --published are replaced by --study DIR "
        "(a folder holding codebook.yaml, plan.yaml, published/)"
    ]


def test_the_published_schemas_are_valid_json_schemas():
    from jsonschema import Draft202012Validator

    for name in ("study", "codebook", "plan"):
        schema = json.loads((PACKAGE / "study" / "schema" / f"{name}.schema.json").read_text("utf-8"))
        Draft202012Validator.check_schema(schema)


def test_every_shipped_and_example_study_passes_its_schemas():
    for folder in (DEFAULT_STUDY, EXAMPLE_STUDY):
        study = load_study(folder)
        assert study.plan.comparisons


# --- a study the engine has never seen ---------------------------------------


# example_runs: the example study run in French and English (conftest.py, once per session).


def _text_of(path: Path) -> str:
    if path.suffix == ".xlsx":
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=True)
        parts = [str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if v]
        parts += [str(wb.properties.title or ""), str(wb.properties.description or "")]
        return "\n".join(parts)
    if path.suffix == ".docx":
        from docx import Document

        doc = Document(str(path))
        parts = [p.text for p in doc.paragraphs]
        parts += [c.text for t in doc.tables for row in t.rows for c in row.cells]
        return "\n".join([*parts, str(doc.core_properties.title)])
    text = path.read_text(encoding="utf-8")
    # Embedded images are base64 noise, not words.
    return re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", text)


def test_the_example_study_runs_in_both_languages_with_no_dmp_word(example_runs):
    words = _dmp_words()
    for lang, root in example_runs.items():
        processed = root / "data" / "processed"
        names = sorted(p.name for p in processed.iterdir())
        assert names == [
            "by_activity.csv",
            "by_activity_numeric.csv",
            "comparisons.md",
            "comparisons.xlsx",
            "descriptive.csv",
            "high_vs_rest.csv",
            "high_vs_rest_numeric.csv",
            "manifest.json",
            "numeric.csv",
            "responses.csv",
            "responses.parquet",
            "results.docx",
        ]
        assert len(list((root / "figures").glob("figure_*.png"))) == 12
        for path in [
            *processed.iterdir(),
            root / "reports" / "report.html",
            *(root / "figures").glob("*.svg"),
        ]:
            if path.suffix in (".parquet",):
                continue
            assert _find_words(_text_of(path), words) == [], (lang, path.name)
        html = (root / "reports" / "report.html").read_text(encoding="utf-8")
        assert ("Comparaisons" in html) == (lang == "fr") and ("Comparisons" in html) == (lang == "en")
        # Nothing published: no check, no audit.
        assert 'id="check"' not in html and 'id="audit"' not in html


def test_the_example_all_groups_table_counts_every_group_and_the_whole(example_runs):
    import pandas as pd

    table = pd.read_csv(example_runs["fr"] / "data" / "processed" / "by_activity.csv")
    one = table[(table["variable"] == "q1_setting")]
    per_group = one[one["group"] != "(overall)"].groupby("level")["n"].sum()
    overall = one[one["group"] == "(overall)"].set_index("level")["n"]
    assert per_group.to_dict() == overall.to_dict()
    assert int(overall.sum()) == 150
    assert set(one["group"]) == {"high", "some", "none", "(overall)"}
    assert one["p_value"].nunique() == 1 and one["test"].iloc[0] == "fisher_freeman_halton"


def test_every_command_runs_on_the_example_study(tmp_path, example_runs):
    study = ["--study", str(EXAMPLE_STUDY)]
    export = str(EXAMPLE_EXPORT)
    root = example_runs["en"]
    assert runner.invoke(app, ["validate", export, *study]).exit_code == 0
    for command in ("figures", "report"):
        result = runner.invoke(app, [command, export, *study, "--out", str(tmp_path / command)])
        assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["check", export, *study])
    assert result.exit_code == 0
    assert result.stdout.strip() == "nothing to check: the study has no published values"
    result = runner.invoke(app, ["verify", export, *study, "--out", str(root), "--lang", "en"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["reconstruct", *study, "--out", str(tmp_path / "x.xlsx")])
    assert result.exit_code == 2 and "no published values" in result.stderr


def test_verify_names_a_study_file_changed_since_the_run(tmp_path):
    study = tmp_path / "study"
    shutil.copytree(EXAMPLE_STUDY, study)
    args = [str(EXAMPLE_EXPORT), "--study", str(study), "--out", str(tmp_path / "out")]
    assert runner.invoke(app, ["run", *args]).exit_code == 0
    with (study / "plan.yaml").open("a", encoding="utf-8") as fh:
        fh.write("# a comment changes the bytes, not the analysis\n")
    result = runner.invoke(app, ["verify", *args])
    assert result.exit_code == 1
    assert "study file plan.yaml: sha256 differs from the manifest's" in result.stdout
