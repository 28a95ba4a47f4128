"""Infer a draft codebook from an export: one question per column, its type
guessed from the answers (``dmp-survey init EXPORT``).

The export is read with :func:`~dmp_survey.io.ingest.read_export`, so every
format it reads and every protection it has (hostile workbooks, encodings,
formula cells…) applies. It is given a *probe* codebook that takes every
header for a question, but the timestamp, form metadata and contact/identity
headers, which ``read_export`` drops unread as it drops any PII column.

Nothing read here is written but the labels of categorical answers; a
column where an answer looks like an e-mail address or a phone number becomes
a ``pii`` question, a column of many distinct answers a ``free_text`` one,
and neither lists its answers.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from ..io.ingest import TIMESTAMP, detect_format, read_export
from ..study.codebook import Codebook, Question, QuestionType
from ..text import normalise_header, normalise_label
from .draft import Draft, DraftAnswer, DraftQuestion, make_code, study_id

__all__ = [
    "TIMESTAMP_NAMES",
    "draft_from_export",
    "infer_question",
    "looks_like_contact",
    "pii_header",
]

# Headers of a form's own timestamp (Google Forms, Microsoft Forms, Kobo).
TIMESTAMP_NAMES = (
    "Horodateur",
    "Horodatage",
    "Timestamp",
    "Date de soumission",
    "Submitted at",
    "Submission time",
    "_submission_time",
    "Heure de fin",
    "Completion time",
)
_TIMESTAMP_KEYS = frozenset(normalise_header(t) for t in TIMESTAMP_NAMES)

# Form metadata columns (Kobo, REDCap, LimeSurvey): not questions; left out.
_META_KEYS = frozenset(
    {
        "id",
        "uuid",
        "index",
        "parentindex",
        "parenttablename",
        "status",
        "validationstatus",
        "notes",
        "tags",
        "version",
        "metainstanceid",
        "metainstancename",
        "metarootuuid",
        "start",
        "end",
        "today",
        "recordid",
        "redcapsurveyidentifier",
        "redcaprepeatinstrument",
        "redcaprepeatinstance",
        "redcapeventname",
        "submitdate",
        "lastpage",
        "startlanguage",
        "seed",
        "startdate",
        "datestamp",
        "ipaddr",
        "refurl",
        "responseid",
    }
)
# Metadata that names or traces a respondent: dropped as pii.
_IDENTIFYING_META = frozenset(
    {"submittedby", "username", "deviceid", "phonenumber", "simserial", "subscriberid", "ipaddr", "ipaddress"}
)
_NAME_KEYS = frozenset(
    {
        "nom",
        "prenom",
        "name",
        "yourname",
        "votrenom",
        "nomprenom",
        "prenomnom",
        "nometprenom",
        "prenometnom",
        "firstname",
        "lastname",
        "fullname",
        "surname",
        "tel",
        "signature",
    }
)
_PII_PARTS = re.compile(
    r"e?mail|courriel|telephone|(?<!smart)phone|coordonnee|prenom|firstname|lastname|fullname"
)


def pii_header(key: str) -> bool:
    """True when a normalised header (:func:`normalise_header`) names contact
    or identity data: e-mail, phone, name, contact details."""
    if key in _NAME_KEYS or key in _IDENTIFYING_META or _PII_PARTS.search(key):
        return True
    if key.startswith("contact") or key.endswith("contact"):
        return True
    return key.startswith("nom") and not key.startswith("nomb") and len(key) <= 24


def _meta_header(key: str, raw: str | None = None) -> bool:
    if key in _META_KEYS:
        return True
    return raw is not None and bool(re.fullmatch(r"\w+_(?:complete|timestamp)", raw.strip()))


_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")
_PHONE = re.compile(r"^\s*(?:\+|00|0|\()[\d\s().\-/]{7,}$")


def looks_like_contact(value: object) -> bool:
    """True for a cell that looks like an e-mail address or a phone number."""
    if not isinstance(value, str):
        return False
    if _EMAIL.search(value):
        return True
    if _PHONE.match(value):
        digits = sum(ch.isdigit() for ch in value)
        return 9 <= digits <= 15
    return False


# --- the probe codebook --------------------------------------------------------


@dataclass
class _ProbeState:
    allowed: frozenset[str] | None
    ids: dict[str, str] = field(default_factory=dict)  # normalised header → probe id
    order: list[str] = field(default_factory=list)  # normalised headers, in file order
    dropped: list[str] = field(default_factory=list)  # raw headers dropped unread


class _Keys(dict[str, str]):
    """What ``read_export`` matches headers with: every header is a question,
    but timestamp, metadata and contact headers, which it drops unread."""

    def __init__(self, state: _ProbeState) -> None:
        super().__init__()
        self.state = state

    def __contains__(self, key: object) -> bool:
        allowed = self.state.allowed
        return isinstance(key, str) and bool(key) and (allowed is None or key in allowed)

    def get(self, key: str, default: Any = None) -> Any:
        self.state.order.append(key)
        if key in _TIMESTAMP_KEYS or key in _META_KEYS or pii_header(key):
            return default
        if self.state.allowed is not None and key not in self.state.allowed:
            return default
        return self.state.ids.setdefault(key, f"c{len(self.state.ids) + 1}")


class _Probe(Codebook):
    """A codebook taking every header of an export for a question (free text)."""

    def __init__(self, path: Path, allowed: frozenset[str] | None) -> None:
        super().__init__(
            path=path,
            study="",
            title={},
            questions=(),
            derived=(),
            timestamp_headers=TIMESTAMP_NAMES,
            pii_patterns=(),
        )
        object.__setattr__(self, "state", _ProbeState(allowed))

    def header_keys(self) -> dict[str, str]:
        state: _ProbeState = self.state  # type: ignore[attr-defined]
        state.order.clear()
        return _Keys(state)

    def __getitem__(self, qid: str) -> Question:
        return Question(id=qid, number="", text=qid, en=qid, type=QuestionType.FREE_TEXT)

    def question_of(self, column: str) -> Question:
        # The engine's name for the question of a raw column (issue 15).
        return self[column]

    def __contains__(self, qid: object) -> bool:
        return isinstance(qid, str) and qid in self.state.ids.values()  # type: ignore[attr-defined]

    def is_pii_header(self, header: str) -> bool:
        # Reached for every header the keys left out but the timestamp: drop
        # it unread, and remember where it was.
        self.state.dropped.append(header)  # type: ignore[attr-defined]
        return True


def _csv_header_keys(path: Path) -> frozenset[str] | None:
    """The normalised headers of a CSV file, its delimiter chosen as the one
    that splits the first lines into the same number of fields (so that
    ``read_export``, which picks the delimiter matching most headers, picks it
    too); None when it cannot tell."""
    with path.open("rb") as fh:
        head = fh.read(1 << 16)
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        text = (
            head[: exc.start].decode("utf-8-sig")
            if exc.start >= len(head) - 4
            else head.decode("cp1252", "replace")
        )
    if len(head) == 1 << 16 and "\n" in text:
        text = text[: text.rindex("\n")]
    best: tuple[float, int, list[str]] = (-1.0, 0, [])
    for delimiter in (";", ",", "\t"):
        try:
            rows = [r for r in csv.reader(io.StringIO(text), delimiter=delimiter) if r][:30]
        except csv.Error:
            continue
        if not rows or len(rows[0]) < 2:
            continue
        same = sum(len(r) == len(rows[0]) for r in rows[1:]) / max(len(rows) - 1, 1)
        score = (same, len(rows[0]), rows[0])
        if score[:2] > best[:2]:
            best = score
    if not best[2]:
        return None
    return frozenset(normalise_header(f) for f in best[2] if f.strip())


# --- values --------------------------------------------------------------------


def _blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if isinstance(value, str):
        return not value.strip()
    try:
        import pandas as pd

        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


_NUMBER = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        text = value.strip().replace("\u00a0", "").replace("\u202f", "")
        text = re.sub(r"(?<=\d) (?=\d{3}\b)", "", text)
        if _NUMBER.match(text):
            return float(text.replace(",", "."))
    try:
        return float(value)  # numpy scalars
    except (TypeError, ValueError):
        return None


_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[ T](\d{2}:\d{2}(?::\d{2})?))?")
_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?: (\d{1,2}:\d{2}(?::\d{2})?))?$")


def _date_kind(values: Sequence[Any]) -> tuple[str | None, bool, str | None] | None:
    """(format, has a time, comment) when the values are dates, else None."""
    typed = [v for v in values if isinstance(v, datetime | date) and not isinstance(v, time)]
    if typed and len(typed) >= 0.9 * len(values):
        has_time = any(isinstance(v, datetime) and v.time() != time(0) for v in typed)
        return None, has_time, "guessed date: the cells are dates in the file"
    texts = [str(v).strip() for v in values]
    iso = [m for t in texts if (m := _ISO.match(t))]
    if iso and len(iso) >= 0.9 * len(texts):
        return None, any(m.group(1) for m in iso), "guessed date: ISO 8601 answers"
    dmy = [m for t in texts if (m := _DMY.match(t))]
    if dmy and len(dmy) >= 0.9 * len(texts):
        has_time = any(m.group(4) for m in dmy)
        seconds = any(m.group(4) and m.group(4).count(":") == 2 for m in dmy)
        clock = (" %H:%M:%S" if seconds else " %H:%M") if has_time else ""
        if any(int(m.group(2)) > 12 for m in dmy) and not any(int(m.group(1)) > 12 for m in dmy):
            return (
                f"%m/%d/%Y{clock}",
                has_time,
                "guessed date: month/day/year answers (a day above 12 comes second)",
            )
        why = "guessed date: day/month/year answers"
        if not any(int(m.group(1)) > 12 for m in dmy):
            why += " (no day above 12: check it is not month/day/year)"
        return f"%d/%m/%Y{clock}", has_time, why
    return None


# --- scales --------------------------------------------------------------------

_FREQUENCY = {
    "jamais": 0, "never": 0, "rarement": 1, "rarely": 1, "peusouvent": 1, "seldom": 1,
    "parfois": 2, "quelquefois": 2, "detempsentemps": 2, "occasionnellement": 2, "sometimes": 2,
    "occasionally": 2, "souvent": 3, "often": 3, "frequemment": 3, "frequently": 3,
    "tressouvent": 4, "veryoften": 4, "laplupartdutemps": 4, "mostofthetime": 4, "usually": 4,
    "toujours": 5, "always": 5, "systematiquement": 5,
}  # fmt: skip
_AGREEMENT = {
    "pasdutoutdaccord": 0, "stronglydisagree": 0, "totalementendesaccord": 0,
    "plutotpasdaccord": 1, "pasdaccord": 1, "plutotendesaccord": 1, "disagree": 1, "endesaccord": 1,
    "nidaccordnipasdaccord": 2, "nidaccordnidesaccord": 2, "neutre": 2, "neutral": 2,
    "neitheragreenordisagree": 2, "plutotdaccord": 3, "daccord": 3, "agree": 3,
    "toutafaitdaccord": 4, "totalementdaccord": 4, "stronglyagree": 4,
}  # fmt: skip
_SATISFACTION = {
    "pasdutoutsatisfait": 0, "tresinsatisfait": 0, "verydissatisfied": 0, "peusatisfait": 1,
    "insatisfait": 1, "dissatisfied": 1, "plutotsatisfait": 2, "satisfait": 2, "satisfied": 2,
    "tressatisfait": 3, "verysatisfied": 3,
}  # fmt: skip
_SCALES = (
    (_FREQUENCY, "ordered", "answers look like a frequency scale"),
    (_AGREEMENT, "likert", "answers look like an agreement scale"),
    (_SATISFACTION, "likert", "answers look like a satisfaction scale"),
)
_DONT_KNOW = frozenset(
    {"jenesaispas", "nsp", "nesaitpas", "sansavis", "sansopinion", "dontknow", "idontknow", "noopinion",
     "nonconcerne", "notapplicable", "nonapplicable", "na", "jeneveuxpasrepondre", "prefernottosay"}
)  # fmt: skip
_YES = frozenset({"oui", "yes", "vrai", "true", "y", "o"})
_NO = frozenset({"non", "no", "faux", "false", "n"})

_LOWER = re.compile(r"^\s*(?:<|≤|moins|less|under|fewer|inf[ée]rieur|jusqu|below|up to)", re.IGNORECASE)
_UPPER = re.compile(
    r"^\s*(?:>|≥|plus de|more|over|sup[ée]rieur|au-del[àa]|above)"
    r"|(?:\+|et plus|ou plus|and over|or more)\s*\w*\s*$",
    re.IGNORECASE,
)


def _scale(labels: Sequence[str]) -> tuple[list[str], str, str] | None:
    keys = {label: normalise_label(label) for label in labels}
    dont = [lb for lb in labels if keys[lb] in _DONT_KNOW]
    rest = [lb for lb in labels if keys[lb] not in _DONT_KNOW]
    if len(rest) < 2:
        return None
    for lexicon, kind, why in _SCALES:
        if all(keys[lb] in lexicon for lb in rest) and len({lexicon[keys[lb]] for lb in rest}) == len(rest):
            ordered = sorted(rest, key=lambda lb: lexicon[keys[lb]])
            if dont:
                why += "; 'don't know' put last"
            return ordered + dont, kind, why
    return None


_PERIODS = (
    (re.compile(r"\b(an|ans|annee|year|years|yearly)\b"), 0.0),
    (re.compile(r"\b(mois|month|months|monthly)\b"), 1.0),
    (re.compile(r"\b(semaine|semaines|week|weeks|weekly)\b"), 2.0),
    (re.compile(r"\b(jour|jours|day|days|daily|quotidien)\b"), 3.0),
)


def _periodic(labels: Sequence[str]) -> list[str] | None:
    """Frequencies said by their period ("Moins d'une fois par mois", "Une à
    trois fois par mois", "Chaque semaine", "Chaque jour"), in order."""
    from .draft import _ascii

    keyed = []
    for label in labels:
        text = " ".join(re.findall(r"[a-z0-9]+", _ascii(label).casefold()))
        rank = next((r for pattern, r in _PERIODS if pattern.search(text)), None)
        if rank is None:
            return None
        if re.search(r"\b(moins|less|fewer|rarely)\b", text):
            rank -= 0.5
        elif re.search(r"\b(chaque|tous|toutes|every|plusieurs|several)\b", text):
            rank += 0.3
        keyed.append((rank, label))
    if len(keyed) < 3 or len({r for r, _ in keyed}) != len(keyed):
        return None
    return [label for _, label in sorted(keyed)]


def _classes(labels: Sequence[str]) -> list[str] | None:
    """Labels such as "< 35 ans", "de 36 à 45 ans", "> 60 ans", in order."""
    if len(labels) < 3:
        return None
    keyed = []
    for label in labels:
        numbers = re.findall(r"\d+(?:[.,]\d+)?", label)
        if not numbers or re.fullmatch(r"\s*[+-]?\d+(?:[.,]\d+)?\s*", label):
            return None
        first = float(numbers[0].replace(",", "."))
        bucket = 0 if _LOWER.search(label) else 2 if _UPPER.search(label) else 1
        keyed.append(((bucket, first), label))
    if len({k for k, _ in keyed}) != len(keyed):
        return None
    return [label for _, label in sorted(keyed)]


# --- one column ------------------------------------------------------------------

# Headers that ask for the respondent's own words, whatever the answers look like…
_FREE_HEADER = re.compile(
    r"remarque|commentaire|comments|suggestion|precis|specify|expliqu|explain|pourquoi|why"
)
# … and words that make many distinct answers free text.
_FREE_HINT = re.compile(r"autre|other|comment|decri|describe|lesquel|which")


def _texts(values: Sequence[Any]) -> list[str]:
    out = []
    for v in values:
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        out.append(" ".join(str(v).split()))
    return out


def _spellings(texts: Sequence[str]) -> list[tuple[str, list[str], int]]:
    """(label, other spellings, count) per normalised answer, most frequent first."""
    groups: dict[str, Counter[str]] = {}
    for t in texts:
        groups.setdefault(normalise_label(t) or t, Counter())[t] += 1
    out = []
    for counter in groups.values():
        ranked = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
        out.append((ranked[0][0], [s for s, _ in ranked[1:]], sum(counter.values())))
    return sorted(out, key=lambda g: (-g[2], g[0]))


def _answers(labels: Sequence[str], aliases: dict[str, list[str]] | None = None) -> list[DraftAnswer]:
    taken: set[str] = set()
    return [
        DraftAnswer(code=make_code(lb, taken), label=lb, aliases=tuple((aliases or {}).get(lb, ())))
        for lb in labels
    ]


def _joined(texts: Sequence[str]) -> tuple[str, list[str], int] | None:
    """(separator, known options, typed pieces left out) when the cells hold
    several known options joined by a separator."""
    for sep in (";", ", "):
        cells = [[p.strip() for p in t.split(sep) if p.strip()] for t in texts]
        multi = [c for c in cells if len(c) >= 2]
        if len(multi) < 2:
            continue
        alone = {c[0] for c in cells if len(c) == 1}
        combos: dict[str, set[frozenset[str]]] = {}
        for c in multi:
            for piece in c:
                combos.setdefault(piece, set()).add(frozenset(c))
        known = {p for p in combos if p in alone or len(combos[p]) >= 2} | alone
        in_multi = [p for c in multi for p in c]
        share = sum(p in known for p in in_multi) / len(in_multi)
        seen = Counter(p for c in cells for p in c)
        options = [p for p in known if seen[p] >= 2 or p in combos]
        if share >= 0.8 and len(options) >= 2:
            typed = len({p for c in cells for p in c} - set(options))
            ranked = sorted(options, key=lambda p: (-seen[p], p))
            return sep, ranked, typed
    return None


def infer_question(header: str, values: Sequence[Any]) -> DraftQuestion:
    """The draft question of one column, from its header and non-blank cells."""
    n = len(values)
    if n == 0:
        return DraftQuestion(
            header, "free_text", why="guessed free_text: no answer in the export; check the type"
        )
    contact = sum(looks_like_contact(v) for v in values)
    if contact:
        return DraftQuestion(
            header, "pii", why=f"guessed pii: {contact} answer(s) look like e-mail addresses or phone numbers"
        )
    dated = _date_kind(values)
    if dated is not None:
        fmt, has_time, why = dated
        return DraftQuestion(header, "date", why=why, format=fmt, datetime=has_time)
    numbers = [x for v in values if (x := _number(v)) is not None]
    if numbers and len(numbers) >= 0.9 * n:
        return _numeric(header, values, numbers)
    texts = _texts(values)
    groups = _spellings(texts)
    labels = [g[0] for g in groups]
    aliases = {g[0]: g[1] for g in groups}
    d = len(groups)
    mean_length = sum(map(len, texts)) / n
    key = normalise_header(header)
    if _FREE_HEADER.search(key) and d >= 3 and _scale(labels) is None:
        return DraftQuestion(
            header, "free_text", why="guessed free_text: the header asks for remarks or details"
        )
    hint = bool(_FREE_HINT.search(key) or _FREE_HEADER.search(key))
    if (
        (d > 20 and d >= 0.3 * n)
        or (hint and d >= 0.5 * n and d >= 2)
        or (d >= 0.8 * n and n >= 5 and mean_length >= 30)
        or (mean_length >= 80 and d >= 0.5 * n)
    ):
        return DraftQuestion(header, "free_text", why=f"guessed free_text: {d} distinct answers out of {n}")
    joined = _joined(texts)
    if joined is not None:
        sep, options, typed = joined
        why = f"guessed multiple: cells hold several of {len(options)} options joined by {sep.strip()!r}"
        if typed:
            why += (
                f"; {typed} typed answer(s) ('other') left out, never copied: add the options they stand for"
            )
        return DraftQuestion(header, "multiple", _answers(options), why=why, encoding="joined", separator=sep)
    # A typed "Other" answer is a respondent's own words: a long answer seen
    # once is left out (the export then names its row, to code by hand).
    once = [g for g in groups if g[2] == 1 and n >= 10 and (len(g[0]) > 40 or len(g[0].split()) >= 6)]
    if once and len(groups) - len(once) >= 2:
        kept = [g for g in groups if g not in once]
        q = _categorical(header, [g[0] for g in kept], {g[0]: g[1] for g in kept})
        left = f"{len(once)} long answer(s) seen once left out, never copied (a typed 'other'?)"
        q.why = f"{q.why}; {left}" if q.why else f"guessed {q.type}: {left}"
        return q
    return _categorical(header, labels, aliases)


def _categorical(header: str, labels: list[str], aliases: dict[str, list[str]]) -> DraftQuestion:
    d = len(labels)
    keys = [normalise_label(lb) for lb in labels]
    if (d <= 2 and all(k in _YES | _NO for k in keys) and not (set(keys) <= _YES or set(keys) <= _NO)) or (
        d == 1 and keys[0] in _YES | _NO
    ):
        yes = next((lb for lb, k in zip(labels, keys, strict=True) if k in _YES), None)
        no = next((lb for lb, k in zip(labels, keys, strict=True) if k in _NO), None)
        why = None
        if yes is None or no is None:
            seen = yes or no
            assert seen is not None
            yes = yes or {"non": "Oui", "no": "Yes", "faux": "Vrai", "false": "True"}.get(keys[0], "Yes")
            no = no or {"oui": "Non", "yes": "No", "vrai": "Faux", "true": "False"}.get(keys[0], "No")
            why = f"guessed binary: only '{seen}' was answered; the other answer is added"
        return DraftQuestion(header, "binary", _answers([yes, no], aliases), why=why)
    if d == 1:
        return DraftQuestion(
            header, "free_text", why="guessed free_text: one answer only; if it is a choice, list its answers"
        )
    scale = _scale(labels)
    if scale is not None:
        ordered, kind, why = scale
        return DraftQuestion(
            header, kind, _answers(ordered, aliases), why=f"guessed {kind}: {why}; check the order"
        )
    periodic = _periodic(labels)
    if periodic is not None:
        return DraftQuestion(
            header,
            "ordered",
            _answers(periodic, aliases),
            why="guessed ordered: answers look like frequencies by period (month, week, day); "
            "check the order",
        )
    classes = _classes(labels)
    if classes is not None:
        return DraftQuestion(
            header,
            "ordered",
            _answers(classes, aliases),
            why="guessed ordered: answers look like numeric classes; check the order",
        )
    why = None
    if d == 2:
        why = "guessed single: two answers that are not yes/no"
    elif d > 12:
        why = f"guessed single: {d} distinct answers; check it is not free text"
    return DraftQuestion(header, "single", _answers(labels, aliases), why=why)


def _numeric(header: str, values: Sequence[Any], numbers: list[float]) -> DraftQuestion:
    n = len(values)
    distinct = sorted(set(numbers))
    whole = all(x.is_integer() for x in numbers)
    others = n - len(numbers)
    if whole and set(distinct) <= {0.0, 1.0} and len(distinct) == 2:
        answers = [DraftAnswer("1", "1"), DraftAnswer("0", "0")]
        return DraftQuestion(header, "binary", answers, why="guessed binary: answers are 0 and 1 (1 first)")
    low, high = distinct[0], distinct[-1]
    if whole and others == 0 and low in (0, 1) and high in (4, 5, 6, 7, 10) and len(distinct) >= 3:
        points = [str(int(x)) for x in range(int(low), int(high) + 1)]
        return DraftQuestion(
            header,
            "likert",
            [DraftAnswer(p, p) for p in points],
            why=f"guessed likert: integers from {int(low)} to {int(high)} look like a rating scale; "
            "check the ends' meaning",
        )
    if len(distinct) >= 3:
        why = f"guessed numeric: {len(distinct)} distinct numbers"
        if others:
            why += f"; {others} answer(s) are not numbers (add them to missing_values or fix them)"
        return DraftQuestion(header, "numeric", why=why, integer=whole)
    labels = [str(int(x)) if x.is_integer() else str(x) for x in distinct]
    if len(labels) < 2:
        return DraftQuestion(header, "free_text", why="guessed free_text: one number only; check the type")
    return DraftQuestion(
        header, "single", _answers(labels), why="guessed single: two distinct numbers; check the type"
    )


# --- per-column multiples ----------------------------------------------------------

_OPTION_PATTERNS = (
    (re.compile(r"^(.+)___(.+)$"), "REDCap"),
    (re.compile(r"^(.+) \(choice=(.+)\)$"), "REDCap"),
    (re.compile(r"^(.+)\[(.+)\]$"), "LimeSurvey"),
    (re.compile(r"^(.+)/([^/]+)$"), "Kobo"),
)
_TICKS = frozenset(
    {
        "1",
        "0",
        "true",
        "false",
        "oui",
        "non",
        "yes",
        "no",
        "y",
        "n",
        "x",
        "checked",
        "unchecked",
        "coche",
        "1.0",
        "0.0",
    }
)


def _ticks(values: Sequence[Any]) -> bool:
    texts = {normalise_label(t) for t in _texts(values)}
    return texts <= _TICKS or len(texts) <= 1


def _option_groups(headers: Sequence[str], values: dict[str, list[Any]]) -> dict[str, tuple[str, str, str]]:
    """Header → (prefix, source, option name) for headers that are options of a
    per-column multiple (two or more columns sharing a prefix, all holding ticks)."""
    found: dict[str, tuple[str, str, str]] = {}
    for pattern, origin in _OPTION_PATTERNS:
        by_prefix: dict[str, list[tuple[str, str]]] = {}
        for h in headers:
            if h in found:
                continue
            m = pattern.match(h)
            if m:
                by_prefix.setdefault(m.group(1).strip(), []).append((h, m.group(2).strip()))
        for prefix, members in by_prefix.items():
            if len(members) >= 2 and all(_ticks(values.get(h, [])) for h, _ in members):
                for h, option in members:
                    found[h] = (prefix, origin, option)
    return found


# --- the export ------------------------------------------------------------------------


def draft_from_export(path: Path, sheet: str | None = None) -> Draft:
    """Read an export (any format :func:`read_export` reads) and draft its
    codebook: one question per column, in file order."""
    allowed = _csv_header_keys(path) if detect_format(path) == "csv" else None
    probe = _Probe(path, allowed)
    raw = read_export(path, probe, sheet)
    state: _ProbeState = probe.state  # type: ignore[attr-defined]
    by_key = {normalise_header(h): (qid, h) for qid, h in raw.headers.items()}
    dropped = {normalise_header(h): h for h in state.dropped}
    frame = raw.frame
    values: dict[str, list[Any]] = {}
    kept_headers = []
    for qid, header in raw.headers.items():
        if qid == TIMESTAMP:
            continue
        values[header] = [v for v in frame[qid].tolist() if not _blank(v)]
        kept_headers.append(header)
    groups = _option_groups(kept_headers, values)
    plain = set(kept_headers)

    questions: list[DraftQuestion] = []
    stamps: list[str] = []
    left_out: list[str] = []
    prefixes = {g[0] for g in groups.values()}
    done: set[str] = set()
    for key in state.order:
        if key in by_key:
            qid, header = by_key[key]
            if qid == TIMESTAMP:
                stamps.append(header)
                continue
            # Kobo writes a multiple's ticked options joined in column `q`
            # before its option columns `q/option`: one question, drafted at
            # the first of them.
            prefix = groups[header][0] if header in groups else header if header in prefixes else None
            if prefix is not None:
                if prefix not in done:
                    done.add(prefix)
                    questions.append(_columns_question(prefix, groups, absorbed=prefix in plain))
                continue
            questions.append(infer_question(header, values[header]))
        elif key in dropped:
            header = dropped[key]
            if _meta_header(key, header) and key not in _IDENTIFYING_META:
                left_out.append(header)
            else:
                why = (
                    "guessed pii: form metadata that traces a respondent"
                    if key in _IDENTIFYING_META
                    else "guessed pii: the header names contact or identity data (dropped unread)"
                )
                questions.append(DraftQuestion(header, "pii", why=why))
    return Draft(
        study_id=study_id(path),
        source=f"the export {path.name}",
        questions=questions,
        timestamp_headers=stamps,
        left_out=left_out,
    )


def _columns_question(prefix: str, groups: dict[str, tuple[str, str, str]], absorbed: bool) -> DraftQuestion:
    members = [(h, g) for h, g in groups.items() if g[0] == prefix]
    taken: set[str] = set()
    answers = [DraftAnswer(code=make_code(g[2], taken), label=g[2], column=h) for h, g in members]
    origin = members[0][1][1]
    why = f"guessed multiple: {len(members)} {origin}-style option columns of '{prefix}' holding ticks"
    if absorbed:
        why += f"; column '{prefix}' (the same ticks joined) is not used"
    return DraftQuestion(prefix, "multiple", answers, why=why + "; translate the labels", encoding="columns")
