"""Every number and every piece of typography an output prints, in the run's
language: the one place that decides how "12,5 %" and "p < 0,001" are written.

Conventions
-----------
French (``fr``): decimal comma; a no-break space (U+00A0) before ``%``,
``:``, ``;``, ``!``, ``?`` and inside « » quotes; thousands grouped by a
narrow no-break space (U+202F). One no-break space everywhere rather than the
Imprimerie nationale's narrow one before ``; ! ?``: U+00A0 exists in every
font Word, LibreOffice and browsers fall back to, U+202F does not (Calibri in
older Office versions draws a box).
English (``en``): decimal point, no space before ``%``, “ ” quotes, thousands
grouped by a comma.

Written by hand rather than with babel: the rules are two characters per
language, the layouts (three decimals, "<0.001", a trailing ",0" dropped) are
ours anyway, and CLDR's data change between babel releases (French moved from
U+00A0 to U+202F before % in CLDR 34), which would change output bytes on an
upgrade.

Spreadsheet cells are not formatted here: they hold numbers, and
:data:`XLSX_FORMATS` gives their number formats (Excel and LibreOffice show
the reader's own decimal mark).
"""

from __future__ import annotations

import math
import re

__all__ = [
    "NBSP",
    "XLSX_FORMATS",
    "decimal",
    "integer",
    "interval",
    "p_phrase",
    "p_value",
    "percent",
    "percent_number",
    "quote",
    "ratio",
    "typeset",
]

NBSP = "\u00a0"
NNBSP = "\u202f"
P_FLOOR = 0.001


def _mark(text: str, lang: str) -> str:
    return text.replace(".", ",") if lang != "en" else text


def _fixed(value: float, decimals: int) -> str:
    """``value`` with ``decimals`` decimals, halves rounded up as manuscripts
    print them (6.25 → 6.3; Python's format would give 6.2). repr() is the
    shortest decimal that round-trips: 0.35 stays 0.35, not 0.34999…."""
    from decimal import ROUND_HALF_UP, Decimal

    quantum = Decimal(1).scaleb(-decimals)
    return str(Decimal(repr(float(value))).quantize(quantum, rounding=ROUND_HALF_UP))


def decimal(value: float, lang: str, decimals: int = 1, trim: bool = False) -> str:
    """``value`` with ``decimals`` decimals in the language's mark; ``trim``
    drops trailing zeros ("12,50" → "12,5", "3,0" → "3"). NaN prints "–"."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    text = _fixed(value, decimals)
    if trim and "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", "-0.0"):
        text = text[1:]
    return _mark(text, lang)


def integer(value: int, lang: str) -> str:
    """A count, grouped by thousands from 10 000 (French) or 10,000 (English)."""
    value = int(value)
    if abs(value) < 10_000:
        return str(value)
    return f"{value:,}".replace(",", NNBSP if lang != "en" else ",")


def percent_number(value: float, lang: str, decimals: int = 1) -> str:
    """A percentage's number without its sign, one decimal, ",0" dropped."""
    if isinstance(value, float) and math.isnan(value):
        return ""
    text = _fixed(value, decimals)
    if decimals and text.endswith("." + "0" * decimals):
        text = text[: -decimals - 1]
    return _mark(text, lang)


def percent(value: float, lang: str, decimals: int = 1) -> str:
    """A percentage (0–100) with its sign: "12,5 %" (no-break space) or "12.5%"."""
    number = percent_number(value, lang, decimals)
    if not number:
        return ""
    return f"{number}%" if lang == "en" else f"{number}{NBSP}%"


def p_value(value: float, test: str, lang: str) -> str:
    """A p-value as a manuscript prints it: three decimals, "<0,001" / "<0.001",
    "1" for a constant row (no test)."""
    if test == "constant":
        return "1"
    if value < P_FLOOR:
        return "<" + _mark(f"{P_FLOOR}", lang)
    return _mark(_fixed(value, 3), lang)


def p_phrase(value: float, lang: str) -> str:
    """A p-value in running text: "p < 0,001", "p = 0,023"."""
    space = NBSP if lang != "en" else " "
    if value < P_FLOOR:
        return f"p{space}<{space}{_mark(f'{P_FLOOR}', lang)}"
    return f"p{space}={space}{_mark(_fixed(value, 3), lang)}"


