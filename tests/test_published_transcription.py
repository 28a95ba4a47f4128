"""Prove the transcription of the thesis' published numbers against the thesis text.

``data/published/annex_cells.csv`` transcribes every cell of annexes I-III and
``data/published/text_numbers.csv`` every number the text prints about the
respondents. Both are the ground truth of the audit, so this module checks them
against the committed copy of the thesis (``data/published/source/thesis.txt``),
which is itself pinned by ``SHA256SUMS``.

The checks are plain functions returning a list of problems (empty when the
transcription holds), so that the tests can also show that they fail on a
corrupted transcription.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
STUDY = ROOT / "src" / "dmp_survey" / "studies" / "dmp-somme-2019"
PUBLISHED = STUDY / "published"
SOURCE = PUBLISHED / "source"
THESIS = SOURCE / "thesis.txt"
SHA256SUMS = SOURCE / "SHA256SUMS"
SHARED_THESIS = ROOT.parent / "shared" / "thesis" / "000_44e59840789fc9e7.txt"
ANNEX_CELLS = PUBLISHED / "annex_cells.csv"
TEXT_NUMBERS = PUBLISHED / "text_numbers.csv"
CODEBOOK = STUDY / "codebook.yaml"
PLAN = STUDY / "plan.yaml"

# Section name -> the exact heading line of the thesis text.
SECTION_HEADINGS = {
    "METHODE": " MATERIELS ET METHODE ",
    "RESULTATS": " RESULTATS ",
    "DISCUSSION": " DISCUSSION ",
    "CONCLUSION": " CONCLUSION ",
    "ANNEXES": " ANNEXES  ",
    "RESUME": " RESUME ",
    "ABSTRACT": " ABSTRACT ",
}
TEXT_SECTIONS = ("METHODE", "RESULTATS", "DISCUSSION", "CONCLUSION", "RESUME", "ABSTRACT")

# Each annex table is followed by its title line, which closes its block.
ANNEX_END_LINES = {
    1: "Facteurs liés à une utilisation régulière (annexe I)",
    2: "Facteurs liés à une création ou alimentation sans utilisation régulière (Annexe II)",
    3: "Facteurs liés à la non-utilisation (Annexe III)",
}

# Row labels as printed in the annexes when they differ from analysis_plan.yaml.
PRINTED_ROW_LABELS = {"a1_age": "Age :", "a2_sex": "Sexe : (%, n)"}

ANNEX_COLUMNS = ["annex", "row", "variable", "level", "column", "quantity", "printed", "cell"]
TEXT_COLUMNS = [
    "id",
    "section",
    "fragment",
    "printed",
    "quantity",
    "variable",
    "levels",
    "population",
    "annex",
    "claim",
    "note",
    "relation",
    "numerator",
    "denominator",
    "basis",
    # the claim and the note in French (the audit of a French run prints them)
    "claim_fr",
    "note_fr",
]
# How the audit recomputes a text number: from the responses (data), from the
# answer dates (first_answer/last_answer), from other printed numbers
# (printed), or not at all (not_in_data: mails sent, GPs of the Somme…).
BASES = {"data", "first_answer", "last_answer", "printed", "not_in_data"}
RELATIONS = {"", "more_than", "about"}
SPECIAL_VARIABLES = {"respondents", "invited", "gp_population", "usage_group", "period"}
POPULATIONS = {
    "all",
    "regular",
    "occasional",
    "never",
    "not_regular",
    "not_occasional",
    "users",
    "asked",
}

# A printed annex cell: "1 (25%)", "1(25%)", "49 (81.7)", "2/2 (100%)",
# or a p-value: "0.139", "<0.001", "1".
ANNEX_CELL_RE = re.compile(r"\d+(?:/\d+)? ?\(\d+(?:\.\d+)?%?\)|<?\d+(?:\.\d+)?")
ANNEX_PRINTED_RE = {
    "count": re.compile(r"\d+"),
    "denominator": re.compile(r"\d+"),
    "percent": re.compile(r"\(\d+(?:\.\d+)?%?\)"),
    "p_value": re.compile(r"<?\d+(?:\.\d+)?"),
}
TEXT_PRINTED_RE = {
    "count": re.compile(r"\d+"),
    "percent": re.compile(r"\d+(?:,\d+)? ?%"),
    "p_value": re.compile(r"<?\d+,\d+"),
    "ratio": re.compile(r"\d+/\d+"),
    "date": re.compile(r"\d{1,2}(?:st|nd|rd|th)? [A-Za-zéû]+(?: \d{4})?"),
}

# Digits of the text sections that are deliberately not transcribed: (section, regex, reason).
# Every other digit of those sections must belong to a number of text_numbers.csv.
SKIPPED_NUMBERS: list[tuple[str, str, str]] = [
    ("METHODE", r"chi2", "name of the statistical test"),
    ("RESULTATS", r"[Ff]igure \d+", "figure number"),
    ("RESULTATS", r"\(annexe \d\)", "annex reference"),
    ("RESULTATS", r"\b[123]\) (?=Caractéristiques|Le DMP|Facteurs|Les facteurs)", "heading number"),
    ("RESULTATS", r"moins de 35 ans", "bound of the age class '< 35 ans'"),
    ("DISCUSSION", r"moins de 35 ans", "bound of the age class '< 35 ans'"),
    ("DISCUSSION", r"\[\d+\]", "bibliography reference"),
    ("DISCUSSION", r"est de 30% \[39\]", "mean response rate of such surveys, from the literature"),
    ("DISCUSSION", r"environ 6 minutes", "time needed to answer (a duration, not a count)"),
    (
        "DISCUSSION",
        r"réalisée en 2014 avait montré que 12,2%",
        "other study (thèse lilloise, 2014)",
    ),
    ("DISCUSSION", r"3 500 000 dossiers dans les 9 départements", "national DMP figures"),
    ("DISCUSSION", r"d’organe\. 32 De fait", "page number"),
    ("DISCUSSION", r"par rapport à 2014 ou seuls 27,4%", "other study (Febwin, 2014)"),
    ("DISCUSSION", r"Febwin en 2014 \[39\], avec 68,8%", "other study (Febwin, 2014)"),
    ("DISCUSSION", r"depuis le 6 novembre 2018", "date of the national roll-out"),
    ("DISCUSSION", r"recense 3 millions", "national DMP count"),
    ("DISCUSSION", r"estime que 39% des dossiers", "national DMP openings (Conseil de l'Ordre)"),
    ("DISCUSSION", r"18% par les Caisses", "national DMP openings (Conseil de l'Ordre)"),
    ("DISCUSSION", r"seulement 4% l’ont été", "national DMP openings (Conseil de l'Ordre)"),
    ("DISCUSSION", r"Depuis le 1er janvier", "national policy"),
    ("CONCLUSION", r"\b14 ans", "age of the DMP project"),
    ("RESUME", r"Fondé en 2004", "history of the DMP"),
    (
        "RESUME",
        r"depuis Novembre 2018, après 18 mois de phase pilote dans 9 départements",
        "national roll-out and pilot phase",
    ),
    ("RESUME", r"3 millions de DMP", "national DMP count"),
    ("RESUME", r"15 jours plus tard", "delay of the first reminder (a duration, not a date)"),
    ("ABSTRACT", r"Created in 2004", "history of the DMP"),
    (
        "ABSTRACT",
        r"since November 2018, after 18 months of pilot phase in 9 counties",
        "national roll-out and pilot phase",
    ),
    ("ABSTRACT", r"3 millions of DMP", "national DMP count"),
    ("ABSTRACT", r"15 days later", "delay of the first reminder (a duration, not a date)"),
]


# --------------------------------------------------------------------------- loading


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def load_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


def read_thesis() -> str:
    return THESIS.read_text(encoding="utf-8")


def collapse(text: str) -> str:
    """Collapse every run of whitespace (line breaks included) to one space."""
    return re.sub(r"\s+", " ", text).strip()


def variable_codes(codebook: dict[str, Any]) -> dict[str, set[str]]:
    """Codebook id -> its answer codes (the derived usage_group included)."""
    codes = {q["id"]: {str(a["code"]) for a in q.get("answers", [])} for q in codebook["questions"]}
    for d in codebook.get("derived", []):
        codes[d["id"]] = {str(lv["code"]) for lv in d["levels"]}
    return codes


# --------------------------------------------------------------------------- splitting


def split_sections(text: str) -> dict[str, str]:
    """Section name -> its raw text, from the line after its heading to the next heading."""
    lines = text.split("\n")
    starts = {}
    for name, heading in SECTION_HEADINGS.items():
        found = [i for i, line in enumerate(lines) if line == heading]
        if len(found) != 1:
            raise ValueError(f"heading {heading!r} found {len(found)} times")
        starts[name] = found[0]
    order = sorted(starts, key=starts.__getitem__)
    sections = {}
    for k, name in enumerate(order):
        end = starts[order[k + 1]] if k + 1 < len(order) else len(lines)
        sections[name] = "\n".join(lines[starts[name] + 1 : end])
    return sections


def split_annexes(annex_text: str) -> dict[int, str]:
    """Annex number -> the lines of its table, up to (excluding) its title line."""
    lines = annex_text.split("\n")
    blocks, start = {}, 0
    for number, end_line in ANNEX_END_LINES.items():
        found = [i for i in range(start, len(lines)) if lines[i].strip() == end_line]
        if not found:
            raise ValueError(f"end line of annex {number} not found: {end_line!r}")
        blocks[number] = "\n".join(lines[start : found[0]])
        start = found[0] + 1
    return blocks


def printed_row_label(row: dict[str, Any]) -> str:
    return PRINTED_ROW_LABELS.get(row["variable"], row["label"]["fr"])


def split_rows(block: str, plan: dict[str, Any]) -> dict[str, str]:
    """Variable -> its row block, from its printed label to the next row's label."""
    lines = block.split("\n")
    starts, cursor = [], 0
    for row in plan["rows"]:
        label = printed_row_label(row)
        found = [
            i
            for i in range(cursor, len(lines))
            if lines[i].strip() == label or lines[i].strip().startswith(label + " ")
        ]
        if not found:
            raise ValueError(f"row label {label!r} not found")
        starts.append(found[0])
        cursor = found[0] + 1
    starts.append(len(lines))
    return {
        row["variable"]: "\n".join(lines[starts[k] : starts[k + 1]]) for k, row in enumerate(plan["rows"])
    }


