"""Coding: apply the codebook to a raw export and return typed responses.

Answer labels become pandas ``Categorical`` values (ordered for ordered scales)
whose categories are the codebook's answer codes; blanks become missing;
conditional questions are checked against their conditions; derived variables
(the usage group) are computed. Data is never changed to make it fit: an
unknown label, a number where a label is expected, or an answer to a question
that was not asked is refused with its row and column.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import clip
from ..memory import release
from ..study.codebook import Codebook, Condition, DerivedVariable, Question, QuestionType, option_column
from ..text import closest, normalise_label
from .ingest import TIMESTAMP, RawExport, blank_text
from .writers import distinct_codes

__all__ = [
    "RESPONDENT",
    "CodedResponses",
    "asked_mask",
    "code_export",
    "derive",
    "evaluate",
]

RESPONDENT = "respondent_id"
_NUMBER = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")
# Far beyond any answer label of a questionnaire (the longest shipped is under 200).
MAX_LABEL_CHARS = 10_000


@dataclass(frozen=True)
class CodedResponses:
    """Typed responses: the output of the coding stage.

    Attributes
    ----------
    frame : pandas.DataFrame
        Columns ``respondent_id`` (1…n in file order), ``timestamp`` when the
        export has one, one column per codebook question present (contact/PII
        excluded) and one per derived variable. Categorical questions are
        ``Categorical`` with the answer codes as categories in codebook order.
        The index is the row number in the source file.
    codebook : Codebook
    source : Path
        The export the responses were read from.
    read_warnings : tuple of str
        The export's warnings (:attr:`RawExport.warnings`); :attr:`warnings`
        adds the rows identical to an earlier row.
    """

    frame: pd.DataFrame
    codebook: Codebook
    source: Path
    read_warnings: tuple[str, ...] = ()

    @cached_property
    def warnings(self) -> tuple[str, ...]:
        """The export's warnings, then how many rows repeat an earlier row,
        counted when first asked for (``validate`` prints them; a run does
        not, and counting them took 0.36 s of CPU at 10^6 respondents before
        the figures could start)."""
        duplicated = _duplicated_rows(self.frame.drop(columns=[RESPONDENT], errors="ignore"))
        if not duplicated:
            return self.read_warnings
        return (*self.read_warnings, f"{duplicated} row(s) identical to an earlier row (kept)")

    @property
    def n(self) -> int:
        return len(self.frame)

    def missing(self) -> dict[str, tuple[int, int]]:
        """Question id → (missing answers among those asked, number asked)."""
        out: dict[str, tuple[int, int]] = {}
        for q in self.codebook.data_questions:
            present = [c for c in q.columns if c in self.frame]
            if not present:
                continue
            asked = asked_mask(q, self.frame)
            blank = np.logical_and.reduce([self.frame[c].isna().to_numpy() for c in present])
            out[q.id] = (int((blank & asked).sum()), int(asked.sum()))
        return out


def evaluate(condition: Condition, frame: pd.DataFrame) -> np.ndarray:
    """Boolean array: where ``condition`` holds (a missing answer never matches).

    On a multiple question, ``in: [codes]`` holds where any of the options is ticked.
    """
    if condition.question is not None:
        if condition.question not in frame:
            ticked = np.zeros(len(frame), dtype=bool)
            for code in condition.codes:
                column = option_column(condition.question, code)
                if column in frame:
                    ticked |= np.asarray(frame[column] == "yes", dtype=bool)
            return ticked
        return np.asarray(frame[condition.question].isin(condition.codes), dtype=bool)
    if condition.negate is not None:
        return ~evaluate(condition.negate, frame)
    parts = [evaluate(c, frame) for c in (condition.all_of or condition.any_of)]
    if condition.all_of:
        return np.logical_and.reduce(parts)
    return np.logical_or.reduce(parts)


def asked_mask(question: Question, frame: pd.DataFrame) -> np.ndarray:
    """Boolean array: the respondents to whom ``question`` was asked."""
    if question.asked_if is None:
        return np.ones(len(frame), dtype=bool)
    return evaluate(question.asked_if, frame)


def derive(variable: DerivedVariable, frame: pd.DataFrame) -> pd.Categorical:
    """Compute a derived variable: the first level whose condition holds."""
    codes = np.full(len(frame), len(variable.levels) - 1, dtype=np.int8)
    undecided = np.ones(len(frame), dtype=bool)
    for i, level in enumerate(variable.levels[:-1]):
        assert level.when is not None  # guaranteed by the codebook loader
        hit = evaluate(level.when, frame) & undecided
        codes[hit] = i
        undecided &= ~hit
    return pd.Categorical.from_codes(codes, categories=list(variable.codes), ordered=True)


def _is_blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip() == ""


def _decode_value(question: Question, value: Any, keys: Mapping[str, str]) -> str:
    """Code of one raw value, or ValueError with the reason (no data change)."""
    if isinstance(value, (bool, np.bool_)):
        raise ValueError(f"a true/false value ({value}) where an answer label is expected")
    if isinstance(value, datetime | date | time | pd.Timestamp):
        raise ValueError(f"a date ({clip(value)}) where an answer label is expected")
    if isinstance(value, int | float | np.integer | np.floating):
        if question.type is QuestionType.LIKERT and float(value).is_integer():
            code = keys.get(normalise_label(str(int(value))))
            if code is not None:
                return code
            raise ValueError(
                f"{clip(value)} is outside the scale; expected one of {', '.join(question.codes)}"
            )
        raise ValueError(f"a number ({clip(value)}) where an answer label is expected")
    text = str(value)
    expected = ", ".join(f"'{a.fr}'" for a in question.answers)
    if len(text) > MAX_LABEL_CHARS:
        # No answer label is this long; normalising a 50 MB cell and comparing
        # it with the labels (difflib is quadratic) would take minutes.
        raise ValueError(
            f"unknown answer '{clip(text)}' ({len(text):,} characters); expected one of {expected}"
        )
    code = keys.get(normalise_label(text))
    if code is not None:
        return code
    if _NUMBER.match(text.strip()) and question.type is not QuestionType.LIKERT:
        raise ValueError(f"a number ({clip(text)}) where an answer label is expected: {expected}")
    hint = closest(text, [a.fr for a in question.answers])
    return_hint = f" (closest: '{hint}')" if hint else ""
    raise ValueError(f"unknown answer '{clip(text)}'; expected one of {expected}{return_hint}")


def _code_column(raw: RawExport, question: Question) -> pd.Categorical:
    column = raw.frame[question.id]
    positions, uniques = distinct_codes(column)
    keys = question.label_keys()
    category_index = {code: i for i, code in enumerate(question.codes)}
    lookup = np.full(len(uniques) + 1, -1, dtype=np.int16)  # last slot: factorize's NA
    for u, value in enumerate(uniques):
        if _is_blank(value):
            continue
        try:
            lookup[u] = category_index[_decode_value(question, value, keys)]
        except ValueError as exc:
            first = int(np.flatnonzero(positions == u)[0])
            raise raw.error(str(exc), row=int(raw.frame.index[first]), column=question.id) from None
    codes = lookup[positions]  # positions == -1 picks the NA slot
    return pd.Categorical.from_codes(codes, categories=list(question.codes), ordered=question.is_ordered)


def _first_row(raw: RawExport, bad: np.ndarray) -> int:
    return int(raw.frame.index[int(np.flatnonzero(bad)[0])])


def _numeric_column(raw: RawExport, question: Question) -> pd.Series:
    """Numbers as the export writes them (decimal comma or point); a value that
    is not a number, not whole when ``integer``, or outside the bounds is an
    input error unless the codebook lists it among ``missing_values``."""
    column = raw.frame[question.id]
    blank = _blank_mask(column)
    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        values = column.astype("float64")
    elif isinstance(column.dtype, pd.CategoricalDtype):
        # Each distinct answer converted once, then put in place.
        categories = (
            pd.Series(column.cat.categories, dtype="string").str.strip().str.replace(",", ".", regex=False)
        )
        numbers = pd.to_numeric(categories, errors="coerce").to_numpy(dtype="float64")
        values = pd.Series(np.append(numbers, np.nan)[column.cat.codes.to_numpy()], index=column.index)
        bad = values.isna().to_numpy() & ~blank
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise raw.error(
                f"'{clip(column.iloc[i])}' is not a number", row=_first_row(raw, bad), column=question.id
            )
    else:
        text = column.astype("string").str.strip().str.replace(",", ".", regex=False)
        values = pd.to_numeric(text.where(~pd.Series(blank, index=column.index)), errors="coerce")
        bad = values.isna().to_numpy() & ~blank
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise raw.error(
                f"'{clip(column.iloc[i])}' is not a number", row=_first_row(raw, bad), column=question.id
            )
    values = values.astype("float64")
    if question.missing_values:
        values = values.mask(values.isin(question.missing_values))
    present = values.notna().to_numpy()
    if question.integer:
        bad = present & (values.fillna(0).to_numpy() % 1 != 0)
        if bad.any():
            value = values[bad].iloc[0]
            raise raw.error(
                f"{clip(value)} is not a whole number", row=_first_row(raw, bad), column=question.id
            )
    for bound, outside in (
        (question.minimum, values.to_numpy() < (question.minimum if question.minimum is not None else 0)),
        (question.maximum, values.to_numpy() > (question.maximum if question.maximum is not None else 0)),
    ):
        if bound is None:
            continue
        bad = present & outside
        if bad.any():
            value = values[bad].iloc[0]
            low = "" if question.minimum is None else f"{question.minimum:g}"
            high = "" if question.maximum is None else f"{question.maximum:g}"
            raise raw.error(
                f"{value:g} is outside the bounds [{low}, {high}] of the codebook "
                "(list it under missing_values if it codes a missing answer)",
                row=_first_row(raw, bad),
                column=question.id,
            )
    if question.integer:
        return values.astype("Int64")
    return values


def _multiple_columns(raw: RawExport, question: Question) -> dict[str, pd.Categorical]:
    """One yes/no column per option (``ID__CODE``, categories ``yes``/``no``
    like a binary question), from either encoding; all missing where the
    respondent ticked nothing."""
    n = len(raw.frame)
    ticked = {a.code: np.zeros(n, dtype=bool) for a in question.answers}
    if question.encoding == "columns":
        yes = {"1", "true", "oui", "yes", "x", "checked", "vrai"}
        no = {"", "0", "false", "non", "no", "unchecked", "faux"}
        for a in question.answers:
            column_id = option_column(question.id, a.code)
            if column_id not in raw.frame:
                continue
            column = raw.frame[column_id]
            labels = {normalise_label(a.fr), normalise_label(a.en), normalise_label(a.code)}
            positions, uniques = distinct_codes(column)
            lookup = np.zeros(len(uniques) + 1, dtype=bool)
            for u, value in enumerate(uniques):
                if _is_blank(value):
                    continue
                text = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
                key = normalise_label(text)
                if key in yes or key in labels:
                    lookup[u] = True
                elif key not in no:
                    first = int(np.flatnonzero(positions == u)[0])
                    raise raw.error(
                        f"'{clip(value)}' is neither ticked (1, oui, yes, x or the option's label) "
                        "nor unticked (blank, 0, non, no)",
                        row=int(raw.frame.index[first]),
                        column=column_id,
                    )
            ticked[a.code] = lookup[positions]
    elif question.id in raw.frame:
        column = raw.frame[question.id]
        keys = question.label_keys()
        positions, uniques = distinct_codes(column)
        for u, value in enumerate(uniques):
            if _is_blank(value):
                continue
            try:
                codes = _split_options(str(value), question, keys)
            except ValueError as exc:
                first = int(np.flatnonzero(positions == u)[0])
                raise raw.error(str(exc), row=int(raw.frame.index[first]), column=question.id) from None
            rows = positions == u
            for code in codes:
                ticked[code] |= rows
    any_ticked = np.logical_or.reduce(list(ticked.values()))
    out = {}
    for code, mask in ticked.items():
        cat_codes = np.where(any_ticked, np.where(mask, 0, 1), -1).astype(np.int8)
        out[option_column(question.id, code)] = pd.Categorical.from_codes(cat_codes, categories=["yes", "no"])
    return out


def _split_options(text: str, question: Question, keys: Mapping[str, str]) -> list[str]:
    """The options ticked in one joined cell. Pieces are joined back when a
    label itself holds the separator ("Revues, journaux")."""
    pieces = [p for p in text.split(question.separator)]
    codes: list[str] = []
    i = 0
    while i < len(pieces):
        for j in range(len(pieces), i, -1):
            candidate = question.separator.join(pieces[i:j]).strip()
            code = keys.get(normalise_label(candidate))
            if code is not None:
                codes.append(code)
                i = j
                break
        else:
            piece = pieces[i].strip()
            if piece == "":
                i += 1
                continue
            expected = ", ".join(f"'{a.fr}'" for a in question.answers)
            raise ValueError(
                f"unknown option '{clip(piece)}' (options joined by '{question.separator}'); "
                f"expected {expected}"
            )
    return codes


def _date_column(raw: RawExport, question: Question) -> pd.Series:
    column = raw.frame[question.id]
    blank = _blank_mask(column)
    if question.date_format:
        if pd.api.types.is_datetime64_any_dtype(column):
            parsed = column
        else:
            values = [v if isinstance(v, datetime | date) or _is_blank(v) else str(v).strip() for v in column]
            parsed = pd.Series(
                [
                    pd.NaT
                    if _is_blank(v)
                    else (
                        pd.Timestamp(v)
                        if isinstance(v, datetime | date)
                        else _strptime(v, question.date_format)
                    )
                    for v in values
                ],
                index=column.index,
                dtype="datetime64[ns]",
            )
    else:
        parsed = pd.to_datetime(column.where(~blank), errors="coerce", format="ISO8601")
    bad = parsed.isna().to_numpy() & ~blank
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        expected = question.date_format or "ISO 8601 (YYYY-MM-DD)"
        raise raw.error(
            f"'{clip(column.iloc[i])}' is not a date in the format {expected}",
            row=_first_row(raw, bad),
            column=question.id,
        )
    parsed = parsed.astype("datetime64[ns]")
    return parsed if question.datetime else parsed.dt.normalize()


def _strptime(text: str, fmt: str) -> Any:
    try:
        return pd.Timestamp(datetime.strptime(text, fmt))
    except ValueError:
        return pd.NaT


def _blank_mask(column: pd.Series) -> np.ndarray:
    """Where a raw column is blank (missing, empty or whitespace only);
    vectorised on text columns, on the distinct values of a categorical
    (a Parquet export's answers), per value on mixed ones (workbooks)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes = column.cat.codes.to_numpy()
        blank_category = np.fromiter((_is_blank(v) for v in column.cat.categories), dtype=bool)
        return np.append(blank_category, True)[codes]  # code -1: missing
    arrow = blank_text(column)
    if arrow is not None:
        return arrow
    if pd.api.types.is_string_dtype(column) and column.dtype != object:
        stripped = column.str.strip()
        return (column.isna() | stripped.eq("")).fillna(True).to_numpy(dtype=bool)
    return np.fromiter((_is_blank(v) for v in column), dtype=bool, count=len(column))


def _free_text(column: pd.Series) -> pd.Series:
    text = _as_text(column)
    return text.where(~_blank_mask(column), None)


def _as_text(column: pd.Series) -> pd.Series:
    """``column.astype("string")``. A categorical of texts (the answers of a
    Parquet or large CSV export) is decoded by Arrow from its codes and
    categories: pandas makes a Python string per row on the way (0.14 ->
    0.04 s for 10^6 answers, at a point of the run where nothing else can
    go on). The same strings, the same dtype."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        categories = column.cat.categories
        if all(isinstance(c, str) for c in categories):
            import pyarrow as pa

            codes = column.cat.codes.to_numpy()
            dictionary = pa.array(categories.to_numpy(dtype=object), pa.string())
            text = pa.DictionaryArray.from_arrays(pa.array(codes, mask=codes < 0), dictionary)
            return pd.Series(
                pd.arrays.ArrowStringArray(text.cast(pa.string())), index=column.index, name=column.name
            )
    return column.astype("string")


# Formats forms write their timestamps in, tried in order on the whole column
# (pyarrow's strptime, vectorised) before pandas' per-value "mixed" parser is
# used on what is left: parsing 10^6 timestamps with that parser alone takes
# minutes, with pandas' strptime seconds, with pyarrow's a few hundredths.
_TIMESTAMP_FORMATS = (
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y/%m/%d %H:%M:%S",
    "%m/%d/%Y %H:%M:%S",
)


def _parse_timestamps(values: pd.Series, blank: np.ndarray) -> pd.Series:
    """Parse a timestamp column; NaT where ``blank`` or unparsable."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if pd.api.types.is_datetime64_any_dtype(values):
        parsed = values.dt.tz_convert(None) if getattr(values.dt, "tz", None) is not None else values
        return parsed.astype("datetime64[ns]").where(~blank)
    parsed = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    todo = ~blank
    present = values[todo]
    if len(present) and all(isinstance(v, datetime | pd.Timestamp) for v in present.head(100)):
        parsed[todo] = pd.to_datetime(present, errors="coerce").to_numpy()
        todo = todo & parsed.isna().to_numpy()
    if todo.any():
        everything = bool(todo.all())
        # The column's own Arrow buffers when it has them (no copy of 10^7
        # texts), through the Arrow interchange protocol.
        text = (values if everything else values[todo]).astype("string").array.__arrow_array__()
        result = pa.nulls(len(text), type=pa.timestamp("ns"))
        for fmt in _TIMESTAMP_FORMATS:
            attempt = pc.strptime(text, format=fmt, unit="ns", error_is_null=True)
            result = pc.coalesce(result, attempt)
            if result.null_count == 0:
                break
        del text
        times = result.to_numpy(zero_copy_only=False)
        del result
        if everything:
            parsed = pd.Series(times, index=values.index, dtype="datetime64[ns]")
        else:
            parsed.iloc[np.flatnonzero(todo)] = times
        todo = todo & np.isnat(times) if everything else todo & parsed.isna().to_numpy()
    if todo.any():
        rest = pd.to_datetime(values[todo], errors="coerce", dayfirst=True, format="mixed")
        if getattr(rest.dt, "tz", None) is not None:
            rest = rest.dt.tz_convert(None)
        parsed[todo] = rest.to_numpy()
    return parsed


def _timestamp(raw: RawExport) -> pd.Series:
    column = raw.frame[TIMESTAMP]
    blank = _blank_mask(column)
    parsed = _parse_timestamps(column, blank)
    bad = parsed.isna().to_numpy() & ~blank
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise raw.error(
            f"'{clip(column.iloc[first])}' is not a date and time",
            row=int(raw.frame.index[first]),
            column=TIMESTAMP,
        )
    return parsed.astype("datetime64[ns]")


def _condition_text(cond: Condition, codebook: Codebook) -> str:
    if cond.question is not None:
        q = codebook[cond.question]
        labels = " or ".join(f"'{q.answer(c).fr}'" for c in cond.codes)
        return f"{q.number} = {labels}"
    if cond.negate is not None:
        return f"not ({_condition_text(cond.negate, codebook)})"
    joiner = " and " if cond.all_of else " or "
    return "(" + joiner.join(_condition_text(c, codebook) for c in (cond.all_of or cond.any_of)) + ")"


def _state_text(cond: Condition, codebook: Codebook, frame: pd.DataFrame, i: int) -> str:
    parts = []
    for qid in sorted(cond.questions()):
        q = codebook[qid]
        if q.is_multiple:
            ticked = [a.fr for a in q.answers if frame[option_column(qid, a.code)].iloc[i] == "yes"]
            parts.append(f"{q.number} ticked " + (", ".join(f"'{t}'" for t in ticked) or "nothing"))
            continue
        value = frame[qid].iloc[i]
        parts.append(f"{q.number} is " + ("blank" if pd.isna(value) else f"'{q.answer(value).fr}'"))
    return ", ".join(parts)


def _check_conditions(raw: RawExport, codebook: Codebook, frame: pd.DataFrame) -> None:
    for q in codebook.data_questions:
        present = [c for c in q.columns if c in frame]
        if q.asked_if is None or not present:
            continue
        answered = np.logical_or.reduce([frame[c].notna().to_numpy() for c in present])
        stray = answered & ~evaluate(q.asked_if, frame)
        if stray.any():
            i = int(np.flatnonzero(stray)[0])
            raise raw.error(
                f"answer to {q.number} although it is asked only when "
                f"{_condition_text(q.asked_if, codebook)} ({_state_text(q.asked_if, codebook, frame, i)})",
                row=int(frame.index[i]),
                column=present[0],
            )


def _sorted_distinct(values: np.ndarray) -> np.ndarray:
    """The distinct values of an integer array, sorted (``np.unique`` without
    its hash table: a sort and a comparison, 30 times faster on 10^7 values)."""
    ordered = np.sort(values)
    return ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))]


