"""The analysis plan's figures, drawn from the descriptive table.

Three separate steps: :func:`figure_data` (:mod:`dmp_survey.outputs.figure_data`,
which imports neither matplotlib nor pandas) takes the numbers of one figure from
the descriptive table (the same numbers as ``descriptive.csv``, nothing
recounted), :func:`plot_figure` draws them on an ``Axes``, :func:`save_figure`
writes PNG, SVG (real text) and PDF files whose bytes do not change from run to
run. :func:`render_figures` chains them for the analysis plan's figures, and
draws each a second time without its title for Word (``word/figure_NN.png``),
where the caption is editable text under the picture.

Scales, by kind of figure:

- **bars of answers** (single, multiple, ordered, Likert questions): the bar's
  length is the percentage of the respondents asked, on a value axis drawn from
  0 to 100 % with the same ticks in every figure, so that bars of equal length
  are equal shares from one figure to the next; each bar also carries its
  count and percentage. A multiple question's options are shares of the same
  respondents, on the same 0–100 % axis (they may add up to more than 100 %).
- **histograms** of a numeric question: the axis counts respondents, not a
  percentage. A bin's height depends on the width the binning chose, and the
  tallest bin of a spread-out answer would be a sliver on a 0–100 % scale;
  what compares across histograms is the shape, which the count axis keeps.
"""

from __future__ import annotations

import contextlib
import functools
import io
import os
import struct
import textwrap
import zlib
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, cast

import matplotlib

# Files only, never a window: the same output on a headless server and a laptop.
matplotlib.use("Agg")

import numpy as np
from fontTools import subset as font_subset
from matplotlib import font_manager
from matplotlib import text as matplotlib_text
from matplotlib.axes import Axes
from matplotlib.backend_bases import RendererBase
from matplotlib.backends import _backend_pdf_ps, backend_pdf
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure as MplFigure
from matplotlib.text import Text
from matplotlib.transforms import Bbox
from PIL.PngImagePlugin import putchunk

if TYPE_CHECKING:
    import pandas as pd

    from ..study.codebook import Codebook
    from ..study.plan import AnalysisPlan

from .figure_data import (
    _TEXTS,
    _WRAP_HORIZONTAL,
    _WRAP_VERTICAL,
    FigureData,
    bar_label,
    figure_data,
    figure_files,
    format_percent,
    percent_tick,
)
from .style import (
    AXIS_COLOUR,
    BAR_COLOUR,
    DPI,
    FIGURE_WIDTH_IN,
    FONT_SIZE,
    FOOTER_COLOUR,
    GRID_COLOUR,
    MIN_FONT_SIZE,
    NOTE_COLOUR,
    NOTE_SIZE,
    PERCENT_TICKS,
    RC_PARAMS,
    SUBTITLE_SIZE,
    TITLE_SIZE,
    UNPUBLISHED_BAR_COLOUR,
    UNPUBLISHED_HATCH,
    figure_height,
)

__all__ = [
    "FigureData",
    "bar_label",
    "draw_figure",
    "figure_data",
    "figure_files",
    "format_percent",
    "new_figure",
    "percent_tick",
    "plot_figure",
    "render_figures",
    "save_figure",
]

# --- drawing -------------------------------------------------------------------


def _tick_labels(data: FigureData) -> list[str]:
    if data.anchors is not None:
        low, high = data.anchors
        ticks = list(data.labels)
        ticks[0] = f"{ticks[0]}\n{low}"
        ticks[-1] = f"{ticks[-1]}\n{high}"
        return ticks
    width = _WRAP_HORIZONTAL if data.horizontal else _WRAP_VERTICAL
    return [textwrap.fill(label, width=width, break_long_words=False) for label in data.labels]


def _frame(ax: Axes, texts: Sequence[Text] = ()) -> Callable[[RendererBase], Bbox]:
    """The chart with its tick labels and the bars' labels (``texts``): titles
    and notes are aligned on its left edge (the left of the long labels of a
    horizontal chart), the notes start under its bottom edge (under the labels
    of a vertical chart), the subtitle above its top (above the label of a
    bar reaching 100 %)."""

    # Every annotation placed from the frame asks for it at each layout pass
    # and each draw; the axis extents are costly, and change only when the
    # axes move or the output resolution changes.
    cache: dict[tuple[object, ...], Bbox] = {}

    def bbox(renderer: RendererBase) -> Bbox:
        key = (id(renderer), tuple(ax.get_position().bounds), ax.figure.dpi)
        if key not in cache:
            boxes = [ax.get_window_extent(renderer)]
            for axis in (ax.xaxis, ax.yaxis):
                if axis.get_visible():
                    tight = axis.get_tightbbox(renderer)
                    if tight is not None:
                        boxes.append(tight)
            boxes += [t.get_window_extent(renderer) for t in texts if t.get_text()]
            cache.clear()
            cache[key] = Bbox.union(boxes)
        return cache[key]

    return bbox