def annex_row_blocks(thesis_text: str, plan: dict[str, Any]) -> dict[tuple[int, str], str]:
    annexes = split_annexes(split_sections(thesis_text)["ANNEXES"])
    return {
        (number, variable): rb
        for number, block in annexes.items()
        for variable, rb in split_rows(block, plan).items()
    }


def printed_cells(row_block: str, label: str) -> list[str]:
    """Every printed cell of a row block, in text order (row label and level lines left out)."""
    lines = row_block.split("\n")
    first = lines[0].strip()
    assert first.startswith(label)
    body = [first[len(label) :]] + [ln for ln in lines[1:] if not ln.strip().startswith("-")]
    return ANNEX_CELL_RE.findall("\n".join(body))


# --------------------------------------------------------------------------- annex checks


def cell_instances(group: pd.DataFrame) -> list[tuple[tuple[str, str], str, list[str]]]:
    """Consecutive CSV rows of one printed cell: ((level, column), cell, [printed...])."""
    out: list[tuple[tuple[str, str], str, list[str]]] = []
    for r in group.itertuples(index=False):
        key = (r.level, r.column)
        if out and out[-1][0] == key and out[-1][1] == r.cell:
            out[-1][2].append(r.printed)
        else:
            out.append((key, r.cell, [r.printed]))
    return out