def _renumber(values: np.ndarray) -> tuple[np.ndarray, int]:
    """``(codes, number of distinct values)``: each value's rank among the distinct ones."""
    distinct = _sorted_distinct(values)
    return np.searchsorted(distinct, values).astype(np.int64, copy=False), len(distinct)


def _duplicated_rows(frame: pd.DataFrame) -> int:
    """How many rows repeat an earlier row (``frame.duplicated().sum()``).

    Written out because ``DataFrame.duplicated`` hashes every column and
    then every row (2 s for 10^6 rows of 30 answers, 14 s and 1.4 GB for
    10^7): here each column is one integer code per row (a categorical's
    own codes; dates renumbered by sorting; other columns factorised), the
    codes are combined into one integer per row (mixed radix, renumbered by
    sorting whenever the next column could overflow it), and the rows that
    repeat an earlier one are those beyond the number of distinct keys.
    """
    n = len(frame)
    if not len(frame.columns) or not n:
        return 0
    key = np.zeros(n, dtype=np.int64)
    size = 1
    for name in frame.columns:
        column = frame[name]
        if pd.api.types.is_datetime64_dtype(column.dtype):
            codes, card = _renumber(column.to_numpy().view(np.int64))
        else:
            positions, uniques = distinct_codes(column)
            codes, card = positions.astype(np.int64), len(uniques) + 1
            codes += 1  # missing: -1 -> 0
        if size * card >= 2**62:
            key, size = _renumber(key)
        key *= card  # in place: no 10^7-value temporaries
        key += codes
        size *= card
    return n - len(_sorted_distinct(key))