def plot_figure(ax: Axes, data: FigureData, title: bool = True) -> Axes:
    """Draw one figure on ``ax``: bars as percentages of the respondents asked
    on a drawn 0–100 % axis, each labelled "n (x,x %)", the caption as title
    (left out with ``title=False``, for a document that sets the caption as
    its own text), the denominator as subtitle, then the notes and footer under
    the chart. Missing answers are not drawn. Returns ``ax``."""
    published = data.published
    colour = BAR_COLOUR if published else UNPUBLISHED_BAR_COLOUR
    # Hatched in white over the colour: apart from the published bars in greyscale too.
    hatch: dict[str, Any] = (
        {} if published else {"hatch": UNPUBLISHED_HATCH, "edgecolor": "white", "linewidth": 0}
    )
    positions = np.arange(len(data.counts))
    top = max(max(data.counts, default=0), 1)
    ticks = _tick_labels(data)
    # Nobody asked: no bar (the label says "–").
    lengths = [0.0 if np.isnan(p) else p for p in data.percents]
    percent_ticks = [percent_tick(v, data.lang) for v in PERCENT_TICKS]
    labels: Sequence[Text] = []
    if data.edges is not None:
        # A histogram: counts on a drawn axis (see the module's docstring for
        # why not percentages); the value axis labelled with its unit.
        edges = np.asarray(data.edges)
        ax.bar(edges[:-1], data.counts, width=np.diff(edges), align="edge", color=colour,
               edgecolor="white", linewidth=0.6, zorder=2)  # fmt: skip
        ax.set_ylim(0, top * 1.1)
        ax.set_ylabel(_TEXTS[data.lang]["count"], fontsize=FONT_SIZE)
        if data.unit:
            ax.set_xlabel(data.unit, fontsize=FONT_SIZE)
        ax.grid(axis="y", color=GRID_COLOUR, linewidth=0.6, zorder=0)
    elif data.horizontal:
        bars = ax.barh(positions, lengths, height=0.62, color=colour, zorder=2, **hatch)
        ax.set_yticks(positions, ticks)
        ax.invert_yaxis()  # first answer of the questionnaire on top
        # The common scale: 0 to 100 %, whatever the longest bar; a bar's
        # label may run past 100 % into the margin, which the layout keeps.
        ax.set_xlim(0, 100)
        ax.set_xticks(PERCENT_TICKS, percent_ticks)
        ax.tick_params(axis="x", length=3, color=AXIS_COLOUR, pad=3)
        ax.grid(axis="x", color=GRID_COLOUR, linewidth=0.6, zorder=0)
        ax.tick_params(axis="y", length=0, pad=6)
        ax.set_ylim(len(positions) - 0.4, -0.6)
    else:
        bars = ax.bar(positions, lengths, width=0.62, color=colour, zorder=2, **hatch)
        ax.set_xticks(positions, ticks)
        ax.set_ylim(0, 100)
        ax.set_yticks(PERCENT_TICKS, percent_ticks)
        ax.tick_params(axis="y", length=3, color=AXIS_COLOUR, pad=3)
        ax.grid(axis="y", color=GRID_COLOUR, linewidth=0.6, zorder=0)
        ax.set_xlim(-0.6, len(positions) - 0.4)
        ax.tick_params(axis="x", length=0, pad=5)
    if data.edges is None:
        labels = ax.bar_label(bars, labels=list(data.bar_labels), padding=3, fontsize=FONT_SIZE)
        for label in labels:
            label.set_clip_on(False)  # a label past 100 % stays drawn

    frame = _frame(ax, labels)
    subtitle = ax.annotate(
        data.subtitle,
        xy=(0, 1),
        xycoords=frame,
        xytext=(0, 6),
        textcoords="offset points",
        ha="left",
        va="bottom",
        fontsize=SUBTITLE_SIZE,
        color="#333333",
    )
    # The caption is the title; an annotation rather than ``set_title`` so
    # that it starts where the labels start, not where the bars start.
    if title:
        ax.annotate(
            data.title,
            xy=(0, 1),
            xycoords=(frame, subtitle),
            xytext=(0, 4),
            textcoords="offset points",
            ha="left",
            va="bottom",
            fontsize=TITLE_SIZE,
            fontweight="bold",
            gid="figure-title",
        )

    above: Callable[[RendererBase], Bbox] | Text = frame
    gap = 10.0
    for text, kind in ((data.note, "note"), (data.missing_note, "missing"), (data.footer, "footer")):
        if not text:
            continue
        style: dict[str, Any] = {"fontsize": NOTE_SIZE, "color": "#333333"}
        if kind == "note":
            style = {
                "fontsize": NOTE_SIZE,
                "color": NOTE_COLOUR,
                "fontweight": "bold",
                "bbox": {"boxstyle": "round,pad=0.3", "facecolor": "white", "edgecolor": NOTE_COLOUR},
            }
        elif kind == "footer":
            style = {"fontsize": MIN_FONT_SIZE, "color": FOOTER_COLOUR, "fontstyle": "italic"}
        above = ax.annotate(
            text,
            xy=(0, 0),
            xycoords=(frame, above),
            # The boxed note is moved right by its padding to align its box.
            xytext=(3 if kind == "note" else 0, -gap),
            textcoords="offset points",
            ha="left",
            va="top",
            gid=f"figure-{kind}",
            **style,
        )
        gap = 9.0 if kind == "note" else 4.0
    return ax


