"""Figures 1–16: the numbers drawn are those of descriptive.csv, the titles are
the thesis captions, every percentage figure is on the same drawn 0–100 % axis,
the colours pass WCAG 2.2 AA contrast, the files (PNG, SVG with real text, PDF,
title-less PNG for Word) are the same bytes on every run. No pixel is
compared: what is checked is what the plot function is handed and draws."""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
from pathlib import Path

import matplotlib
import pandas as pd
import pytest
from figure_sample import two_bars
from matplotlib.figure import Figure as MplFigure
from matplotlib.text import Text

from dmp_survey.config import DEFAULT_RAW
from dmp_survey.io.validation import validate
from dmp_survey.io.writers import write_csv
from dmp_survey.outputs import figures
from dmp_survey.outputs.figures import (
    FigureData,
    bar_label,
    figure_data,
    figure_files,
    format_percent,
    new_figure,
    plot_figure,
    render_figures,
)
from dmp_survey.outputs.style import (
    AXIS_COLOUR,
    BAR_COLOUR,
    FIGURE_WIDTH_CM,
    FOOTER_COLOUR,
    MIN_FONT_SIZE,
    NOTE_COLOUR,
    PERCENT_TICKS,
    RC_PARAMS,
    UNPUBLISHED_BAR_COLOUR,
    contrast_ratio,
)
from dmp_survey.pipeline import analyse, load_inputs
from dmp_survey.stats.describe import MISSING, describe

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "pharmacists"

UNPUBLISHED_FIGURES = {11, 12, 16}


@pytest.fixture(scope="module")
def descriptive(codebook):
    return describe(validate(DEFAULT_RAW, codebook).coded)


@pytest.fixture(scope="module")
def descriptive_csv(tmp_path_factory, descriptive):
    """descriptive.csv as the pipeline writes it, read back."""
    path = write_csv(tmp_path_factory.mktemp("processed") / "descriptive.csv", descriptive)
    return pd.read_csv(path, dtype={"variable": str, "level": str})


@pytest.fixture(scope="module")
def rendered(tmp_path_factory, descriptive, plan, codebook):
    """One render of the 16 figures (reconstructed data), with a spy on plot_figure."""
    calls: list[FigureData] = []
    original = figures.plot_figure

    def spy(ax, data, title=True):
        if title:  # the Word picture is cut from the titled one (a long title: drawn again)
            calls.append(data)
        return original(ax, data, title)

    out = tmp_path_factory.mktemp("figures_a")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(figures, "plot_figure", spy)
        paths = render_figures(descriptive, plan, codebook, out, reconstructed=True)
    return out, paths, calls


@pytest.fixture(scope="module")
def drawn(rendered):
    """Each figure's data (French, reconstructed) drawn once on its own figure."""
    return [(data, _drawn(data)) for data in rendered[2]]


def _drawn(data: FigureData, title: bool = True) -> MplFigure:
    with matplotlib.rc_context(dict(RC_PARAMS)):
        fig = new_figure(data, title=title)
        plot_figure(fig.add_subplot(), data, title=title)
        fig.draw_without_rendering()
    return fig


def _texts(fig: MplFigure) -> list[str]:
    return [t.get_text() for t in fig.findobj(Text) if t.get_visible() and t.get_text()]


def test_agg_backend_is_forced():
    assert matplotlib.get_backend().lower() == "agg"


def test_render_writes_png_svg_pdf_and_word_png_of_the_16_figures(rendered):
    out, paths, _calls = rendered
    expected = [
        *(out / f"figure_{n:02d}.{ext}" for n in range(1, 17) for ext in ("png", "svg", "pdf")),
        *(out / "word" / f"figure_{n:02d}.png" for n in range(1, 17)),
    ]
    assert sorted(paths) == sorted(expected)
    assert paths == [p for n in range(1, 17) for p in figure_files(out, n)]
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.*")) == sorted(
        p.relative_to(out).as_posix() for p in expected
    )
    for path in paths:
        assert path.stat().st_size > 1000


def test_render_hands_plot_figure_the_figure_data(rendered, descriptive, plan, codebook):
    _out, _paths, calls = rendered
    assert [d.number for d in calls] == list(range(1, 17))
    for figure, data in zip(plan.figures, calls, strict=True):
        assert data == figure_data(descriptive, figure, codebook, lang="fr", reconstructed=True)


