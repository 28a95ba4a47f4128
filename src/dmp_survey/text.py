"""Normalisation of header and answer text, so that an export matches the
codebook whatever its case, accents, spacing or punctuation.

Written by hand: it is a few lines of :mod:`unicodedata` and :mod:`re`, and the
exact rule (which punctuation survives) is study knowledge: ``<`` and ``>``
must survive, or "< 35 ans" and "> 35 ans" would become the same answer.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["closest", "normalise_header", "normalise_label"]

_TYPOGRAPHIC = str.maketrans(
    {
        "’": "'",
        "‘": "'",
        "`": "'",
        "´": "'",
        "«": '"',
        "»": '"',
        "“": '"',
        "”": '"',
        "–": "-",
        "—": "-",
        "‐": "-",
        "\u00a0": " ",
        "\u202f": " ",
    }
)
# Characters that carry meaning in answer labels and are kept.
_KEEP = "<>=+%"
_NOISE = re.compile(rf"[^\w{re.escape(_KEEP)}]+", flags=re.UNICODE)
_SPACES = re.compile(r"\s+")
# A leading question number as forms and spreadsheets write it:
# "1-", "1 -", "1.", "1)", "A)", "A1-", "B 2)", "10 -" …
_NUMBERING = re.compile(r"^\s*(?:[A-Ca-c]\s*\d{1,2}|\d{1,2}|[A-Za-z])\s*[-.):]\s*")


def normalise_label(text: str) -> str:
    """Return the matching key of an answer label.

    Case, accents, whitespace (all of it, so "60ans" matches "60 ans") and
    punctuation other than ``< > = + %`` are ignored.

    >>> normalise_label("  De 36 à 45  ANS ")
    'de36a45ans'
    >>> normalise_label("> 60ans") == normalise_label("> 60 ans")
    True
    """
    decomposed = unicodedata.normalize("NFKD", text.translate(_TYPOGRAPHIC))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    key = _NOISE.sub(" ", stripped.casefold()).replace("_", " ")
    return _SPACES.sub("", key)


def normalise_header(text: str) -> str:
    """Return the matching key of a column header: as :func:`normalise_label`,
    after removing a leading question number ("1-", "A)", "C9 -")."""
    return normalise_label(_NUMBERING.sub("", text.translate(_TYPOGRAPHIC), count=1))


def closest(value: str, candidates: list[str]) -> str | None:
    """Return the candidate closest to ``value`` (compared on normalised keys),
    or None when nothing is reasonably close."""
    import difflib

    keys = {normalise_label(c): c for c in candidates}
    match = difflib.get_close_matches(normalise_label(value), list(keys), n=1, cutoff=0.5)
    return keys[match[0]] if match else None