def new_figure(data: FigureData, title: bool = True) -> MplFigure:
    """A 16 cm wide figure (constrained layout), tall enough for its bars
    (and its title, unless ``title`` is False).

    Call inside ``matplotlib.rc_context(RC_PARAMS)``. Not registered with
    pyplot: nothing to close, nothing kept between figures."""
    height = figure_height(len(data.counts), data.horizontal)
    extra = sum(0.2 for _ in data.notes) - (0 if title else 0.25)
    return MplFigure(figsize=(FIGURE_WIDTH_IN, height + extra), dpi=DPI, layout="constrained")


# --- saving --------------------------------------------------------------------


def _style(extra: Mapping[str, Any] | None = None) -> AbstractContextManager[None]:
    # rc_context's stubs want literal rcParams keys; the style is a plain mapping.
    rc: Any = {**RC_PARAMS, **(extra or {})}
    return matplotlib.rc_context(rc)


# No date, no software version: the same bytes on every run.
_PNG_METADATA = {"Software": None}
_SVG_METADATA = {"Date": None, "Creator": None}
_PDF_METADATA = {"Creator": None, "Producer": None, "CreationDate": None}


# --- fonts read from memory ----------------------------------------------------
#
# matplotlib's FT2Font hands FreeType a Python file object for the font file
# it opens (``io.open(path, "rb")``), and FreeType reads through it: a seek and
# a read, two calls into Python (and two system calls) for each piece of each
# glyph it loads, most of the cost of laying out and rasterising a text. The
# figures' fonts are opened from a copy of the file in memory instead, under
# the file's name (matplotlib reads the font's path from it): glyphs load
# twice as fast, and nothing else changes (FreeType reads the same bytes).
# Done by having ``io.open`` give that copy while matplotlib creates a font
# object (``font_manager._get_font``, cached per process); were matplotlib to
# open its fonts otherwise, they would simply be read from the file again.


class _FontFile(io.BytesIO):
    """A font file's bytes in memory, under the file's name."""

    def __init__(self, data: bytes, name: str) -> None:
        super().__init__(data)
        self.name = name


@functools.cache
def _font_bytes(path: str) -> bytes:
    with open(path, "rb") as fh:
        return fh.read()


_IO_OPEN = io.open


