"""Every printed string of a run's outputs, for the language and typography
tests (tests/test_language.py): CSV cells, Markdown, the report's text, the
docx's paragraphs and table cells, the workbook's text cells, the SVG figures'
texts.

Machine columns of the CSV files are left out: identifiers (``variable``,
``level``, ``group``, ``comparison``, ``test``, ``status``… — stable codes the
README's legend lists, each beside a label column in the run's language) and
numbers written by the CSV writer (machine numbers in the ``--csv`` dialect).
"""

from __future__ import annotations

import csv
import html
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

# Columns of the CSV outputs that hold codes or machine numbers (README: "CSV legend").
CODE_COLUMNS = frozenset(
    {
        "variable",
        "level",
        "group",
        "group_a",
        "group_b",
        "comparison",
        "test",
        "test_exact",
        "test_trend",
        "status",
        "self_check",
        "source",
        "id",
        "section",
        "quantity",
        "counts",
        "path",
        "printed",
        "published",
        "location",
        "sparse",
        "adjust_method",
        "respondent_id",
        "timestamp",
    }
)


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", "."))
    except ValueError:
        return False
    return True


def csv_strings(path: Path) -> Iterator[str]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        sample = fh.readline()
        fh.seek(0)
        reader = csv.DictReader(fh, delimiter=";" if sample.count(";") > sample.count(",") else ",")
        for row in reader:
            for column, value in row.items():
                if column in CODE_COLUMNS or not value or _is_number(value):
                    continue
                yield value


def html_strings(path: Path) -> Iterator[str]:
    text = path.read_text(encoding="utf-8")
    # The provenance (the last section) lists versions and hashes: identifiers, not printed numbers.
    text = re.sub(r'<h2 id="provenance">.*', "", text, flags=re.S)
    text = re.sub(r"<(style|script)\b.*?</\1>", "", text, flags=re.S)
    text = re.sub(r'src="data:[^"]*"', "", text)
    # The publication's own words (where, what it prints), shown verbatim.
    text = re.sub(r'<td class="verbatim">.*?</td>', "", text, flags=re.S)
    for chunk in re.split(r"<[^>]+>", text):
        chunk = html.unescape(chunk).strip()
        if chunk:
            yield chunk


def docx_strings(path: Path) -> Iterator[str]:
    import docx

    doc = docx.Document(str(path))
    for p in doc.paragraphs:
        if p.text.strip():
            yield p.text
    for table in doc.tables:
        for row in table.rows:
            for cell in row.cells:
                if cell.text.strip():
                    yield cell.text
    for section in doc.sections:
        for p in section.footer.paragraphs + section.header.paragraphs:
            if p.text.strip():
                yield p.text


def xlsx_strings(path: Path) -> Iterator[str]:
    """Text cells and sheet names; numeric cells are formatted by the spreadsheet's locale."""
    from openpyxl import load_workbook

    wb = load_workbook(path)
    for ws in wb.worksheets:
        yield ws.title
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.strip():
                    yield cell.value


def svg_strings(path: Path) -> Iterator[str]:
    """The texts of a matplotlib SVG: real <text> elements or, with text as
    paths, the comment matplotlib writes before each text's glyphs."""
    text = path.read_text(encoding="utf-8")
    for m in re.finditer(r"<!-- (.*?) -->|<text[^>]*>(.*?)</text>", text, flags=re.S):
        value = html.unescape(m.group(1) or m.group(2) or "").strip()
        if value and not value.startswith("Created with"):
            yield value


def output_strings(root: Path) -> Iterator[tuple[str, str]]:
    """(relative path, string) for every printed string under ``root``."""
    readers = {
        ".csv": csv_strings,
        ".md": lambda p: iter(p.read_text(encoding="utf-8").splitlines()),
        ".html": html_strings,
        ".docx": docx_strings,
        ".xlsx": xlsx_strings,
        ".svg": svg_strings,
    }
    for path in sorted(root.rglob("*")):
        reader = readers.get(path.suffix)
        if reader is None or not path.is_file() or path.name == "responses.csv":
            continue  # responses.csv: one column per question, the codebook's answer codes
        rel = path.relative_to(root).as_posix()
        for value in reader(path):
            yield rel, value


def zip_names(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as z:
        return z.namelist()


# Words of one language that must not be printed in a run of the other.
ENGLISH_WORDS = (
    "match",
    "mismatch",
    "not published",
    "rounding",
    "not checkable",
    "not_checkable",
    "expected_mismatch",
    "unexpected",
    "one-sided",
    "two-sided",
    "Fisher exact",
    "exact test",
    "Overall",
    "Not answered",
    "missing",
    "answered",
    "Note:",
    "among",
    "respondents",
    "percentage",
    "number of",
    "reconstructed",
    "Legend",
    "not computable",
    "Monte Carlo",
)
FRENCH_WORDS = (
    "non publié",
    "arrondi",
    "concordant",
    "discordant",
    "non vérifiable",
    "unilatéral",
    "bilatéral",
    "Ensemble",
    "Non renseigné",
    "Remarque",
    "répondants",
    "parmi",
    "reconstitué",
    "Légende",
    "sans réponse",
    "non calculable",
)
# A decimal point inside a number (not a version like 3.11.7: checked apart).
DECIMAL_POINT = re.compile(r"(?<![\d.])\d+\.\d+(?![\d.])")
# A comma inside a number that is not an English thousands separator.
COMMA_NUMBER = re.compile(r"(?<![\d,])\d+(?:,\d+)+(?![\d,])")
ENGLISH_GROUPING = re.compile(r"[1-9]\d{0,2}(?:,\d{3})+")


# A quotation of the publication, kept as it printed it: « … », “ … ”, ' … '.
QUOTED = re.compile(r"«[^«»]*»|“[^“”]*”|(?<!\w)'[^']*'(?!\w)")


def language_problems(root: Path, lang: str) -> list[str]:
    """Every printed string of the other language or typography, as 'path: «string»'."""
    problems = []
    foreign = ENGLISH_WORDS if lang == "fr" else FRENCH_WORDS
    for rel, text in output_strings(root):
        value = QUOTED.sub("«»", text)
        for word in foreign:
            if re.search(
                rf"(?<![\w-]){re.escape(word)}(?![\w-])", value, flags=re.I if word.islower() else 0
            ):
                problems.append(f"{rel}: {word!r} in {value[:160]!r}")
        if lang == "fr":
            for m in DECIMAL_POINT.finditer(value):
                problems.append(f"{rel}: decimal point {m.group()!r} in {value[:160]!r}")
        else:
            for m in COMMA_NUMBER.finditer(value):
                if not ENGLISH_GROUPING.fullmatch(m.group()):
                    problems.append(f"{rel}: decimal comma {m.group()!r} in {value[:160]!r}")
    return problems
