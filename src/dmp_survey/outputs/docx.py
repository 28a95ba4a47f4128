"""``results.docx``: the results an author pastes into a Word manuscript.

The study title and the number of respondents, the descriptive table
(question, answer, n, denominator, %), the figures as inline pictures with
their caption as editable text below them, and every comparison as a real
Word table (laid out by :func:`~dmp_survey.outputs.annex.comparison_layout`,
its header row repeated on every page) followed by a footnote naming its tests
and the multiplicity family. In the run's language (fr or en).

Written with python-docx; the same inputs give the same bytes: the core
properties carry :data:`~dmp_survey.io.writers.FIXED_TIMESTAMP` and the zip is
rewritten by :func:`~dmp_survey.io.writers.normalise_xlsx` (an OOXML
normaliser: fixed entry dates, order and permissions).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ..io.writers import FIXED_TIMESTAMP, normalise_xlsx
from ..stats.describe import MISSING
from ..study.codebook import Codebook
from ..study.folder import Study
from ..study.plan import AnalysisPlan, Comparison
from . import numbers
from .annex import SHORT_TESTS, comparison_layout, family_note

__all__ = ["DocxDraft", "docx_draft", "write_docx"]

_T = {
    "fr": {
        "respondents": "{n} répondants.",
        "descriptive": "Analyse descriptive",
        "figures": "Figures",
        "comparisons": "Comparaisons",
        "question": "Question",
        "answer": "Réponse",
        "n": "n",
        "denominator": "Dénominateur",
        "percent": "%",
        "missing": "(sans réponse)",
        "answered": "(a répondu)",
        "descriptive_note": "Pourcentages calculés parmi les répondants à qui la question a été posée "
        "(dénominateur).",
        "tests": "Tests : {primary} (p, convention du plan) ; {exact} (p exacte bilatérale).",
        "not_published": "non publié — reconstitué",
        "not_published_real": "non publié dans {source}",
    },
    "en": {
        "respondents": "{n} respondents.",
        "descriptive": "Descriptive analysis",
        "figures": "Figures",
        "comparisons": "Comparisons",
        "question": "Question",
        "answer": "Answer",
        "n": "n",
        "denominator": "Denominator",
        "percent": "%",
        "missing": "(no answer)",
        "answered": "(answered)",
        "descriptive_note": "Percentages among the respondents the question was asked to (denominator).",
        "tests": "Tests: {primary} (p, the plan's convention); {exact} (exact two-sided p).",
        "not_published": "not published — reconstructed",
        "not_published_real": "not published in {source}",
    },
}

_LANG_TAG = {"fr": "fr-FR", "en": "en-GB"}
_FONT = "Times New Roman"


def _number(value: float, lang: str) -> str:
    return numbers.decimal(value, lang, 1)


def _descriptive_rows(
    descriptive: pd.DataFrame, codebook: Codebook, lang: str, not_published: str
) -> list[list[str]]:
    """Question (named once per block), answer, n, denominator, %; the
    "(missing)" row only when someone asked left the question blank."""
    t = _T[lang]
    rows: list[list[str]] = []
    previous = None
    for r in descriptive.itertuples(index=False):
        if r.level == MISSING and r.n == 0:
            continue
        if r.variable in codebook:
            q = codebook[r.variable]
            name = f"{q.number} {q.label(lang)}"
            level = q.answer(r.level).label(lang) if r.level in q.codes else str(r.level)
            if not q.published:
                name += f" ({not_published})"
        else:
            d = codebook.derived_variable(r.variable)
            name = d.en if lang == "en" else d.fr
            level = d.level(r.level).label(lang) if r.level in d.codes else str(r.level)
        if r.level == MISSING:
            level = t["missing"]
        elif r.level == "(answered)":
            level = t["answered"]
        pct = "" if pd.isna(r.percent) else _number(r.percent, lang)
        rows.append([name if name != previous else "", level, str(r.n), str(r.denominator), pct])
        previous = name
    return rows


def _tests_note(
    table: pd.DataFrame,
    comparison: Comparison,
    plan: AnalysisPlan,
    tables: dict[str, pd.DataFrame],
    numeric: pd.DataFrame | None,
    lang: str,
) -> str:
    def names(frame: pd.DataFrame, column: str) -> list[str]:
        if frame is None or not len(frame):
            return []
        return [str(v) for v in frame.drop_duplicates("variable")[column] if pd.notna(v)]

    primary = list(dict.fromkeys(names(table, "test") + names(numeric, "test")))
    exact = list(dict.fromkeys(names(table, "test_exact")))
    text = _T[lang]["tests"].format(
        primary=", ".join(SHORT_TESTS[lang].get(v, v) for v in primary),
        exact=", ".join(SHORT_TESTS[lang].get(v, v) for v in exact),
    )
    # The multiplicity family, as under the table in the report and workbook.
    return f"{text} {family_note(comparison, plan, tables, lang)}"


def _comparison_rows(
    table: pd.DataFrame,
    comparison: Comparison,
    codebook: Codebook,
    lang: str,
    numeric: pd.DataFrame | None = None,
) -> tuple[str, list[list[str]]]:
    """The heading and the rows (header first) of one comparison, without the
    empty spacer column the spreadsheet keeps between the two views."""
    rows, _bold = comparison_layout(table, comparison, codebook, lang, numeric)
    title, _blank, header, *body = rows
    width = len(header)
    keep = [i for i, h in enumerate(header) if i == 0 or str(h) != ""]
    out = []
    for row in [header, *body]:
        padded = [("" if v is None else str(v)) for v in row] + [""] * (width - len(row))
        out.append([padded[i] for i in keep])
    return str(title[0]), out


def _set_repeat_header(tr: Any) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tr_pr = tr.get_or_add_trPr()
    for tag in ("w:cantSplit", "w:tblHeader"):
        element = OxmlElement(tag)
        element.set(qn("w:val"), "true")
        tr_pr.append(element)


def _cant_split(tr: Any) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    element = OxmlElement("w:cantSplit")
    element.set(qn("w:val"), "true")
    tr.get_or_add_trPr().append(element)


def _add_table(
    doc: Any,
    rows: Sequence[Sequence[str]],
    font_pt: float,
    numeric_from: int,
    widths_cm: Sequence[float],
    lang: str,
    grid: str | None,
    bold_row: Any = None,
) -> Any:
    """A grid table (``grid``: the id of the "Table Grid" style): the first
    row a bold header repeated on every page; columns from ``numeric_from`` on
    centred, widths in cm; every cell's text typeset for ``lang``
    (:func:`numbers.typeset`)."""
    from copy import deepcopy

    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt
    from docx.table import _Cell

    table = doc.add_table(rows=len(rows), cols=len(rows[0]))
    # As ``table.style = doc.styles["Table Grid"]`` sets it, with the id looked
    # up once per document (docx_draft): the setter looks the style up among
    # every style and compares it with the default table style, 10 ms a table.
    table._tbl.tblStyle_val = grid
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for column, width in zip(table.columns, widths_cm, strict=True):
        column.width = Cm(width)
    # (width, centred, bold) -> a finished cell (w:tc): what a cell's XML depends on.
    built: dict[tuple[float, bool, bool], Any] = {}
    finished: dict[bool, Any] = {}  # bold -> a finished body row (w:tr)
    tc_tag, run_path = qn("w:tc"), f"{qn('w:p')}/{qn('w:r')}"
    # python-docx builds each property through generic child lookups (about
    # a millisecond a cell, seconds a run) and its Row.cells resolves spans
    # and merges through XPath on every call: the first cell of each width,
    # alignment and weight is built through python-docx, then the first body
    # row of each weight; every other cell or row is a copy of that XML (a
    # table without spans or merges), given its own texts.
    for r, (tr, values) in enumerate(zip(table._tbl.tr_lst, rows, strict=True)):
        bold = r == 0 or (bold_row is not None and bold_row(values))
        texts = [numbers.typeset(value, lang) for value in values]
        if r and bold in finished:
            copy = deepcopy(finished[bold])
            tr.getparent().replace(tr, copy)
            for tc, text in zip(copy.iterchildren(tc_tag), texts, strict=True):
                _set_run_text(tc.find(run_path), text)
            continue
        if r == 0:
            _set_repeat_header(tr)
        else:
            _cant_split(tr)
        for c, (tc, text) in enumerate(zip(tr.tc_lst, texts, strict=True)):
            key = (widths_cm[c], c >= numeric_from, bold)
            if key in built:
                copy = deepcopy(built[key])
                tr.replace(tc, copy)
                _set_run_text(copy.find(run_path), text)
                continue
            cell = _Cell(tc, table)
            cell.width = Cm(widths_cm[c])
            paragraph = cell.paragraphs[0]
            paragraph.paragraph_format.space_after = Pt(0)
            paragraph.paragraph_format.space_before = Pt(0)
            if c >= numeric_from:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            run = paragraph.add_run(text)
            run.font.size = Pt(font_pt)
            run.bold = bold
            built[key] = tc
        if r:
            finished[bold] = tr
    return table


def _set_run_text(r: Any, text: str) -> None:
    """``r.text = text`` for the ``w:r`` of a copied cell, written by hand.

    python-docx's setter clears the run (an XPath) and reads the text one
    character at a time, turning tabs and line breaks into elements of their
    own; a copied cell's run holds at most one ``w:t`` after its ``w:rPr``,
    and most texts have neither tab nor break: the ``w:t`` is then written as
    the setter writes it (the text, ``xml:space="preserve"`` when it has
    spaces at an end; none for an empty text). Anything else goes through
    the setter."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    content = [e for e in r if e.tag != qn("w:rPr")]
    simple = len(content) == 0 or (len(content) == 1 and content[0].tag == qn("w:t"))
    if not simple or "\t" in text or "\r" in text or "\n" in text:
        r.text = text
        return
    t = content[0] if content else None
    if not text:
        if t is not None:
            r.remove(t)
        return
    if t is None:
        t = OxmlElement("w:t")
        r.append(t)
    t.text = text
    if len(text.strip()) < len(text):
        t.set(qn("xml:space"), "preserve")
    else:
        t.attrib.pop(qn("xml:space"), None)