def test_values_handed_to_plot_equal_descriptive_csv(rendered, descriptive_csv, plan, codebook):
    _out, _paths, calls = rendered
    for figure, data in zip(plan.figures, calls, strict=True):
        rows = descriptive_csv[descriptive_csv["variable"] == figure.variable]
        answers = rows[rows["level"] != MISSING]
        assert data.variable == figure.variable
        assert list(data.codes) == list(answers["level"]), figure.number
        assert list(data.counts) == list(answers["n"]), figure.number
        assert list(data.percents) == pytest.approx(list(answers["percent"]), rel=1e-9), figure.number
        assert data.denominator == int(rows["denominator"].iloc[0])
        assert data.missing == int(rows.loc[rows["level"] == MISSING, "n"].iloc[0])
        assert data.subtitle.startswith(f"n = {data.denominator} ")


def test_figure_data_is_the_same_from_the_frame_and_from_the_csv(
    descriptive, descriptive_csv, plan, codebook
):
    for figure in plan.figures:
        a = figure_data(descriptive, figure, codebook)
        b = figure_data(descriptive_csv, figure, codebook)
        assert a.counts == b.counts and a.codes == b.codes and a.denominator == b.denominator
        assert a.percents == pytest.approx(b.percents, rel=1e-9)


def test_known_figure_values(rendered):
    by_number = {d.number: d for d in rendered[2]}
    assert by_number[7].counts == (24, 40) and by_number[7].bar_labels[0] == "24 (37,5\u00a0%)"
    assert by_number[8].counts[0] == 13
    assert by_number[9].counts[0] == 4
    assert by_number[13].counts == (58, 6)
    assert by_number[6].counts[0] == 15
    assert by_number[11].denominator == by_number[12].denominator == 13
    assert by_number[11].subtitle == "n = 13 médecins alimentant le DMP"
    assert by_number[1].subtitle == "n = 64 médecins répondants"


def test_titles_are_the_thesis_captions(rendered, plan):
    _out, _paths, calls = rendered
    for figure, data in zip(plan.figures, calls, strict=True):
        assert data.title == f"Figure {figure.number}\u00a0: {figure.caption['fr']}"
    titles = {d.number: d.title for d in calls}
    # As printed in RESULTATS (apostrophes as in the thesis).
    assert titles[1] == "Figure 1\u00a0: âge de la population étudiée"
    assert titles[3] == "Figure 3\u00a0: type d’exercice"
    assert titles[11] == "Figure 11\u00a0: le type d’utilisation du DMP"
    assert titles[16] == "Figure 16\u00a0: intérêt dans la coordination des soins"


def test_title_subtitle_and_bar_labels_are_drawn(drawn):
    for data, fig in drawn:
        texts = _texts(fig)
        assert data.title in texts and data.subtitle in texts, data.number
        for label in data.bar_labels:
            assert label in texts, (data.number, label)
        ax = fig.axes[0]
        bars = ax.patches[: len(data.counts)]
        lengths = [p.get_width() if data.horizontal else p.get_height() for p in bars]
        # A bar's length is its share of the respondents asked, on the 0–100 % axis.
        assert lengths == pytest.approx(list(data.percents), rel=1e-12), data.number


def test_inferred_counts_are_noted_on_figure_10_of_the_reconstruction(descriptive, plan, codebook):
    figure = next(f for f in plan.figures if f.number == 10)
    assert figure_data(descriptive, figure, codebook, reconstructed=True).note == (
        "« Je ne sais pas » : effectif jamais imprimé, déduit des p-values publiées"
    )
    assert figure_data(descriptive, figure, codebook, reconstructed=False).note is None


def test_unpublished_note_appears_exactly_on_figures_11_12_16(rendered, drawn, descriptive, plan, codebook):
    _out, _paths, calls = rendered
    noted = {d.number for d in calls if d.note and "non publiées" in d.note}
    assert noted == UNPUBLISHED_FIGURES
    for data, fig in drawn:
        texts = _texts(fig)
        shown = "données non publiées — reconstituées" in texts
        assert shown == (data.number in UNPUBLISHED_FIGURES), data.number
    for figure in plan.figures:
        plain = figure_data(descriptive, figure, codebook, reconstructed=False, source="la thèse")
        en = figure_data(descriptive, figure, codebook, lang="en", reconstructed=True)
        if figure.number in UNPUBLISHED_FIGURES:
            assert plain.note == "données non publiées dans la thèse"
            assert en.note == "data not published — reconstructed"
        elif figure.number != 10:  # figure 10's inferred "Je ne sais pas": see the test above
            assert plain.note is None and en.note is None


