"""Numbers, tick-all-that-apply lists (both encodings), dates and free text.

Reference values are computed by R 4 on the example study's own export
(``examples/pharmacists/responses.csv``), with the groups derived as its
codebook defines them; the script that printed them:

    d <- read.csv("examples/pharmacists/responses.csv", check.names = FALSE,
                  encoding = "UTF-8", na.strings = "")
    doses <- d[["Combien de doses par semaine ?"]]
    g <- ifelse(!is.na(doses) & doses == "Plus de 50", "high",
                ifelse(d[["Vaccinez-vous à l’officine ?"]] == "Oui", "some", "none"))
    x <- d[["Combien de patients servez-vous par jour, en moyenne ?"]]; x[x == 999] <- NA
    src <- d[["Où vous informez-vous sur les vaccins ?"]]
    web <- ifelse(is.na(src), NA, grepl("Sites officiels", src, fixed = TRUE))
    any13 <- (d[["q13_barriers/time"]] + d[["q13_barriers/room"]] + d[["q13_barriers/pay"]]) > 0
    time <- ifelse(any13, d[["q13_barriers/time"]] == 1, NA)
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from dmp_survey.cli import app
from dmp_survey.io.validation import load_responses
from dmp_survey.pipeline import analyse, load_inputs
from dmp_survey.stats.compare import numeric_test
from dmp_survey.stats.describe import describe, describe_numeric
from dmp_survey.study.folder import load_study

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "pharmacists"
runner = CliRunner()


@pytest.fixture(scope="module")
def analysis():
    return analyse(load_inputs(EXAMPLE / "responses.csv", EXAMPLE / "study"))


def test_numeric_summary_matches_r(analysis):
    row = analysis.numeric.set_index("variable").loc["q11_patients"]
    # R: sum(!is.na(x)); mean(x, na.rm=TRUE); sd(x, na.rm=TRUE)
    assert row["n"] == 146 and row["missing"] == 4  # 3 blanks and one 999 ("don't know")
    assert row["mean"] == pytest.approx(153.623287671233, rel=1e-12)
    assert row["sd"] == pytest.approx(38.5295480720176, rel=1e-12)
    # R: quantile(x, c(.25, .5, .75), na.rm=TRUE) -> 126.00 155.00 178.75 (type 7)
    assert (row["q1"], row["median"], row["q3"]) == (126.0, 155.0, 178.75)


def test_numeric_comparisons_match_r(analysis):
    one = analysis.numeric_tables["high_vs_rest"]
    # R: wilcox.test(x[g == "high"], x[g != "high"])$p.value
    assert one["p_value"].iloc[0] == pytest.approx(9.35941873789538e-06, rel=1e-9)
    assert set(one["test"]) == {"mann_whitney"}
    every = analysis.numeric_tables["by_activity"]
    # R: kruskal.test(x, factor(g))$p.value
    assert every["p_value"].iloc[0] == pytest.approx(1.94575668476791e-05, rel=1e-9)
    assert set(every["test"]) == {"kruskal"}
    assert list(every["group"]) == ["high", "some", "none", "(overall)"]
    assert int(every.set_index("group").loc["(overall)", "n"]) == 146


def test_ticked_options_counts_and_comparisons_match_r(analysis):
    d = analysis.descriptive.set_index(["variable", "level"])
    # R: sum(web, na.rm=TRUE); sum(is.na(web)) (ticked nothing)
    assert d.loc[("q12_sources", "web"), "n"] == 85
    assert d.loc[("q12_sources", "(missing)"), "n"] == 19
    # R: sum(time, na.rm=TRUE); sum(!any13)  (the per-column encoding)
    assert d.loc[("q13_barriers", "time"), "n"] == 77
    assert d.loc[("q13_barriers", "(missing)"), "n"] == 30
    # Options are counted per respondent: the shares add up to more than 100 %.
    assert d.loc["q12_sources"].drop("(missing)")["percent"].sum() > 100

    def p(comparison: str, variable: str) -> float:
        t = analysis.tables[comparison]
        return float(t[t["variable"] == variable]["p_exact"].iloc[0])

    # R: fisher.test(table(factor(g == "high", levels=c(TRUE,FALSE)),
    #                      factor(web, levels=c(TRUE,FALSE))))$p.value
    assert p("high_vs_rest", "q12_sources__web") == pytest.approx(0.0514483911214889, rel=1e-9)
    # R: fisher.test(table(factor(g, levels=c("high","some","none")), factor(web, ...)))$p.value
    assert p("by_activity", "q12_sources__web") == pytest.approx(0.014584044459205, rel=1e-9)
    # R: fisher.test(t4)$p.value, t4 = table(g == "high", time)
    assert p("high_vs_rest", "q13_barriers__time") == pytest.approx(0.222335057920805, rel=1e-9)
    # R: fisher.test(t5)$p.value, t5 = table(g, time)
    assert p("by_activity", "q13_barriers__time") == pytest.approx(0.0637563197014606, rel=1e-9)


def test_numeric_rows_share_the_comparisons_multiplicity_family(analysis):
    categorical = analysis.tables["high_vs_rest"].drop_duplicates("variable")
    numeric = analysis.numeric_tables["high_vs_rest"].drop_duplicates("variable")
    tested = categorical[categorical["test_exact"] != "constant"]
    family = len(tested) + len(numeric)
    smallest = min(tested["p_exact"].min(), numeric["p_value"].min())
    holm_of_smallest = min(1.0, smallest * family)
    adjusted = pd.concat([tested["p_holm"], numeric["p_holm"]]).min()
    assert adjusted == pytest.approx(holm_of_smallest)


def test_welch_and_anova_match_r():
    x = np.array([12.0, 15, 11, 19, 14, 13, 18])
    y = np.array([22.0, 17, 25, 19, 21, 24])
    z = np.array([16.0, 18, 14, 20, 17])
    # R: t.test(c(12,15,11,19,14,13,18), c(22,17,25,19,21,24))$p.value
    assert numeric_test([x, y], "welch").value == pytest.approx(0.00204147997409024, rel=1e-6)
    # R: v <- c(x, y, z); g <- factor(rep(c("x","y","z"), c(7,6,5)))
    #    oneway.test(v ~ g, var.equal = TRUE)$p.value
    assert numeric_test([x, y, z], "anova").value == pytest.approx(0.00224296852492787, rel=1e-6)
    # R: wilcox.test(c(12,15,11,19,14,13,18), c(22,17,25,19,21,24))$p.value  (ties: normal approximation)
    assert numeric_test([x, y]).value == pytest.approx(0.0100249347103295, rel=1e-6)


def test_free_text_is_counted_never_written(analysis, tmp_path):
    d = analysis.descriptive.set_index(["variable", "level"])
    assert d.loc[("q10_comments", "(answered)"), "n"] + d.loc[("q10_comments", "(missing)"), "n"] == 150
    out = tmp_path / "out"
    result = runner.invoke(
        app, ["run", str(EXAMPLE / "responses.csv"), "--study", str(EXAMPLE / "study"), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    comments = set(pd.read_csv(EXAMPLE / "responses.csv", dtype=str)["Remarques ou suggestions"].dropna())
    labels = {a.fr for q in load_study(EXAMPLE / "study").codebook.questions for a in q.answers}
    comments -= labels  # a remark may repeat an answer label, which is printed as such
    assert "Manque de temps au comptoir" in comments or "Formation trop courte" in comments
    for path in out.rglob("*"):
        if path.is_file() and path.suffix in (".csv", ".md", ".html", ".json", ".svg"):
            text = path.read_text(encoding="utf-8")
            assert not [c for c in comments if len(c) > 8 and c in text], path.name
            assert "@example.org" not in text


# --- small studies written by the tests ---------------------------------------


def _study(tmp_path: Path, questions: str, rows: str = "") -> Path:
    study = tmp_path / "study"
    study.mkdir()
    (study / "study.yaml").write_text(
        'id: t\ntitle: {fr: "T", en: "T"}\npopulation: {fr: "répondants", en: "respondents"}\n', "utf-8"
    )
    (study / "codebook.yaml").write_text(
        "questions:\n" + textwrap.indent(textwrap.dedent(questions), "  "), "utf-8"
    )
    (study / "plan.yaml").write_text(rows or "figures: []\n", "utf-8")
    return study


NUMERIC = """\
- id: age
  text: "Âge"
  en: "Age"
  type: numeric
  integer: true
  min: 18
  max: 99
  missing_values: [999]
