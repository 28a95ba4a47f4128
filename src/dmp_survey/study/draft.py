"""Draft a study folder (``docs/study-format.md``) for ``dmp-survey init``.

A draft is a list of :class:`DraftQuestion` made from an export (types
inferred from the answers, :mod:`dmp_survey.study.infer`), an XLSForm
(:mod:`dmp_survey.study.xlsform`) or a REDCap data dictionary
(:mod:`dmp_survey.study.redcap`). :func:`write_draft` renders it as the three
YAML files of a study folder, written as text (not ``yaml.dump``) so that every
guess carries a comment on its line saying why, and moves the folder into
place only once it is complete.

A draft never holds a respondent's free-text or contact answer: free-text and
PII questions get no answer list, and the answers of categorical questions
are the labels seen in the export (``infer`` leaves out anything that looks
like an e-mail address or a phone number).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import DmpSurveyError, clip
from ..text import closest, normalise_header, normalise_label

__all__ = [
    "CATEGORICAL",
    "Draft",
    "DraftAnswer",
    "DraftQuestion",
    "InitError",
    "InitResult",
    "assign_ids",
    "dedupe_answers",
    "find_group",
    "guess_choice_type",
    "init_study",
    "make_code",
    "render_codebook",
    "render_plan",
    "render_study",
    "simple_condition",
    "slug",
    "study_id",
    "write_draft",
    "yq",
]

CATEGORICAL = frozenset({"binary", "single", "ordered", "likert"})
# Regular expressions on the accent- and case-folded words of a header (the
# codebook's ``pii_header_patterns``): a safety net behind the explicit ``pii``
# questions of the draft.
PII_HEADER_PATTERNS = (
    "e-?mail",
    "courriel",
    "telephone",
    "\\bphone\\b",
    "\\btel\\b",
    "^nom\\b",
    "prenom",
    "^name$",
    "first name",
    "last name",
    "full name",
    "coordonnees",
)
DEFAULT_TIMESTAMP_HEADERS = ("Horodateur", "Timestamp")


@dataclass(eq=False)
class InitError(DmpSurveyError):
    """A user error of ``dmp-survey init``: the file or folder, and what is wrong."""

    file: Path | None
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.message}" if self.file is not None else self.message


# A condition of a draft, before ids are known: ("in", source key, [codes]),
# ("all", [conditions]), ("any", [conditions]) or ("not", condition).
Cond = tuple[Any, ...]


@dataclass
class DraftAnswer:
    code: str
    label: str
    en: str | None = None  # default: the label
    column: str | None = None  # per-column multiple: the option's header
    aliases: tuple[str, ...] = ()
    comment: str | None = None


@dataclass
class DraftQuestion:
    """One question of a draft codebook.

    ``header`` is the header as the export writes it (the codebook's
    ``text``); ``why`` is the comment on the ``type`` line (None when the type
    is certain, e.g. declared by an XLSForm); ``key`` names the question in its
    source (an XLSForm or REDCap variable name) for the conditions.
    """

    header: str
    type: str
    answers: list[DraftAnswer] = field(default_factory=list)
    why: str | None = None
    en: str | None = None
    en_certain: bool = False
    key: str | None = None
    integer: bool | None = None
    encoding: str | None = None
    separator: str | None = None
    format: str | None = None
    datetime: bool = False
    asked_if: Cond | None = None
    asked_if_comment: str | None = None
    note: str | None = None
    id: str = ""

    @property
    def categorical(self) -> bool:
        return self.type in CATEGORICAL


@dataclass
class Draft:
    """What ``init`` drafts: the study's id, its questions, and file-level notes."""

    study_id: str
    source: str
    questions: list[DraftQuestion]
    timestamp_headers: list[str] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)  # metadata columns, not questions
    notes: list[str] = field(default_factory=list)


# --- names -------------------------------------------------------------------