def test_footer_names_the_reconstructed_source_only_when_reconstructed(drawn, descriptive, plan, codebook):
    for data, fig in drawn:
        assert data.footer is not None and "reconstitué" in data.footer
        assert data.footer in _texts(fig)
    for figure in plan.figures:
        assert figure_data(descriptive, figure, codebook, reconstructed=False).footer is None


def test_french_labels_use_decimal_commas(rendered):
    for data in rendered[2]:
        for label in data.bar_labels:
            assert "." not in label, label
            assert label.endswith("\u00a0%)"), label
    assert format_percent(37.5) == "37,5"
    assert bar_label(24, 37.5) == "24 (37,5\u00a0%)"


def test_english_captions_labels_and_decimal_points(descriptive, plan, codebook):
    by_number = {f.number: f for f in plan.figures}
    data = figure_data(descriptive, by_number[7], codebook, lang="en")
    assert data.title == "Figure 7: DMP creation"
    assert data.labels == ("Yes", "No")
    assert data.bar_labels == ("24 (37.5%)", "40 (62.5%)")
    assert data.subtitle == "n = 64 responding doctors"
    fig3 = figure_data(descriptive, by_number[3], codebook, lang="en")
    assert fig3.labels[0] == "Solo practice (or group practice without ties)"


def test_percent_rounds_half_up_like_the_thesis():
    assert format_percent(0.25) == "0,3"
    assert format_percent(42.1875) == "42,2"
    assert format_percent(float("nan")) == "–"
    assert bar_label(0, float("nan")) == "0 (–)"


def test_answers_in_questionnaire_order_and_likert_scale_with_anchors(descriptive, plan, codebook):
    for figure in plan.figures:
        data = figure_data(descriptive, figure, codebook)
        assert data.codes == codebook[figure.variable].codes
    fig16 = figure_data(descriptive, plan.figures[15], codebook)
    assert fig16.variable == "c10_interest" and fig16.ordered
    assert fig16.codes == ("1", "2", "3", "4", "5")
    assert fig16.anchors == ("Aucun intérêt", "Très intéressant")
    ticks = [t.get_text() for t in _drawn(fig16).axes[0].get_xticklabels()]
    assert ticks == ["1\nAucun intérêt", "2", "3", "4", "5\nTrès intéressant"]
    assert figure_data(descriptive, plan.figures[15], codebook, lang="en").anchors == (
        "No value",
        "Very valuable",
    )


def test_long_labels_are_drawn_horizontally(descriptive, plan, codebook):
    horizontal = {f.number for f in plan.figures if figure_data(descriptive, f, codebook).horizontal}
    assert horizontal == {3, 11, 12}


def test_missing_answers_are_not_drawn_but_noted(descriptive, plan, codebook):
    table = descriptive.copy()
    sel = (table["variable"] == "a1_age") & (table["level"] == MISSING)
    table.loc[sel, "n"] = 2
    table.loc[table["variable"] == "a1_age", "denominator"] = 66
    data = figure_data(table, plan.figures[0], codebook)
    assert data.missing == 2 and data.denominator == 66
    assert len(data.counts) == 4 and MISSING not in data.codes
    assert data.missing_note == "2 réponses manquantes (non représentées)"
    fig = _drawn(data)
    assert len(fig.axes[0].patches) == 4
    assert data.missing_note in _texts(fig)
    assert figure_data(descriptive, plan.figures[0], codebook).missing_note is None


def test_numbers_come_from_the_table_handed_in(descriptive, plan, codebook):
    table = descriptive.copy()
    table["n"] = table["n"] * 10
    data = figure_data(table, plan.figures[6], codebook)
    assert data.counts == (240, 400)


def test_unknown_language_and_absent_variable_are_refused(descriptive, plan, codebook):
    with pytest.raises(ValueError, match="unknown language"):
        figure_data(descriptive, plan.figures[0], codebook, lang="de")
    with pytest.raises(ValueError, match="not in the descriptive table"):
        figure_data(descriptive[descriptive["variable"] != "a1_age"], plan.figures[0], codebook)