def _code_answers(raw: RawExport, codebook: Codebook, columns: dict[str, Any]) -> None:
    """Each question's coded column(s) into ``columns``, in the codebook's order."""
    for q in codebook.data_questions:
        if q.is_multiple:
            if any(c in raw.frame for c in (q.id, *q.columns)):
                columns.update(_multiple_columns(raw, q))
            continue
        if q.id not in raw.frame:
            continue
        if q.is_categorical:
            columns[q.id] = _code_column(raw, q)
        elif q.type is QuestionType.NUMERIC:
            columns[q.id] = _numeric_column(raw, q).array
        elif q.type is QuestionType.DATE:
            columns[q.id] = _date_column(raw, q).to_numpy()
        else:
            columns[q.id] = _free_text(raw.frame[q.id]).array


#: From this many respondents on, the timestamps are parsed before the answers
#: are coded and the parse's buffers given back, rather than beside the coding
#: (:func:`_code_beside_timestamps`), which holds both at once: the coding
#: stage's peak at 10^7 respondents 1.60 -> 1.79 GB (the run's target 2 GB).
_PARSE_APART_ROWS = 2_000_000


def _code_beside_timestamps(raw: RawExport, codebook: Codebook, columns: dict[str, Any]) -> None:
    """The timestamps parsed on a thread of their own while the answers are
    coded into ``columns``: Arrow parses them without the GIL (0.08-0.19 s
    for 10^6, before the figures are handed over, when the other core has
    nothing to do). A bad timestamp is still the error reported first."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1, thread_name_prefix="dmp-survey-timestamps") as pool:
        stamps = pool.submit(_timestamp, raw)
        columns[TIMESTAMP] = None  # its place among the columns
        try:
            _code_answers(raw, codebook, columns)
        except Exception:
            stamps.result()  # raises the timestamp's error, if any
            raise
        columns[TIMESTAMP] = stamps.result().to_numpy()


def code_export(raw: RawExport, codebook: Codebook) -> CodedResponses:
    """Apply ``codebook`` to ``raw``.

    Returns
    -------
    CodedResponses

    Raises
    ------
    InputError
        Unknown answer label (with the closest valid one), a number or date
        where a label is expected, a Likert value outside its scale, an
        unparsable timestamp, or an answer to a conditional question whose
        condition does not hold.
    """
    columns: dict[str, Any] = {RESPONDENT: np.arange(1, len(raw.frame) + 1, dtype=np.int64)}
    if TIMESTAMP not in raw.frame:
        _code_answers(raw, codebook, columns)
    elif len(raw.frame) >= _PARSE_APART_ROWS:
        columns[TIMESTAMP] = _timestamp(raw).to_numpy()
        release()  # parsing's Arrow buffers (see dmp_survey.memory)
        _code_answers(raw, codebook, columns)
    else:
        _code_beside_timestamps(raw, codebook, columns)
        release()  # parsing's Arrow buffers
    # copy=False: the frame takes the coded arrays as they are (a copy would
    # hold every coded column twice while the rest of the stage runs: 0.4 GB
    # at 10^7 respondents).
    frame = pd.DataFrame(columns, index=raw.frame.index, copy=False)
    del columns
    _check_conditions(raw, codebook, frame)
    for d in codebook.derived:
        frame[d.id] = derive(d, frame)
    return CodedResponses(frame=frame, codebook=codebook, source=raw.path, read_warnings=raw.warnings)
