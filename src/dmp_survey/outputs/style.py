"""The one figure style of the project, built once at import.

Figures are printed at a manuscript's text width (16 cm) and saved at 200 dpi; nothing on
them is smaller than 8 pt. Colours come from the Okabe–Ito palette, which stays
distinct for the common colour-vision deficiencies; only its hues with a
contrast of at least 3:1 against the white background are used for bars (WCAG
2.2 success criterion 1.4.11, non-text contrast: blue 5.2:1, vermillion 3.9:1),
text colours reach 4.5:1 (1.4.3), and the bars of a question the publication
never quantified are hatched as well as coloured, so that they stay apart from
the others in greyscale print (blue and vermillion have close luminances). The
palette's ratios are computed in tests/test_figures.py. The
font is DejaVu Sans, which matplotlib ships, so that every machine draws the
same glyphs (and writes the same bytes); it also carries the French accents,
the typographic apostrophe and the narrow no-break space.

Use as ``with matplotlib.rc_context(RC_PARAMS): ...``.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from cycler import cycler

__all__ = [
    "AXIS_COLOUR",
    "BAR_COLOUR",
    "DPI",
    "FIGURE_WIDTH_CM",
    "FIGURE_WIDTH_IN",
    "FONT_SIZE",
    "FOOTER_COLOUR",
    "GRID_COLOUR",
    "MIN_FONT_SIZE",
    "NOTE_COLOUR",
    "NOTE_SIZE",
    "OKABE_ITO",
    "PERCENT_TICKS",
    "RC_PARAMS",
    "SUBTITLE_SIZE",
    "TITLE_SIZE",
    "UNPUBLISHED_BAR_COLOUR",
    "UNPUBLISHED_HATCH",
    "contrast_ratio",
    "figure_height",
]

# Okabe & Ito (2008), "Color Universal Design".
OKABE_ITO: Mapping[str, str] = MappingProxyType(
    {
        "black": "#000000",
        "orange": "#E69F00",
        "sky_blue": "#56B4E9",
        "bluish_green": "#009E73",
        "yellow": "#F0E442",
        "blue": "#0072B2",
        "vermillion": "#D55E00",
        "reddish_purple": "#CC79A7",
    }
)

BAR_COLOUR = OKABE_ITO["blue"]  # 5.2:1 against white
# Bars of questions the publication never quantified: another hue, so that a
# reconstructed distribution is not mistaken for a published one at a glance
# (Okabe–Ito orange was used until it measured 2.25:1 against white), and a
# hatch, which tells them apart without colour.
UNPUBLISHED_BAR_COLOUR = OKABE_ITO["vermillion"]  # 3.9:1
UNPUBLISHED_HATCH = "///"
# The boxed "not published" note is text: a darker vermillion, 5.5:1.
NOTE_COLOUR = "#B34700"
FOOTER_COLOUR = "#4D4D4D"  # dark grey: still legible in print
AXIS_COLOUR = "#333333"  # spines, ticks and tick labels, 12.6:1
GRID_COLOUR = "#DDDDDD"  # decorative reading lines, not information (exempt from 1.4.11)

# Every percentage figure shares one scale: a bar of the same length is the
# same share in every figure.
PERCENT_TICKS = (0, 25, 50, 75, 100)


def _relative_luminance(colour: str) -> float:
    """WCAG 2.2's relative luminance of an sRGB colour "#RRGGBB"."""
    value = colour.lstrip("#")
    channels = [int(value[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(a: str, b: str = "#FFFFFF") -> float:
    """WCAG 2.2 contrast ratio of two colours "#RRGGBB" (1 to 21)."""
    high, low = sorted((_relative_luminance(a), _relative_luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


FIGURE_WIDTH_CM = 16.0
FIGURE_WIDTH_IN = FIGURE_WIDTH_CM / 2.54
DPI = 200

MIN_FONT_SIZE = 8.0
FONT_SIZE = 10.0
TITLE_SIZE = 11.5
SUBTITLE_SIZE = 9.5
NOTE_SIZE = 9.0


def figure_height(n_bars: int, horizontal: bool) -> float:
    """Figure height in inches: fixed for vertical bars, growing with the
    number of bars for horizontal ones (each wrapped label needs its room)."""
    if horizontal:
        return 2.3 + 0.62 * max(n_bars, 1)  # + the drawn percentage axis
    return 3.9


RC_PARAMS: Mapping[str, Any] = MappingProxyType(
    {
        "font.family": "sans-serif",
        "font.sans-serif": ["DejaVu Sans"],
        "font.size": FONT_SIZE,
        "axes.titlesize": TITLE_SIZE,
        "axes.titleweight": "bold",
        "axes.titlelocation": "left",
        "axes.labelsize": FONT_SIZE,
        "axes.edgecolor": AXIS_COLOUR,
        "axes.linewidth": 0.8,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.prop_cycle": cycler(color=[c for name, c in OKABE_ITO.items() if name != "black"]),
        "xtick.labelsize": FONT_SIZE,
        "ytick.labelsize": FONT_SIZE,
        "xtick.color": AXIS_COLOUR,
        "ytick.color": AXIS_COLOUR,
        "legend.fontsize": FONT_SIZE,
        "figure.dpi": DPI,
        "savefig.dpi": DPI,
        "figure.facecolor": "white",
        "savefig.facecolor": "white",
        "figure.constrained_layout.use": True,
        "figure.constrained_layout.h_pad": 0.08,
        "figure.constrained_layout.w_pad": 0.08,
        # Real text in the SVG (selectable, searchable, read by screen readers);
        # a viewer without DejaVu Sans falls back to another sans-serif.
        "svg.fonttype": "none",
        # A study's captions and labels are text, never LaTeX: "$x^2$" is drawn
        # as written, and a lone "$" ("coût en $") is no parse error (issue 19).
        "text.parse_math": False,
        "pdf.fonttype": 42,
        "axes.unicode_minus": True,
        "hatch.linewidth": 0.8,
    }
)