def _ascii(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return (
        "".join(ch for ch in decomposed if not unicodedata.combining(ch)).encode("ascii", "ignore").decode()
    )


def slug(text: str, width: int = 28) -> str:
    """ASCII, lowercase words joined by ``_``, cut at a word boundary near ``width``."""
    plain = str(text).translate({ord(c): " " for c in "’‘ʼ´`«»“”–—"}).replace("œ", "oe").replace("æ", "ae")
    words = re.findall(r"[a-z0-9]+", _ascii(plain).casefold())
    out = ""
    for word in words:
        candidate = f"{out}_{word}" if out else word
        if len(candidate) > width and out:
            break
        out = candidate[: max(width, len(word))] if not out else candidate
    return out[:width].strip("_")


_SIGNS = {"<": "lt", ">": "gt", "≤": "le", "≥": "ge", "+": "plus", "%": "pct"}


def make_code(label: str, taken: set[str]) -> str:
    """A stable ASCII answer code made from a label, unique within ``taken``
    (which it joins); "< 35 ans" → ``lt_35_ans``."""
    text = "".join(f" {_SIGNS[ch]} " if ch in _SIGNS else ch for ch in str(label))
    base = slug(text, 24) or "answer"
    code, n = base, 2
    while code in taken:
        code, n = f"{base}_{n}", n + 1
    taken.add(code)
    return code


def study_id(path: Path) -> str:
    """A study id from a file name: letters, digits, ``-`` and ``_``."""
    base = re.sub(r"[^A-Za-z0-9_-]+", "-", _ascii(path.stem)).strip("-_")
    return base or "study"


def assign_ids(questions: Sequence[DraftQuestion]) -> None:
    """``q01_words_of_the_header``: ASCII, lowercase, unique."""
    width = max(2, len(str(len(questions))))
    seen: set[str] = set()
    for i, q in enumerate(questions, 1):
        words = slug(q.header, 24)
        base = f"q{i:0{width}d}" + (f"_{words}" if words else "")
        qid, n = base, 2
        while qid in seen:
            qid, n = f"{base}_{n}", n + 1
        seen.add(qid)
        q.id = qid


def dedupe_answers(answers: list[DraftAnswer]) -> list[DraftAnswer]:
    """Make codes unique and drop aliases that would decode to another answer
    (the codebook refuses a label or code shared by two answers)."""
    owner: dict[str, int] = {}
    for i, a in enumerate(answers):
        for text in (a.label, a.en or a.label, a.code):
            owner.setdefault(normalise_label(text), i)
    taken: set[str] = set()
    for i, a in enumerate(answers):
        if a.code in taken or owner.get(normalise_label(a.code), i) != i:
            a.code = make_code(a.code + "_" + str(i + 1), taken)
        taken.add(a.code)
        a.aliases = tuple(x for x in a.aliases if owner.setdefault(normalise_label(x), i) == i)
    return answers


# --- YAML as text ------------------------------------------------------------


def yq(value: object) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    text = json.dumps(str(value), ensure_ascii=False)
    for ch, esc in (
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
        ("\u0085", "\\u0085"),
        ("\ufeff", "\\ufeff"),
    ):
        text = text.replace(ch, esc)
    return text


def _comment(text: str | None) -> str:
    if not text:
        return ""
    return "  # " + " ".join(str(text).split())


def _bilingual(fr: str, en: str) -> str:
    return f"{{fr: {yq(fr)}, en: {yq(en)}}}"


def _condition(cond: Cond, ids: dict[str, str]) -> str:
    kind = cond[0]
    if kind == "in":
        codes = ", ".join(yq(c) for c in cond[2])
        return f"{{question: {ids[cond[1]]}, in: [{codes}]}}"
    if kind == "not":
        return f"{{not: {_condition(cond[1], ids)}}}"
    inner = ", ".join(_condition(c, ids) for c in cond[1])
    return f"{{{kind}: [{inner}]}}"


def _answer_line(a: DraftAnswer) -> str:
    parts = [f"code: {yq(a.code)}", f"fr: {yq(a.label)}", f"en: {yq(a.en or a.label)}"]
    if a.aliases:
        parts.append("aliases: [" + ", ".join(yq(x) for x in a.aliases) + "]")
    if a.column is not None:
        parts.append(f"column: {yq(a.column)}")
    return "      - {" + ", ".join(parts) + "}" + _comment(a.comment)


def render_codebook(draft: Draft) -> str:
    ids = {q.key: q.id for q in draft.questions if q.key is not None}
    lines = [
        f"# Draft codebook drafted by `dmp-survey init` from {draft.source}.",
        "# Every guess carries a comment saying why: check those lines, then remove the",
        "# comments. `en` texts are copies of the header (marked TODO translate), and",
        "# answer labels are the export's own in both languages: translate the `en` ones.",
        "# Free-text and contact (pii) questions list no answers: their answers never",
        "# reach any output.",
    ]
    lines += [f"# {n}" for n in draft.notes]
    if draft.left_out:
        shown = ", ".join(draft.left_out)
        lines.append(f"# Left out (form metadata, not questions): {shown}")
    lines.append(f"study: {yq(draft.study_id)}")
    stamps = draft.timestamp_headers or list(DEFAULT_TIMESTAMP_HEADERS)
    lines.append("timestamp_headers: [" + ", ".join(yq(t) for t in stamps) + "]")
    lines.append("pii_header_patterns: [" + ", ".join(yq(p) for p in PII_HEADER_PATTERNS) + "]")
    lines.append("")
    lines.append("questions:")
    for i, q in enumerate(draft.questions, 1):
        lines.append(f"  - id: {q.id}")
        lines.append(f"    number: {yq(f'Q{i}')}")
        lines.append(f"    text: {yq(q.header)}")
        en = q.en if q.en is not None else q.header
        lines.append(f"    en: {yq(en)}" + ("" if q.en_certain else "  # TODO translate"))
        lines.append(f"    type: {q.type}" + _comment(q.why))
        if q.type == "numeric":
            lines.append(f"    integer: {'true' if q.integer else 'false'}")
        if q.type == "multiple":
            lines.append(f"    encoding: {q.encoding}")
            if q.encoding == "joined":
                lines.append(f"    separator: {yq(q.separator)}")
        if q.type == "date":
            if q.format:
                lines.append(f"    format: {yq(q.format)}")
            if q.datetime:
                lines.append("    datetime: true")
        if q.asked_if is not None:
            lines.append(f"    asked_if: {_condition(q.asked_if, ids)}" + _comment(q.asked_if_comment))
        elif q.asked_if_comment:
            lines.append(f"    # asked_if: {' '.join(q.asked_if_comment.split())}")
        if q.note:
            lines.append(f"    note: {yq(q.note)}")
        if q.answers and (q.categorical or q.type == "multiple"):
            lines.append("    answers:")
            lines += [_answer_line(a) for a in q.answers]
    return "\n".join(lines) + "\n"


_FIGURE_TYPES = CATEGORICAL | {"numeric", "multiple"}


def render_plan(draft: Draft, group: DraftQuestion | None) -> str:
    lines = [
        f"# Draft analysis plan drafted by `dmp-survey init` from {draft.source}:",
        "# one figure per categorical, numeric or multiple question. Captions are the",
        "# headers: shorten them, and translate the `en` ones.",
        "figures:",
    ]
    denominator = _bilingual("n = {n} répondants", "n = {n} respondents")
    figures = [q for q in draft.questions if q.type in _FIGURE_TYPES]
    for q in figures:
        lines.append(f"  - variable: {q.id}")
        lines.append(f"    caption: {_bilingual(q.header, q.en or q.header)}  # TODO shorten and translate")
        lines.append(f"    denominator: {denominator}")
    if not figures:
        lines[-1] = "figures: []"
    if group is not None:
        rows = [q for q in draft.questions if q.categorical and q is not group]
        lines.append("")
        lines.append(f"# The rows every comparison prints: the categorical questions but {group.id}.")
        lines.append("rows:" if rows else "rows: []")
        for q in rows:
            lines.append(f"  - {{variable: {q.id}, label: {_bilingual(q.header, q.en or q.header)}}}")
        lines.append("")
        lines.append(f"# Groups: the answers of {group.id} ({yq(group.header)}).")
        lines.append("comparisons:")
        title = _bilingual(f"Selon « {group.header} »", f"By “{group.en or group.header}”")
        lines.append(f"  - id: by_{group.id}")
        lines.append("    kind: all_groups")
        lines.append(f"    group_variable: {group.id}")
        lines.append(f"    title: {title}  # TODO shorten and translate")
        if len(group.answers) <= 4:
            for a in group.answers:
                lines.append(f"  - id: {_comparison_id(a.code, group.id)}")
                lines.append("    kind: one_vs_rest")
                lines.append(f"    group_variable: {group.id}")
                lines.append(f"    focal: {yq(a.code)}")
                title = _bilingual(
                    f"« {a.label} » contre les autres", f"“{a.en or a.label}” against the rest"
                )
                lines.append(f"    title: {title}  # TODO translate")
    return "\n".join(lines) + "\n"


def _comparison_id(code: str, group_id: str) -> str:
    base = re.sub(r"[^a-z0-9_]", "_", code.lower())
    return f"{group_id}_{base}_vs_rest"


def render_study(draft: Draft) -> str:
    return (
        "\n".join(
            [
                f"# Draft study description drafted by `dmp-survey init` from {draft.source}.",
                f"id: {yq(draft.study_id)}",
                'title: {fr: "TODO titre de l\'étude", en: "TODO study title"}  # TODO the report\'s title',
                'population: {fr: "répondants", en: "respondents"}  # TODO who answered, in the plural',
            ]
        )
        + "\n"
    )


# --- the group of --group ------------------------------------------------------


def find_group(draft: Draft, column: str, source: Path) -> DraftQuestion:
    """The question ``--group COLUMN`` names (its header, id or source name)."""
    key = normalise_header(column)
    for q in draft.questions:
        if column in (q.id, q.key) or normalise_header(q.header) == key:
            if not q.categorical:
                raise InitError(
                    source,
                    f"--group '{clip(column)}' is a {q.type} question; expected a categorical one "
                    "(binary, single, ordered or likert)",
                )
            return q
    hint = closest(column, [q.header for q in draft.questions])
    raise InitError(
        source, f"--group: no column '{clip(column)}'" + (f"; closest header: '{clip(hint)}'" if hint else "")
    )


# --- writing ------------------------------------------------------------------


def _check_out(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise InitError(out, "already exists and is not a folder; choose a new --out folder")
    if out.exists() and any(out.iterdir()):
        raise InitError(out, "already exists and is not empty; choose a new --out folder")


def write_draft(draft: Draft, out: Path, group: str | None = None, source: Path | None = None) -> Path:
    """Write ``study.yaml``, ``codebook.yaml`` and ``plan.yaml`` into a new
    folder ``out`` (refused when it exists and is not empty): into a temporary
    folder beside it first, moved into place once complete."""
    import yaml

    _check_out(out)
    assign_ids(draft.questions)
    for q in draft.questions:
        dedupe_answers(q.answers)
    chosen = find_group(draft, group, source or out) if group is not None else None
    texts = {
        "study.yaml": render_study(draft),
        "codebook.yaml": render_codebook(draft),
        "plan.yaml": render_plan(draft, chosen),
    }
    for name, text in texts.items():
        try:
            yaml.safe_load(text)
        except yaml.YAMLError as exc:  # a bug of the renderer, not a user error
            raise AssertionError(f"draft {name} is not valid YAML: {exc}") from exc
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        for name, text in texts.items():
            (tmp / name).write_text(text, encoding="utf-8")
        _check_out(out)
        if out.exists():
            out.rmdir()
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


# --- the one call of the CLI --------------------------------------------------


@dataclass(frozen=True)
class InitResult:
    out: Path
    questions: int
    types: dict[str, int]
    guesses: int

    def lines(self) -> list[str]:
        kinds = ", ".join(f"{n} {t}" for t, n in sorted(self.types.items()))
        return [
            f"study drafted in {self.out}: {self.questions} questions ({kinds})",
            f"{self.guesses} guesses to check: every one carries a comment in codebook.yaml",
        ]


def init_study(
    out: Path,
    export: Path | None = None,
    *,
    xlsform: Path | None = None,
    redcap: Path | None = None,
    group: str | None = None,
    sheet: str | None = None,
) -> InitResult:
    """Draft a study folder ``out`` from one source: an export, an XLSForm or a
    REDCap data dictionary.

    Raises
    ------
    DmpSurveyError
        Not exactly one source, an existing non-empty ``out``, an unreadable
        source (:class:`~dmp_survey.errors.InputError`), an unknown or
        non-categorical ``group``.
    """
    sources = [s for s in (export, xlsform, redcap) if s is not None]
    if len(sources) != 1:
        raise InitError(
            None, "init needs one source: an EXPORT, --from-xlsform FORM.xlsx or --from-redcap DICT.csv"
        )
    _check_out(out)
    if export is not None:
        from .infer import draft_from_export

        draft = draft_from_export(export, sheet)
    elif xlsform is not None:
        from .xlsform import draft_from_xlsform

        draft = draft_from_xlsform(xlsform)
    else:
        assert redcap is not None
        from .redcap import draft_from_redcap

        draft = draft_from_redcap(redcap)
    write_draft(draft, out, group, sources[0])
    types: dict[str, int] = {}
    for q in draft.questions:
        types[q.type] = types.get(q.type, 0) + 1
    guesses = sum(bool(q.why) for q in draft.questions)
    return InitResult(out=out, questions=len(draft.questions), types=types, guesses=guesses)


# --- skip rules ----------------------------------------------------------------


def simple_condition(expr: str, atom: Callable[[str], Cond | None]) -> Cond | None:
    """A skip rule of atoms joined by ``and`` or by ``or`` (not both, no
    parentheses beyond the atoms' own), each turned into a condition by
    ``atom``; None when it is anything else."""
    parts = re.split(r"\s+(and|or)\s+", expr.strip(), flags=re.IGNORECASE)
    atoms, joiners = parts[::2], {j.lower() for j in parts[1::2]}
    if len(joiners) > 1 or not expr.strip():
        return None
    conditions = []
    for text in atoms:
        cond = atom(text.strip())
        if cond is None:
            return None
        conditions.append(cond)
    if len(conditions) == 1:
        return conditions[0]
    return ("all" if joiners == {"and"} else "any", conditions)


def guess_choice_type(labels: Sequence[str]) -> tuple[str, str | None]:
    """The type of a question from its choice labels, in the form's order:
    binary for yes/no, ordered or likert for a scale, else single; and why."""
    from .infer import _NO, _YES, _classes, _scale

    keys = [normalise_label(lb) for lb in labels]
    if len(keys) == 2 and {keys[0] in _YES, keys[1] in _YES} == {True, False} and (set(keys) & _NO):
        return "binary", None
    scale = _scale(labels)
    if scale is not None:
        _, kind, why = scale
        return kind, f"guessed {kind}: {why}; kept in the form's order, check it"
    if _classes(labels) is not None:
        return (
            "ordered",
            "guessed ordered: labels look like numeric classes; kept in the form's order, check it",
        )
    return "single", None
