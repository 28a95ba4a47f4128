"""Audit: every number a publication prints about its respondents, recomputed from
the coded responses, with a verdict.

Statuses
--------
``match``          the data give the printed value at its printed precision;
``rounding``       they give it under another common rounding (truncation);
``mismatch``       they do not: ``recomputed`` holds the value consistent with
                   the data, and ``note`` says when one respondent more or less
                   would explain the printed value;
``not_checkable``  the number needs data the responses do not hold (mails sent,
                   people outside the sample), or, on a reconstructed export, data
                   the publication never published (the reconstruction was built from the
                   very sentence that prints it).

Printed annex percentages are also checked against their own printed count and
denominator (``self_check``): a typo in the publication is told apart from a
disagreement with the data.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from ..io.coding import CodedResponses, asked_mask
from ..stats.counts import answer_slots
from ..study.codebook import Codebook
from ..study.plan import AnalysisPlan
from .check import PValueCheck
from .published import AnnexView, Published, annex_view, compare_printed, parse_printed, percent_checks

__all__ = ["AUDIT_COLUMNS", "audit"]

AUDIT_COLUMNS = [
    "location",
    "claim",
    "published",
    "recomputed",
    "status",
    "note",
    "source",
    "id",
    "section",
    "quantity",
    "variable",
    "self_check",
]

_MONTHS = {
    "janvier": 1, "january": 1, "fevrier": 2, "février": 2, "february": 2, "mars": 3, "march": 3,
    "avril": 4, "april": 4, "mai": 5, "may": 5, "juin": 6, "june": 6, "juillet": 7, "july": 7,
    "aout": 8, "août": 8, "august": 8, "septembre": 9, "september": 9, "octobre": 10,
    "october": 10, "novembre": 11, "november": 11, "decembre": 12, "décembre": 12, "december": 12,
}  # fmt: skip


def _parse_date(text: str) -> date | None:
    m = re.match(r"(\d{1,2})(?:st|nd|rd|th)?\s+([A-Za-zéûè]+)(?:\s+(\d{4}))?", text.strip())
    if not m or m.group(3) is None:
        return None
    month = _MONTHS.get(m.group(2).lower())
    return date(int(m.group(3)), month, int(m.group(1))) if month else None


# The audit's own sentences (claims and notes), in the run's language.
_TEXTS = {
    "en": {
        "p_claim": "p-value of the row ({test})",
        "inferred": "counts include the unprinted answers inferred from the published p-values",
        "count_claim": "number answering {answer} among {group}",
        "den_claim": "number asked among {group}",
        "pct_claim": "percentage answering {answer} among {group} ({n}/{den})",
        "self_mismatch": "the printed percentage does not follow from the printed count ({n}/{den})",
        "self_rounding": "the printed percentage truncates {n}/{den} instead of rounding it",
        "group_claim": "size of the column's group",
        "header": "header",
        "not_in_data": "not in the responses",
        "no_dates": "no answer dates in the export",
        "no_year": "date without a year",
        "from_printed": "from the printed {a} and {b}",
        "unpublished": "the publication never published this question's answers: the reconstructed "
        "export was built from this very sentence",
        "would_print": "{a}/{b} would print {printed}: {what}",
        "more_num": "one respondent more in the numerator",
        "fewer_num": "one respondent fewer in the numerator",
        "more_den": "one respondent more in the denominator",
        "fewer_den": "one respondent fewer in the denominator",
        "more_both": "one respondent more, counted in both",
        "fewer_both": "one respondent fewer, counted in both",
    },
    "fr": {
        "p_claim": "p de la ligne ({test})",
        "inferred": "les effectifs comprennent les réponses non imprimées déduites des p publiées",
        "count_claim": "nombre ayant répondu {answer} parmi les {group}",
        "den_claim": "nombre de personnes interrogées parmi les {group}",
        "pct_claim": "pourcentage ayant répondu {answer} parmi les {group} ({n}/{den})",
        "self_mismatch": "le pourcentage imprimé ne découle pas de l'effectif imprimé ({n}/{den})",
        "self_rounding": "le pourcentage imprimé tronque {n}/{den} au lieu de l'arrondir",
        "group_claim": "effectif du groupe de la colonne",
        "header": "en-tête",
        "not_in_data": "absent des réponses",
        "no_dates": "pas de dates de réponse dans l'export",
        "no_year": "date sans année",
        "from_printed": "à partir des nombres imprimés {a} et {b}",
        "unpublished": "la publication n'a jamais publié les réponses à cette question : l'export "
        "reconstitué a été construit à partir de cette phrase même",
        "would_print": "{a}/{b} donnerait {printed} : {what}",
        "more_num": "un répondant de plus au numérateur",
        "fewer_num": "un répondant de moins au numérateur",
        "more_den": "un répondant de plus au dénominateur",
        "fewer_den": "un répondant de moins au dénominateur",
        "more_both": "un répondant de plus, compté dans les deux",
        "fewer_both": "un répondant de moins, compté dans les deux",
    },
}


def _format_like(printed: str, value: float, lang: str = "en") -> str:
    """``value`` written with the printed number's decimals, in the run's
    language (decimal mark, a no-break space before % in French)."""
    from ..outputs import numbers

    p = parse_printed(printed.replace("<", ""))
    text = numbers.decimal(value, lang, p.decimals)
    if printed.strip().endswith("%"):
        text += "%" if lang == "en" else numbers.NBSP + "%"
    return text


def _one_respondent(printed: str, n: int, den: int, lang: str = "en") -> str:
    """Say which single-respondent change would give the printed percentage."""
    t = _TEXTS[lang]
    options = [
        (n + 1, den, "more_num"),
        (n - 1, den, "fewer_num"),
        (n, den + 1, "more_den"),
        (n, den - 1, "fewer_den"),
        (n + 1, den + 1, "more_both"),
        (n - 1, den - 1, "fewer_both"),
    ]
    for a, b, what in options:
        if 0 <= a <= b and b > 0 and compare_printed(printed, 100 * a / b) == "match":
            from ..outputs.numbers import quote

            return t["would_print"].format(a=a, b=b, printed=quote(printed, lang), what=t[what])
    return ""


class _Crosstabs:
    """Per variable, answers × usage group among the respondents asked, counted
    once on integer codes: each text number is then a sum of a few cells,
    whatever the number of respondents."""

    def __init__(
        self,
        frame: pd.DataFrame,
        codebook: Codebook,
        group_variable: str,
        populations: dict[str, frozenset[str] | None],
    ) -> None:
        self.frame = frame
        self.populations = populations
        self.codebook = codebook
        groups = frame[group_variable]
        self.groups = [str(g) for g in groups.cat.categories]
        self.group_codes = np.asarray(groups.cat.codes, dtype=np.intp)
        self._first: dict[int, np.ndarray] = {}  # per row width: each respondent's first bin
        self._tables: dict[str, tuple[list[str], np.ndarray]] = {}

    def table(self, variable: str) -> tuple[list[str], np.ndarray]:
        """(levels, groups × (levels + 1) counts), the last column the blanks."""
        if variable not in self._tables:
            # One bincount, no selection of the rows: a respondent's slot is
            # its answer's code, L (blank) or L + 1 (not asked: dropped). The
            # audit of 10^6 respondents took 0.40 s of CPU, now 0.17-0.20 s.
            column = self.frame[variable]
            levels = [str(c) for c in column.cat.categories]
            width = len(levels) + 2
            conditional = variable in self.codebook and self.codebook[variable].asked_if is not None
            asked = asked_mask(self.codebook[variable], self.frame) if conditional else None
            slots = answer_slots(np.asarray(column.cat.codes), len(levels), asked)
            if width not in self._first:
                self._first[width] = self.group_codes * width
            flat = np.bincount(self._first[width] + slots, minlength=len(self.groups) * width)
            self._tables[variable] = (levels, flat.reshape(len(self.groups), width)[:, : width - 1])
        return self._tables[variable]

    def count(self, variable: str, levels: list[str], population: str) -> tuple[int, int]:
        """(answers in ``levels``, answers given) among ``population`` asked."""
        names, table = self.table(variable)
        wanted = self.populations[population]
        rows = [i for i, g in enumerate(self.groups) if wanted is None or g in wanted]
        cols = [j for j, lv in enumerate(names) if lv in levels]
        sub = table[rows]
        return int(sub[:, cols].sum()), int(sub[:, : len(names)].sum())


def _study_text(row: object, column: str, lang: str) -> str:
    """A study's sentence in ``lang`` (its ``COLUMN_fr`` column), else as written."""
    return str(getattr(row, f"{column}_{lang}", "") or getattr(row, column) or "")


