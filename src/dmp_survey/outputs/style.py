"""The one figure style of the project, built once at import.

Figures are printed at a manuscript's text width (16 cm) and saved at 200 dpi; nothing on
them is smaller than 8 pt. Colours come from the Okabe–Ito palette, which stays
distinct for the common colour-vision deficiencies and in greyscale print. The
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
    "BAR_COLOUR",
    "DPI",
    "FIGURE_WIDTH_CM",
    "FIGURE_WIDTH_IN",
    "FONT_SIZE",
    "FOOTER_COLOUR",
    "MIN_FONT_SIZE",
    "NOTE_COLOUR",
    "NOTE_SIZE",
    "OKABE_ITO",
    "RC_PARAMS",
    "SUBTITLE_SIZE",
    "TITLE_SIZE",
    "UNPUBLISHED_BAR_COLOUR",
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

BAR_COLOUR = OKABE_ITO["blue"]
# Bars of questions the publication never quantified: another hue, so that a
# reconstructed distribution is not mistaken for a published one at a glance.
UNPUBLISHED_BAR_COLOUR = OKABE_ITO["orange"]
NOTE_COLOUR = OKABE_ITO["vermillion"]
FOOTER_COLOUR = "#4D4D4D"  # dark grey: still legible in print

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
        return 2.0 + 0.62 * max(n_bars, 1)
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
        "axes.edgecolor": "#333333",
        "axes.linewidth": 0.8,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.prop_cycle": cycler(color=[c for name, c in OKABE_ITO.items() if name != "black"]),
        "xtick.labelsize": FONT_SIZE,
        "ytick.labelsize": FONT_SIZE,
        "xtick.color": "#333333",
        "ytick.color": "#333333",
        "legend.fontsize": FONT_SIZE,
        "figure.dpi": DPI,
        "savefig.dpi": DPI,
        "figure.facecolor": "white",
        "savefig.facecolor": "white",
        "figure.constrained_layout.use": True,
        "figure.constrained_layout.h_pad": 0.08,
        "figure.constrained_layout.w_pad": 0.08,
        # Text drawn as paths: the SVG looks the same without the font installed.
        "svg.fonttype": "path",
        # A study's captions and labels are text, never LaTeX: "$x^2$" is drawn
        # as written, and a lone "$" ("coût en $") is no parse error (issue 19).
        "text.parse_math": False,
        "pdf.fonttype": 42,
        "axes.unicode_minus": True,
        "hatch.linewidth": 0.8,
    }
)