- id: other
  text: "Autre"
  en: "Other"
  type: free_text
"""


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("abc", "row 3, column 'Âge': 'abc' is not a number"),
        ("12", "row 3, column 'Âge': 12 is outside the bounds [18, 99]"),
        ("34,5", "row 3, column 'Âge': 34.5 is not a whole number"),
    ],
)
def test_a_bad_number_is_one_line_naming_row_and_column(tmp_path, cell, message):
    study = _study(tmp_path, NUMERIC)
    export = tmp_path / "export.csv"
    export.write_text(f"Âge\n40\n{cell}\n999\n", encoding="utf-8")
    result = runner.invoke(app, ["validate", str(export), "--study", str(study)])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: export.csv, {message}"), lines


def test_a_listed_missing_value_is_a_missing_answer(tmp_path):
    study = _study(tmp_path, NUMERIC)
    export = tmp_path / "export.csv"
    export.write_text("Âge,Autre\n40,x\n999,x\n,x\n52,x\n", encoding="utf-8")
    _raw, coded = load_responses(export, load_study(study).codebook)
    summary = describe_numeric(coded).iloc[0]
    assert (summary["n"], summary["missing"], summary["mean"]) == (2, 2, 46.0)


MULTIPLE = """\
- id: sources
  text: "Sources"
  en: "Sources"
  type: multiple
  separator: ";"
  answers:
    - {code: a, fr: "Revues, journaux", en: "Journals"}
    - {code: b, fr: "Collègues", en: "Colleagues"}