def _checked_by_row(check: PValueCheck) -> dict[tuple[int, str], dict[str, Any]]:
    """The check's line of each (annex, variable), as a dict: looked up once
    per cited p-value (a MultiIndex ``.loc`` each cost more than the rest)."""
    return {(int(r["annex"]), str(r["variable"])): r for r in check.frame.to_dict("records")}


def _reason(checked: Mapping[str, Any], lang: str) -> str:
    """Why a listed p-value cannot be reproduced, in ``lang`` when the study says it."""
    return str(checked.get(f"reason_{lang}") or checked["reason"] or "")


def _annex_rows(
    published: Published,
    tables: dict[int, pd.DataFrame],
    check: PValueCheck,
    plan: AnalysisPlan | AnnexView,
    codebook: Codebook,
    lang: str = "en",
) -> list[dict[str, object]]:
    from ..outputs import numbers
    from ..outputs.annex import SHORT_TESTS

    t = _TEXTS[lang]
    plan = annex_view(plan)
    cells = published.annex_cells
    # Looked up once per cell: plain dicts rather than a MultiIndex lookup each.
    percents = percent_checks(published, plan)
    self_checks = dict(
        zip(
            zip(percents["annex"], percents["variable"], percents["level"], percents["column"], strict=True),
            percents["status"],
            strict=True,
        )
    )
    checked = _checked_by_row(check)
    headers = published.annex_groups.set_index(["annex", "column"])
    cell_index = {
        number: {(r["variable"], r["level"]): r for r in table.to_dict("records")}
        for number, table in tables.items()
    }
    records: list[dict[str, object]] = []
    for r in cells.itertuples(index=False):
        annex = plan.annex(int(r.annex))
        row = plan.row(r.variable)
        where = f"{annex.label['fr']} · {r.row}"
        source = {
            "source": "annex",
            "id": "",
            "section": "ANNEXES",
            "quantity": r.quantity,
            "variable": r.variable,
        }
        if r.quantity == "p_value":
            c = checked[(int(r.annex), r.variable)]
            status = "match" if c["status"] in ("match", "unexpected_match") else "mismatch"
            note = _reason(c, lang) or (t["inferred"] if c["counts"] == "inferred" else "")
            records.append(
                {
                    "location": f"{where} · p",
                    "claim": t["p_claim"].format(test=SHORT_TESTS[lang].get(c["test"], c["test"])),
                    "published": r.printed,
                    "recomputed": numbers.decimal(float(c["recomputed"]), lang, 4),
                    "status": status,
                    "note": note,
                    "self_check": "",
                    **source,
                }
            )
            continue
        cell = cell_index[int(r.annex)][(r.variable, r.level)]
        side = "focal" if r.column == "focal" else "other"
        group_label = (annex.focal_label if side == "focal" else annex.other_label)["fr"]
        n = int(cell[f"n_{side}"])
        den = int(cell[f"n_{side}_total"])
        level_label = row.level_labels.get(r.level) or codebook[r.variable].answer(r.level).fr
        location = f"{where} · {level_label} · {group_label}"
        if r.quantity == "count":
            recomputed, status = str(n), "match" if int(r.printed) == n else "mismatch"
            claim = t["count_claim"].format(answer=numbers.quote(level_label, lang), group=group_label)
            self_check = ""
        elif r.quantity == "denominator":
            recomputed, status = str(den), "match" if int(r.printed) == den else "mismatch"
            claim = t["den_claim"].format(group=group_label)
            self_check = ""
        else:
            pct = 100.0 * n / den if den else float("nan")
            status = compare_printed(r.printed, pct)
            recomputed = _format_like(r.printed.strip("()"), pct, lang)
            claim = t["pct_claim"].format(
                answer=numbers.quote(level_label, lang), group=group_label, n=n, den=den
            )
            self_check = str(self_checks.get((int(r.annex), r.variable, r.level, r.column), ""))
        note = ""
        if status != "match" and r.quantity == "percent":
            note = {
                "mismatch": t["self_mismatch"].format(n=n, den=den),
                "rounding": t["self_rounding"].format(n=n, den=den),
            }.get(self_check, "")
        records.append(
            {
                "location": location,
                "claim": claim,
                "published": r.printed,
                "recomputed": recomputed,
                "status": status,
                "note": note,
                "self_check": self_check,
                **source,
            }
        )
    for r in published.annex_groups.itertuples(index=False):
        annex = plan.annex(int(r.annex))
        table = tables[int(r.annex)]
        side = "focal" if r.column == "focal" else "other"
        # The group sizes are the column totals of a row every respondent answered.
        full = table[table["variable"] == plan.rows[0].variable].iloc[0]
        n = int(full[f"n_{side}_total"])
        label = headers.loc[(int(r.annex), r.column), "group_label"]
        records.append(
            {
                "location": f"{annex.label['fr']} · en-tête · {label}",
                "claim": t["group_claim"],
                "published": r.printed,
                "recomputed": str(n),
                "status": "match" if int(r.printed) == n else "mismatch",
                "note": "",
                "self_check": "",
                "source": "annex",
                "id": "",
                "section": "ANNEXES",
                "quantity": "count",
                "variable": plan.group_variable,
            }
        )
    return records