def test_print_size_and_no_text_under_8_pt(drawn):
    for data, fig in drawn:
        assert fig.get_figwidth() * 2.54 == pytest.approx(FIGURE_WIDTH_CM)
        sizes = [t.get_fontsize() for t in fig.findobj(Text) if t.get_visible() and t.get_text()]
        assert min(sizes) >= MIN_FONT_SIZE, data.number


def test_two_runs_write_the_same_bytes(rendered, tmp_path, descriptive, plan, codebook):
    _first, paths, _calls = rendered
    # The second run draws on two processes: the bytes do not depend on it.
    second = render_figures(descriptive, plan, codebook, tmp_path / "b", reconstructed=True, workers=2)
    assert [p.name for p in second] == [p.name for p in paths]
    for a, b in zip(paths, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_files_carry_no_date_or_software_stamp(rendered):
    _out, paths, _calls = rendered
    for path in paths:
        data = path.read_bytes()
        assert b"Software" not in data and b"Matplotlib v" not in data, path.name
        if path.suffix == ".svg":
            assert b"<dc:date>" not in data and b"<dc:creator>" not in data


def test_figure_data_is_frozen(descriptive, plan, codebook):
    data = figure_data(descriptive, plan.figures[0], codebook)
    with pytest.raises(dataclasses.FrozenInstanceError):
        data.title = "x"  # type: ignore[misc]


# --- one 0–100 % scale, drawn ------------------------------------------------------


@pytest.fixture(scope="module")
def example_figure_data():
    """The example study's figures (histogram included), as the run hands them over."""
    analysis = analyse(load_inputs(EXAMPLE / "responses.csv", EXAMPLE / "study"))
    inputs = analysis.inputs
    return [
        figure_data(
            analysis.descriptive,
            f,
            inputs.codebook,
            numeric=analysis.numeric,
            bins=analysis.bins,
        )
        for f in inputs.plan.figures
    ]


def _value_axis(fig: MplFigure, data: FigureData):
    ax = fig.axes[0]
    return (ax.xaxis, ax.get_xlim(), "bottom") if data.horizontal else (ax.yaxis, ax.get_ylim(), "left")


def _assert_percent_axis(data: FigureData, fig: MplFigure) -> None:
    axis, limits, spine = _value_axis(fig, data)
    assert tuple(limits) == (0.0, 100.0), (data.number, limits)
    assert axis.get_visible() and fig.axes[0].spines[spine].get_visible(), data.number
    assert list(axis.get_majorticklocs()) == list(PERCENT_TICKS), data.number
    ticks = [t.get_text() for t in axis.get_majorticklabels()]
    suffix = "%" if data.lang == "en" else "\u00a0%"
    assert ticks == [f"{v}{suffix}" for v in PERCENT_TICKS], (data.number, ticks)


def test_every_percentage_figure_of_the_dmp_study_runs_0_to_100_percent(drawn):
    for data, fig in drawn:
        _assert_percent_axis(data, fig)
        # and without the title, for Word
        _assert_percent_axis(data, _drawn(data, title=False))


def test_every_percentage_figure_of_the_example_study_runs_0_to_100_percent(example_figure_data):
    kinds = {"bars": 0, "histogram": 0}
    for data in example_figure_data:
        fig = _drawn(data)
        if data.edges is not None:
            # A histogram counts respondents (see the figures module): its
            # count axis is drawn from 0, labelled.
            kinds["histogram"] += 1
            ax = fig.axes[0]
            assert ax.get_ylim()[0] == 0 and ax.yaxis.get_visible() and ax.get_ylabel() == "effectif"
            continue
        kinds["bars"] += 1
        _assert_percent_axis(data, fig)
    assert kinds == {"bars": 11, "histogram": 1}


def test_a_bar_label_past_100_percent_stays_inside_the_figure():
    data = FigureData(
        number=1, variable="x", lang="en", title="Figure 1: all", subtitle="n = 1000", codes=("a", "b"),
        labels=("a long answer that turns the chart horizontal", "b"), counts=(1000, 0),
        percents=(100.0, 0.0), denominator=1000, missing=0, horizontal=True, ordered=False,
        anchors=None, published=True, note=None, missing_note=None, footer=None,
    )  # fmt: skip
    for horizontal in (True, False):
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        fig = _drawn(dataclasses.replace(data, horizontal=horizontal))
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        renderer = canvas.get_renderer()
        page = fig.bbox
        boxes = {}
        for text in fig.findobj(Text):
            if text.get_visible() and text.get_text():
                box = boxes[text.get_text()] = text.get_window_extent(renderer)
                assert page.x0 - 1 <= box.x0 and box.x1 <= page.x1 + 1, (horizontal, text.get_text())
                assert page.y0 - 1 <= box.y0 and box.y1 <= page.y1 + 1, (horizontal, text.get_text())
        # The subtitle sits above the label of the full bar, not on it.
        assert boxes["n = 1000"].y0 >= boxes["1000 (100.0%)"].y1, horizontal


# --- colours: WCAG 2.2 AA against the white background ------------------------------


def test_palette_contrast_ratios():
    # WCAG's worked values: black on white 21:1, the same colour 1:1.
    assert contrast_ratio("#000000") == pytest.approx(21.0)
    assert contrast_ratio("#FFFFFF") == pytest.approx(1.0)
    # 1.4.11 non-text contrast: bars at least 3:1 against the white background.
    for colour in (BAR_COLOUR, UNPUBLISHED_BAR_COLOUR, AXIS_COLOUR):
        assert contrast_ratio(colour) >= 3.0, colour
    assert contrast_ratio(BAR_COLOUR) == pytest.approx(5.19, abs=0.01)
    assert contrast_ratio(UNPUBLISHED_BAR_COLOUR) == pytest.approx(3.87, abs=0.01)
    # 1.4.3 text contrast (notes and footer are under 14 pt bold): 4.5:1.
    for colour in (NOTE_COLOUR, FOOTER_COLOUR, AXIS_COLOUR):
        assert contrast_ratio(colour) >= 4.5, colour
    # The Okabe–Ito orange the unpublished bars had: 2.25:1, below the line.
    assert contrast_ratio("#E69F00") == pytest.approx(2.25, abs=0.01)


def test_every_drawn_colour_passes_its_contrast(drawn):
    from matplotlib.colors import to_hex
    from matplotlib.patches import Rectangle

    for data, fig in drawn:
        ax = fig.axes[0]
        for bar in ax.patches[: len(data.counts)]:
            assert isinstance(bar, Rectangle)
            assert contrast_ratio(to_hex(bar.get_facecolor())) >= 3.0, data.number
            # Unpublished bars are hatched: apart from the others in greyscale.
            assert bool(bar.get_hatch()) == (not data.published), data.number
        for text in fig.findobj(Text):
            if text.get_visible() and text.get_text():
                assert contrast_ratio(to_hex(text.get_color())) >= 4.5, (data.number, text.get_text())


# --- files ----------------------------------------------------------------------------


def test_svg_holds_real_text(rendered):
    _out, paths, calls = rendered
    svgs = [p for p in paths if p.suffix == ".svg"]
    for data, svg in zip(calls, svgs, strict=True):
        text = svg.read_text(encoding="utf-8")
        assert "<text" in text, svg.name
        # The title and a bar label as characters, not glyph paths.
        words = " ".join(re.findall(r"<text[^>]*>([^<]*)</text>", text))
        assert data.title.split(":", 1)[1].split()[0] in words, svg.name
        assert "DejaVu Sans" in text


def test_pdf_files_are_pdfs_without_date_or_producer(rendered):
    _out, paths, _calls = rendered
    pdfs = [p for p in paths if p.suffix == ".pdf"]
    assert len(pdfs) == 16
    for pdf in pdfs:
        data = pdf.read_bytes()
        assert data.startswith(b"%PDF-")
        assert b"/CreationDate" not in data and b"/Producer" not in data and b"Matplotlib" not in data


def test_word_variant_has_no_title_but_everything_else(drawn):
    for data, _fig in drawn:
        bare = _texts(_drawn(data, title=False))
        assert data.title not in bare, data.number
        assert data.subtitle in bare and all(label in bare for label in data.bar_labels), data.number
        for note in data.notes:
            assert note in bare, data.number


# --- the Word picture, the PDF fonts ------------------------------------------------


def _pixels(path: Path):
    import numpy as np
    from PIL import Image

    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


def _ink_rows(pixels):
    return (pixels != 255).any(axis=(1, 2))


def test_png_holds_the_raster_unfiltered_in_rgb_at_200_dpi(tmp_path):
    """figures._write_png: Pillow decodes the file to the canvas's pixels
    (alpha dropped), 200 dpi, and every row is stored unfiltered (filter
    byte 0: Pillow's own writer filters rows adaptively)."""
    import struct
    import zlib

    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(7)
    rgba = rng.integers(0, 256, size=(37, 53, 4), dtype=np.uint8)
    rgba[:5] = 255  # a flat band, as a figure's margins
    path = tmp_path / "raster.png"
    figures._write_png(path, rgba)
    with Image.open(path) as image:
        assert image.mode == "RGB"
        assert round(image.info["dpi"][0]) == round(image.info["dpi"][1]) == figures.DPI
        assert (np.asarray(image) == rgba[:, :, :3]).all()
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, at = {}, 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind = data[at + 4 : at + 8]
        chunks[kind] = chunks.get(kind, b"") + data[at + 8 : at + 8 + length]
        at += 12 + length
    rows = np.frombuffer(zlib.decompress(chunks[b"IDAT"]), dtype=np.uint8).reshape(37, 1 + 3 * 53)
    assert not rows[:, 0].any()
    assert list(chunks) == [b"IHDR", b"pHYs", b"IDAT", b"IEND"]


def test_word_png_is_the_png_with_the_rows_of_its_title_cut_out(rendered):
    out, _paths, _calls = rendered
    for n in range(1, 17):
        png, _svg, _pdf, word = figure_files(out, n)
        titled, bare = _pixels(png), _pixels(word)
        assert titled.shape[1] == bare.shape[1], n
        cut = titled.shape[0] - bare.shape[0]
        ink = _ink_rows(titled)
        top = int(ink.argmax())  # the title's first inked row
        # The rows cut out start in the white margin above the title (at the top of its box),
        # the rest of the picture is unchanged under them.
        start = int((bare[:top] != titled[:top]).any(axis=(1, 2)).argmax()) if top else 0
        if not (bare[:top] != titled[:top]).any():
            start = top
        assert not ink[:start].any() and (bare[start:] == titled[start + cut :]).all(), n
        # The Word picture keeps the white margin the titled one has above its title (give or
        # take the few rows a smaller font's box has above its letters): no bit of the title.
        assert abs(int(_ink_rows(bare).argmax()) - top) <= 4, n
        # The cut is the title, 0.2 to 0.3 inch at 200 dpi: title line and its gap, no empty band left.
        assert 40 <= cut <= 60 and ink[start : start + cut].any(), n
        assert _ink_rows(bare)[start : start + 30].any(), n  # the subtitle follows the margin


def _long_title_data(title: str) -> FigureData:
    return FigureData(
        number=1, variable="x", lang="en", title=title, subtitle="n = 10", codes=("a", "b"),
        labels=("a", "b"), counts=(6, 4), percents=(60.0, 40.0), denominator=10, missing=0,
        horizontal=False, ordered=False, anchors=None, published=True, note=None, missing_note=None,
        footer=None,
    )  # fmt: skip


def _saved(data: FigureData, out: Path) -> tuple[MplFigure, list[Path]]:
    with figures._style():
        fig = new_figure(data)
        plot_figure(fig.add_subplot(), data)
        files = figure_files(out, data.number)
        return fig, figures.save_figure(fig, *files[:2], data.number, *files[2:])


@pytest.mark.filterwarnings("ignore:constrained_layout not applied")
def test_word_png_of_a_title_wider_than_the_chart_is_laid_out_again(tmp_path):
    # A title wider than the figure: the titled figure's layout gives up (matplotlib warns),
    # cutting its rows would keep that layout; the Word picture is laid out again without it.
    data = _long_title_data("Figure 1: " + "a caption far wider than the chart it sits above " * 2)
    fig, (png, _svg, _pdf, word) = _saved(data, tmp_path)
    assert data.title not in _texts(fig)  # drawn again without it
    titled, bare = _pixels(png), _pixels(word)
    assert bare.shape[0] < titled.shape[0]
    top = int(_ink_rows(titled).argmax())
    assert _ink_rows(bare)[top : top + 30].any()  # no empty band where the title was
    short, (_png, _svg2, _pdf2, _word) = _saved(_long_title_data("Figure 1: short"), tmp_path / "b")
    assert "Figure 1: short" in _texts(short)  # cut from the raster, the figure kept


def test_pdf_fonts_are_subset_truetype_whatever_was_drawn_before(tmp_path, rendered):
    _out, paths, _calls = rendered
    for pdf in (p for p in paths if p.suffix == ".pdf"):
        data = pdf.read_bytes()
        assert b"/FontFile2" in data and b"/CIDFontType2" in data and b"/Type3" not in data, pdf.name
    # The bytes do not depend on the fonts cut for the figures drawn before in the process.
    _saved(_long_title_data("Figure 1: short"), tmp_path / "warm")
    figures._common_font.cache_clear()
    _saved(_long_title_data("Figure 1: short"), tmp_path / "cold")
    warm, cold = (tmp_path / d / "figure_01.pdf" for d in ("warm", "cold"))
    assert warm.read_bytes() == cold.read_bytes()
    # A character outside the common cut (Greek) takes matplotlib's own subsetting, still TrueType.
    _saved(_long_title_data("Figure 1: Ω and ψ"), tmp_path / "greek")
    greek = (tmp_path / "greek" / "figure_01.pdf").read_bytes()
    assert b"/FontFile2" in greek and b"/Type3" not in greek
    assert figures._backend_pdf_ps.get_glyphs_subset is figures._MATPLOTLIB_SUBSET  # put back


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")
def test_pdf_text_can_be_extracted(rendered, tmp_path):
    _out, paths, calls = rendered
    pdf = next(p for p in paths if p.suffix == ".pdf")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    # pdftotext writes the no-break spaces as spaces.
    plain = " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())
    for expected in (calls[0].title, calls[0].subtitle):
        assert " ".join(expected.replace("\u00a0", " ").replace("\u202f", " ").split()) in plain
    _saved(_long_title_data("Figure 1: Ω and ψ"), tmp_path)
    pdf = tmp_path / "figure_01.pdf"
    greek = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True)
    assert "Figure 1: Ω and ψ" in greek.stdout