def check_annex_cells(df: pd.DataFrame, thesis_text: str, plan: dict[str, Any]) -> list[str]:
    """Every cell occurs in its row block, in CSV order, and holds its printed numbers."""
    problems: list[str] = []
    blocks = annex_row_blocks(thesis_text, plan)
    labels = {row["variable"]: printed_row_label(row) for row in plan["rows"]}
    seen = set()
    for (annex, variable), group in df.groupby(["annex", "variable"], sort=False):
        where = f"annex {annex} {variable}"
        seen.add((int(annex), variable))
        block = blocks.get((int(annex), variable))
        if block is None:
            problems.append(f"{where}: no such row block in the thesis")
            continue
        pos = 0
        instances = cell_instances(group)
        for (level, column), cell, printed in instances:
            m = re.compile(r"(?<!\S)" + re.escape(cell) + r"(?!\S)").search(block, pos)
            if m is None:
                problems.append(f"{where} {level} {column}: cell {cell!r} not found (in order)")
            else:
                pos = m.end()
            # the printed numbers occur in the cell, in order, and nothing else but ' ' and '/'
            q, rest = 0, cell
            for p in printed:
                i = cell.find(p, q) if p else -1
                if i < 0:
                    problems.append(f"{where} {level} {column}: {p!r} not in cell {cell!r} (in order)")
                    break
                rest = rest[:i] + "\0" * len(p) + rest[i + len(p) :]
                q = i + len(p)
            else:
                if set(rest) - {"\0", " ", "/"}:
                    problems.append(f"{where} {level} {column}: cell {cell!r} not fully transcribed")
        expected = printed_cells(block, labels[variable])
        got = [cell for _, cell, _ in instances]
        if got != expected:
            problems.append(f"{where}: cells {got} differ from the printed cells {expected}")
    for annex, variable in blocks:
        if (annex, variable) not in seen:
            problems.append(f"annex {annex} {variable}: row not transcribed")
    return problems


