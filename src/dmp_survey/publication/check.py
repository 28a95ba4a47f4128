"""The p-value regression check: recomputed p-values of the published tables
against every published one, at the printed precision, with a committed list
of the values that cannot be reproduced (the study's
``published/pvalue_expected_mismatches.csv``).

The check fails when a value outside that list does not match, and also when a
listed value starts to match, so that the list stays true.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import PlanError
from .published import Published, compare_printed

__all__ = [
    "CHECK_COLUMNS",
    "EXPECTED_MISMATCHES",
    "PValueCheck",
    "load_expected_mismatches",
    "pvalue_check",
]

EXPECTED_MISMATCHES = "pvalue_expected_mismatches.csv"
EXPECTED_COLUMNS = [
    "annex",
    "variable",
    "row",
    "published",
    "recomputed",
    "test",
    "pearson",
    "pearson_yates",
    "likelihood_ratio",
    "fisher_one_sided",
    "fisher_two_sided",
    "exact_rxc",
    "reason",
]
CHECK_COLUMNS = [
    "annex",
    "variable",
    "published",
    "recomputed",
    "test",
    "status",
    "row_label",
    "counts",
    "path",
    "reason",
]

# Statuses that make `dmp-survey check` exit 1.
FAILING = ("mismatch", "unexpected_match")


def load_expected_mismatches(directory: Path) -> pd.DataFrame:
    """Read the committed list of published p-values known not to be reproducible."""
    path = directory / EXPECTED_MISMATCHES
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except FileNotFoundError:
        raise PlanError(path, "expected-mismatch list not found") from None
    missing = [c for c in EXPECTED_COLUMNS if c not in frame.columns]
    if missing:
        raise PlanError(path, f"missing column '{missing[0]}'")
    frame["annex"] = frame["annex"].astype(int)
    return frame


@dataclass(frozen=True)
class PValueCheck:
    """Result of the check on one path (an export, or the published counts)."""

    frame: pd.DataFrame

    @property
    def failed(self) -> bool:
        return bool(self.frame["status"].isin(FAILING).any())

    def count(self, status: str) -> int:
        return int((self.frame["status"] == status).sum())

    def summary(self, lang: str = "en") -> str:
        path = self.frame["path"].iloc[0] if len(self.frame) else "?"
        inferred = int(((self.frame["status"] == "match") & (self.frame["counts"] == "inferred")).sum())
        if lang == "fr":
            return self._summary_fr(path, inferred)
        parts = [
            f"{path}: {self.count('match')} of {len(self.frame)} published p-values reproduced"
            + (f" ({inferred} of them on counts inferred from those p-values)" if inferred else ""),
            f"{self.count('expected_mismatch')} listed as not reproducible",
        ]
        if self.count("mismatch"):
            parts.append(f"{self.count('mismatch')} UNEXPECTED mismatch(es)")
        if self.count("unexpected_match"):
            parts.append(f"{self.count('unexpected_match')} listed value(s) now match: update the list")
        return "; ".join(parts)

    def _summary_fr(self, path: str, inferred: int) -> str:
        where = {"export": "export", "published counts": "effectifs publiés"}.get(path, path)
        parts = [
            f"{where} : {self.count('match')} des {len(self.frame)} p publiées reproduites"
            + (f" (dont {inferred} sur des effectifs déduits de ces p)" if inferred else ""),
            f"{self.count('expected_mismatch')} listées comme non reproductibles",
        ]
        if self.count("mismatch"):
            parts.append(f"{self.count('mismatch')} discordance(s) INATTENDUE(S)")
        if self.count("unexpected_match"):
            parts.append(
                f"{self.count('unexpected_match')} valeur(s) listée(s) désormais reproduite(s) : "
                "mettre la liste à jour"
            )
        return " ; ".join(parts)


def pvalue_check(
    tables: dict[int, pd.DataFrame],
    published: Published,
    expected: pd.DataFrame,
    path: str,
    inferred_variables: frozenset[str] = frozenset(),
    lang: str = "en",
) -> PValueCheck:
    """Compare recomputed annex p-values with the published ones.

    Parameters
    ----------
    tables : dict
        Published table number → comparison table
        (:func:`dmp_survey.stats.compare.comparison_table`).
    expected : DataFrame
        The committed expected-mismatch list.
    path : str
        Which counts the tables were computed from (``reconstructed export``,
        ``published counts``…), recorded in the result.
    inferred_variables : frozenset
        Variables whose counts include a split inferred from the published
        p-values (reported in the ``counts`` column).
    lang : {"en", "fr"}
        Language of ``reason``: the list's ``reason_fr`` column in French when
        it has one, else its ``reason``.

    Returns
    -------
    PValueCheck
        Its frame has the columns ``CHECK_COLUMNS``; ``status`` is ``match``,
        ``expected_mismatch``, ``mismatch`` (not in the list: a failure) or
        ``unexpected_match`` (in the list but reproduced: a failure).
    """
    column = f"reason_{lang}" if f"reason_{lang}" in expected.columns else "reason"
    listed = {
        (int(a), str(v)): str(why or fallback)
        for a, v, why, fallback in zip(
            expected["annex"], expected["variable"], expected[column], expected["reason"], strict=True
        )
    }
    records = []
    # Each table's first line per question, read once (a boolean filter of the
    # frame per published p-value cost most of the check).
    first_lines: dict[int, dict[Any, dict[str, Any]]] = {}
    for r in published.pvalues().itertuples():
        annex, variable = int(r.annex), r.variable
        if annex not in first_lines:
            first_lines[annex] = {}
            for line in tables[annex].to_dict("records"):
                first_lines[annex].setdefault(line["variable"], line)
        row = first_lines[annex][variable]
        verdict = compare_printed(r.printed, float(row["p_value"]))
        matched = verdict == "match"
        key = (annex, variable)
        if key in listed:
            status = "unexpected_match" if matched else "expected_mismatch"
        else:
            status = "match" if matched else "mismatch"
        records.append(
            {
                "annex": annex,
                "variable": variable,
                "published": r.printed,
                "recomputed": float(row["p_value"]),
                "test": row["test"],
                "status": status,
                "row_label": row["row_label"],
                "counts": "inferred" if variable in inferred_variables else "printed",
                "path": path,
                "reason": listed.get(key, ""),
            }
        )
    return PValueCheck(pd.DataFrame.from_records(records, columns=CHECK_COLUMNS))