def test_pdf_embeds_the_latin_cut_of_each_face_whole(tmp_path):
    # Cutting the Latin cut again to each figure's glyphs cost a ninth of the figures' CPU
    # time: each face drawn is the cached cut, byte for byte (Length1: the font file's length).
    import re

    from matplotlib import font_manager

    _saved(_long_title_data("Figure 1 : effectif, profil – 12,5 %"), tmp_path)
    data = (tmp_path / "figure_01.pdf").read_bytes()
    lengths = {int(n) for n in re.findall(rb"/Length1 (\d+)", data)}
    with figures._style():
        faces = [font_manager.FontProperties(), font_manager.FontProperties(weight="bold")]
        expected = {len(figures._common_font(font_manager.findfont(f), 0)[0]) for f in faces}
    assert lengths == expected  # the title bold, the rest regular (matplotlib may embed a face twice)


def test_latin_text_with_ligatures_is_cut_from_the_cached_font(tmp_path, monkeypatch):
    # matplotlib draws "fi" and "ff" as ligature glyphs: they belong to the cached cut, or every
    # French figure ("filtre", "effectif") would pay for subsetting the whole font.
    def whole_font(*_args):
        raise AssertionError("subset from the whole font")

    monkeypatch.setattr(figures, "_MATPLOTLIB_SUBSET", whole_font)
    _saved(_long_title_data("Figure 1 : effectif, profil, « réponses » – 12,5 %"), tmp_path)
    assert b"/FontFile2" in (tmp_path / "figure_01.pdf").read_bytes()


