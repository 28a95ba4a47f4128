"""results.docx (issue 17): read back with python-docx, in both languages, same bytes twice."""

from __future__ import annotations

from pathlib import Path

import pytest
from docx import Document
from docx.enum.shape import WD_INLINE_SHAPE
from docx.oxml.ns import qn

from dmp_survey.config import DEFAULT_RAW
from dmp_survey.outputs.annex import comparison_layout
from dmp_survey.outputs.docx import write_docx
from dmp_survey.outputs.numbers import typeset
from dmp_survey.pipeline import Analysis, analyse, load_inputs

DOCX = Path("data/processed/results.docx")


@pytest.fixture(scope="module")
def analysis() -> Analysis:
    return analyse(load_inputs(DEFAULT_RAW))


def _text(doc: object) -> str:
    parts = [p.text for p in doc.paragraphs]  # type: ignore[attr-defined]
    parts += [c.text for t in doc.tables for row in t.rows for c in row.cells]  # type: ignore[attr-defined]
    return "\n".join(parts)


def test_one_table_per_comparison_after_the_descriptive_one(shipped_run, analysis):
    doc = Document(str(shipped_run / DOCX))
    comparisons = analysis.inputs.plan.comparisons
    assert len(doc.tables) == 1 + len(comparisons) == 5  # annexes I-III and Table 1
    # The descriptive table: a header and one row per shown answer.
    assert [c.text for c in doc.tables[0].rows[0].cells] == ["Question", "Réponse", "n", "Dénominateur", "%"]
    for table, comparison in zip(doc.tables[1:], comparisons, strict=True):
        rows, _ = comparison_layout(
            analysis.tables[comparison.id], comparison, analysis.inputs.codebook, "fr"
        )
        _title, _blank, header, *body = rows
        assert len(table.rows) == 1 + len(body)
        assert len(table.columns) == 1 + sum(1 for h in header if h != "")  # no spacer column
        assert table.rows[0].cells[0].text == ""
        assert [c.text for c in table.rows[1].cells][:1] == [str(body[0][0])]
        # The header row repeats on every page; no other row does.
        repeated = [
            row._tr.trPr is not None and row._tr.trPr.find(qn("w:tblHeader")) is not None
            for row in table.rows
        ]
        assert repeated == [True] + [False] * len(body)


def test_every_table_has_its_tests_and_multiplicity_footnote(shipped_run):
    doc = Document(str(shipped_run / DOCX))
    notes = [p.text for p in doc.paragraphs if p.text.startswith("Tests\u00a0:")]  # French spacing
    assert len(notes) == 4
    for note in notes:
        assert (
            "ajustements de Holm et de Benjamini–Hochberg (BH) sur les 17 lignes testées de ce tableau"
            in note
        )
        assert "Fisher" in note


def test_every_figure_is_an_inline_picture_with_its_caption_as_text(shipped_run, analysis):
    doc = Document(str(shipped_run / DOCX))
    figures = analysis.inputs.plan.figures
    assert len(doc.inline_shapes) == len(figures) == 16
    assert all(shape.type == WD_INLINE_SHAPE.PICTURE for shape in doc.inline_shapes)
    captions = [p.text for p in doc.paragraphs if p.style.name == "Caption"]
    assert len(captions) == 16
    for caption, figure in zip(captions, figures, strict=True):
        assert caption.startswith(figure.title("fr"))
    # The pictures are the title-less figures: the caption is only the editable text.
    pictures = [
        doc.part.related_parts[shape._inline.graphic.graphicData.pic.blipFill.blip.embed].blob
        for shape in doc.inline_shapes
    ]
    word = [(shipped_run / "figures" / "word" / f"figure_{f.number:02d}.png").read_bytes() for f in figures]
    assert pictures == word


def test_french_run_in_french_english_run_in_english(shipped_run, english_run, analysis):
    fr = Document(str(shipped_run / DOCX))
    en = Document(str(english_run / DOCX))
    study = analysis.inputs.study
    fr_text, en_text = _text(fr), _text(en)
    assert fr.paragraphs[0].text == typeset(study.texts.get("title", "fr"), "fr")
    assert en.paragraphs[0].text == study.texts.get("title", "en")
    assert "64 répondants." in fr_text and "Analyse descriptive" in fr_text and "Réponse" in fr_text
    assert "64 respondents." in en_text and "Descriptive analysis" in en_text and "Answer" in en_text
    assert "Holm and Benjamini–Hochberg (BH) adjustments over the 17 tested rows of this table" in en_text
    for word in ("répondants", "Réponse", "Dénominateur", "sur les lignes de ce tableau"):
        assert word not in en_text
    for word in ("respondents", "Answer", "Denominator", "across the rows"):
        assert word not in fr_text
    assert fr.core_properties.language == "fr-FR" and en.core_properties.language == "en-GB"