def _text_rows(
    published: Published,
    coded: CodedResponses,
    tables: dict[int, pd.DataFrame],
    check: PValueCheck,
    plan: AnalysisPlan | AnnexView,
    codebook: Codebook,
    reconstructed: bool,
    lang: str = "en",
) -> list[dict[str, object]]:
    from ..outputs import numbers

    t = _TEXTS[lang]
    plan = annex_view(plan)
    frame = coded.frame
    text = published.text_numbers
    printed_by_id = dict(zip(text["id"], text["printed"], strict=True))
    checked = _checked_by_row(check)
    records: list[dict[str, object]] = []
    stamps = frame["timestamp"].dropna() if "timestamp" in frame else pd.Series(dtype="datetime64[ns]")
    crosstabs = _Crosstabs(frame, codebook, plan.group_variable, published.populations)
    for r in text.itertuples(index=False):
        base = {
            "location": f"{r.section} · « {r.fragment} »",
            "claim": _study_text(r, "claim", lang),
            "published": r.printed,
            "source": "text",
            "id": r.id,
            "section": r.section,
            "quantity": r.quantity,
            "variable": r.variable,
            "self_check": "",
        }
        note = _study_text(r, "note", lang)
        recomputed = ""
        status = "not_checkable"
        unpublished = r.variable in codebook and not codebook[r.variable].published
        if r.basis == "not_in_data":
            note = t["not_in_data"] + (f"; {note}" if note else "")
        elif r.basis in ("first_answer", "last_answer"):
            when = _parse_date(r.printed)
            if len(stamps) and when is not None:
                got = (stamps.min() if r.basis == "first_answer" else stamps.max()).date()
                recomputed = got.isoformat()
                status = "match" if got == when else "mismatch"
            else:
                note = t["no_dates"] if not len(stamps) else t["no_year"]
        elif r.quantity == "p_value":
            c = checked[(int(r.annex), r.variable)]
            recomputed = numbers.decimal(float(c["recomputed"]), lang, 4)
            status = compare_printed(r.printed, float(c["recomputed"]))
            if status == "rounding":
                status = "mismatch"
            reason = _reason(c, lang)
            if reason and status != "match":
                note = f"{note}; {reason}" if note else reason
        elif r.basis == "printed":
            num = float(parse_printed(printed_by_id[r.numerator]).value)
            den = float(parse_printed(printed_by_id[r.denominator]).value)
            value = 100 * num / den
            recomputed = _format_like(r.printed, value, lang)
            status = compare_printed(r.printed, value)
            note = t["from_printed"].format(a=printed_by_id[r.numerator], b=printed_by_id[r.denominator]) + (
                f"; {note}" if note else ""
            )
        elif r.variable == "respondents":
            n = len(frame)
            if r.quantity == "count":
                recomputed, status = str(n), "match" if int(r.printed) == n else "mismatch"
            else:
                den = float(parse_printed(printed_by_id[r.denominator]).value)
                value = 100 * n / den
                recomputed = _format_like(r.printed, value, lang)
                status = compare_printed(r.printed, value)
        else:
            variable = r.variable
            levels = r.levels.split("|") if r.levels else []
            n, den = crosstabs.count(variable, levels, r.population)
            if r.quantity == "count":
                recomputed = str(n)
                status = "match" if int(r.printed) == n else "mismatch"
            elif r.quantity == "ratio":
                recomputed = f"{n}/{den}"
                status = "match" if r.printed.replace(" ", "") == recomputed else "mismatch"
            else:
                value = 100 * n / den if den else float("nan")
                recomputed = _format_like(r.printed, value, lang) + f" ({n}/{den})"
                if r.relation == "more_than":
                    status = "match" if value > float(parse_printed(r.printed).value) else "mismatch"
                elif r.relation == "about":
                    status = compare_printed(re.sub(r"[.,]\d+", "", r.printed), value)
                else:
                    status = compare_printed(r.printed, value)
                if status == "mismatch":
                    extra = _one_respondent(r.printed, n, den, lang)
                    if extra:
                        note = f"{extra}; {note}" if note else extra
            if unpublished and reconstructed:
                status = "not_checkable"
                note = t["unpublished"] + (f"; {note}" if note else "")
        records.append({**base, "recomputed": recomputed, "status": status, "note": note})
    return records


