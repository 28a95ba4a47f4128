"""Draft a study from an XLSForm (``dmp-survey init --from-xlsform FORM.xlsx``).

The form's ``survey`` and ``choices`` sheets are read with openpyxl (after the
same hostile-workbook preflight as exports); the form's types are declared,
so only the kind of a ``select_one`` (binary, scale, single) is guessed. The
codebook's headers are the questions' ``name``, as KoboToolbox writes them in
an export with XML headers (groups not included in headers); a
``select_multiple`` is drafted in the per-column encoding, Kobo's ``q/option``
columns.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..text import normalise_header, normalise_label
from .draft import (
    Cond,
    Draft,
    DraftAnswer,
    DraftQuestion,
    InitError,
    guess_choice_type,
    make_code,
    simple_condition,
)
from .draft import study_id as make_study_id

__all__ = ["draft_from_xlsform", "relevant_condition"]

_META_TYPES = frozenset({"start", "end", "today", "calculate", "hidden", "audit", "start-geopoint"})
_PII_TYPES = frozenset({"deviceid", "username", "phonenumber", "simserial", "subscriberid", "email"})
_SKIP_TYPES = frozenset({"note", "begin_group", "end_group", "begin_repeat", "end_repeat"})
_FREE_TYPES = frozenset(
    {
        "text",
        "geopoint",
        "geotrace",
        "geoshape",
        "image",
        "audio",
        "video",
        "file",
        "barcode",
        "background-audio",
    }
)


def _sheet(wb: Any, name: str, path: Path) -> list[dict[str, Any]]:
    titles = {t.strip().lower(): t for t in wb.sheetnames}
    if name not in titles:
        raise InputError(path, f"no '{name}' sheet; an XLSForm has 'survey' and 'choices' sheets")
    rows = wb[titles[name]].iter_rows(values_only=True)
    header = [str(h).strip().lower() if h is not None else "" for h in next(rows, ())]
    out = []
    for row in rows:
        record = {h: v for h, v in zip(header, row, strict=False) if h and v is not None and str(v).strip()}
        if record:
            out.append({k: str(v).strip() for k, v in record.items()})
    return out


def _labels(record: dict[str, Any]) -> tuple[str | None, str | None]:
    """(French or default label, English label) of a survey or choices row."""
    default = record.get("label")
    fr = en = None
    for key, value in record.items():
        low = key.lower()
        if not low.startswith("label::"):
            continue
        if "(en)" in low or "english" in low or "anglais" in low:
            en = value
        elif "(fr)" in low or "fran" in low:
            fr = value
        elif default is None:
            default = value
    return fr or default or en, en


def _clean(text: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", text).replace("*", "").split())


_EQ = re.compile(r"^\$\{([^}]+)\}\s*(=|!=)\s*(['\"])(.*)\3$")
_SELECTED = re.compile(r"^(not\s*\(\s*)?selected\(\s*\$\{([^}]+)\}\s*,\s*(['\"])(.*)\3\s*\)(\s*\))?$")


def relevant_condition(expr: str, questions: dict[str, DraftQuestion]) -> tuple[Cond | None, str | None]:
    """An XLSForm ``relevant`` as a draft condition (``${q} = 'x'``,
    ``selected(${q}, 'x')``, their negations, joined by ``and`` or by ``or``),
    or (None, why it was not)."""
    reason: list[str] = []

    def atom(text: str) -> Cond | None:
        m = _EQ.match(text)
        if m:
            name, negate, value = m.group(1), m.group(2) == "!=", m.group(4)
        else:
            s = _SELECTED.match(text)
            if not s or bool(s.group(1)) != bool(s.group(5)):
                return None
            name, negate, value = s.group(2), bool(s.group(1)), s.group(4)
        target = questions.get(name)
        if target is None or not target.categorical:
            reason.append(f"'{name}' is not a single-choice question of the draft")
            return None
        code = next(
            (a.code for a in target.answers if (a.aliases and value in a.aliases) or a.code == value), None
        )
        code = code or next(
            (a.code for a in target.answers if normalise_label(a.code) == normalise_label(value)), None
        )
        if code is None:
            reason.append(f"'{value}' is not a choice of '{name}'")
            return None
        cond: Cond = ("in", name, [code])
        return ("not", cond) if negate else cond

    cond = simple_condition(expr, atom)
    if cond is None:
        why = reason[0] if reason else "not a simple ${q} = 'x' / selected(${q}, 'x') rule"
        return None, f"relevant {expr!r} left as a comment: {why}; write it as a condition"
    return cond, None


def draft_from_xlsform(path: Path) -> Draft:
    """Read an XLSForm's ``survey`` and ``choices`` sheets and draft its study."""
    import openpyxl

    from ..io.ingest import _preflight_xlsx, detect_format

    if detect_format(path) != "xlsx":
        raise InputError(path, "expected an XLSForm workbook (.xlsx) with 'survey' and 'choices' sheets")
    _preflight_xlsx(path)
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl, zipfile and defusedxml raise many types
        raise InputError(path, f"not a readable XLSForm workbook ({exc.__class__.__name__})") from None
    try:
        survey = _sheet(wb, "survey", path)
        choices = _sheet(wb, "choices", path) if "choices" in {t.lower() for t in wb.sheetnames} else []
    finally:
        wb.close()
    lists: dict[str, list[dict[str, Any]]] = {}
    for row in choices:
        name = row.get("list_name") or row.get("list name")
        if name and "name" in row:
            lists.setdefault(name, []).append(row)

    questions: list[DraftQuestion] = []
    by_name: dict[str, DraftQuestion] = {}
    left_out: list[str] = []
    relevants: list[tuple[DraftQuestion, str]] = []
    for line, row in enumerate(survey, 2):
        qtype = " ".join(row.get("type", "").split())
        qtype = re.sub(r"^select (one|multiple) ", r"select_\1 ", qtype, flags=re.IGNORECASE)
        name = row.get("name", "")
        base = qtype.split(" ")[0].replace(" ", "_").lower() if qtype else ""
        base = {"begin": "begin_group", "end": "end_group"}.get(base, base)
        if base in _SKIP_TYPES or not qtype:
            continue
        if not name:
            raise InitError(path, f"survey row {line}: a '{qtype}' has no name")
        fr, en = _labels(row)
        q = _question(path, line, base, qtype, name, fr, en, lists)
        if q is None:
            left_out.append(name)
            continue
        q.key = name
        if fr:
            q.note = f"label: {_clean(fr)}"
        questions.append(q)
        by_name[name] = q
        if row.get("relevant"):
            relevants.append((q, row["relevant"]))
    for q, expr in relevants:
        q.asked_if, q.asked_if_comment = relevant_condition(expr, by_name)
    if not questions:
        raise InputError(path, "the survey sheet holds no question")
    return Draft(
        study_id=make_study_id(path),
        source=f"the XLSForm {path.name}",
        questions=questions,
        left_out=left_out,
        notes=[
            "Headers are the questions' names, as KoboToolbox writes them with XML headers and",
            "without groups in headers; a select_multiple is read from its 'name/option' columns.",
        ],
    )