def _open_font(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
    """``io.open`` as matplotlib calls it for a font (``mode="rb"``, nothing
    else): the file's bytes from memory. Any other call: ``io.open``'s own."""
    if mode == "rb" and not args and not kwargs:
        return _FontFile(_font_bytes(os.fspath(file)), file)
    return _IO_OPEN(file, mode, *args, **kwargs)


_MATPLOTLIB_GET_FONT = font_manager._get_font  # type: ignore[attr-defined]


def _get_font_from_memory(*args: Any, **kwargs: Any) -> Any:
    io.open = _open_font
    try:
        return _MATPLOTLIB_GET_FONT(*args, **kwargs)
    finally:
        io.open = _IO_OPEN


font_manager._get_font = _get_font_from_memory  # type: ignore[attr-defined]


# --- font lookups, once per process --------------------------------------------
#
# Matplotlib 3.11 looks a text's font up again each time it lays the text out
# (``Text._get_layout``, for the font's line metrics) and each time a renderer
# measures or draws it: ``FontManager._find_fonts_by_props`` (a copy of the
# font properties per family, eleven rcParams read through their validating
# accessor, then its own cache), ``get_font``, and for the line metrics two
# SFNT tables of the font converted to dictionaries. A figure lays out and
# draws each of its texts a dozen times (its layout, the PNG, SVG and PDF):
# 4,900 lookups and 7,400 tables for the shipped study's 16 figures, about a
# fifth of their CPU (cProfile). While a figure is drawn
# (:func:`_fonts_found_once`), each lookup's result is kept under everything
# it depends on (the properties' values, the arguments, the font rcParams
# matplotlib's own cache is keyed on), and each font's tables once read: the
# same fonts, the same metrics, the same bytes.

#: The rcParams ``FontManager.findfont`` keys its own cache on.
_FONT_RC = tuple(
    f"font.{key}"
    for key in (
        "family",
        "style",
        "variant",
        "weight",
        "stretch",
        "size",
        "serif",
        "sans-serif",
        "cursive",
        "fantasy",
        "monospace",
    )
)
#: Fonts found, by font manager and font settings, then by properties and arguments.
_FOUND: dict[tuple[Any, ...], dict[tuple[Any, ...], list[Any]]] = {}


def _font_settings() -> tuple[Any, ...]:
    """The font rcParams (and the environment variable) a font lookup depends on."""
    rc: Any = matplotlib.rcParams
    return (
        *(tuple(v) if isinstance(v, list) else v for v in (rc._get(key) for key in _FONT_RC)),
        os.environ.get("MPL_IGNORE_SYSTEM_FONTS"),
    )


def _find_fonts_once(
    manager: Any,
    found: dict[tuple[Any, ...], list[Any]],
    prop: Any,
    fontext: str = "ttf",
    directory: Any = None,
    fallback_to_default: bool = True,
    rebuild_if_missing: bool = True,
) -> list[Any]:
    """``manager._find_fonts_by_props(prop, ...)``, looked up once per key in
    ``found`` (the lookups under the current font settings)."""
    args = (fontext, directory, fallback_to_default, rebuild_if_missing)
    if not isinstance(prop, font_manager.FontProperties):  # a pattern: as matplotlib does
        return list(type(manager)._find_fonts_by_props(manager, prop, *args))
    key = (tuple(vars(prop).items()), *args)
    paths = found.get(key)
    if paths is None:
        paths = found[key] = list(type(manager)._find_fonts_by_props(manager, prop, *args))
    return list(paths)


class _SfntTables:
    """A font as ``Text._get_layout`` uses it (its SFNT tables), each table
    read once."""

    def __init__(self, font: Any) -> None:
        self._font = font
        self._tables: dict[str, Any] = {}

    def get_sfnt_table(self, name: str) -> Any:
        if name not in self._tables:
            self._tables[name] = self._font.get_sfnt_table(name)
        return self._tables[name]


_TEXT_FONTS: dict[tuple[Any, ...], _SfntTables] = {}
_TEXT_MODULE: Any = matplotlib_text  # its get_font is imported from font_manager
_MATPLOTLIB_TEXT_GET_FONT = _TEXT_MODULE.get_font


def _text_font(font_filepaths: Any, *args: Any, **kwargs: Any) -> Any:
    """``get_font`` as ``matplotlib.text`` calls it: the font's tables, read once."""
    if args or kwargs or isinstance(font_filepaths, str | bytes | os.PathLike):
        return _MATPLOTLIB_TEXT_GET_FONT(font_filepaths, *args, **kwargs)
    key = tuple(font_filepaths)
    font = _TEXT_FONTS.get(key)
    if font is None:
        font = _TEXT_FONTS[key] = _SfntTables(_MATPLOTLIB_TEXT_GET_FONT(list(key)))
    return font


@contextmanager
def _fonts_found_once() -> Iterator[None]:
    """Font lookups and a text's font tables remembered meanwhile (see above);
    a matplotlib without these internals keeps its own."""
    manager: Any = font_manager.fontManager
    if (
        not hasattr(type(manager), "_find_fonts_by_props")
        or _TEXT_MODULE.get_font is not _MATPLOTLIB_TEXT_GET_FONT
    ):
        yield
        return
    # The font settings as the figure starts: its style sets them, and nothing
    # changes them while it is drawn.
    found = _FOUND.setdefault((manager, _font_settings()), {})
    manager._find_fonts_by_props = functools.partial(_find_fonts_once, manager, found)
    _TEXT_MODULE.get_font = _text_font
    try:
        yield
    finally:
        del manager._find_fonts_by_props  # the class's method again
        _TEXT_MODULE.get_font = _MATPLOTLIB_TEXT_GET_FONT


# --- PDF fonts -----------------------------------------------------------------
#
# The PDF embeds its fonts as TrueType (pdf.fonttype 42), subset to the glyphs
# drawn: a thesis is printed and included by LaTeX, and journals' checkers
# (PDF eXpress, PDF/A) refuse or flag the Type 3 fonts of pdf.fonttype 3, which
# some viewers also render without hinting. Type 3 would be four times cheaper
# to write as matplotlib subsets a TrueType font: fontTools parses the whole of
# DejaVu Sans (6,000 glyphs, and its GSUB/GPOS layout tables) for each font of
# each figure, most of a figure's CPU time. Here the font is cut once per
# process to the characters a study writes (Latin scripts and their
# punctuation), without the layout tables, which no PDF reader uses (matplotlib
# places every glyph itself); each figure embeds that small font whole
# (:func:`_glyphs_subset`). A figure drawing a character outside it takes
# matplotlib's own path. Either way the bytes depend only on the glyphs drawn,
# never on the figures drawn before in the process.

_COMMON_CHARACTERS = frozenset(
    [
        *range(0x20, 0x7F),  # ASCII
        *range(0xA0, 0x180),  # Latin-1, Latin Extended-A
        *range(0x2000, 0x2070),  # spaces, dashes, quotes, ellipsis, …
        *range(0xFB00, 0xFB07),  # ff fi fl ffi ffl: matplotlib draws "fi" as one glyph
        *(0x20AC, 0x2122, 0x2190, 0x2192, 0x2212, 0x2248, 0x2260, 0x2264, 0x2265),  # € ™ ← → − ≈ ≠ ≤ ≥
    ]
)
# Tables no PDF reader looks at in an embedded CIDFontType2; FFTM (FontForge's
# timestamp) and MATH are dropped so that fontTools does not warn about them.
_UNREAD_TABLES = ["GSUB", "GPOS", "GDEF", "kern", "MATH", "BASE", "JSTF", "FFTM"]


def _subset(font_file: Any, glyphs: Collection[int], face_index: int = 0) -> tuple[Any, dict[int, int]]:
    """``font_file`` (a path or a file object) cut to ``glyphs`` (glyph ids),
    with matplotlib's options; returns the fontTools font and the map of old to
    new glyph ids."""
    options = font_subset.Options(glyph_names=True, recommended_glyphs=True)
    options.font_number = face_index
    options.drop_tables += _UNREAD_TABLES
    font = font_subset.load_font(font_file, options)
    subsetter = font_subset.Subsetter(options=options)
    subsetter.populate(gids=glyphs)
    subsetter.subset(font)
    return font, subsetter.glyph_index_map


@functools.cache
def _common_font(path: str, face_index: int) -> tuple[bytes, dict[int, int]]:
    """The font of ``path`` cut to :data:`_COMMON_CHARACTERS`: its bytes and
    the map of the full font's glyph ids to its own.

    Cut once per machine rather than once per process: kept in matplotlib's
    cache folder (where matplotlib keeps its own font list), under a name
    that hashes everything the cut depends on (the font file's bytes, the
    face, fontTools' version, the characters and tables). Each of the two
    drawing processes of a run otherwise spent 0.65 s CPU cutting the three
    faces a figure uses. A cached cut whose bytes do not match the digest
    stored with them is cut again; a folder that cannot be written is only
    not used. The bytes are the same either way (tests)."""
    cache = _font_cache_file(path, face_index)
    cached = _read_font_cache(cache) if cache is not None else None
    if cached is not None:
        return cached
    cut = _cut_common_font(path, face_index)
    if cache is not None:
        _write_font_cache(cache, *cut)
    return cut


def warm_fonts() -> None:
    """Load the faces the figures use (regular, bold, italic): matplotlib's
    font objects and the Latin cuts the PDF subsets come from. A figure
    worker calls it as it starts, before it is given a figure; the bytes of
    a figure do not depend on it."""
    from matplotlib import font_manager

    with _style():
        faces = (
            font_manager.FontProperties(),
            font_manager.FontProperties(weight="bold"),
            font_manager.FontProperties(style="italic"),
        )
        for prop in faces:
            path = font_manager.findfont(prop)
            font_manager.get_font(path)
            _common_font(path, 0)


def _cut_common_font(path: str, face_index: int) -> tuple[bytes, dict[int, int]]:
    from fontTools.ttLib import TTFont

    with TTFont(path, fontNumber=face_index, lazy=True) as full:
        glyph_ids = full.getReverseGlyphMap()
        cmap = full.getBestCmap()
        glyphs = {glyph_ids[cmap[c]] for c in sorted(_COMMON_CHARACTERS) if c in cmap}
    font, index = _subset(path, glyphs, face_index)
    with font:
        return _backend_pdf_ps.font_as_file(font).getvalue(), index


def _font_cache_dir() -> Path:
    return Path(matplotlib.get_cachedir()) / "dmp-survey-fonts"


def _font_cache_file(path: str, face_index: int) -> Path | None:
    import hashlib
    import json

    import fontTools

    try:
        font_digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None
    key = json.dumps(
        [1, font_digest, face_index, fontTools.version, sorted(_COMMON_CHARACTERS), _UNREAD_TABLES]
    )
    return _font_cache_dir() / f"latin-{hashlib.sha256(key.encode()).hexdigest()[:32]}.json"


def _read_font_cache(cache: Path) -> tuple[bytes, dict[int, int]] | None:
    import base64
    import hashlib
    import json

    try:
        stored = json.loads(cache.read_text(encoding="ascii"))
        font = base64.b64decode(stored["font"], validate=True)
        if hashlib.sha256(font).hexdigest() != stored["sha256"]:
            return None
        return font, {int(old): int(new) for old, new in stored["index"]}
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_font_cache(cache: Path, font: bytes, index: dict[int, int]) -> None:
    import base64
    import hashlib
    import json
    import os
    import tempfile

    text = json.dumps(
        {
            "sha256": hashlib.sha256(font).hexdigest(),
            "index": sorted(index.items()),
            "font": base64.b64encode(font).decode("ascii"),
        }
    )
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=cache.parent, prefix=".latin-", suffix=".tmp")
    except OSError:
        return
    # Written whole then renamed: two processes cutting at once each leave a
    # complete file, never a half-written one.
    try:
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(text)
        os.replace(tmp, cache)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