def ratio(value: float, lang: str) -> str:
    """An odds ratio or bound: ∞ and 0 as such; three decimals below 10 (so
    that a lower bound of 0.0599 reads 0.060), fewer above."""
    if math.isinf(value):
        return "∞"
    return _mark(_fixed(value, 3 if value < 10 else 2 if value < 100 else 1), lang)


def interval(low: str, high: str, lang: str) -> str:
    """ "[a ; b]" in French, "[a; b]" in English."""
    return f"[{low}{NBSP}; {high}]" if lang != "en" else f"[{low}; {high}]"


def quote(text: str, lang: str) -> str:
    """« text » (no-break spaces inside) or “text”."""
    return f"«{NBSP}{text}{NBSP}»" if lang != "en" else f"“{text}”"


_SPACE_BEFORE = re.compile(r"[ \u202f]([%:;!?])")
_BARE_BEFORE = re.compile(r"(?<=[\w)\]])([;!?])(?=\s|$)")
_BARE_PERCENT = re.compile(r"(?<=\d)%")


_QUOTED = re.compile(r"(«[^«»]*»)")
# typeset changes nothing in a text without one of these (every rule above
# needs one): most texts of an output, returned after a single search.
_TYPESET_TRIGGER = re.compile("[%:;!?«]")


def _spacing(text: str) -> str:
    text = _SPACE_BEFORE.sub(NBSP + r"\1", text)
    text = _BARE_BEFORE.sub(NBSP + r"\1", text)
    return _BARE_PERCENT.sub(NBSP + "%", text)


def typeset(text: str, lang: str) -> str:
    """French spacing in a printed text: a no-break space before % : ; ! ?
    (replacing an ordinary space, or added where none was typed: "12%" →
    "12 %", "oui;" → "oui ;") and inside « ». What stands between « and » is
    a quotation: only its inner spaces are fixed, its words are left as
    printed. English text is returned as is. A colon typed without a space is
    left alone (times, "http:")."""
    if lang == "en" or not text or not _TYPESET_TRIGGER.search(text):
        return text
    parts = _QUOTED.split(text)
    for i, part in enumerate(parts):
        if i % 2:
            parts[i] = f"«{NBSP}{part[1:-1].strip()}{NBSP}»"
        else:
            part = _spacing(part)
            if i and part[:1] in (";", ":", "!", "?"):
                part = NBSP + part  # right after a closing »
            parts[i] = part
    return "".join(parts)


# Number formats of the workbook's numeric cells (the value a fraction for percentages).
# Format codes are written with "." (the file format's own); a spreadsheet
# shows its reader's decimal mark. Only the quoted text is the run's language.
XLSX_FORMATS = {
    "fr": {
        "count": "0",
        "percent": '0.0"\u00a0"%',
        "p": '[<0.001]"<0,001";0.000',
        "decimal": "0.0",
        "ratio": "0.000",
    },
    "en": {
        "count": "0",
        "percent": "0.0%",
        "p": '[<0.001]"<0.001";0.000',
        "decimal": "0.0",
        "ratio": "0.000",
    },
}


# The verdicts of the p-value check and the audit: codes in the CSV files'
# ``status`` columns (stable across languages, what a filter keeps), these
# labels in ``status_label`` and wherever a verdict is printed.
STATUS_LABELS = {
    "fr": {
        "match": "concordant",
        "mismatch": "discordant",
        "rounding": "arrondi (tronqué)",
        "not_checkable": "non vérifiable",
        "expected_mismatch": "discordance attendue",
        "unexpected_match": "concordance inattendue",
    },
    "en": {
        "match": "match",
        "mismatch": "mismatch",
        "rounding": "rounding (truncated)",
        "not_checkable": "not checkable",
        "expected_mismatch": "expected mismatch",
        "unexpected_match": "unexpected match",
    },
}


def status_label(code: str, lang: str) -> str:
    """The printed verdict of a status code (the code itself if unknown; "" for "")."""
    return STATUS_LABELS[lang].get(code, code) if code else ""


def printed_number(text: str, lang: str) -> str:
    """A number transcribed with a decimal point ("0.139", "<0.001") in the
    language's mark: a published value shown in a run of that language."""
    return re.sub(r"(?<=\d)\.(?=\d)", ",", text) if lang != "en" else text