def _question(
    path: Path,
    line: int,
    base: str,
    qtype: str,
    name: str,
    fr: str | None,
    en: str | None,
    lists: dict[str, list[dict[str, Any]]],
) -> DraftQuestion | None:
    label_key = normalise_header(fr or "")
    en_text = _clean(en) if en else (_clean(fr) if fr else None)
    q: DraftQuestion
    if base in _META_TYPES:
        return None
    if base in _PII_TYPES:
        q = DraftQuestion(name, "pii", why=f"a {base} field: identifies the respondent")
    elif base in (
        "select_one",
        "select_multiple",
        "select_one_from_file",
        "select_multiple_from_file",
        "rank",
    ):
        parts = qtype.split(" ")
        if base.endswith("_from_file") or base == "rank" or len(parts) < 2:
            q = DraftQuestion(name, "free_text", why=f"a {base}: its choices are not in the form; list them")
        else:
            rows = lists.get(parts[1])
            if not rows:
                raise InitError(
                    path, f"survey row {line}: '{name}' uses list '{parts[1]}', not in the choices sheet"
                )
            q = _select(name, base, rows)
    elif base in ("integer", "decimal", "range"):
        q = DraftQuestion(name, "numeric", integer=base != "decimal")
    elif base in ("date", "datetime"):
        q = DraftQuestion(name, "date", datetime=base == "datetime")
    elif base == "time":
        q = DraftQuestion(name, "free_text", why="a time of day: counted as answered")
    elif base in _FREE_TYPES:
        from .infer import pii_header

        if pii_header(normalise_header(name)) or pii_header(label_key):
            q = DraftQuestion(
                name, "pii", why="guessed pii: the name or label asks for contact or identity data"
            )
        else:
            why = None if base == "text" else f"a {base} answer: counted as answered"
            q = DraftQuestion(name, "free_text", why=why)
    else:
        q = DraftQuestion(name, "free_text", why=f"guessed free_text: unknown XLSForm type '{base}'")
    q.en = en_text
    q.en_certain = en is not None
    return q


def _select(name: str, base: str, rows: Sequence[dict[str, Any]]) -> DraftQuestion:
    taken: set[str] = set()
    answers = []
    for row in rows:
        fr, en = _labels(row)
        label = _clean(fr or row["name"])
        code = make_code(row["name"], taken)
        aliases = (row["name"],) if normalise_label(row["name"]) != normalise_label(code) else ()
        answers.append(
            DraftAnswer(
                code=code,
                label=label,
                en=_clean(en) if en else None,
                aliases=aliases,
                column=f"{name}/{row['name']}" if base == "select_multiple" else None,
            )
        )
    if base == "select_multiple":
        return DraftQuestion(name, "multiple", answers, encoding="columns")
    kind, why = guess_choice_type([a.label for a in answers])
    return DraftQuestion(name, kind, answers, why=why)