- id: kit
  text: "Matériel"
  en: "Equipment"
  type: multiple
  encoding: columns
  answers:
    - {code: fridge, fr: "Réfrigérateur", en: "Fridge", column: "kit___1"}
    - {code: room, fr: "Local", en: "Room", column: "Q3[SQ002]"}
"""


def test_both_encodings_of_a_ticked_list_are_read(tmp_path):
    study = _study(tmp_path, MULTIPLE)
    export = tmp_path / "export.csv"
    export.write_text(
        'Sources,kit___1,Q3[SQ002]\n"Revues, journaux;Collègues",1,0\nCollègues,0,0\n,Checked,Unchecked\n',
        encoding="utf-8",
    )
    _raw, coded = load_responses(export, load_study(study).codebook)
    f = coded.frame
    assert list(f["sources__a"].iloc[:2]) == ["yes", "no"]
    assert pd.isna(f["sources__a"].iloc[2])  # ticked nothing: missing
    assert list(f["kit__fridge"].iloc[[0, 2]]) == ["yes", "yes"]
    assert pd.isna(f["kit__room"].iloc[1])  # REDCap writes 0 for every option: ticked nothing
    d = describe(coded).set_index(["variable", "level"])
    assert d.loc[("sources", "b"), "n"] == 2 and d.loc[("sources", "(missing)"), "n"] == 1


def test_an_unknown_option_is_one_line(tmp_path):
    study = _study(tmp_path, MULTIPLE)
    export = tmp_path / "export.csv"
    export.write_text("Sources,kit___1,Q3[SQ002]\nCollègues;Internet,1,0\n", encoding="utf-8")
    result = runner.invoke(app, ["validate", str(export), "--study", str(study)])
    assert result.exit_code == 2
    assert "row 2, column 'Sources': unknown option 'Internet'" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_dates_in_the_exports_own_format(tmp_path):
    study = _study(
        tmp_path,
        '- id: since\n  text: "Installé depuis"\n  en: "Since"\n  type: date\n  format: "%d/%m/%Y"\n'
        '- id: other\n  text: "Autre"\n  en: "Other"\n  type: free_text\n',
    )
    export = tmp_path / "export.csv"
    export.write_text("Installé depuis,Autre\n03/02/2019,x\n,x\n25/12/2020,x\n", encoding="utf-8")
    inputs = load_inputs(export, study)
    result = analyse(inputs)
    row = result.dates.iloc[0]
    assert (row["n"], row["missing"], row["first"], row["last"]) == (2, 1, "2019-02-03", "2020-12-25")
    export.write_text("Installé depuis,Autre\n31/02/2019,x\n", encoding="utf-8")
    bad = runner.invoke(app, ["validate", str(export), "--study", str(study)])
    assert bad.exit_code == 2 and "not a date in the format %d/%m/%Y" in bad.stderr
