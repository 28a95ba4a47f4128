"""The codebook: every question of the questionnaire as typed, frozen objects.

The study's questions, answers, conditions and derived variables are data
(``data/codebook.yaml``); this module only loads and validates them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from ..errors import CodebookError
from ..text import normalise_header, normalise_label
from .yamlfile import YamlFile

__all__ = [
    "Answer",
    "Codebook",
    "Condition",
    "DerivedLevel",
    "DerivedVariable",
    "Question",
    "QuestionType",
    "build_codebook",
    "load_codebook",
    "option_column",
    "parse_condition",
]


class QuestionType(StrEnum):
    """Kinds of question; the coding and the statistics depend on it."""

    BINARY = "binary"
    SINGLE = "single"
    ORDERED = "ordered"
    LIKERT = "likert"
    NUMERIC = "numeric"
    MULTIPLE = "multiple"
    DATE = "date"
    FREE_TEXT = "free_text"
    PII = "pii"


CATEGORICAL_TYPES = frozenset(
    {QuestionType.BINARY, QuestionType.SINGLE, QuestionType.ORDERED, QuestionType.LIKERT}
)


@dataclass(frozen=True)
class Answer:
    """One answer of a question: its stable code and its labels."""

    code: str
    fr: str
    en: str
    aliases: tuple[str, ...] = ()
    note: str | None = None
    inferred: bool = False  # its counts are never printed; a reconstruction infers them
    column: str | None = None  # multiple questions, one column per option: its header

    def label(self, lang: str) -> str:
        return self.en if lang == "en" else self.fr


@dataclass(frozen=True)
class Condition:
    """When a question is asked: ``question in codes``, or all/any/not of others.

    Exactly one of the groups of fields is set: ``question`` with ``codes``;
    ``all_of``; ``any_of``; ``negate``.
    """

    question: str | None = None
    codes: tuple[str, ...] = ()
    all_of: tuple[Condition, ...] = ()
    any_of: tuple[Condition, ...] = ()
    negate: Condition | None = None

    def questions(self) -> set[str]:
        """Every question id the condition refers to."""
        found = {self.question} if self.question else set()
        for sub in (*self.all_of, *self.any_of, *((self.negate,) if self.negate else ())):
            found |= sub.questions()
        return found

    def describe(self, lang: str = "fr") -> str:
        """Human-readable form, e.g. ``q2_vaccinates ∈ {yes}``."""
        if self.question is not None:
            return f"{self.question} ∈ {{{', '.join(self.codes)}}}"
        if self.negate is not None:
            return f"not ({self.negate.describe(lang)})"
        joiner = " and " if self.all_of else " or "
        return "(" + joiner.join(c.describe(lang) for c in (self.all_of or self.any_of)) + ")"


@dataclass(frozen=True)
class Question:
    """One question of the questionnaire."""

    id: str
    number: str
    text: str
    en: str
    type: QuestionType
    answers: tuple[Answer, ...] = ()
    asked_if: Condition | None = None
    published: bool = True
    note: str | None = None
    anchors: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    # numeric
    integer: bool = False
    unit: Mapping[str, str] = field(default_factory=dict)
    minimum: float | None = None
    maximum: float | None = None
    missing_values: tuple[float, ...] = ()
    # multiple
    encoding: str = "joined"
    separator: str = ", "
    # date
    date_format: str | None = None
    datetime: bool = False

    @property
    def is_categorical(self) -> bool:
        return self.type in CATEGORICAL_TYPES

    @property
    def is_multiple(self) -> bool:
        return self.type is QuestionType.MULTIPLE

    @property
    def export_columns(self) -> tuple[str, ...]:
        """The columns an export holds for this question: its id, or one per
        option of a multiple question in the per-column encoding."""
        if self.is_multiple and self.encoding == "columns":
            return self.columns
        return (self.id,)

    @property
    def columns(self) -> tuple[str, ...]:
        """The coded columns this question gives: its id, or one yes/no
        column ``ID__CODE`` per option of a multiple question."""
        if self.is_multiple:
            return tuple(option_column(self.id, a.code) for a in self.answers)
        return (self.id,)

    @property
    def is_ordered(self) -> bool:
        return self.type in (QuestionType.ORDERED, QuestionType.LIKERT)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(a.code for a in self.answers)

    def answer(self, code: str) -> Answer:
        for a in self.answers:
            if a.code == code:
                return a
        raise KeyError(code)

    def label(self, lang: str) -> str:
        return self.en if lang == "en" else self.text

    def label_keys(self) -> dict[str, str]:
        """Normalised label (and alias, and code) → answer code."""
        keys: dict[str, str] = {}
        for a in self.answers:
            for text in (a.fr, a.en, a.code, *a.aliases):
                keys.setdefault(normalise_label(text), a.code)
        return keys


@dataclass(frozen=True)
class DerivedLevel:
    code: str
    fr: str
    en: str
    when: Condition | None  # None means "otherwise"

    def label(self, lang: str) -> str:
        return self.en if lang == "en" else self.fr


@dataclass(frozen=True)
class DerivedVariable:
    """A variable computed from answers (the first level whose condition holds)."""

    id: str
    fr: str
    en: str
    levels: tuple[DerivedLevel, ...]
    assumption: str
    ordered: bool = False

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(level.code for level in self.levels)

    def level(self, code: str) -> DerivedLevel:
        for level in self.levels:
            if level.code == code:
                return level
        raise KeyError(code)


@dataclass(frozen=True)
class Codebook:
    """The whole codebook, with lookups by id and by normalised header."""

    path: Path
    study: str
    title: Mapping[str, str]
    questions: tuple[Question, ...]
    derived: tuple[DerivedVariable, ...]
    timestamp_headers: tuple[str, ...]
    pii_patterns: tuple[re.Pattern[str], ...]

    def __getitem__(self, qid: str) -> Question:
        """A question by id; ``ID__CODE`` gives the yes/no variable of one
        option of a multiple question (ticked / not ticked)."""
        for q in self.questions:
            if q.id == qid:
                return q
        for q in self.questions:
            if q.is_multiple and qid in q.columns:
                return _option_question(q, q.answer(qid.split("__", 1)[1]))
        raise KeyError(qid)

    def __contains__(self, qid: object) -> bool:
        return any(q.id == qid or (q.is_multiple and qid in q.columns) for q in self.questions)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(q.id for q in self.questions)

    @property
    def data_questions(self) -> tuple[Question, ...]:
        """Questions whose answers are kept (everything but contact/PII)."""
        return tuple(q for q in self.questions if q.type is not QuestionType.PII)

    @property
    def required(self) -> tuple[Question, ...]:
        """Questions an export must have a column for (free text and dates may be absent)."""
        return tuple(
            q
            for q in self.questions
            if q.is_categorical or q.type in (QuestionType.NUMERIC, QuestionType.MULTIPLE)
        )

    def question_of(self, column: str) -> Question:
        """The question a raw column id belongs to (``ID`` or ``ID__CODE``)."""
        for q in self.questions:
            if column == q.id or (q.is_multiple and column in q.columns):
                return q
        raise KeyError(column)

    def derived_variable(self, vid: str) -> DerivedVariable:
        for d in self.derived:
            if d.id == vid:
                return d
        raise KeyError(vid)

    def header_keys(self) -> dict[str, str]:
        """Normalised header text (and id) → question id."""
        keys: dict[str, str] = {}
        for q in self.questions:
            if q.is_multiple and q.encoding == "columns":
                # One column per option: each header names its option.
                for a in q.answers:
                    column = option_column(q.id, a.code)
                    keys[normalise_header(str(a.column))] = column
                    keys[normalise_label(column)] = column
                continue
            keys[normalise_header(q.text)] = q.id
            keys[normalise_label(q.id)] = q.id
        return keys

    def is_timestamp_header(self, header: str) -> bool:
        key = normalise_header(header)
        return any(key == normalise_header(t) for t in self.timestamp_headers)

    def is_pii_header(self, header: str) -> bool:
        """True when a header names contact or identity data (e-mail, name, phone…)."""
        spaced = " ".join(_words(header))
        return any(p.search(spaced) for p in self.pii_patterns)


def option_column(qid: str, code: str) -> str:
    """The yes/no column of one option of a multiple question."""
    return f"{qid}__{code}"


# The answers of an option's yes/no variable.
TICKED = Answer(code="yes", fr="Coché", en="Ticked")
NOT_TICKED = Answer(code="no", fr="Non coché", en="Not ticked")


def _option_question(q: Question, option: Answer) -> Question:
    sep_fr = " : "
    return Question(
        id=option_column(q.id, option.code),
        number=q.number,
        text=f"{q.text}{sep_fr}{option.fr}",
        en=f"{q.en}: {option.en}",
        type=QuestionType.BINARY,
        answers=(TICKED, NOT_TICKED),
        asked_if=q.asked_if,
        published=q.published,
    )


def _words(text: str) -> list[str]:
    # Words of a header, accent- and case-folded, for the PII patterns.
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return re.findall(r"[a-z0-9]+(?:-[a-z0-9]+)*", plain)


# --- loading -----------------------------------------------------------------


def _fail(path: Path, message: str) -> CodebookError:
    return CodebookError(path, message)


def _text(path: Path, node: Mapping[str, Any], key: str, where: str) -> str:
    value = node.get(key)
    if not isinstance(value, str | int) or str(value).strip() == "":
        raise _fail(path, f"{where}: '{key}' must be a non-empty text")
    return str(value)


def parse_condition(path: Path, node: Any, where: str) -> Condition:
    """Parse a condition mapping (question/in, all, any, not); ``path`` and
    ``where`` locate errors."""
    if not isinstance(node, Mapping) or len(node) == 0:
        raise _fail(path, f"{where}: a condition must be a mapping")
    if "question" in node:
        codes = node.get("in")
        if not isinstance(codes, Sequence) or isinstance(codes, str) or not codes:
            raise _fail(path, f"{where}: condition on '{node['question']}' needs 'in: [codes]'")
        return Condition(question=str(node["question"]), codes=tuple(str(c) for c in codes))
    if "all" in node:
        return Condition(all_of=tuple(parse_condition(path, c, where) for c in node["all"]))
    if "any" in node:
        return Condition(any_of=tuple(parse_condition(path, c, where) for c in node["any"]))
    if "not" in node:
        return Condition(negate=parse_condition(path, node["not"], where))
    raise _fail(path, f"{where}: unknown condition {sorted(node)}; use question/in, all, any or not")


def _answers(path: Path, qid: str, nodes: Any) -> tuple[Answer, ...]:
    if not isinstance(nodes, Sequence) or isinstance(nodes, str):
        raise _fail(path, f"question '{qid}': 'answers' must be a list")
    answers = []
    for i, node in enumerate(nodes, start=1):
        where = f"question '{qid}', answer {i}"
        if not isinstance(node, Mapping):
            raise _fail(path, f"{where}: must be a mapping with code, fr, en")
        answers.append(
            Answer(
                code=_text(path, node, "code", where),
                fr=_text(path, node, "fr", where),
                en=_text(path, node, "en", where),
                aliases=tuple(str(a) for a in node.get("aliases", ()) or ()),
                note=node.get("note"),
                inferred=bool(node.get("inferred", False)),
                column=None if node.get("column") is None else str(node["column"]),
            )
        )
    return tuple(answers)


def _check_unique_answers(path: Path, q: Question) -> None:
    seen_codes: set[str] = set()
    seen_labels: dict[str, str] = {}
    for a in q.answers:
        if a.code in seen_codes:
            raise _fail(path, f"question '{q.id}': duplicate answer code '{a.code}'")
        seen_codes.add(a.code)
        # Every spelling accepted on input (labels, aliases, code) must decode to
        # one answer only; one answer may repeat itself ("1" is fr, en and code).
        for text in (a.fr, *a.aliases, a.en, a.code):
            key = normalise_label(text)
            other = seen_labels.get(key)
            if other is not None and other != a.code:
                raise _fail(
                    path,
                    f"question '{q.id}': duplicate answer label '{text}' (answers '{other}' and '{a.code}')",
                )
            seen_labels[key] = a.code


def _question(path: Path, node: Any, index: int) -> Question:
    where = f"question {index}"
    if not isinstance(node, Mapping):
        raise _fail(path, f"{where}: must be a mapping")
    qid = _text(path, node, "id", where)
    where = f"question '{qid}'"
    try:
        qtype = QuestionType(str(node.get("type")))
    except ValueError:
        allowed = ", ".join(t.value for t in QuestionType)
        raise _fail(path, f"{where}: unknown type '{node.get('type')}' (expected {allowed})") from None
    answers = _answers(path, qid, node.get("answers", ()) or ())
    with_answers = CATEGORICAL_TYPES | {QuestionType.MULTIPLE}
    if qtype in with_answers and len(answers) < 2:
        raise _fail(path, f"{where}: a {qtype.value} question needs at least two answers")
    if qtype not in with_answers and answers:
        raise _fail(path, f"{where}: a {qtype.value} question takes no answer list")
    encoding = str(node.get("encoding", "joined"))
    if qtype is QuestionType.MULTIPLE and encoding == "columns":
        missing_column = [a.code for a in answers if not a.column]
        if missing_column:
            raise _fail(
                path, f"{where}: option '{missing_column[0]}' needs its 'column' (the export's header)"
            )
    elif any(a.column for a in answers):
        raise _fail(
            path, f"{where}: 'column' is for the options of a multiple question with encoding: columns"
        )
    for name in ("integer", "unit", "min", "max", "missing_values"):
        if name in node and qtype is not QuestionType.NUMERIC:
            raise _fail(path, f"{where}: '{name}' is for numeric questions")
    for name in ("encoding", "separator"):
        if name in node and qtype is not QuestionType.MULTIPLE:
            raise _fail(path, f"{where}: '{name}' is for multiple questions")
    for name in ("format", "datetime"):
        if name in node and qtype is not QuestionType.DATE:
            raise _fail(path, f"{where}: '{name}' is for date questions")
    minimum = None if node.get("min") is None else float(node["min"])
    maximum = None if node.get("max") is None else float(node["max"])
    if minimum is not None and maximum is not None and minimum > maximum:
        raise _fail(path, f"{where}: min {node['min']} is above max {node['max']}")
    asked_if = node.get("asked_if")
    q = Question(
        id=qid,
        number=str(node.get("number", "")),
        text=_text(path, node, "text", where),
        en=str(node.get("en", "")),
        type=qtype,
        answers=answers,
        asked_if=parse_condition(path, asked_if, where) if asked_if is not None else None,
        published=bool(node.get("published", True)),
        note=node.get("note"),
        anchors=node.get("anchors", {}) or {},
        integer=bool(node.get("integer", False)),
        unit=node.get("unit") or {},
        minimum=minimum,
        maximum=maximum,
        missing_values=tuple(float(v) for v in node.get("missing_values", ()) or ()),
        encoding=encoding,
        separator=str(node.get("separator", ", ")),
        date_format=None if node.get("format") is None else str(node["format"]),
        datetime=bool(node.get("datetime", False)),
    )
    _check_unique_answers(path, q)
    return q


def _derived(path: Path, node: Any) -> DerivedVariable:
    where = f"derived variable '{node.get('id', '?')}'"
    levels = []
    for i, lv in enumerate(node.get("levels", ()) or (), start=1):
        when = lv.get("when")
        levels.append(
            DerivedLevel(
                code=_text(path, lv, "code", f"{where}, level {i}"),
                fr=_text(path, lv, "fr", f"{where}, level {i}"),
                en=_text(path, lv, "en", f"{where}, level {i}"),
                when=None if when == "otherwise" else parse_condition(path, when, where),
            )
        )
    if not levels or levels[-1].when is not None:
        raise _fail(path, f"{where}: the last level must be 'when: otherwise'")
    if any(lv.when is None for lv in levels[:-1]):
        raise _fail(path, f"{where}: only the last level may be 'otherwise'")
    if len({lv.code for lv in levels}) != len(levels):
        raise _fail(path, f"{where}: duplicate level code")
    return DerivedVariable(
        id=_text(path, node, "id", where),
        fr=str(node.get("fr", "")),
        en=str(node.get("en", "")),
        levels=tuple(levels),
        assumption=str(node.get("assumption", "")),
        ordered=str(node.get("type", "single")) == "ordered",
    )


def _check_conditions(path: Path, questions: Sequence[Question], derived: Sequence[DerivedVariable]) -> None:
    by_id = {q.id: q for q in questions}

    def check(cond: Condition, owner: str) -> None:
        for qid in cond.questions():
            target = by_id.get(qid)
            if target is None:
                raise _fail(path, f"{owner}: condition names unknown question '{qid}'")
            if qid == owner:
                raise _fail(path, f"{owner}: condition names the question itself")
        stack = [cond]
        while stack:
            c = stack.pop()
            if c.question is not None:
                unknown = [code for code in c.codes if code not in by_id[c.question].codes]
                if unknown:
                    raise _fail(
                        path,
                        f"{owner}: condition uses unknown answer '{unknown[0]}' of '{c.question}'",
                    )
            stack.extend((*c.all_of, *c.any_of, *((c.negate,) if c.negate else ())))

    for q in questions:
        if q.asked_if is not None:
            check(q.asked_if, q.id)
    for d in derived:
        for lv in d.levels:
            if lv.when is not None:
                check(lv.when, d.id)


def _located(doc: YamlFile, key: tuple[str | int, ...], exc: CodebookError) -> CodebookError:
    # Errors of the checks below know their question, not their line: the
    # entry's line and key are added here.
    if exc.line is not None:
        return exc
    from .yamlfile import format_key

    return CodebookError(doc.path, exc.message, line=doc.line(key), key=format_key(key))


def build_codebook(doc: YamlFile) -> Codebook:
    """The codebook of a schema-valid ``codebook.yaml``, checked.

    Raises
    ------
    CodebookError
        A duplicate question id, header text or answer label, a condition
        naming an unknown question or answer, a malformed entry; located at
        the entry's line.
    """
    path = doc.path
    raw = doc.data
    if not isinstance(raw, Mapping) or not isinstance(raw.get("questions"), list):
        raise _fail(path, "a codebook is a mapping with a 'questions' list")
    questions = []
    for i, node in enumerate(raw["questions"], 1):
        try:
            questions.append(_question(path, node, i))
        except CodebookError as exc:
            raise _located(doc, ("questions", i - 1), exc) from None
    ids: dict[str, int] = {}
    headers: dict[str, str] = {}
    for i, q in enumerate(questions):
        if q.id in ids:
            raise doc.error(("questions", i, "id"), f"duplicate question id '{q.id}'", CodebookError)
        ids[q.id] = i
        key = normalise_header(q.text)
        if key in headers:
            raise doc.error(
                ("questions", i, "text"),
                f"questions '{headers[key]}' and '{q.id}' have the same text",
                CodebookError,
            )
        headers[key] = q.id
    derived: list[DerivedVariable] = []
    for i, node in enumerate(raw.get("derived", ()) or ()):
        try:
            d = _derived(path, node)
        except CodebookError as exc:
            raise _located(doc, ("derived", i), exc) from None
        if d.id in ids or d.id in {x.id for x in derived}:
            raise doc.error(("derived", i, "id"), f"derived variable '{d.id}' repeats an id", CodebookError)
        derived.append(d)
    try:
        _check_conditions(path, questions, derived)
    except CodebookError as exc:
        owner = exc.message.split(":", 1)[0]
        where: tuple[str | int, ...] = ()
        if owner in ids:
            where = ("questions", ids[owner], "asked_if")
        else:
            where = next((("derived", i, "levels") for i, d in enumerate(derived) if d.id == owner), ())
        raise _located(doc, where, exc) from None
    try:
        patterns = tuple(re.compile(p) for p in raw.get("pii_header_patterns", ()) or ())
    except re.error as exc:
        raise doc.error(
            ("pii_header_patterns",), f"invalid regular expression: {exc}", CodebookError
        ) from None
    return Codebook(
        path=path,
        study=str(raw.get("study", "")),
        title=raw.get("title", {}) or {},
        questions=tuple(questions),
        derived=tuple(derived),
        timestamp_headers=tuple(str(t) for t in raw.get("timestamp_headers", ()) or ()),
        pii_patterns=patterns,
    )


def load_codebook(path: Path) -> Codebook:
    """Read, schema-check and build a codebook YAML file (see :func:`build_codebook`)."""
    from .folder import validate_schema
    from .yamlfile import read_yaml

    doc = read_yaml(path, "codebook", CodebookError)
    validate_schema(doc, "codebook", CodebookError)
    return build_codebook(doc)