class _StyledParagraphs:
    """``doc.add_paragraph(text, style=name)`` (and ``add_heading``, which
    calls it with "Title" or "Heading n") with each style's id looked up once.

    python-docx looks a style up by name among every style of the document,
    then compares it with the default paragraph style, on each paragraph
    (about 1.5 ms each): done once per style here, and the paragraph given
    the id python-docx would give it (None for the default style), set on its
    XML as python-docx's ``Paragraph.style`` sets it."""

    def __init__(self, doc: Any) -> None:
        self._doc = doc
        self._ids: dict[str, str | None] = {}
        self._defaults: dict[Any, Any] = {}  # style type -> its default style (20 ms to find)

    def style_id(self, style: str) -> str | None:
        """The id python-docx gives an element of style ``style`` (a
        paragraph's or, for a table style, a table's)."""
        if style not in self._ids:
            found = self._doc.styles[style]
            if found.type not in self._defaults:
                self._defaults[found.type] = self._doc.styles.default(found.type)
            self._ids[style] = None if found == self._defaults[found.type] else found.style_id
        return self._ids[style]

    def add(self, text: str, style: str) -> Any:
        paragraph = self._doc.add_paragraph(text)
        paragraph._p.style = self.style_id(style)
        return paragraph


def _note(doc: Any, text: str, lang: str) -> None:
    from docx.shared import Pt

    paragraph = doc.add_paragraph()
    paragraph.paragraph_format.space_before = Pt(3)
    run = paragraph.add_run(numbers.typeset(text, lang))
    run.italic = True
    run.font.size = Pt(9)