def test_same_inputs_same_bytes(analysis, shipped_run, tmp_path):
    inputs = analysis.inputs
    pngs = sorted(
        (int(p.stem.split("_")[1]), p) for p in (shipped_run / "figures" / "word").glob("figure_*.png")
    )
    paths = []
    for name in ("one.docx", "two.docx"):
        paths.append(
            write_docx(
                tmp_path / name,
                study=inputs.study,
                codebook=inputs.codebook,
                plan=inputs.plan,
                n_respondents=analysis.coded.n,
                descriptive=analysis.descriptive,
                tables=analysis.tables,
                figures=pngs,
                reconstructed=analysis.raw.reconstructed,
                lang=inputs.lang,
            )
        )
    assert paths[0].read_bytes() == paths[1].read_bytes() == (shipped_run / DOCX).read_bytes()
    doc = Document(str(paths[0]))
    assert doc.core_properties.created.year == 2019 and doc.core_properties.revision == 1


# A copied cell's text is written by hand (outputs/docx.py, _set_run_text):
# the same XML as python-docx's own setter, whatever the text and the run it
# replaces (a text, one with outer spaces, none, a tab, a break).
_TEXTS = ["12 (19 %)", " padded ", "trailing ", "", "a\tb", "line\nbreak", "cr\rreturn", "\t", "x"]


@pytest.mark.parametrize("before", _TEXTS)
def test_a_copied_cell_gets_its_text_as_python_docx_writes_it(before):
    from copy import deepcopy

    from docx.oxml import OxmlElement
    from lxml import etree

    from dmp_survey.outputs.docx import _set_run_text

    model = OxmlElement("w:r")
    model.get_or_add_rPr().append(OxmlElement("w:b"))
    model.text = before
    for text in _TEXTS:
        ours, theirs = deepcopy(model), deepcopy(model)
        _set_run_text(ours, text)
        theirs.text = text
        assert etree.tostring(ours) == etree.tostring(theirs), (before, text)


def test_table_cells_keep_their_text_typeset_and_their_weight(tmp_path):
    from docx.shared import Pt

    from dmp_survey.outputs.docx import _add_table

    doc = Document()
    rows = [
        ["Question", "n (%)", ""],
        ["Oui", "", "12%"],
        ["- a", "3;", " b "],
        ["Non", "1\t2", "x"],
        ["- c", "d\ne", ""],
    ]
    grid = "TableGrid"  # the id python-docx gives the "Table Grid" style of its template
    _add_table(doc, rows, 8, 1, (3.0, 2.0, 2.0), "fr", grid, bold_row=lambda v: not v[0].startswith("- "))
    doc.save(str(tmp_path / "t.docx"))
    table = Document(str(tmp_path / "t.docx")).tables[0]
    for row, values in zip(table.rows, rows, strict=True):
        bold = not values[0].startswith("- ")
        for cell, value in zip(row.cells, values, strict=True):
            assert cell.text == typeset(value, "fr").replace("\r", "\n")
            (paragraph,) = cell.paragraphs
            for run in paragraph.runs:
                assert run.bold is bold and run.font.size == Pt(8)


@pytest.mark.parametrize("style", ["Title", "Heading 1", "Heading 2", "Caption", "Normal"])
def test_styled_paragraphs_are_those_python_docx_writes(style):
    from lxml import etree

    from dmp_survey.outputs.docx import _StyledParagraphs

    ours, theirs = Document(), Document()
    styled = _StyledParagraphs(ours)
    for text in ("Résultats", ""):
        styled.add(text, style)
        theirs.add_paragraph(text, style=style)
    assert etree.tostring(ours.element.body) == etree.tostring(theirs.element.body)


def test_pictures_get_the_ids_python_docx_add_picture_gives(tmp_path):
    """DocxDraft.write counts the drawings' ids instead of python-docx's
    look-up per picture: the document's XML is the one add_picture makes."""
    import numpy as np
    from docx.shared import Cm
    from lxml import etree

    from dmp_survey.outputs.docx import DocxDraft
    from dmp_survey.outputs.figures import _write_png

    pngs = []
    for n, size in enumerate(((30, 40), (50, 20), (10, 10)), start=1):
        pngs.append((n, tmp_path / f"figure_{n}.png"))
        _write_png(pngs[-1][1], np.full((*size, 4), 200, dtype=np.uint8))
    documents = []
    for way in ("draft", "python-docx"):
        doc = Document()
        doc.add_paragraph("before").add_run().add_picture(str(pngs[0][1]))  # an id already used
        slots = {n: doc.add_paragraph() for n, _ in pngs}
        if way == "draft":
            DocxDraft(doc, slots).write(tmp_path / "draft.docx", pngs)
        else:
            for n, png in pngs:
                slots[n].add_run().add_picture(str(png), width=Cm(15))
        documents.append(etree.tostring(doc.element.body))
    assert documents[0] == documents[1]
    assert documents[0].count(b"<wp:docPr") == 4
