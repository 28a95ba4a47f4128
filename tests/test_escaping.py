"""Issue 19: what a user controls is escaped in every output.

A copy of the example study whose labels and texts hold HTML, spreadsheet
formulas, Markdown and LaTeX specials, run on the example export rewritten
with those labels as answers (and free-text answers and e-mail addresses that
must reach no output). Then: the report has no executable script (parsed with
``html.parser``: no ``<script>``, no ``on*`` attribute, no ``javascript:``
URL) and shows the texts literally; no text cell of the workbook or of a CSV
starts with ``=``, ``+``, ``-`` or ``@`` unescaped (OWASP: prefixed with
``'``); the Word document holds the texts literally and no field code; the
SVG figures hold no script and draw ``$x^2$`` as written, not as LaTeX; the
Markdown tables keep their columns whatever pipes the labels hold.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree

import pytest
from typer.testing import CliRunner

from dmp_survey.cli import app
from dmp_survey.outputs.numbers import typeset

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "pharmacists"

SCRIPT = "<script>alert(1)</script>"
HYPERLINK = '=HYPERLINK("http://x")'
PLUS, MINUS, AT = "+1", "-1", "@SUM(A1)"
MARKDOWN = "**x** | y"
LATEX = r"$x^2$ \textbf{y} 50% & #_{}~"
IMG = "<img src=x onerror=alert(1)>"
JS_LINK = "[lien](javascript:alert(1))"
FREE_TEXT = "TEXTE-LIBRE-SECRET =cmd|' /C calc'!A0"

# (question id, old French label, new label) for the answers.
ANSWERS = [
    ("q1_setting", "En ville", HYPERLINK),
    ("q1_setting", "En zone rurale", SCRIPT),
    ("q4_years", "Moins de 5 ans", MARKDOWN),
    ("q4_years", "De 5 à 15 ans", LATEX),
    ("q4_years", "Plus de 15 ans", IMG),
    ("q5_pharmacy", "Indépendante", PLUS),
    ("q5_pharmacy", "Membre d’un groupement", MINUS),
    ("q5_pharmacy", "En centre commercial", AT),
]
OLD_Q1 = "Où exercez-vous ?"
NEW_Q1 = f"Où exercez-vous ? {SCRIPT}"

runner = CliRunner()


def _yaml(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML scalar


def _replace(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path.name, old)
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def _hostile_study(folder: Path) -> tuple[Path, Path, list[str]]:
    study = folder / "study"
    shutil.copytree(EXAMPLE / "study", study)
    _replace(
        study / "study.yaml",
        'title: {fr: "La vaccination à l’officine", en: "Vaccination in community pharmacies"}',
        f"title: {{fr: {_yaml('Étude ' + SCRIPT + ' ' + MARKDOWN)}, en: {_yaml(HYPERLINK + ' ' + LATEX)}}}",
    )
    _replace(study / "study.yaml", "Enquête en ligne", f"{JS_LINK} {IMG} {LATEX} Enquête en ligne")
    cb = study / "codebook.yaml"
    for qid, old, new in ANSWERS:
        text = cb.read_text(encoding="utf-8")
        start = text.index(f"  - id: {qid}\n")
        at = text.index(f'fr: "{old}"', start)
        text = text[:at] + f"fr: {_yaml(new)}" + text[at + len(f'fr: "{old}"') :]
        cb.write_text(text, encoding="utf-8")
    _replace(cb, f'text: "{OLD_Q1}"', f"text: {_yaml(NEW_Q1)}")
    _replace(cb, 'en: "Where do you practise?"', f"en: {_yaml(AT + ' ' + SCRIPT)}")
    plan = study / "plan.yaml"
    _replace(
        plan,
        'caption: {fr: "lieu d’exercice", en: "practice setting"}',
        f"caption: {{fr: {_yaml(LATEX + ' ' + SCRIPT)}, en: {_yaml(HYPERLINK)}}}",
    )
    _replace(
        plan,
        '{variable: q1_setting, label: {fr: "Lieu d’exercice", en: "Setting"}}',
        f"{{variable: q1_setting, label: {{fr: {_yaml(HYPERLINK + ' ' + MARKDOWN)}, en: {_yaml(MINUS)}}}}}",
    )
    _replace(
        plan,
        'title: {fr: "Forte activité contre les autres", en: "High activity against the rest"}',
        f"title: {{fr: {_yaml(SCRIPT + ' ' + PLUS)}, en: {_yaml(IMG)}}}",
    )

    # The export: the same answers under their new labels, free text planted.
    with (EXAMPLE / "responses.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    header = rows[0]
    columns = {
        "q1_setting": header.index(OLD_Q1),
        "q4_years": header.index("Depuis combien d’années exercez-vous en officine ?"),
        "q5_pharmacy": header.index("Votre officine est :"),
    }
    header[columns["q1_setting"]] = NEW_Q1
    free = header.index("Remarques ou suggestions")
    email = header.index("Adresse e-mail")
    emails = [row[email] for row in rows[1:]]
    for i, row in enumerate(rows[1:]):
        for qid, old, new in ANSWERS:
            if row[columns[qid]] == old:
                row[columns[qid]] = new
        if i % 3 == 0:
            row[free] = f"{FREE_TEXT} {i} {SCRIPT}"
    export = folder / "export.csv"
    with export.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return study, export, emails


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("escaping")
    study, export, emails = _hostile_study(folder)
    outs = {}
    for lang in ("fr", "en"):
        out = folder / f"out-{lang}"
        result = runner.invoke(
            app, ["run", str(export), "--study", str(study), "--out", str(out), "--lang", lang]
        )
        assert result.exit_code == 0, result.output
        outs[lang] = out
    return outs, emails


def _files(root: Path, suffix: str) -> list[Path]:
    return sorted(root.rglob(f"*{suffix}"))


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_report_runs_no_script_and_shows_the_texts(hostile_run, lang):
    outs, _ = hostile_run
    parser = _Tags()
    parser.feed((outs[lang] / "reports" / "report.html").read_text(encoding="utf-8"))
    parser.close()
    assert [t for t, _ in parser.tags if t in ("script", "iframe", "object", "embed")] == []
    for tag, attrs in parser.tags:
        for name, value in attrs:
            assert not name.lower().startswith("on"), (tag, name, value)
            if value is not None:
                assert not re.sub(r"\s", "", value).lower().startswith(("javascript:", "vbscript:")), (
                    tag,
                    name,
                    value,
                )
                if name in ("src", "href") and tag != "a":
                    assert value.startswith(("data:image/", "#")), (tag, name, value[:40])
    text = "".join(parser.text)
    assert SCRIPT in text  # shown as text
    assert IMG in text
    if lang == "fr":
        # A French run types the author's texts in French (a no-break space
        # before %), nothing else: the characters stay literal.
        assert HYPERLINK in text and typeset(LATEX, "fr") in text


def _starts_like_a_formula(value: str) -> bool:
    return value.startswith(("=", "+", "-", "@", "\t", "\r"))


def _is_number(value: str) -> bool:
    try:
        float(value.replace(",", "."))
    except ValueError:
        return False
    return True


def test_no_csv_field_starts_a_formula(hostile_run):
    outs, _ = hostile_run
    checked = 0
    for out in outs.values():
        for path in _files(out, ".csv"):
            with path.open(encoding="utf-8-sig", newline="") as fh:
                for row in csv.reader(fh):
                    for field in row:
                        checked += 1
                        if _starts_like_a_formula(field):
                            assert _is_number(field), (path.name, field)
    assert checked > 1000
    # The labels are there, escaped.
    table = (outs["fr"] / "data" / "processed" / "high_vs_rest.csv").read_text(encoding="utf-8")
    assert "'" + HYPERLINK.replace('"', '""') in table


def test_no_workbook_text_cell_starts_a_formula(hostile_run):
    import openpyxl

    outs, _ = hostile_run
    seen = set()
    for out in outs.values():
        for path in _files(out, ".xlsx"):
            wb = openpyxl.load_workbook(path)
            for ws in wb.worksheets:
                for row in ws.iter_rows():
                    for cell in row:
                        assert cell.data_type != "f", (path.name, cell.coordinate, cell.value)
                        if isinstance(cell.value, str):
                            seen.add(cell.value)
                            if _starts_like_a_formula(cell.value):
                                # Escaped as Excel escapes a typed '=…
                                assert cell.quotePrefix, (path.name, ws.title, cell.coordinate)
    assert any(v.startswith(HYPERLINK) for v in seen)


def _docx_text(path: Path) -> str:
    with zipfile.ZipFile(path) as zf:
        xml = zf.read("word/document.xml").decode("utf-8")
    assert "w:fldSimple" not in xml and "w:instrText" not in xml  # no field codes
    root = ElementTree.fromstring(xml)
    ns = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    return "\n".join("".join(t.text or "" for t in p.iter(f"{ns}t")) for p in root.iter(f"{ns}p"))


def test_the_word_document_holds_the_texts_literally(hostile_run):
    outs, _ = hostile_run
    text = _docx_text(outs["fr"] / "data" / "processed" / "results.docx")
    for literal in (SCRIPT, HYPERLINK, MARKDOWN, LATEX, PLUS, AT):
        assert typeset(literal, "fr") in text, literal


def test_the_svg_figures_hold_no_script_and_draw_dollars_as_dollars(hostile_run):
    outs, _ = hostile_run
    for out in outs.values():
        for path in _files(out, ".svg"):
            root = ElementTree.fromstring(path.read_bytes())
            for element in root.iter():
                assert not element.tag.endswith("}script"), path.name
                assert not element.tag.endswith("}foreignObject"), path.name
                for name, value in element.attrib.items():
                    assert not name.split("}")[-1].lower().startswith("on"), (path.name, name)
                    assert not value.strip().lower().startswith("javascript:"), (path.name, name)
    # Text is real SVG text (svg.fonttype "none"), escaped; LaTeX ("$x^2$"
    # read as math) would split it into pieces in the math fonts.
    figure = (outs["fr"] / "figures" / "figure_01.svg").read_text(encoding="utf-8")
    title = ">Figure 1\u00a0: $x^2$ \\textbf{y} 50% &amp; #_{}~ &lt;script&gt;alert(1)&lt;/script&gt;"
    assert title in figure
    assert "Oblique" not in figure and "DejaVu Sans Mono" not in figure and "cmmi" not in figure, (
        "'$x^2$' was drawn as LaTeX"
    )


def test_markdown_tables_keep_their_columns(hostile_run):
    outs, _ = hostile_run
    for out in outs.values():
        text = (out / "data" / "processed" / "comparisons.md").read_text(encoding="utf-8")
        width = None
        for line in text.splitlines():
            if not line.startswith("|"):
                width = None
                continue
            cells = len(re.findall(r"(?<!\\)\|", line))
            width = cells if width is None else width
            assert cells == width, line
    fr = (outs["fr"] / "data" / "processed" / "comparisons.md").read_text(encoding="utf-8")
    assert "**x** \\| y" in fr  # the pipe of a label, escaped


def _searchable(path: Path) -> bytes:
    if path.suffix in (".xlsx", ".docx"):
        with zipfile.ZipFile(path) as zf:
            return b"\n".join(zf.read(n) for n in zf.namelist())
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        buffer = io.StringIO()
        pq.read_table(path).to_pandas().to_csv(buffer)
        return buffer.getvalue().encode("utf-8") + path.read_bytes()
    return path.read_bytes()


def test_free_text_and_contact_columns_reach_no_output(hostile_run):
    outs, emails = hostile_run
    for out in outs.values():
        files = [p for p in sorted(out.rglob("*")) if p.is_file()]
        assert len(files) > 20
        for path in files:
            blob = _searchable(path)
            assert b"TEXTE-LIBRE-SECRET" not in blob, path
            for email in emails[:20]:
                assert email.encode() not in blob, (path, email)
