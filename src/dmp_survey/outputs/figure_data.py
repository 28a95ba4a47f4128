"""What one figure shows, taken from the descriptive table: :class:`FigureData`.

Apart from the drawing (:mod:`dmp_survey.outputs.figures`) so that neither
side imports the other's libraries: the run computes each figure's data where
the descriptive table is (pandas), and the figure workers, which import
matplotlib but not pandas, receive them and draw (the workers are forked when
the command starts, and are ready to draw sooner without pandas to import).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..study.codebook import Question, QuestionType
from . import numbers

if TYPE_CHECKING:
    import pandas as pd

    from ..study.codebook import Codebook
    from ..study.plan import Figure

__all__ = [
    "DEFAULT_SOURCE",
    "LANGUAGES",
    "WORD_DIR",
    "FigureData",
    "bar_label",
    "figure_data",
    "figure_files",
    "format_percent",
    "percent_tick",
]

LANGUAGES = ("fr", "en")

# Labels longer than this turn the chart horizontal (a wrapped label under a
# vertical bar would take more lines than it can hold).
_HORIZONTAL_FROM = 18
_WRAP_HORIZONTAL = 30
_WRAP_VERTICAL = 16

_TEXTS = {
    "fr": {
        "unpublished_reconstructed": "données non publiées — reconstituées",
        "unpublished": "données non publiées dans {source}",
        "missing_one": "1 réponse manquante (non représentée)",
        "missing_many": "{k} réponses manquantes (non représentées)",
        "footer": "Source : export reconstitué à partir des agrégats publiés dans {source}",
        "inferred": "« {labels} » : effectif jamais imprimé, déduit des p-values publiées",
        "multiple": "Plusieurs réponses possibles : le total des barres peut dépasser 100 %.",
        "summary": "médiane {median} [{q1} ; {q3}], moyenne {mean} (ET {sd})",
        "count": "effectif",
    },
    "en": {
        "unpublished_reconstructed": "data not published — reconstructed",
        "unpublished": "data not published in {source}",
        "missing_one": "1 missing answer (not shown)",
        "missing_many": "{k} missing answers (not shown)",
        "footer": "Source: export reconstructed from the aggregates published in {source}",
        "inferred": "“{labels}”: count never printed, inferred from the published p-values",
        "multiple": "Several answers allowed: the bars may add up to more than 100%.",
        "summary": "median {median} [{q1}; {q3}], mean {mean} (SD {sd})",
        "count": "count",
    },
}

# What a figure calls the publication when the study does not name it.
DEFAULT_SOURCE = {"fr": "la publication", "en": "the publication"}


@dataclass(frozen=True)
class FigureData:
    """Everything one figure shows, taken from the descriptive table.

    Attributes
    ----------
    number : int
        Figure number in the plan.
    variable : str
        Question id.
    lang : str
        ``"fr"`` or ``"en"``.
    title : str
        "Figure N : caption", the caption as the plan words it.
    subtitle : str
        The plan's denominator wording with ``{n}`` filled in.
    codes, labels : tuple of str
        Answer codes and their labels, in questionnaire order (the order of
        the scale for ordered questions).
    counts : tuple of int
        ``n`` of each answer, from the descriptive table.
    percents : tuple of float
        ``percent`` of each answer (of ``denominator``), from the same table.
    denominator : int
        Respondents the question was asked to (missing answers included).
    missing : int
        Missing answers among them: counted in the denominator, not drawn.
    horizontal : bool
        Horizontal bars (long labels).
    ordered : bool
        The answers form a scale (ordered or Likert question).
    anchors : tuple of (str, str) or None
        Labels of the two ends of a Likert scale ("Aucun intérêt", "Très
        intéressant").
    published : bool
        False when the publication never printed the question's distribution.
    note : str or None
        The "not published" note of a question the publication never
        quantified, None otherwise.
    missing_note : str or None
        How many missing answers are not drawn, None when there are none.
    footer : str or None
        Where the data come from, when they are the reconstructed export.
    """

    number: int
    variable: str
    lang: str
    title: str
    subtitle: str
    codes: tuple[str, ...]
    labels: tuple[str, ...]
    counts: tuple[int, ...]
    percents: tuple[float, ...]
    denominator: int
    missing: int
    horizontal: bool
    ordered: bool
    anchors: tuple[str, str] | None
    published: bool
    note: str | None
    missing_note: str | None
    footer: str | None
    # A numeric question: its histogram's bin edges (``counts`` per bin).
    edges: tuple[float, ...] | None = None
    unit: str = ""

    @property
    def bar_labels(self) -> tuple[str, ...]:
        """The text on each bar: "24 (37,5 %)" in French, "24 (37.5%)" in English."""
        return tuple(bar_label(n, p, self.lang) for n, p in zip(self.counts, self.percents, strict=True))

    @property
    def notes(self) -> tuple[str, ...]:
        """Every note shown under the chart, in drawing order."""
        return tuple(t for t in (self.note, self.missing_note, self.footer) if t)


def format_percent(value: float, lang: str = "fr") -> str:
    """One decimal, rounded half up as manuscripts print it; decimal comma in French.

    >>> format_percent(37.5), format_percent(20.3125, "en")
    ('37,5', '20.3')
    """
    if value is None or np.isnan(value):
        return "–"
    return numbers.decimal(value, lang, 1)


def bar_label(n: int, percent: float, lang: str = "fr") -> str:
    """ "24 (37,5 %)" (French typography: a no-break space before %) or "24 (37.5%)"."""
    if percent is None or np.isnan(percent):
        return f"{n} (–)"  # nobody was asked
    sign = "%" if lang == "en" else numbers.NBSP + "%"
    return f"{n} ({format_percent(percent, lang)}{sign})"


def percent_tick(value: int, lang: str = "fr") -> str:
    """A tick of the 0–100 % axis, "50 %" in French (no-break space), "50%" in English, as the
    bar labels write their percentages (:func:`bar_label`)."""
    return f"{value}{numbers.NBSP}%" if lang != "en" else f"{value}%"


def figure_data(
    descriptive: pd.DataFrame,
    figure: Figure,
    codebook: Codebook,
    lang: str = "fr",
    reconstructed: bool = False,
    source: str | None = None,
    numeric: pd.DataFrame | None = None,
    bins: Mapping[str, tuple[np.ndarray, np.ndarray]] | None = None,
) -> FigureData:
    """Collect what ``figure`` shows from the descriptive table.

    Parameters
    ----------
    descriptive : DataFrame
        As returned by :func:`dmp_survey.describe.describe` (or read back from
        ``descriptive.csv``): the only source of the numbers.
    figure : Figure
        The analysis plan's entry (variable, caption, denominator wording).
    codebook : Codebook
        Answer labels, their order, Likert anchors, and ``published``.
    lang : {"fr", "en"}
    reconstructed : bool
        The data are the export reconstructed from the published aggregates:
        say so in a footer, and mark unpublished questions "reconstructed".
    source : str, optional
        What the study calls its publication ("the survey report", "le mémoire"), for the notes.

    Raises
    ------
    ValueError
        Unknown language, or the table lacks the variable or one of its levels.
    """
    from ..stats.describe import MISSING  # the caller's: pandas is imported there

    if lang not in LANGUAGES:
        raise ValueError(f"unknown language '{lang}'; expected one of {', '.join(LANGUAGES)}")
    q = codebook[figure.variable]
    if q.type is QuestionType.NUMERIC:
        return _histogram_data(figure, q, lang, numeric, bins, reconstructed, source)
    rows = descriptive[descriptive["variable"].astype(str) == figure.variable]
    if rows.empty:
        raise ValueError(f"figure {figure.number}: '{figure.variable}' is not in the descriptive table")
    by_level = rows.set_index(rows["level"].astype(str))
    absent = [c for c in q.codes if c not in by_level.index]
    if absent:
        raise ValueError(
            f"figure {figure.number}: level '{absent[0]}' of '{figure.variable}' "
            "is not in the descriptive table"
        )
    counts = tuple(int(by_level.at[c, "n"]) for c in q.codes)
    percents = tuple(float(by_level.at[c, "percent"]) for c in q.codes)
    denominator = int(rows["denominator"].iloc[0])
    missing = int(by_level.at[MISSING, "n"]) if MISSING in by_level.index else 0
    labels = tuple(a.label(lang) for a in q.answers)
    likert = q.type is QuestionType.LIKERT
    anchors = None
    if likert and q.anchors:
        anchors = (str(q.anchors["low"][lang]), str(q.anchors["high"][lang]))
    texts = _TEXTS[lang]
    source = source or DEFAULT_SOURCE[lang]
    note = None
    if not q.published:
        note = (
            texts["unpublished_reconstructed"]
            if reconstructed
            else texts["unpublished"].format(source=source)
        )
    elif reconstructed and any(a.inferred for a in q.answers):
        note = texts["inferred"].format(labels=", ".join(a.label(lang) for a in q.answers if a.inferred))
    if q.is_multiple:
        note = texts["multiple"] if note is None else f"{note}\n{texts['multiple']}"
    missing_note = None
    if missing:
        missing_note = texts["missing_one"] if missing == 1 else texts["missing_many"].format(k=missing)
    wording = figure.denominator.get(lang) or figure.denominator["fr"]
    return FigureData(
        number=figure.number,
        variable=figure.variable,
        lang=lang,
        title=figure.title(lang),
        subtitle=wording.format(n=denominator),
        codes=q.codes,
        labels=labels,
        counts=counts,
        percents=percents,
        denominator=denominator,
        missing=missing,
        horizontal=not likert and max(len(label) for label in labels) > _HORIZONTAL_FROM,
        ordered=q.is_ordered,
        anchors=anchors,
        published=q.published,
        note=note,
        missing_note=missing_note,
        footer=texts["footer"].format(source=source) if reconstructed else None,
    )


def _number_text(value: float, lang: str) -> str:
    return numbers.decimal(value, lang, 1, trim=True)


def _histogram_data(
    figure: Figure,
    q: Question,
    lang: str,
    numeric: pd.DataFrame | None,
    bins: Mapping[str, tuple[np.ndarray, np.ndarray]] | None,
    reconstructed: bool,
    source: str | None,
) -> FigureData:
    """A numeric question's histogram, from its bins and summary (describe stage)."""
    if numeric is None or bins is None or figure.variable not in bins:
        raise ValueError(f"figure {figure.number}: no answers to draw for '{figure.variable}'")
    edges, counts = bins[figure.variable]
    row = numeric[numeric["variable"] == figure.variable].iloc[0]
    texts = _TEXTS[lang]
    summary = texts["summary"].format(
        median=_number_text(row["median"], lang),
        q1=_number_text(row["q1"], lang),
        q3=_number_text(row["q3"], lang),
        mean=_number_text(row["mean"], lang),
        sd=_number_text(row["sd"], lang),
    )
    missing = int(row["missing"])
    missing_note = None
    if missing:
        missing_note = texts["missing_one"] if missing == 1 else texts["missing_many"].format(k=missing)
    wording = figure.denominator.get(lang) or figure.denominator["fr"]
    total = int(row["denominator"])
    return FigureData(
        number=figure.number,
        variable=figure.variable,
        lang=lang,
        title=figure.title(lang),
        subtitle=f"{wording.format(n=total)} · {summary}",
        codes=tuple(str(i) for i in range(len(counts))),
        labels=tuple(str(i) for i in range(len(counts))),
        counts=tuple(int(c) for c in counts),
        percents=tuple(100.0 * float(c) / total if total else float("nan") for c in counts),
        denominator=total,
        missing=missing,
        horizontal=False,
        ordered=True,
        anchors=None,
        published=q.published,
        note=None,
        missing_note=missing_note,
        footer=texts["footer"].format(source=source or DEFAULT_SOURCE[lang]) if reconstructed else None,
        edges=tuple(float(e) for e in edges),
        unit=str(q.unit.get(lang) or ""),
    )


# Where the title-less pictures for Word go, under the figures directory.
WORD_DIR = "word"


def figure_files(out_dir: Path, number: int) -> list[Path]:
    """The files of figure ``number`` under ``out_dir``, in the order
    :func:`render_figures` returns them: PNG, SVG, PDF, then the title-less
    PNG for Word."""
    stem = f"figure_{number:02d}"
    return [out_dir / f"{stem}.{ext}" for ext in ("png", "svg", "pdf")] + [out_dir / WORD_DIR / f"{stem}.png"]
