"""Build questionnaire exports for tests, from the codebook's own labels.

Independent of the package's reconstruction: answers are drawn at random
(seeded), conditional questions are left blank when not asked, and the
expected counts are computed here from the labels written.
"""

from __future__ import annotations

import csv
import random
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from dmp_survey.study.codebook import Codebook, Condition, Question, QuestionType


def _holds(cond: Condition, answers: dict[str, str | None]) -> bool:
    if cond.question is not None:
        return answers.get(cond.question) in cond.codes
    if cond.negate is not None:
        return not _holds(cond.negate, answers)
    parts = [_holds(c, answers) for c in (cond.all_of or cond.any_of)]
    return all(parts) if cond.all_of else any(parts)


def random_respondent(codebook: Codebook, rng: random.Random) -> dict[str, str | None]:
    """Codes of one random respondent, conditions respected."""
    codes: dict[str, str | None] = {}
    for q in codebook.questions:
        if q.asked_if is not None and not _holds(q.asked_if, codes):
            codes[q.id] = None
        elif q.is_categorical:
            codes[q.id] = rng.choice(q.codes)
        elif q.type is QuestionType.FREE_TEXT:
            codes[q.id] = rng.choice(["via la hotline", "un confrère m'a aidé", None])
        else:
            codes[q.id] = None
    return codes


def label_of(q: Question, code: str | None) -> Any:
    if code is None:
        return None
    if q.is_categorical:
        return q.answer(code).fr
    return code


def form_export(
    codebook: Codebook,
    n: int = 64,
    seed: int = 1,
    *,
    messy_headers: bool = False,
    pii: dict[str, str] | None = None,
) -> tuple[list[str], list[list[Any]], list[dict[str, str | None]]]:
    """Header row, data rows (labels) and the codes behind them.

    ``messy_headers`` writes some headers as forms and people do: numbered,
    with extra spaces, in another case. ``pii`` adds contact columns
    (header → value written in every row).
    """
    rng = random.Random(seed)
    questions = [q for q in codebook.questions if q.type is not QuestionType.PII]
    headers = ["Horodateur"]
    for i, q in enumerate(questions):
        text = q.text
        if messy_headers and i % 3 == 0:
            text = f"{q.number}- {text.upper()}"
        elif messy_headers and i % 3 == 1:
            text = "  " + text.replace(" ", "  ") + " "
        headers.append(text)
    contact = codebook["contact"]
    headers.append(contact.text)
    extra = pii or {}
    headers.extend(extra)
    rows, truth = [], []
    start = datetime(2018, 12, 21, 9, 0, 0)
    for r in range(n):
        codes = random_respondent(codebook, rng)
        truth.append(codes)
        row: list[Any] = [start + timedelta(hours=17 * r)]
        row += [label_of(q, codes[q.id]) for q in questions]
        row.append(None)
        row += list(extra.values())
        rows.append(row)
    return headers, rows, truth


def expected_counts(codebook: Codebook, truth: Sequence[dict[str, str | None]]) -> dict[str, Counter[str]]:
    return {
        q.id: Counter(c[q.id] for c in truth if c[q.id] is not None)
        for q in codebook.questions
        if q.is_categorical
    }


def write_xlsx(
    path: Path, headers: Sequence[Any], rows: Sequence[Sequence[Any]], sheet: str = "Réponses au formulaire 1"
) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(list(headers))
    for row in rows:
        ws.append(list(row))
    wb.save(path)
    return path


def write_csv(
    path: Path,
    headers: Sequence[Any],
    rows: Sequence[Sequence[Any]],
    *,
    sep: str = ",",
    encoding: str = "utf-8",
) -> Path:
    def text(v: Any) -> str:
        if v is None:
            return ""
        if isinstance(v, datetime):
            return v.strftime("%d/%m/%Y %H:%M:%S")
        return str(v)

    with path.open("w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh, delimiter=sep)
        w.writerow([text(h) for h in headers])
        for row in rows:
            w.writerow([text(v) for v in row])
    return path


def write_parquet(path: Path, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> Path:
    import pandas as pd

    frame = pd.DataFrame([list(r) for r in rows], columns=list(headers))
    for col in frame.columns[1:]:
        frame[col] = frame[col].astype("string")
    frame.to_parquet(path, engine="pyarrow", index=False)
    return path
