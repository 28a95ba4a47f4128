"""Draft a study from a REDCap data dictionary (``dmp-survey init --from-redcap
DICTIONARY.csv``).

The dictionary declares each field's type; only the kind of a radio or
dropdown (binary, scale, single) is guessed. Headers are the variable names, as
REDCap's CSV export writes them (raw headers); a checkbox is drafted in the
per-column encoding, REDCap's ``var___code`` columns. Answers accept both the
raw value (``1``) and the label, so that either export ("raw" or "labels")
matches.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from ..errors import InputError
from ..text import normalise_header, normalise_label
from .draft import Cond, Draft, DraftAnswer, DraftQuestion, guess_choice_type, make_code, simple_condition
from .draft import study_id as make_study_id

__all__ = ["branching_condition", "draft_from_redcap", "parse_choices"]

_COLUMNS = {
    "variable": "variablefieldname",
    "type": "fieldtype",
    "label": "fieldlabel",
    "choices": "choicescalculationsorsliderlabels",
    "validation": "textvalidationtypeorshowslidernumber",
    "branching": "branchinglogicshowfieldonlyif",
    "identifier": "identifier",
}
_NUMBER_VALIDATIONS = re.compile(r"^(integer|number.*|float)$")
_DATE_VALIDATIONS = re.compile(r"^(date|datetime|datetime_seconds)_(dmy|mdy|ymd)$")


def parse_choices(text: str) -> list[tuple[str, str]]:
    """``"1, Oui | 2, Non"`` → ``[("1", "Oui"), ("2", "Non")]``."""
    out = []
    for part in text.split("|"):
        raw, sep, label = part.partition(",")
        if part.strip():
            out.append((raw.strip(), " ".join((label if sep else raw).split())))
    return out


def _read(path: Path) -> list[dict[str, str]]:
    from ..io.ingest import detect_format

    if detect_format(path) != "csv":
        raise InputError(path, "expected a REDCap data dictionary (.csv)")
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", "replace")
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise InputError(path, f"malformed CSV ({exc})") from None
    if not rows:
        raise InputError(path, "the data dictionary is empty")
    header = [normalise_header(h) for h in rows[0]]
    where: dict[str, int] = {}
    for key, norm in _COLUMNS.items():
        pos = next((i for i, h in enumerate(header) if h.startswith(norm)), None)
        if pos is not None:
            where[key] = pos
    for key in ("variable", "type", "label"):
        if key not in where:
            raise InputError(
                path,
                f"no '{key}' column: expected REDCap's 'Variable / Field Name', 'Field Type', 'Field Label'",
                row=1,
            )
    return [
        {key: (row[pos].strip() if pos < len(row) else "") for key, pos in where.items()}
        for row in rows[1:]
        if any(cell.strip() for cell in row)
    ]


def _clean(text: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", text).split())


_ATOM = re.compile(r"^\[([A-Za-z0-9_]+)(?:\((\w+)\))?\]\s*(=|<>|!=)\s*(?:(['\"])(.*)\4|(-?\w+))$")


def branching_condition(expr: str, questions: dict[str, DraftQuestion]) -> tuple[Cond | None, str | None]:
    """A REDCap branching logic (``[q1] = '1'``, ``<>``, joined by ``and`` or
    by ``or``) as a draft condition, or (None, why it was not)."""
    reason: list[str] = []

    def atom(text: str) -> Cond | None:
        m = _ATOM.match(text.strip())
        if not m:
            return None
        name, option, op = m.group(1), m.group(2), m.group(3)
        value = m.group(5) if m.group(5) is not None else m.group(6)
        target = questions.get(name)
        if option is not None or target is None or not target.categorical:
            reason.append(f"'{name}' is not a radio, dropdown or yes/no field of the draft")
            return None
        code = next((a.code for a in target.answers if value in a.aliases or a.code == value), None)
        if code is None:
            reason.append(f"'{value}' is not a choice of '{name}'")
            return None
        cond: Cond = ("in", name, [code])
        return cond if op == "=" else ("not", cond)

    cond = simple_condition(expr, atom)
    if cond is None:
        why = reason[0] if reason else "not a simple [q] = 'x' rule"
        return None, f"branching logic {expr!r} left as a comment: {why}; write it as a condition"
    return cond, None


def _answers(choices: list[tuple[str, str]], column_of: str | None = None) -> list[DraftAnswer]:
    taken: set[str] = set()
    answers = []
    for raw, label in choices:
        code = make_code(label, taken)
        aliases = (
            (raw,) if normalise_label(raw) not in (normalise_label(code), normalise_label(label)) else ()
        )
        column = f"{column_of}___{raw.lower().replace('-', '_')}" if column_of else None
        answers.append(DraftAnswer(code=code, label=_clean(label), aliases=aliases, column=column))
    return answers


def draft_from_redcap(path: Path) -> Draft:
    """Read a REDCap data dictionary (CSV) and draft its study."""
    fields = _read(path)
    questions: list[DraftQuestion] = []
    by_name: dict[str, DraftQuestion] = {}
    left_out: list[str] = []
    branching: list[tuple[DraftQuestion, str]] = []
    for i, f in enumerate(fields):
        name, ftype, label = f["variable"], f["type"].lower(), _clean(f["label"])
        if not name:
            raise InputError(path, "a field has no variable name", row=i + 2)
        if i == 0 or ftype in ("descriptive", "file", "sql") or (ftype == "calc"):
            if ftype != "descriptive":
                left_out.append(name)  # the record id, files, calculated fields
            continue
        q = _question(path, i + 2, name, ftype, label, f)
        q.key = name
        q.note = f"label: {label}" if label else None
        questions.append(q)
        by_name[name] = q
        if f.get("branching"):
            branching.append((q, f["branching"]))
    for q, expr in branching:
        q.asked_if, q.asked_if_comment = branching_condition(expr, by_name)
    if not questions:
        raise InputError(path, "the data dictionary holds no question")
    return Draft(
        study_id=make_study_id(path),
        source=f"the REDCap data dictionary {path.name}",
        questions=questions,
        left_out=left_out,
        notes=[
            "Headers are the variable names, as REDCap's CSV export writes them (raw headers);",
            "answers accept the raw value and the label. The record id, calculated and file",
            "fields are left out.",
        ],
    )


def _question(path: Path, row: int, name: str, ftype: str, label: str, f: dict[str, str]) -> DraftQuestion:
    from .infer import pii_header

    validation = f.get("validation", "").lower()
    q: DraftQuestion
    if ftype in ("radio", "dropdown", "checkbox"):
        choices = parse_choices(f.get("choices", ""))
        if len(choices) < 2:
            raise InputError(path, f"field '{name}': a {ftype} needs at least two choices", row=row)
        if ftype == "checkbox":
            return DraftQuestion(name, "multiple", _answers(choices, name), encoding="columns", en=label)
        answers = _answers(choices)
        kind, why = guess_choice_type([a.label for a in answers])
        return DraftQuestion(name, kind, answers, why=why, en=label)
    if ftype in ("yesno", "truefalse"):
        yes, no = ("Oui", "Yes", "1"), ("Non", "No", "0")
        if ftype == "truefalse":
            yes, no = ("Vrai", "True", "1"), ("Faux", "False", "0")
        answers = [
            DraftAnswer(code=yes[1].lower(), label=yes[0], en=yes[1], aliases=(yes[2],)),
            DraftAnswer(code=no[1].lower(), label=no[0], en=no[1], aliases=(no[2],)),
        ]
        return DraftQuestion(name, "binary", answers, en=label)
    if ftype == "slider":
        return DraftQuestion(name, "numeric", integer=True, en=label, why="a slider: a number from 0 to 100")
    if ftype == "text" and validation in (
        "email",
        "phone",
        "phone_australia",
        "postalcode_french",
        "zipcode",
    ):
        return DraftQuestion(
            name, "pii", en=label, why=f"a text field validated as {validation}: contact data"
        )
    if f.get("identifier", "").lower() in ("y", "yes"):
        return DraftQuestion(name, "pii", en=label, why="marked as an identifier in the dictionary")
    if ftype == "text" and _NUMBER_VALIDATIONS.match(validation):
        return DraftQuestion(name, "numeric", integer=validation == "integer", en=label)
    if ftype == "text" and _DATE_VALIDATIONS.match(validation):
        with_time = validation.startswith("datetime")
        return DraftQuestion(
            name, "date", en=label, datetime=with_time, why="REDCap exports dates as YYYY-MM-DD (ISO 8601)"
        )
    if ftype in ("text", "notes"):
        if pii_header(normalise_header(name)) or pii_header(normalise_header(label)):
            return DraftQuestion(
                name, "pii", en=label, why="guessed pii: the name or label asks for contact data"
            )
        return DraftQuestion(name, "free_text", en=label)
    q = DraftQuestion(name, "free_text", en=label, why=f"guessed free_text: REDCap field type '{ftype}'")
    return q
