"""One figure's data as the run hands it to a figure worker (two bars), for
tests that draw a figure without a study."""

from __future__ import annotations

from dmp_survey.outputs.figure_data import FigureData


def two_bars(number: int = 1) -> FigureData:
    return FigureData(
        number=number, variable="x", lang="fr", title=f"Figure {number} : essai", subtitle="n = 10",
        codes=("a", "b"), labels=("Oui", "Non"), counts=(6, 4), percents=(60.0, 40.0), denominator=10,
        missing=0, horizontal=False, ordered=False, anchors=None, published=True, note=None,
        missing_note=None, footer=None,
    )  # fmt: skip