def test_latin_font_cut_is_cached_once_per_machine_with_the_same_bytes(tmp_path, monkeypatch):
    # The PDF's font subsets are cut from a Latin cut of each face, kept in
    # matplotlib's cache folder: the cached cut gives the bytes of a fresh
    # one; a damaged or foreign cache file is cut again; a folder that
    # cannot be written only goes unused.
    from matplotlib import font_manager

    path = font_manager.findfont("DejaVu Sans")
    fresh = figures._cut_common_font(path, 0)
    monkeypatch.setattr(figures, "_font_cache_dir", lambda: tmp_path / "cache")
    figures._common_font.cache_clear()
    try:
        assert figures._common_font(path, 0) == fresh  # cut, then written
        (cache,) = (tmp_path / "cache").glob("latin-*.json")
        figures._common_font.cache_clear()
        monkeypatch.setattr(figures, "_cut_common_font", lambda *a: pytest.fail("not read from the cache"))
        assert figures._common_font(path, 0) == fresh  # read back
        text = cache.read_text(encoding="ascii")
        cache.write_text(text.replace('"font": "', '"font": "AAAA'), encoding="ascii")  # other bytes
        figures._common_font.cache_clear()
        monkeypatch.setattr(figures, "_cut_common_font", lambda *a: (b"recut", {}))
        assert figures._common_font(path, 0) == (b"recut", {})
        blocked = tmp_path / "file"
        blocked.write_text("", encoding="ascii")
        monkeypatch.setattr(figures, "_font_cache_dir", lambda: blocked / "cache")
        figures._common_font.cache_clear()
        assert figures._common_font(path, 0) == (b"recut", {})  # no error, nothing written
    finally:
        figures._common_font.cache_clear()