def expected_annex_keys(plan: dict[str, Any]) -> list[tuple[str, ...]]:
    """(annex, row, variable, level, column, quantity) of every printed number, in order."""
    keys: list[tuple[str, ...]] = []
    for annex in [c for c in plan["comparisons"] if "number" in c]:
        for row in plan["rows"]:
            base = (str(annex["number"]), row["label"]["fr"], row["variable"])
            quantities = ["count", "denominator", "percent"] if "among" in row else ["count", "percent"]
            for column in ("focal", "other"):
                for level in row["printed_levels"]:
                    keys += [(*base, str(level), column, q) for q in quantities]
            keys.append((*base, "", "p", "p_value"))
    return keys


def check_annex_structure(df: pd.DataFrame, plan: dict[str, Any], codebook: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    if list(df.columns) != ANNEX_COLUMNS:
        return [f"columns {list(df.columns)} != {ANNEX_COLUMNS}"]
    keys = [tuple(r) for r in df[ANNEX_COLUMNS[:6]].itertuples(index=False)]
    expected = expected_annex_keys(plan)
    if keys != expected:
        missing = [k for k in expected if k not in keys]
        extra = [k for k in keys if k not in expected]
        problems.append(
            f"rows differ from the analysis plan (order, labels or content): "
            f"missing {missing[:5]}, unexpected {extra[:5]}"
        )
    dup = df.duplicated(["annex", "variable", "level", "column", "quantity"], keep=False)
    if dup.any():
        problems.append(f"duplicated cells: {df[dup].to_dict('records')[:5]}")
    pvals = df[df["quantity"] == "p_value"]
    if len(pvals) != 54 or sorted(pvals["annex"].value_counts().tolist()) != [18, 18, 18]:
        problems.append(f"expected 54 p-values, 18 per annex; got {pvals['annex'].value_counts().to_dict()}")
    codes = variable_codes(codebook)
    for r in df.itertuples(index=False):
        where = f"annex {r.annex} {r.variable} {r.level} {r.column} {r.quantity}"
        if r.variable not in codes:
            problems.append(f"{where}: unknown variable")
        elif r.column == "p":
            if r.level != "" or r.quantity != "p_value":
                problems.append(f"{where}: a p-value has no level")
        elif r.level not in codes[r.variable]:
            problems.append(f"{where}: level is not a code of {r.variable}")
        pattern = ANNEX_PRINTED_RE.get(r.quantity)
        if pattern is None or not pattern.fullmatch(r.printed):
            problems.append(f"{where}: printed {r.printed!r} is not a {r.quantity}")
        if not ANNEX_CELL_RE.fullmatch(r.cell):
            problems.append(f"{where}: cell {r.cell!r} is not a printed cell")
    return problems


# --------------------------------------------------------------------------- text checks


def number_spans(text: str, printed: str) -> list[tuple[int, int]]:
    """Where `printed` occurs in `text` as a whole number (not inside a longer one)."""
    pattern = r"(?<![\d,./<])" + re.escape(printed) + r"(?!\d|[,./]\d)"
    return [m.span() for m in re.finditer(pattern, text)]


def locate_text_numbers(df: pd.DataFrame, sections: dict[str, str]) -> tuple[dict[str, tuple], list[str]]:
    """id -> (section, start, end) of its number in the collapsed section text; and problems."""
    problems: list[str] = []
    located: dict[str, tuple[str, int, int]] = {}
    for r in df.itertuples(index=False):
        where = f"{r.id}"
        if r.section not in sections:
            problems.append(f"{where}: unknown section {r.section!r}")
            continue
        if r.fragment != collapse(r.fragment):
            problems.append(f"{where}: fragment is not whitespace-collapsed")
        text = sections[r.section]
        starts = [m.start() for m in re.finditer(re.escape(r.fragment), text)] if r.fragment else []
        if len(starts) != 1:
            problems.append(f"{where}: fragment found {len(starts)} times in {r.section}: {r.fragment!r}")
            continue
        spans = number_spans(r.fragment, r.printed) if r.printed else []
        if len(spans) != 1:
            problems.append(f"{where}: {r.printed!r} found {len(spans)} times in the fragment {r.fragment!r}")
            continue
        located[r.id] = (r.section, starts[0] + spans[0][0], starts[0] + spans[0][1])
    by_place: dict[tuple, list[str]] = {}
    for id_, place in located.items():
        by_place.setdefault(place, []).append(id_)
    problems += [f"{ids}: transcribe the same occurrence" for ids in by_place.values() if len(ids) > 1]
    return located, problems


def collapsed_sections(thesis_text: str) -> dict[str, str]:
    sections = split_sections(thesis_text)
    return {name: collapse(sections[name]) for name in TEXT_SECTIONS}


def check_text_numbers(df: pd.DataFrame, thesis_text: str) -> list[str]:
    """Each fragment occurs once in its section, and its printed number once in the fragment."""
    return locate_text_numbers(df, collapsed_sections(thesis_text))[1]


def check_text_coverage(
    df: pd.DataFrame, thesis_text: str, skipped: Iterable[tuple[str, str, str]]
) -> list[str]:
    """Every digit of the text sections is transcribed or deliberately skipped, not both."""
    sections = collapsed_sections(thesis_text)
    located, problems = locate_text_numbers(df, sections)
    transcribed = {name: [False] * len(text) for name, text in sections.items()}
    for section, start, end in located.values():
        transcribed[section][start:end] = [True] * (end - start)
    skipped_mask = {name: [False] * len(text) for name, text in sections.items()}
    for section, pattern, reason in skipped:
        matches = list(re.finditer(pattern, sections[section]))
        if not matches:
            problems.append(f"skip {pattern!r} ({reason}) matches nothing in {section}")
        for m in matches:
            skipped_mask[section][m.start() : m.end()] = [True] * (m.end() - m.start())
    for name, text in sections.items():
        for i, ch in enumerate(text):
            if not ch.isdigit():
                continue
            context = text[max(0, i - 40) : i + 40]
            if transcribed[name][i] and skipped_mask[name][i]:
                problems.append(f"{name}: digit both transcribed and skipped: …{context}…")
            elif not transcribed[name][i] and not skipped_mask[name][i]:
                problems.append(f"{name}: digit neither transcribed nor skipped: …{context}…")
    return problems


def check_text_structure(df: pd.DataFrame, codebook: dict[str, Any], plan: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    if list(df.columns) != TEXT_COLUMNS:
        return [f"columns {list(df.columns)} != {TEXT_COLUMNS}"]
    dup = df["id"][df["id"].duplicated()]
    if len(dup):
        problems.append(f"duplicated ids: {dup.tolist()}")
    codes = variable_codes(codebook)
    annex_variables = {row["variable"] for row in plan["rows"]}
    for r in df.itertuples(index=False):
        where = r.id
        if not re.fullmatch(r"[a-z][a-z0-9_]*", r.id):
            problems.append(f"{where}: id is not a short lowercase ASCII id")
        if r.section not in TEXT_SECTIONS:
            problems.append(f"{where}: unknown section {r.section!r}")
        pattern = TEXT_PRINTED_RE.get(r.quantity)
        if pattern is None:
            problems.append(f"{where}: unknown quantity {r.quantity!r}")
        elif not pattern.fullmatch(r.printed):
            problems.append(f"{where}: printed {r.printed!r} is not a {r.quantity}")
        if r.variable not in codes and r.variable not in SPECIAL_VARIABLES:
            problems.append(f"{where}: unknown variable {r.variable!r}")
        levels = r.levels.split("|") if r.levels else []
        if r.variable in codes:
            bad = [lv for lv in levels if lv not in codes[r.variable]]
            if bad:
                problems.append(f"{where}: levels {bad} are not codes of {r.variable}")
            if len(set(levels)) != len(levels):
                problems.append(f"{where}: repeated level")
        elif levels:
            problems.append(f"{where}: {r.variable} takes no levels")
        if r.population and r.population not in POPULATIONS:
            problems.append(f"{where}: unknown population {r.population!r}")
        if r.annex not in {"", "1", "2", "3"}:
            problems.append(f"{where}: annex {r.annex!r}")
        if r.quantity == "p_value" and (
            r.annex == "" or r.variable not in annex_variables or levels or r.population
        ):
            problems.append(
                f"{where}: a p-value needs an annex and an annex variable, no level or population"
            )
        if r.quantity == "date" and r.variable != "period":
            problems.append(f"{where}: a date is about the period")
        if r.variable == "period" and r.quantity != "date":
            problems.append(f"{where}: the period is given by dates")
        if r.quantity in {"percent", "ratio"} and r.variable in codes and not levels:
            problems.append(f"{where}: a share of answers needs its levels")
        if r.variable in codes and r.quantity != "p_value" and not r.population:
            problems.append(f"{where}: a number about answers needs its population")
        if not r.claim.strip():
            problems.append(f"{where}: empty claim")
        if not r.claim_fr.strip() or bool(r.note.strip()) != bool(r.note_fr.strip()):
            problems.append(f"{where}: the French claim or note is missing")
        if r.basis not in BASES:
            problems.append(f"{where}: unknown basis {r.basis!r}")
        if r.relation not in RELATIONS:
            problems.append(f"{where}: unknown relation {r.relation!r}")
        for ref in (r.numerator, r.denominator):
            if ref and ref not in set(df["id"]):
                problems.append(f"{where}: {ref!r} is not the id of a text number")
        if r.basis in {"first_answer", "last_answer"} and r.quantity != "date":
            problems.append(f"{where}: answer dates are dates")
    return problems


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def thesis_text() -> str:
    return read_thesis()


@pytest.fixture(scope="module")
def plan_yaml() -> dict[str, Any]:
    return load_yaml(PLAN)


@pytest.fixture(scope="module")
def codebook_yaml() -> dict[str, Any]:
    return load_yaml(CODEBOOK)


@pytest.fixture(scope="module")
def annex_cells() -> pd.DataFrame:
    return load_csv(ANNEX_CELLS)


@pytest.fixture(scope="module")
def text_numbers() -> pd.DataFrame:
    return load_csv(TEXT_NUMBERS)


# --------------------------------------------------------------------------- tests: source


def test_thesis_copy_matches_sha256sums() -> None:
    entries = {}
    for line in SHA256SUMS.read_text(encoding="utf-8").splitlines():
        digest, name = line.split(maxsplit=1)
        entries[name.lstrip("*")] = digest
    assert "thesis.txt" in entries
    assert hashlib.sha256(THESIS.read_bytes()).hexdigest() == entries["thesis.txt"]


def test_thesis_copy_identical_to_shared_thesis() -> None:
    if not SHARED_THESIS.exists():
        pytest.skip(f"{SHARED_THESIS} absent (fresh clone)")
    assert SHARED_THESIS.read_bytes() == THESIS.read_bytes()


def test_thesis_splits_into_sections_and_annex_rows(thesis_text: str, plan_yaml: dict[str, Any]) -> None:
    sections = split_sections(thesis_text)
    assert set(sections) == set(SECTION_HEADINGS)
    blocks = annex_row_blocks(thesis_text, plan_yaml)
    assert len(blocks) == 3 * len(plan_yaml["rows"]) == 54
    assert all(block.strip() for block in blocks.values())


# --------------------------------------------------------------------------- tests: annexes


def test_annex_cells_structure(
    annex_cells: pd.DataFrame, plan_yaml: dict[str, Any], codebook_yaml: dict[str, Any]
) -> None:
    assert check_annex_structure(annex_cells, plan_yaml, codebook_yaml) == []


def test_annex_cells_match_thesis(
    annex_cells: pd.DataFrame, thesis_text: str, plan_yaml: dict[str, Any]
) -> None:
    assert check_annex_cells(annex_cells, thesis_text, plan_yaml) == []


def test_annex_cells_keep_printed_typos(annex_cells: pd.DataFrame) -> None:
    def cell(annex: str, variable: str, column: str) -> str:
        sel = annex_cells[
            (annex_cells["annex"] == annex)
            & (annex_cells["variable"] == variable)
            & (annex_cells["column"] == column)
            & (annex_cells["quantity"] == "count")
        ]
        return sel["cell"].iloc[-1]

    assert cell("1", "c4_software", "other") == "46 (67.7%)"
    assert cell("2", "a4_area", "other") == "15 (75%)"
    assert cell("3", "a6_cme", "focal") == "27 (71.7%)"


# --------------------------------------------------------------------------- tests: text


def test_text_numbers_structure(
    text_numbers: pd.DataFrame, codebook_yaml: dict[str, Any], plan_yaml: dict[str, Any]
) -> None:
    assert check_text_structure(text_numbers, codebook_yaml, plan_yaml) == []


def test_text_numbers_match_thesis(text_numbers: pd.DataFrame, thesis_text: str) -> None:
    assert check_text_numbers(text_numbers, thesis_text) == []


def test_every_study_number_of_the_text_is_transcribed(text_numbers: pd.DataFrame, thesis_text: str) -> None:
    assert check_text_coverage(text_numbers, thesis_text, SKIPPED_NUMBERS) == []


# --------------------------------------------------------------------------- tests: checks can fail


def test_annex_check_catches_an_altered_printed_value(
    annex_cells: pd.DataFrame, thesis_text: str, plan_yaml: dict[str, Any]
) -> None:
    bad = annex_cells.copy()
    i = bad.index[(bad["annex"] == "1") & (bad["variable"] == "a6_cme") & (bad["quantity"] == "percent")][-1]
    bad.loc[i, "printed"] = "(81.7%)"  # printed without the '%' in the thesis
    problems = check_annex_cells(bad, thesis_text, plan_yaml)
    assert problems == ["annex 1 a6_cme yes other: '(81.7%)' not in cell '49 (81.7)' (in order)"]


def test_annex_check_catches_an_altered_cell(
    annex_cells: pd.DataFrame, thesis_text: str, plan_yaml: dict[str, Any]
) -> None:
    bad = annex_cells.copy()
    rows = bad.index[(bad["annex"] == "2") & (bad["variable"] == "a4_area") & (bad["cell"] == "15 (75%)")]
    bad.loc[rows, "cell"] = "15 (35.7%)"
    bad.loc[rows[-1], "printed"] = "(35.7%)"
    assert check_annex_cells(bad, thesis_text, plan_yaml)


def test_annex_check_catches_swapped_levels(
    annex_cells: pd.DataFrame, thesis_text: str, plan_yaml: dict[str, Any]
) -> None:
    bad = annex_cells.copy()
    sel = (bad["annex"] == "3") & (bad["variable"] == "a2_sex") & (bad["column"] == "focal")
    idx = bad.index[sel]
    bad.loc[idx, ["printed", "cell"]] = bad.loc[idx[::-1], ["printed", "cell"]].to_numpy()
    assert check_annex_cells(bad, thesis_text, plan_yaml)


def test_annex_check_catches_a_missing_cell(
    annex_cells: pd.DataFrame,
    thesis_text: str,
    plan_yaml: dict[str, Any],
    codebook_yaml: dict[str, Any],
) -> None:
    bad = annex_cells.drop(
        annex_cells.index[(annex_cells["annex"] == "1") & (annex_cells["printed"] == "0.139")]
    )
    assert check_annex_cells(bad, thesis_text, plan_yaml)
    assert check_annex_structure(bad, plan_yaml, codebook_yaml)


def test_text_check_catches_an_altered_printed_value(text_numbers: pd.DataFrame, thesis_text: str) -> None:
    bad = text_numbers.copy()
    bad.loc[bad["id"] == "res_response_rate", "printed"] = "34,8%"
    assert check_text_numbers(bad, thesis_text)
    bad = text_numbers.copy()
    bad.loc[bad["id"] == "res_a1_p_operational", "printed"] = "0,04"  # inside 0,042: not a whole number
    assert check_text_numbers(bad, thesis_text)


def test_text_check_catches_an_altered_fragment(text_numbers: pd.DataFrame, thesis_text: str) -> None:
    bad = text_numbers.copy()
    i = bad.index[bad["id"] == "disc_operational_unknown"][0]
    bad.loc[i, ["fragment", "printed"]] = [
        bad.loc[i, "fragment"].replace("58,7%", "57,8%"),
        "57,8%",
    ]
    assert check_text_numbers(bad, thesis_text)


def test_coverage_check_catches_a_dropped_number(text_numbers: pd.DataFrame, thesis_text: str) -> None:
    bad = text_numbers[text_numbers["id"] != "disc_daily_future"]
    assert check_text_coverage(bad, thesis_text, SKIPPED_NUMBERS)


def test_structure_check_catches_a_bad_level(
    text_numbers: pd.DataFrame, codebook_yaml: dict[str, Any], plan_yaml: dict[str, Any]
) -> None:
    bad = text_numbers.copy()
    bad.loc[bad["id"] == "res_practice_locum", "levels"] = "remplacant"
    assert check_text_structure(bad, codebook_yaml, plan_yaml)


# --------------------------------------------------------------------------- annex headers (group sizes)

ANNEX_GROUPS = PUBLISHED / "annex_groups.csv"


def check_annex_groups(df: pd.DataFrame, thesis_text: str, plan: dict[str, Any]) -> list[str]:
    """Each group size stands in its annex header (before the first row label), in order."""
    problems = []
    annexes = split_annexes(split_sections(thesis_text)["ANNEXES"])
    first_label = printed_row_label(plan["rows"][0])
    for number, group in df.groupby("annex", sort=True):
        block = annexes[int(number)]
        header = block[: block.index(first_label)]
        cursor = 0
        for r in group.itertuples(index=False):
            at = header.find(r.cell, cursor)
            if at < 0:
                problems.append(f"annex {number}: header cell {r.cell!r} not found after offset {cursor}")
                continue
            cursor = at + len(r.cell)
            if f"(n={r.printed})" != r.cell:
                problems.append(f"annex {number}: printed {r.printed!r} is not the number of {r.cell!r}")
            if collapse(r.group_label) not in collapse(header):
                problems.append(f"annex {number}: label {r.group_label!r} not in the header")
    focal = {a["number"]: a["focal"] for a in plan["comparisons"] if "number" in a}
    for r in df.itertuples(index=False):
        if r.column == "focal" and focal[int(r.annex)] != r.group:
            problems.append(
                f"annex {r.annex}: focal group {r.group!r} is not the plan's {focal[int(r.annex)]!r}"
            )
    if sorted(df["annex"].astype(int).unique()) != [1, 2, 3] or len(df) != 6:
        problems.append("expected one focal and one other header per annex")
    return problems


def test_annex_group_sizes_match_thesis(thesis_text: str, plan_yaml: dict[str, Any]) -> None:
    assert check_annex_groups(load_csv(ANNEX_GROUPS), thesis_text, plan_yaml) == []


def test_annex_group_check_catches_an_altered_size(thesis_text: str, plan_yaml: dict[str, Any]) -> None:
    df = load_csv(ANNEX_GROUPS)
    df.loc[1, ["printed", "cell"]] = ["61", "(n=61)"]
    assert check_annex_groups(df, thesis_text, plan_yaml)