def _set_language_and_font(doc: Any, lang: str) -> None:
    """The document's default language (spell-checking) and a manuscript font."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    normal = doc.styles["Normal"]
    normal.font.name = _FONT
    normal.font.size = Pt(11)
    r_pr = normal.element.get_or_add_rPr()
    fonts = r_pr.find(qn("w:rFonts"))
    if fonts is not None:
        fonts.set(qn("w:eastAsia"), _FONT)
    for existing in r_pr.findall(qn("w:lang")):
        r_pr.remove(existing)
    language = OxmlElement("w:lang")
    language.set(qn("w:val"), _LANG_TAG[lang])
    language.set(qn("w:eastAsia"), _LANG_TAG[lang])
    r_pr.append(language)


def _landscape(section: Any) -> None:
    from docx.enum.section import WD_ORIENT

    width, height = section.page_width, section.page_height
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = max(width, height), min(width, height)


def write_docx(path: Path, *, figures: Sequence[tuple[int, Path]], **layout: Any) -> Path:
    """Write ``results.docx`` and return its path: :func:`docx_draft` with
    ``layout`` (its other arguments), then the pictures of ``figures``,
    (figure number, PNG path) pairs of the figures drawn in the same run.
    Same inputs, same bytes."""
    return docx_draft(figures=[number for number, _ in figures], **layout).write(path, figures)


class DocxDraft:
    """``results.docx`` laid out but for its pictures (:func:`docx_draft`):
    the run lays the document out while the figures are drawn and only puts
    the pictures in once they are (:meth:`write`)."""

    def __init__(self, doc: Any, slots: dict[int, Any]) -> None:
        self._doc = doc
        self._slots = slots  # figure number -> the empty paragraph its picture goes in

    def write(self, path: Path, figures: Sequence[tuple[int, Path]]) -> Path:
        """Put each figure's PNG in its place, in figure order, write ``path``
        and return it. ``figures``: (number, PNG path) of the numbers the
        draft was made for."""
        from docx.shared import Cm

        if sorted(n for n, _ in figures) != sorted(self._slots):
            raise ValueError(
                f"figures {sorted(n for n, _ in figures)} are not the draft's {sorted(self._slots)}"
            )
        from docx.oxml.shape import CT_Inline

        # Added in the order the whole document would have added them (the
        # pictures' relationship and drawing ids follow that order). What
        # Run.add_picture does, but for the drawing's id: python-docx finds
        # the next one by an XPath over every id of the document for each
        # picture (4 ms each, 60 ms of a run's last step); each picture
        # adds one id, the next, so the first is looked up and the others
        # counted (the same ids).
        shape_id: int | None = None
        for number, png in figures:
            run = self._slots[number].add_run()
            if shape_id is None:
                shape_id = run.part.next_id
            rid, image = run.part.get_or_add_image(str(png))
            cx, cy = image.scaled_dimensions(Cm(15), None)
            run._r.add_drawing(CT_Inline.new_pic_inline(shape_id, rid, image.filename, cx, cy))
            shape_id += 1
        path.parent.mkdir(parents=True, exist_ok=True)
        self._doc.save(str(path))
        return normalise_xlsx(path)


def docx_draft(
    *,
    study: Study,
    codebook: Codebook,
    plan: AnalysisPlan,
    n_respondents: int,
    descriptive: pd.DataFrame,
    tables: dict[str, pd.DataFrame],
    figures: Sequence[int],
    reconstructed: bool = False,
    lang: str = "fr",
    numeric_tables: dict[str, pd.DataFrame] | None = None,
) -> DocxDraft:
    """``results.docx`` with an empty place for the picture of each figure
    numbered in ``figures``, in that order; ``tables`` maps comparison id →
    table, laid out in the plan's order."""
    from docx import Document
    from docx.enum.section import WD_SECTION
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    t = _T[lang]

    def typeset(text: str) -> str:
        # French spacing in every run of the document, set as the run is written.
        return numbers.typeset(text, lang)

    source = study.texts.source_name(lang)
    not_published = t["not_published"] if reconstructed else t["not_published_real"].format(source=source)
    doc = Document()
    _set_language_and_font(doc, lang)
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)  # A4
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2.5))

    title = study.texts.get("title", lang)
    styled = _StyledParagraphs(doc)
    styled.add(typeset(title), "Title")
    doc.add_paragraph(typeset(t["respondents"].format(n=n_respondents)))
    notice = study.texts.get("reconstructed_notice", lang)
    if reconstructed and notice:
        paragraph = doc.add_paragraph()
        paragraph.add_run(typeset(" ".join(notice.split()).replace("**", "").replace("`", ""))).bold = True

    styled.add(typeset(t["descriptive"]), "Heading 1")
    header = [t["question"], t["answer"], t["n"], t["denominator"], t["percent"]]
    rows = [header, *_descriptive_rows(descriptive, codebook, lang, not_published)]
    grid = styled.style_id("Table Grid")
    _add_table(doc, rows, 9, 2, (5.6, 5.1, 1.4, 2.7, 1.2), lang, grid)
    _note(doc, t["descriptive_note"], lang)

    slots: dict[int, Any] = {}
    if figures:
        styled.add(typeset(t["figures"]), "Heading 1")
        by_number = {f.number: f for f in plan.figures}
        for number in figures:
            fig = by_number[number]
            picture = doc.add_paragraph()
            picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
            picture.paragraph_format.keep_with_next = True
            slots[number] = picture
            caption = styled.add("", "Caption")
            caption.alignment = WD_ALIGN_PARAGRAPH.CENTER
            caption.add_run(typeset(fig.title(lang)))
            if fig.variable in codebook and not codebook[fig.variable].published:
                caption.add_run(typeset(f" ({not_published})")).italic = True
            if fig.note:
                caption.add_run(typeset(f" {fig.note_text(lang)}")).font.size = Pt(8)

    if plan.comparisons:
        # Comparisons are wide: a landscape section of their own.
        section = doc.add_section(WD_SECTION.NEW_PAGE)
        _landscape(section)
        styled.add(typeset(t["comparisons"]), "Heading 1")
        for comparison in plan.comparisons:
            table = tables[comparison.id]
            numeric = (numeric_tables or {}).get(comparison.id)
            heading, rows = _comparison_rows(table, comparison, codebook, lang, numeric)
            styled.add(typeset(heading), "Heading 2").paragraph_format.keep_with_next = True
            # A4 landscape less its margins: a wide first column, the others shared.
            rest = (29.7 - 5.0 - 4.2) / (len(rows[0]) - 1)
            widths = (4.2, *([rest] * (len(rows[0]) - 1)))
            _add_table(
                doc, rows, 7.5, 1, widths, lang, grid, bold_row=lambda values: not values[0].startswith("- ")
            )
            _note(doc, _tests_note(table, comparison, plan, tables, numeric, lang), lang)

    core = doc.core_properties
    fixed = dt.datetime(*FIXED_TIMESTAMP)
    core.author = core.last_modified_by = "dmp-survey"
    core.title = title
    core.language = _LANG_TAG[lang]
    core.created = core.modified = fixed
    core.last_printed = fixed
    core.revision = 1
    core.comments = ""
    return DocxDraft(doc, slots)