def test_fonts_are_read_from_memory_and_draw_the_same_glyphs(monkeypatch):
    """figures._get_font_from_memory: matplotlib's font objects are opened
    from the file's bytes in memory, keep the file's name, and rasterise a
    text as the font read from the file does."""
    import os

    import numpy as np
    from matplotlib import font_manager, ft2font

    read: list[str] = []
    real = figures._font_bytes

    def spy(path: str) -> bytes:
        read.append(path)
        return real(path)

    monkeypatch.setattr(figures, "_font_bytes", spy)
    path = os.fspath(font_manager.findfont(font_manager.FontProperties(family="DejaVu Sans")))
    figures._MATPLOTLIB_GET_FONT.cache_clear()  # a font object made now, as in a fresh worker
    from_memory = font_manager.get_font(path)
    assert path in read  # with matplotlib's fallback font
    assert os.fspath(from_memory.fname) == path
    assert io_open_restored()
    images = []
    for font in (from_memory, ft2font.FT2Font(path)):
        font.clear()
        font.set_size(9, 200)
        font.set_text("Médecins : 45 (70,3 %) — Œuvre", 0.0)
        font.draw_glyphs_to_bitmap()
        images.append(np.asarray(font.get_image()).copy())
    assert images[0].any() and (images[0] == images[1]).all()