def audit(
    published: Published,
    coded: CodedResponses,
    tables: dict[int, pd.DataFrame],
    check: PValueCheck,
    plan: AnalysisPlan | AnnexView,
    codebook: Codebook,
    reconstructed: bool = False,
    lang: str = "en",
) -> pd.DataFrame:
    """Recompute every transcribed number.

    Parameters
    ----------
    tables : dict
        Annex number → annex table computed from ``coded``.
    check : PValueCheck
        The p-value check on the same tables (p-values are audited through it).
    reconstructed : bool
        The responses are the reconstruction (claims about questions the publication
        never published are then ``not_checkable``).
    lang : {"en", "fr"}
        Language of ``claim``, ``note`` and ``recomputed`` (decimal mark); the
        study's own claims and notes in that language when its
        ``text_numbers.csv`` has ``claim_fr``/``note_fr`` columns.

    Returns
    -------
    pandas.DataFrame
        ``AUDIT_COLUMNS``: ``location, claim, published, recomputed, status``,
        then ``note``, ``source`` (annex or text), ``id`` (text numbers),
        ``section``, ``quantity``, ``variable`` and ``self_check`` (a printed
        annex percentage against its own printed count).
    """
    rows = _annex_rows(published, tables, check, plan, codebook, lang)
    rows += _text_rows(published, coded, tables, check, plan, codebook, reconstructed, lang)
    frame = pd.DataFrame.from_records(rows, columns=AUDIT_COLUMNS)
    if lang != "en":
        from ..outputs.numbers import typeset

        for column in ("claim", "note"):
            frame[column] = frame[column].map(lambda v: typeset(v, lang) if isinstance(v, str) else v)
    return frame
