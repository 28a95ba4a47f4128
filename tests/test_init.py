"""`dmp-survey init`: a study folder drafted from an export, an XLSForm or a
REDCap data dictionary (issue 15)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from dmp_survey.cli import app
from dmp_survey.config import DEFAULT_RAW, DEFAULT_STUDY
from dmp_survey.study.folder import load_study, validate_schema
from dmp_survey.study.yamlfile import read_yaml
from dmp_survey.text import normalise_header

runner = CliRunner()


def init(*args: str) -> Any:
    return runner.invoke(app, ["init", *args])


def questions(study: Path) -> dict[str, dict[str, Any]]:
    """Draft questions by header text."""
    data = yaml.safe_load((study / "codebook.yaml").read_text("utf-8"))
    return {q["text"]: q for q in data["questions"]}


def all_text(study: Path) -> str:
    return "".join(p.read_text("utf-8") for p in sorted(study.iterdir()))


def schema_check(study: Path) -> None:
    for name in ("study", "codebook", "plan"):
        validate_schema(read_yaml(study / f"{name}.yaml", name), name)


# --- the DMP export ---------------------------------------------------------------


@pytest.fixture(scope="module")
def dmp_draft(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dmp") / "study"
    result = init(str(DEFAULT_RAW), "--out", str(out), "--group", "Avez-vous un accès au DMP ?")
    assert result.exit_code == 0, result.output
    return out


def test_dmp_export_types_agree_with_the_shipped_codebook(dmp_draft: Path) -> None:
    shipped = yaml.safe_load((DEFAULT_STUDY / "codebook.yaml").read_text("utf-8"))["questions"]
    drafted = {normalise_header(h): q for h, q in questions(dmp_draft).items()}
    agree, differ = 0, []
    non_pii = [q for q in shipped if q["type"] != "pii"]
    for q in non_pii:
        got = drafted[normalise_header(q["text"])]["type"]
        if got == q["type"]:
            agree += 1
        else:
            differ.append((q["id"], q["type"], got))
    print(f"type agreement on the DMP export: {agree}/{len(non_pii)}; differ: {differ}")
    assert agree >= 22, differ
    contact = next(q for q in shipped if q["type"] == "pii")
    assert drafted[normalise_header(contact["text"])]["type"] == "pii"


def test_dmp_draft_loads_and_passes_the_schemas(dmp_draft: Path) -> None:
    schema_check(dmp_draft)
    study = load_study(dmp_draft)
    assert study.id == "responses"
    assert len(study.plan.figures) == 26  # every categorical question
    kinds = sorted(c.kind for c in study.plan.comparisons)
    assert kinds == ["all_groups", "one_vs_rest", "one_vs_rest"]
    group = study.plan.comparisons[0].group_variable
    assert all(r.variable != group for r in study.plan.comparisons[0].rows)


def test_dmp_draft_ids_and_comments(dmp_draft: Path) -> None:
    text = (dmp_draft / "codebook.yaml").read_text("utf-8")
    ids = [q["id"] for q in questions(dmp_draft).values()]
    assert ids[0].startswith("q01_") and len(set(ids)) == len(ids)
    assert all(i.isascii() and i == i.lower() for i in ids)
    assert "type: ordered  # guessed ordered: answers look like numeric classes; check the order" in text
    assert text.count("# TODO translate") == len(ids)
    # Answers in scale order: "< 35 ans" first, "> 60 ans" last.
    age = questions(dmp_draft)["Quel âge avez-vous ?"]
    assert [a["fr"] for a in age["answers"]][::3] == ["< 35 ans", "> 60 ans"]
    assert yaml.safe_load((dmp_draft / "study.yaml").read_text("utf-8"))["title"]["en"]


def test_dmp_draft_validates_the_export(dmp_draft: Path) -> None:
    result = runner.invoke(app, ["validate", str(DEFAULT_RAW), "--study", str(dmp_draft)])
    assert result.exit_code == 0, result.output


def test_dmp_draft_runs_end_to_end(dmp_draft: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(DEFAULT_RAW), "--study", str(dmp_draft), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "reports" / "report.html").exists() and (
        out / "data" / "processed" / "manifest.json"
    ).exists()


def test_pharmacists_example_types(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[1] / "examples" / "pharmacists"
    result = init(str(root / "responses.csv"), "--out", str(tmp_path / "s"))
    assert result.exit_code == 0, result.output
    shipped = yaml.safe_load((root / "study" / "codebook.yaml").read_text("utf-8"))["questions"]
    drafted = {normalise_header(h): q["type"] for h, q in questions(tmp_path / "s").items()}
    for q in questions(tmp_path / "s").values():  # per-column multiples: by their columns
        drafted.update({a["column"]: q["type"] for a in q.get("answers", []) if "column" in a})

    def drafted_type(q: dict[str, Any]) -> str | None:
        columns = [a["column"] for a in q.get("answers", []) if "column" in a]
        return drafted.get(columns[0]) if columns else drafted.get(normalise_header(q["text"]))

    agree = [q["id"] for q in shipped if drafted_type(q) == q["type"]]
    assert len(agree) == len(shipped), agree
    advice = questions(tmp_path / "s")["À quelle fréquence conseillez-vous un vaccin à un patient ?"]
    assert [a["fr"] for a in advice["answers"]] == [
        "Moins d’une fois par mois",
        "Une à trois fois par mois",
        "Chaque semaine",
        "Chaque jour",
    ]
    assert advice["answers"][0]["code"].startswith("moins_d_une")
    comments = questions(tmp_path / "s")["Remarques ou suggestions"]
    assert comments["type"] == "free_text" and "RAS" not in all_text(tmp_path / "s")
    load_study(tmp_path / "s")


# --- a Google-Forms-style CSV ---------------------------------------------------------------

SECRET_EMAIL = "jeanne.secret@example.org"
SECRET_SENTENCE = "Mon voisin m'a parlé du projet hier soir au marché"


def google_csv(path: Path) -> Path:
    import csv

    sources = ["Revues", "Collègues", "Internet"]
    rows = []
    for i in range(30):
        picked = [s for j, s in enumerate(sources) if (i >> j) & 1] or ["Revues"]
        rows.append(
            [
                f"2024/03/{1 + i % 28:02d} 10:{i:02d}:00",
                str(25 + (i * 7) % 40),
                ", ".join(picked),
                "Oui" if i % 3 else "Non",
                f"{1 + i % 28:02d}/{1 + i % 12:02d}/2024",
                f"personne{i}@example.com" if i != 5 else SECRET_EMAIL,
                ["Jamais", "Parfois", "Souvent", "Toujours"][i % 4],
                f"{SECRET_SENTENCE} ({i})"
                if i == 7
                else f"Réponse libre numéro {i} assez longue pour compter",
                ["Rurale", "Urbaine", "Semi rurale"][i % 3],
            ]
        )
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(
            [
                "Horodateur",
                "Quel âge avez-vous ?",
                "Où vous informez-vous ?",
                "Vaccinez-vous ?",
                "Date de la dernière formation",
                "Adresse e-mail",
                "À quelle fréquence conseillez-vous un vaccin ?",
                "Remarques",
                "Zone d'exercice",
            ]
        )
        writer.writerows(rows)
    return path


@pytest.fixture()
def google_draft(tmp_path: Path) -> Path:
    out = tmp_path / "draft"
    result = init(str(google_csv(tmp_path / "forms.csv")), "--out", str(out), "--group", "Zone d'exercice")
    assert result.exit_code == 0, result.output
    return out


def test_google_forms_csv_types(google_draft: Path) -> None:
    qs = questions(google_draft)
    assert qs["Quel âge avez-vous ?"]["type"] == "numeric"
    assert qs["Quel âge avez-vous ?"]["integer"] is True
    sources = qs["Où vous informez-vous ?"]
    assert (sources["type"], sources["encoding"], sources["separator"]) == ("multiple", "joined", ", ")
    assert sorted(a["fr"] for a in sources["answers"]) == ["Collègues", "Internet", "Revues"]
    assert qs["Vaccinez-vous ?"]["type"] == "binary"
    date = qs["Date de la dernière formation"]
    assert (date["type"], date["format"]) == ("date", "%d/%m/%Y")
    assert qs["Adresse e-mail"]["type"] == "pii" and "answers" not in qs["Adresse e-mail"]
    frequency = qs["À quelle fréquence conseillez-vous un vaccin ?"]
    assert frequency["type"] == "ordered"
    assert [a["fr"] for a in frequency["answers"]] == ["Jamais", "Parfois", "Souvent", "Toujours"]
    assert qs["Remarques"]["type"] == "free_text" and "answers" not in qs["Remarques"]
    assert "Horodateur" not in qs
    codebook = yaml.safe_load((google_draft / "codebook.yaml").read_text("utf-8"))
    assert codebook["timestamp_headers"] == ["Horodateur"]


def test_google_forms_draft_copies_no_email_or_free_text(google_draft: Path) -> None:
    text = all_text(google_draft)
    assert SECRET_EMAIL not in text and "@example.com" not in text
    assert SECRET_SENTENCE not in text and "Réponse libre" not in text


def test_a_planted_email_in_an_unnamed_column_makes_it_pii(tmp_path: Path) -> None:
    export = tmp_path / "export.csv"
    lines = ["Sexe,Votre avis"] + [f"{'Homme' if i % 2 else 'Femme'},Bien" for i in range(10)]
    lines.append(f"Homme,{SECRET_EMAIL}")
    export.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = init(str(export), "--out", str(tmp_path / "s"))
    assert result.exit_code == 0, result.output
    assert questions(tmp_path / "s")["Votre avis"]["type"] == "pii"
    assert SECRET_EMAIL not in all_text(tmp_path / "s")


def test_a_typed_other_answer_is_not_copied(tmp_path: Path) -> None:
    typed = "J'exerce dans un camion itinérant le long de la côte picarde"
    export = tmp_path / "export.csv"
    cells = [["Rurale", "Urbaine", "Semi rurale"][i % 3] for i in range(15)] + [typed]
    export.write_text("\n".join(["Zone d'exercice", *cells]) + "\n", encoding="utf-8")
    assert init(str(export), "--out", str(tmp_path / "s")).exit_code == 0
    q = questions(tmp_path / "s")["Zone d'exercice"]
    assert q["type"] == "single" and len(q["answers"]) == 3
    text = all_text(tmp_path / "s")
    assert "camion" not in text and "1 long answer(s) seen once left out" in text


def test_google_forms_plan(google_draft: Path) -> None:
    plan = yaml.safe_load((google_draft / "plan.yaml").read_text("utf-8"))
    qs = questions(google_draft)
    figured = {f["variable"] for f in plan["figures"]}
    wanted = {q["id"] for q in qs.values() if q["type"] not in ("pii", "free_text", "date")}
    assert figured == wanted
    zone = qs["Zone d'exercice"]["id"]
    assert [c["kind"] for c in plan["comparisons"]] == ["all_groups"] + ["one_vs_rest"] * 3
    assert all(c["group_variable"] == zone for c in plan["comparisons"])
    rows = {r["variable"] for r in plan["rows"]}
    assert zone not in rows and qs["Vaccinez-vous ?"]["id"] in rows


def test_google_forms_draft_loads(google_draft: Path) -> None:
    schema_check(google_draft)
    load_study(google_draft)


def test_per_column_multiples_are_grouped(tmp_path: Path) -> None:
    export = tmp_path / "kobo.csv"
    header = "sexe;sources;sources/revues;sources/web;barriers___1;barriers___2;Q3[SQ001];Q3[SQ002]"
    body = [
        f"{'f' if i % 2 else 'm'};revues web;1;{i % 2};{i % 2};1;{'Y' if i % 3 else ''};Y" for i in range(12)
    ]
    export.write_text("\n".join([header, *body]) + "\n", encoding="utf-8")
    result = init(str(export), "--out", str(tmp_path / "s"))
    assert result.exit_code == 0, result.output
    qs = questions(tmp_path / "s")
    assert list(qs) == ["sexe", "sources", "barriers", "Q3"]
    assert [a["column"] for a in qs["sources"]["answers"]] == ["sources/revues", "sources/web"]
    assert [a["column"] for a in qs["barriers"]["answers"]] == ["barriers___1", "barriers___2"]
    assert [a["column"] for a in qs["Q3"]["answers"]] == ["Q3[SQ001]", "Q3[SQ002]"]
    assert all(q["encoding"] == "columns" for q in list(qs.values())[1:])


def test_agreement_scale_is_likert_in_order(tmp_path: Path) -> None:
    scale = ["Pas du tout d'accord", "Plutôt pas d'accord", "Plutôt d'accord", "Tout à fait d'accord"]
    export = tmp_path / "likert.csv"
    export.write_text(
        "\n".join(["Le DMP est utile"] + [scale[(i * 3) % 4] for i in range(12)]) + "\n", encoding="utf-8"
    )
    assert init(str(export), "--out", str(tmp_path / "s")).exit_code == 0
    q = questions(tmp_path / "s")["Le DMP est utile"]
    assert q["type"] == "likert" and [a["fr"] for a in q["answers"]] == scale


# --- refusals ------------------------------------------------------------------------------


def test_refuses_an_existing_non_empty_out(tmp_path: Path) -> None:
    out = tmp_path / "taken"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    result = init(str(DEFAULT_RAW), "--out", str(out))
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "already exists and is not empty" in lines[0]
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]  # no temporary folder left


def test_needs_exactly_one_source(tmp_path: Path) -> None:
    assert init("--out", str(tmp_path / "s")).exit_code == 2
    assert init(str(DEFAULT_RAW), "--from-redcap", "x.csv", "--out", str(tmp_path / "s")).exit_code == 2


def test_unknown_or_non_categorical_group(tmp_path: Path) -> None:
    result = init(str(DEFAULT_RAW), "--out", str(tmp_path / "s"), "--group", "Quel age avez vous")
    assert result.exit_code == 0, result.output  # matched as the export matches headers
    result = init(str(DEFAULT_RAW), "--out", str(tmp_path / "t"), "--group", "Pas une colonne")
    assert result.exit_code == 2 and "no column" in result.output
    assert not (tmp_path / "t").exists()


def test_an_unreadable_export_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"PK\x03\x04 truncated")
    result = init(str(bad), "--out", str(tmp_path / "s"))
    assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1


# --- XLSForm --------------------------------------------------------------------------------


def xlsform(path: Path, full: bool) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    survey = wb.active
    survey.title = "survey"
    survey.append(["type", "name", "Label::Français (fr)", "label::English (en)", "relevant"])
    survey.append(["start", "start", None, None, None])
    survey.append(["begin_group", "profil", "Profil", "Profile", None])
    survey.append(["select one yn", "vaccine", "Vaccinez-vous ?", "Do you vaccinate?", None])
    survey.append(["select_one freq", "advice", "Conseillez-vous ?", "Do you advise?", "${vaccine} = 'oui'"])
    survey.append(["note", "info", "Merci", "Thanks", None])
    survey.append(["end_group", None, None, None, None])
    survey.append(
        ["select_one zone", "zone", "Zone", "Area", "selected(${vaccine}, 'oui') or ${vaccine} = 'non'"]
    )
    survey.append(["text", "comments", "Remarques", "Remarks", "${vaccine} > 2"])
    survey.append(["text", "email", "Votre e-mail", "Your e-mail", None])
    if full:
        survey.append(["integer", "age", "Âge", "Age", None])
        survey.append(["decimal", "weight", "Poids", "Weight", None])
        survey.append(["select_multiple src", "sources", "Sources", "Sources", None])
        survey.append(["date", "visit", "Date de visite", "Visit date", None])
    choices = wb.create_sheet("choices")
    choices.append(["list_name", "name", "label::Français (fr)", "label::English (en)"])
    for row in (
        ("yn", "oui", "Oui", "Yes"),
        ("yn", "non", "Non", "No"),
        ("freq", "never", "Jamais", "Never"),
        ("freq", "sometimes", "Parfois", "Sometimes"),
        ("freq", "always", "Toujours", "Always"),
        ("zone", "urban", "Urbaine", "Urban"),
        ("zone", "rural", "Rurale", "Rural"),
        ("src", "journals", "Revues", "Journals"),
        ("src", "web", "Internet", "Web"),
    ):
        choices.append(list(row))
    wb.save(path)
    return path


def test_xlsform_draft(tmp_path: Path) -> None:
    out = tmp_path / "s"
    result = init("--from-xlsform", str(xlsform(tmp_path / "form.xlsx", full=False)), "--out", str(out))
    assert result.exit_code == 0, result.output
    qs = questions(out)
    assert list(qs) == ["vaccine", "advice", "zone", "comments", "email"]  # note, group, start left out
    assert qs["vaccine"]["type"] == "binary" and qs["vaccine"]["en"] == "Do you vaccinate?"
    assert [a["en"] for a in qs["vaccine"]["answers"]] == ["Yes", "No"]
    assert qs["advice"]["type"] == "ordered"
    vaccine = qs["vaccine"]["id"]
    assert qs["advice"]["asked_if"] == {"question": vaccine, "in": ["oui"]}
    assert qs["zone"]["asked_if"] == {
        "any": [{"question": vaccine, "in": ["oui"]}, {"question": vaccine, "in": ["non"]}]
    }
    assert "asked_if" not in qs["comments"]
    assert "# asked_if: relevant '${vaccine} > 2' left as a comment" in (out / "codebook.yaml").read_text()
    assert qs["comments"]["type"] == "free_text" and qs["email"]["type"] == "pii"
    schema_check(out)
    load_study(out)


def test_xlsform_numeric_multiple_date_types(tmp_path: Path) -> None:
    out = tmp_path / "s"
    assert (
        init("--from-xlsform", str(xlsform(tmp_path / "form.xlsx", full=True)), "--out", str(out)).exit_code
        == 0
    )
    qs = questions(out)
    assert (qs["age"]["type"], qs["age"]["integer"]) == ("numeric", True)
    assert (qs["weight"]["type"], qs["weight"]["integer"]) == ("numeric", False)
    assert qs["sources"]["type"] == "multiple" and qs["sources"]["encoding"] == "columns"
    assert [a["column"] for a in qs["sources"]["answers"]] == ["sources/journals", "sources/web"]
    assert qs["visit"]["type"] == "date"


def test_xlsform_full_draft_loads(tmp_path: Path) -> None:
    out = tmp_path / "s"
    assert (
        init("--from-xlsform", str(xlsform(tmp_path / "form.xlsx", full=True)), "--out", str(out)).exit_code
        == 0
    )
    schema_check(out)
    load_study(out)


def test_xlsform_without_survey_sheet(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.append(["type", "name"])
    wb.save(tmp_path / "f.xlsx")
    result = init("--from-xlsform", str(tmp_path / "f.xlsx"), "--out", str(tmp_path / "s"))
    assert result.exit_code == 2 and "no 'survey' sheet" in result.output


# --- REDCap -------------------------------------------------------------------------------

REDCAP_HEADER = (
    '"Variable / Field Name","Form Name","Section Header","Field Type","Field Label",'
    '"Choices, Calculations, OR Slider Labels","Field Note","Text Validation Type OR Show Slider Number",'
    '"Text Validation Min","Text Validation Max","Identifier?","Branching Logic (Show field ONLY if...)",'
    '"Required Field?"'
)


def redcap(path: Path, full: bool) -> Path:
    rows = [
        'record_id,survey,,text,"Record ID",,,,,,,,',
        'intro,survey,,descriptive,"Bienvenue",,,,,,,,',
        'q1,survey,,radio,"Vaccinez-vous ?","1, Oui | 2, Non",,,,,,,y',
        'q2,survey,,dropdown,"Fréquence","1, Jamais | 2, Parfois | 3, Souvent",,,,,,"[q1] = \'1\'",',
        "q3,survey,,yesno,\"Formé ?\",,,,,,,\"[q1] = '1' and [q2] <> '3'\",",
        "q4,survey,,notes,\"Remarques\",,,,,,,\"[q1] = '1' or ([q3] = '1')\",",
        'mail,survey,,text,"Courriel",,,email,,,,,',
    ]
    if full:
        rows += [
            'age,survey,,text,"Âge",,,integer,18,99,,,',
            'src,survey,,checkbox,"Sources","1, Revues | 2, Internet | 3, Collègues",,,,,,,',
            'visit,survey,,text,"Date de visite",,,date_dmy,,,,,',
            'score,survey,,calc,"Score","[age] * 2",,,,,,,',
        ]
    path.write_text("\n".join([REDCAP_HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def test_redcap_draft(tmp_path: Path) -> None:
    out = tmp_path / "s"
    result = init("--from-redcap", str(redcap(tmp_path / "dict.csv", full=False)), "--out", str(out))
    assert result.exit_code == 0, result.output
    qs = questions(out)
    assert list(qs) == ["q1", "q2", "q3", "q4", "mail"]  # record id and descriptive left out
    assert qs["q1"]["type"] == "binary"
    assert [(a["code"], a["fr"], a.get("aliases")) for a in qs["q1"]["answers"]] == [
        ("oui", "Oui", ["1"]),
        ("non", "Non", ["2"]),
    ]
    assert qs["q2"]["type"] == "ordered"
    q1 = qs["q1"]["id"]
    assert qs["q2"]["asked_if"] == {"question": q1, "in": ["oui"]}
    assert qs["q3"]["type"] == "binary"
    assert qs["q3"]["asked_if"] == {
        "all": [{"question": q1, "in": ["oui"]}, {"not": {"question": qs["q2"]["id"], "in": ["souvent"]}}]
    }
    assert "asked_if" not in qs["q4"] and qs["q4"]["type"] == "free_text"
    assert qs["mail"]["type"] == "pii"
    schema_check(out)
    load_study(out)


def test_redcap_numeric_checkbox_date_types(tmp_path: Path) -> None:
    out = tmp_path / "s"
    assert (
        init("--from-redcap", str(redcap(tmp_path / "dict.csv", full=True)), "--out", str(out)).exit_code == 0
    )
    qs = questions(out)
    assert (qs["age"]["type"], qs["age"]["integer"]) == ("numeric", True)
    assert qs["src"]["type"] == "multiple" and qs["src"]["encoding"] == "columns"
    assert [a["column"] for a in qs["src"]["answers"]] == ["src___1", "src___2", "src___3"]
    assert qs["visit"]["type"] == "date"
    assert "score" not in qs


def test_redcap_full_draft_loads(tmp_path: Path) -> None:
    out = tmp_path / "s"
    assert (
        init("--from-redcap", str(redcap(tmp_path / "dict.csv", full=True)), "--out", str(out)).exit_code == 0
    )
    schema_check(out)
    load_study(out)


def test_redcap_draft_matches_a_raw_export(tmp_path: Path) -> None:
    out = tmp_path / "s"
    assert (
        init("--from-redcap", str(redcap(tmp_path / "dict.csv", full=False)), "--out", str(out)).exit_code
        == 0
    )
    export = tmp_path / "export.csv"
    lines = ["record_id,q1,q2,q3,q4,mail"]
    for i in range(10):
        asked = i % 2 == 0  # q1 = 1 (Oui)
        q2 = 1 + i % 3 if asked else ""
        q3 = (i // 2) % 2 if asked and q2 != 3 else ""
        lines.append(f"{i},{1 if asked else 2},{q2},{q3},,x{i}@example.org")
    export.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["validate", str(export), "--study", str(out)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["run", str(export), "--study", str(out), "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output


def test_google_forms_draft_validates_its_export(tmp_path: Path) -> None:
    export = google_csv(tmp_path / "forms.csv")
    assert init(str(export), "--out", str(tmp_path / "s")).exit_code == 0
    result = runner.invoke(app, ["validate", str(export), "--study", str(tmp_path / "s")])
    assert result.exit_code == 0, result.output
    assert SECRET_EMAIL not in result.output
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(export), "--study", str(tmp_path / "s"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    for path in out.rglob("*"):
        if path.suffix in (".csv", ".md", ".html", ".json", ".svg"):
            text = path.read_text(encoding="utf-8")
            assert SECRET_EMAIL not in text and SECRET_SENTENCE not in text and "@example.com" not in text


def test_xlsform_draft_validates_a_kobo_export(tmp_path: Path) -> None:
    out = tmp_path / "s"
    assert (
        init("--from-xlsform", str(xlsform(tmp_path / "form.xlsx", full=True)), "--out", str(out)).exit_code
        == 0
    )
    header = (
        "start;end;vaccine;advice;zone;comments;email;age;weight;"
        "sources;sources/journals;sources/web;visit;_uuid"
    )
    rows = [
        f"2024-01-0{1 + i}T10:00;2024-01-0{1 + i}T10:05;{'oui' if i % 2 else 'non'};"
        f"{'never' if i % 2 else ''};{'urban' if i % 3 else 'rural'};;x{i}@example.org;{30 + i};{60.5 + i};"
        f"journals web;1;{i % 2};2024-02-0{1 + i};u{i}"
        for i in range(6)
    ]
    export = tmp_path / "kobo.csv"
    export.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["validate", str(export), "--study", str(out)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["run", str(export), "--study", str(out), "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