def io_open_restored() -> bool:
    import io

    return io.open is figures._IO_OPEN


def test_pdf_font_streams_are_deflated_once_with_the_same_bytes(tmp_path, monkeypatch):
    """figures._output_stream: the second PDF reuses the first's deflated
    font file, and the PDF is the one matplotlib's own outputStream writes."""
    data = two_bars()
    figures._deflated.cache_clear()
    figures.draw_figure(data, tmp_path / "a")
    deflated_once = figures.draw_figure(dataclasses.replace(data, number=2), tmp_path / "b")[2]
    assert figures._deflated.cache_info().hits >= 1
    monkeypatch.setattr(figures, "_output_stream", figures._MATPLOTLIB_OUTPUT_STREAM)
    matplotlibs = figures.draw_figure(dataclasses.replace(data, number=2), tmp_path / "c")[2]
    assert deflated_once.read_bytes() == matplotlibs.read_bytes()


def test_font_lookups_are_remembered_while_drawing_with_the_same_bytes(tmp_path, monkeypatch):
    """figures._fonts_found_once: while a figure is drawn, a font lookup is
    made once per properties (matplotlib's own is called again for every
    text, each time it is laid out or drawn) and a text's font tables are
    read once; matplotlib is left as it was, and the files are those drawn
    with matplotlib's own lookups."""
    import contextlib

    from matplotlib import font_manager
    from matplotlib import text as matplotlib_text

    manager = font_manager.fontManager
    calls: list[object] = []
    real = type(manager)._find_fonts_by_props

    def counted(self, prop, *args, **kwargs):
        calls.append(prop)
        return real(self, prop, *args, **kwargs)

    monkeypatch.setattr(type(manager), "_find_fonts_by_props", counted)
    figures._FOUND.clear()
    data = two_bars()
    remembered = figures.draw_figure(data, tmp_path / "remembered")
    looked_up = len(calls)
    assert "_find_fonts_by_props" not in vars(manager)  # the class's method again
    assert matplotlib_text.get_font is figures._MATPLOTLIB_TEXT_GET_FONT
    calls.clear()
    monkeypatch.setattr(figures, "_fonts_found_once", contextlib.nullcontext)
    own = figures.draw_figure(data, tmp_path / "own")
    # A lookup per distinct font (size, weight, style), not per text and pass.
    assert 0 < looked_up <= 12 and len(calls) > 10 * looked_up
    for a, b in zip(remembered, own, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