class _SavedFont:
    """A font already saved: its bytes, with the two things matplotlib's PDF
    backend does with the font of a subset (open it as a context manager,
    ``save`` it to a file object; ``_backend_pdf_ps.font_as_file``)."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def save(self, file: IO[bytes], reorderTables: bool | None = None) -> None:  # fontTools' signature
        file.write(self._data)

    def __enter__(self) -> _SavedFont:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


def _glyphs_subset(fontfile: Any, glyphs: Collection[int]) -> Any:
    """Drop-in for matplotlib's ``_backend_pdf_ps.get_glyphs_subset`` (same
    arguments, same result: a context manager giving the subset font and its
    glyph-id map): the whole of :func:`_common_font` when it holds every
    glyph drawn, else matplotlib's own subset of the font.

    The Latin cut is embedded whole rather than cut again to the glyphs of
    each figure: cutting it took fontTools 30 ms per face and figure (a
    ninth of the CPU time of the figures, 0.5 s for the 16 of the shipped
    study), for files about 5 times smaller (the shipped study's PDFs are
    105-175 KB instead of 20-35 KB: about 35 KB per face compressed, twice
    for a face some of whose characters matplotlib's PDF backend puts in a
    second font object: those above U+00FF, such as ’ and the narrow no-break
    space, and the ligatures)."""
    common, index = _common_font(str(fontfile), getattr(fontfile, "face_index", 0))
    wanted = set(glyphs)
    if not wanted <= index.keys():
        return _MATPLOTLIB_SUBSET(fontfile, wanted)
    font = cast(Any, _SavedFont(common))
    return _backend_pdf_ps.SubsetResults(font, {g: index[g] for g in wanted})._as_cm()


_MATPLOTLIB_SUBSET = _backend_pdf_ps.get_glyphs_subset
_MATPLOTLIB_OUTPUT_STREAM = backend_pdf.PdfFile.outputStream


#: Streams from this size on are deflated once per process (:func:`_output_stream`).
_DEFLATE_ONCE_BYTES = 16_384


@functools.lru_cache(maxsize=16)
def _deflated(data: bytes, level: int) -> bytes:
    """``data`` as matplotlib's PDF ``Stream`` deflates it (a ``zlib``
    compressor at ``level``, one write, then flushed)."""
    compressor = zlib.compressobj(level)
    return compressor.compress(data) + compressor.flush()


def _output_stream(self: Any, ref: Any, data: bytes, *, extra: Any = None) -> None:
    """Drop-in for matplotlib's ``PdfFile.outputStream`` (a stream written
    whole: a font file, its character maps): a large stream is deflated
    once per process and its deflated bytes reused, the same bytes. Every
    PDF embeds the same Latin cuts of the same faces (:func:`_glyphs_subset`),
    which zlib deflated again for each (55 fonts, about 0.1 s of CPU for
    the shipped study's 16 figures)."""
    level = matplotlib.rcParams["pdf.compression"]
    if not level or len(data) < _DEFLATE_ONCE_BYTES:
        _MATPLOTLIB_OUTPUT_STREAM(self, ref, data, extra=extra)
        return
    deflated = _deflated(bytes(data), int(level))
    self.beginStream(ref.id, None, extra)
    stream = self.currentstream
    stream.compressobj = None  # what it is given is deflated already
    stream.write(deflated)
    self.endStream()


@contextmanager
def _pdf_fonts() -> Iterator[None]:
    """Matplotlib's PDF backend subsets its fonts with :func:`_glyphs_subset`
    and writes whole streams with :func:`_output_stream` meanwhile (figures
    are saved one at a time in a process). A matplotlib older than 3.11
    (another signature) keeps its own."""
    if not hasattr(_backend_pdf_ps, "SubsetResults"):
        yield
        return
    _backend_pdf_ps.get_glyphs_subset = _glyphs_subset
    backend_pdf.PdfFile.outputStream = _output_stream  # type: ignore[method-assign]
    try:
        yield
    finally:
        _backend_pdf_ps.get_glyphs_subset = _MATPLOTLIB_SUBSET
        backend_pdf.PdfFile.outputStream = _MATPLOTLIB_OUTPUT_STREAM  # type: ignore[method-assign]


# --- saving --------------------------------------------------------------------


def _write_png(path: Path | io.BytesIO, rgba: np.ndarray) -> None:
    """The raster of the Agg canvas as a PNG: RGB (a figure is opaque, its
    alpha channel a constant), ``dpi`` in the pHYs chunk, no text chunk.

    The rows are deflated unfiltered (PNG filter type 0), zlib level 3. Why
    not Pillow's PNG writer: it chooses a filter for every row by trying all
    five, which cannot be turned off, and that choice was three quarters of
    its time on these figures (large flat areas, horizontal runs) for files
    no smaller: the 16 figures of the shipped study 0.35 s and 889 KB with
    Pillow at level 3, 0.10 s and 901 KB unfiltered. The chunks are framed
    by Pillow's own ``putchunk`` (length, type, data, CRC)."""
    height, width = rgba.shape[:2]
    scanlines = np.zeros((height, 1 + 3 * width), dtype=np.uint8)  # byte 0 of a row: its filter, 0
    pixels = scanlines[:, 1:].reshape(height, width, 3)
    for channel in range(3):  # one channel at a time: six times quicker than [...] = rgba[:, :, :3]
        pixels[:, :, channel] = rgba[:, :, channel]
    per_metre = int(DPI / 0.0254 + 0.5)  # as Pillow writes dpi
    out = path if isinstance(path, io.BytesIO) else open(path, "wb")  # noqa: SIM115 (closed below)
    try:
        out.write(b"\x89PNG\r\n\x1a\n")
        # Width, height, 8 bits, colour type 2 (RGB), compression 0 (deflate),
        # filter method 0 (each row's first byte names its filter), no interlace.
        putchunk(out, b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        putchunk(out, b"pHYs", struct.pack(">IIB", per_metre, per_metre, 1))
        putchunk(out, b"IDAT", zlib.compress(scanlines.data, 3))
        putchunk(out, b"IEND", b"")
    finally:
        if out is not path:
            out.close()


def _title_band(fig: MplFigure, renderer: RendererBase, raster: np.ndarray) -> tuple[int, int] | None:
    """The rows of ``raster`` (``fig`` drawn at :data:`DPI`) that hold the title:
    from the top of its box to the top of the subtitle's. Cutting them out
    leaves the picture without a title, the margin the title had above it
    now above the subtitle. None when there is no title, or when it reaches
    the right margin (a title wider than the figure: the constrained layout
    gave up, and the picture without it must be laid out again), or when
    anything but the white margin is drawn above it."""
    titles = [t for t in fig.findobj(Text) if t.get_gid() == "figure-title"]
    if len(titles) != 1:
        return None
    box = titles[0].get_window_extent(renderer)
    w_pad = float(matplotlib.rcParams["figure.constrained_layout.w_pad"]) * fig.dpi
    if box.x1 >= fig.bbox.x1 - w_pad - 1:
        return None
    height = raster.shape[0]
    # The title sits 4 points above the subtitle (plot_figure).
    top, bottom = int(np.floor(height - box.y1)), int(np.floor(height - box.y0 + 4 * fig.dpi / 72))
    if not 0 <= top < bottom < height or (raster[:top, :, :3] != 255).any():
        return None
    return top, bottom


def _untitled(fig: MplFigure) -> np.ndarray:
    """``fig`` drawn again without its title, the figure shortened by the
    title's band and laid out again (the rare case :func:`_title_band` cannot cut)."""
    canvas = fig.canvas
    assert isinstance(canvas, FigureCanvasAgg)
    renderer = canvas.get_renderer()
    band = 0.0
    for text in fig.findobj(Text):
        if text.get_gid() == "figure-title":
            band = (text.get_window_extent(renderer).height + 4 * fig.dpi / 72) / fig.dpi
            text.remove()
    fig.set_size_inches(fig.get_figwidth(), fig.get_figheight() - band)
    fig.set_layout_engine("constrained")
    _lay_out(fig)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())


def _lay_out(fig: MplFigure) -> None:
    """Run the figure's constrained layout once, then fix it: every file is
    drawn with the same layout. Saving with a layout engine set would draw
    the whole figure once more just to lay it out, and so would saving with
    the placeholder engine that ``set_layout_engine("none")`` leaves: the
    engine is removed (``None``, with the rcParams that would otherwise pick
    one for it switched off meanwhile)."""
    engine = fig.get_layout_engine()
    if engine is not None:
        engine.execute(fig)
    with matplotlib.rc_context({"figure.autolayout": False, "figure.constrained_layout.use": False}):
        fig.set_layout_engine(None)


def save_figure(
    fig: MplFigure,
    png_path: Path,
    svg_path: Path,
    number: int,
    pdf_path: Path | None = None,
    word_path: Path | None = None,
) -> list[Path]:
    """Write ``fig`` as PNG (200 dpi), SVG, with ``pdf_path`` PDF (fonts
    embedded as TrueType), and with ``word_path`` the PNG without its title,
    with the same bytes on every run; returns the paths in that order.

    No date and no software version in any file; the SVG's internal ids are
    salted with the figure number instead of a random salt. Every file has
    the layout of the PNG (laid out once at 200 dpi); the Word picture is the
    PNG's raster with the rows of the title cut out, unless the title is
    wider than the figure, in which case the figure is laid out again without
    it (and ``fig`` loses its title).
    """
    paths = [png_path, svg_path] + [p for p in (pdf_path, word_path) if p is not None]
    for path in paths:
        path.parent.mkdir(parents=True, exist_ok=True)
    # Without the layout rcParam, saving leaves the figure without a layout
    # engine (savefig resets the engine on the way out, and None would mean
    # the rcParam's constrained layout again, run once more at 72 dpi).
    with _style({"svg.hashsalt": f"dmp-survey-figure-{number}", "figure.constrained_layout.use": False}):
        canvas = FigureCanvasAgg(fig)
        _lay_out(fig)
        canvas.draw()
        raster = np.array(canvas.buffer_rgba())
        _write_png(png_path, raster)
        band = _title_band(fig, canvas.get_renderer(), raster)
        fig.savefig(svg_path, format="svg", metadata=_SVG_METADATA)
        if pdf_path is not None:
            with _pdf_fonts():
                fig.savefig(pdf_path, format="pdf", metadata=_PDF_METADATA)
        if word_path is not None:
            if band is not None:
                untitled = np.concatenate([raster[: band[0]], raster[band[1] :]])
            else:
                untitled = _untitled(fig)
            _write_png(word_path, untitled)
    return paths


def draw_figure(data: FigureData, out_dir: Path) -> list[Path]:
    """Draw one figure and write its files (:func:`figure_files`) into ``out_dir``."""
    png, svg, pdf, word = figure_files(out_dir, data.number)
    with _style(), _fonts_found_once():
        fig = new_figure(data)
        plot_figure(fig.add_subplot(), data)
        # For Word: the caption is a paragraph under the picture, not in it.
        return save_figure(fig, png, svg, data.number, pdf, word)


def render_figures(
    descriptive: pd.DataFrame,
    plan: AnalysisPlan,
    codebook: Codebook,
    out_dir: Path,
    lang: str = "fr",
    reconstructed: bool = False,
    workers: int | None = 1,
    source: str | None = None,
) -> list[Path]:
    """Draw and save every figure of the analysis plan.

    Writes ``figure_01.png``, ``figure_02.png`` … with the matching ``.svg``
    and ``.pdf`` into ``out_dir``, and the title-less ``word/figure_01.png`` …,
    and returns their paths (:func:`figure_files` of each figure, in figure
    order).

    ``workers`` > 1 draws figures in that many forked processes (``None``:
    two where the platform forks and has two cores). Each figure's bytes do
    not depend on the process that drew it; drawing on two cores takes about
    0.6 of the serial time here.
    """
    from .figure_jobs import start_figures

    job = start_figures(descriptive, plan, codebook, out_dir, lang, reconstructed, workers, source)
    try:
        return job.result()
    finally:
        job.close()
