"""Figures 1–16: the numbers drawn are those of descriptive.csv, the titles are
the thesis captions, the files are the same bytes on every run. No pixel is
compared: what is checked is what the plot function is handed and draws."""

from __future__ import annotations

import dataclasses

import matplotlib
import pandas as pd
import pytest
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
    format_percent,
    new_figure,
    plot_figure,
    render_figures,
)
from dmp_survey.outputs.style import FIGURE_WIDTH_CM, MIN_FONT_SIZE, RC_PARAMS
from dmp_survey.stats.describe import MISSING, describe

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

    def spy(ax, data):
        calls.append(data)
        return original(ax, data)

    out = tmp_path_factory.mktemp("figures_a")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(figures, "plot_figure", spy)
        paths = render_figures(descriptive, plan, codebook, out, reconstructed=True)
    return out, paths, calls


@pytest.fixture(scope="module")
def drawn(rendered):
    """Each figure's data (French, reconstructed) drawn once on its own figure."""
    return [(data, _drawn(data)) for data in rendered[2]]


def _drawn(data: FigureData) -> MplFigure:
    with matplotlib.rc_context(dict(RC_PARAMS)):
        fig = new_figure(data)
        plot_figure(fig.add_subplot(), data)
        fig.draw_without_rendering()
    return fig


def _texts(fig: MplFigure) -> list[str]:
    return [t.get_text() for t in fig.findobj(Text) if t.get_visible() and t.get_text()]


def test_agg_backend_is_forced():
    assert matplotlib.get_backend().lower() == "agg"


def test_render_writes_png_and_svg_of_the_16_figures(rendered):
    out, paths, _calls = rendered
    expected = [out / f"figure_{n:02d}.{ext}" for n in range(1, 17) for ext in ("png", "svg")]
    assert paths == expected
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in expected)
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
        assert lengths == list(data.counts), data.number


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
