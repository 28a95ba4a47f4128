"""Reconstruct a respondent-level export from a publication's aggregates.

The result reproduces exactly every per-group count of the study's published
one-against-the-rest tables and the totals its text gives where the tables
are silent. What the publication does not determine is chosen by the study's
reconstruction settings (``reconstruction`` in ``study.yaml``) and by one
seeded rule:

*Pairing rule.* Respondents are numbered within their group. For each
question, the group's answers (from the published counts, in codebook order) are
shuffled by a pseudo-random generator seeded with ``"{seed}/{question}/{group}"``
and dealt to the group's respondents to whom the question is asked, in order.
Questions are dealt in codebook order, so a conditional question is dealt
after the question it depends on. Joint answers of two questions within a
group are therefore arbitrary: any association between them inside a group is
an artefact of the reconstruction, not a finding.

See ``docs/reconstruction.md`` for every assumption and the sentence it rests on.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import yaml

from ..errors import PlanError
from ..io.coding import evaluate
from ..study.codebook import Codebook, QuestionType
from ..study.plan import AnalysisPlan
from .published import AnnexView, Published, Split, annex_view, published_counts

if TYPE_CHECKING:
    from ..study.folder import Study
from ..io.writers import write_xlsx_sheets

__all__ = [
    "Reconstruction",
    "load_reconstruction_config",
    "reconstruct",
    "write_reconstruction",
]


@dataclass(frozen=True)
class Reconstruction:
    """Reconstructed respondents (answer codes) and how they were obtained.

    Attributes
    ----------
    frame : DataFrame
        ``timestamp``, then one column per codebook question (codes, None when
        not asked or left blank), the contact column empty; one row per
        respondent in timestamp order.
    groups : Series
        Usage group of each row (for checks; not written to the export).
    splits : list of Split
        Unprinted answers shared out to reproduce the published p-values.
    """

    frame: pd.DataFrame
    groups: pd.Series
    splits: list[Split]
    config: Mapping[str, Any]


def load_reconstruction_config(path: Path) -> Mapping[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise PlanError(path, f"cannot read the reconstruction settings ({exc.__class__.__name__})") from None
    if not isinstance(data, Mapping) or "seed" not in data:
        raise PlanError(path, "reconstruction settings need at least a 'seed'")
    return data


def _shuffled(items: list[Any], seed: str) -> list[Any]:
    out = list(items)
    random.Random(seed).shuffle(out)
    return out


def _deal(
    frame: pd.DataFrame,
    members: np.ndarray,
    question: str,
    answers: list[Any],
    seed: str,
    asked: np.ndarray,
) -> None:
    """Give ``answers`` (shuffled with ``seed``) to the asked ``members``, in order."""
    eligible = members[asked[members]]
    if len(answers) > len(eligible):
        raise ValueError(f"{question}: {len(answers)} answers for {len(eligible)} respondents asked ({seed})")
    padded = answers + [None] * (len(eligible) - len(answers))
    frame.loc[eligible, question] = _shuffled(padded, seed)


def _timestamps(config: Mapping[str, Any], n: int) -> list[datetime]:
    waves = config["timestamps"]["waves"]
    if sum(int(w["n"]) for w in waves) != n:
        raise ValueError("timestamp waves do not add up to the number of respondents")
    rng = random.Random(f"{config['seed']}/timestamps")
    stamps: list[datetime] = []
    for w in waves:
        start = datetime.fromisoformat(w["start"])
        span = int((datetime.fromisoformat(w["end"]) - start).total_seconds())
        stamps.extend(start + timedelta(seconds=rng.randrange(span + 1)) for _ in range(int(w["n"])))
    return sorted(stamps)


def reconstruct(
    codebook: Codebook,
    plan: AnalysisPlan | AnnexView,
    published: Published,
    config: Mapping[str, Any],
) -> Reconstruction:
    """Build the respondents (see the module docstring for the rules)."""
    plan = annex_view(plan)
    counts, splits = published_counts(published, plan, codebook)
    seed = config["seed"]
    joint = config["joint"]
    group_var = codebook.derived_variable(plan.group_variable)
    sizes = {g: sum(int(c["n"]) for c in joint["groups"][g]) for g in group_var.codes}
    n = sum(sizes.values())
    groups = np.concatenate([np.full(sizes[g], g, dtype=object) for g in group_var.codes])
    data_questions = [q for q in codebook.questions if q.type is not QuestionType.PII]
    frame = pd.DataFrame({q.id: pd.Series([None] * n, dtype=object) for q in data_questions})

    # The questions that define the groups, dealt as joint answer patterns.
    for g in group_var.codes:
        members = np.flatnonzero(groups == g)
        patterns = [tuple(c["answers"]) for c in joint["groups"][g] for _ in range(int(c["n"]))]
        for row, pattern in zip(members, _shuffled(patterns, f"{seed}/joint/{g}"), strict=True):
            for qid, code in zip(joint["questions"], pattern, strict=True):
                frame.at[row, qid] = code

    annex_variables = {r.variable for r in plan.rows}
    unpublished = config.get("unpublished", {})
    for q in data_questions:
        if q.id in joint["questions"]:
            continue
        asked = (
            evaluate(q.asked_if, _as_categorical(frame, codebook))
            if q.asked_if is not None
            else np.ones(n, dtype=bool)
        )
        if q.id in annex_variables:
            sub = counts[counts["variable"] == q.id]
            for g in group_var.codes:
                answers = [
                    lv
                    for lv in q.codes
                    for _ in range(int(sub[(sub["group"] == g) & (sub["level"] == lv)]["n"].sum()))
                ]
                _deal(frame, np.flatnonzero(groups == g), q.id, answers, f"{seed}/{q.id}/{g}", asked)
        elif q.id in unpublished:
            spec = unpublished[q.id]
            if q.type is QuestionType.FREE_TEXT:
                answers = list(spec["texts"])
            else:
                answers = [str(code) for code, k in spec["counts"].items() for _ in range(int(k))]
                unknown = set(answers) - set(q.codes)
                if unknown:
                    raise ValueError(f"{q.id}: unknown answer codes {sorted(unknown)} in the settings")
            expected = len(answers) + int(spec.get("missing", 0))
            if expected != int(asked.sum()):
                raise ValueError(f"{q.id}: {expected} answers for {int(asked.sum())} respondents asked")
            _deal(frame, np.arange(n), q.id, answers, f"{seed}/{q.id}", asked)
        else:
            raise ValueError(
                f"{q.id}: neither published in the annexes nor set in the reconstruction settings"
            )

    # Rows in answer order, as a form exports them.
    order = _shuffled(list(range(n)), f"{seed}/order")
    frame = frame.iloc[order].reset_index(drop=True)
    groups_series = pd.Series(groups[order], name=plan.group_variable)
    frame.insert(0, "timestamp", _timestamps(config, n))
    return Reconstruction(frame=frame, groups=groups_series, splits=splits, config=config)


def _as_categorical(frame: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """The codes dealt so far, as the condition evaluator expects them."""
    out = {}
    for q in codebook.questions:
        if q.id in frame and q.is_categorical:
            out[q.id] = pd.Categorical(frame[q.id], categories=list(q.codes))
    return pd.DataFrame(out)


def write_reconstruction(path: Path, rec: Reconstruction, codebook: Codebook) -> Path:
    """Write the reconstruction as an online form exports it: a timestamp
    column ("Horodateur"), the French question texts as headers, the French
    answer labels, conditional questions blank where not asked, the contact
    column empty; plus a second sheet with the reconstruction notice."""
    config = rec.config
    questions = list(codebook.questions)
    headers = ["Horodateur", *[q.text for q in questions]]
    rows: list[list[Any]] = [headers]
    for _, record in rec.frame.iterrows():
        row: list[Any] = [record["timestamp"].to_pydatetime()]
        for q in questions:
            code = record.get(q.id)
            if q.type is QuestionType.PII or code is None or (isinstance(code, float) and pd.isna(code)):
                row.append(None)
            elif q.type is QuestionType.LIKERT:
                row.append(int(code))
            elif q.is_categorical:
                row.append(q.answer(str(code)).fr)
            else:
                row.append(str(code))
        rows.append(row)
    notice = [
        ["Données reconstituées / Reconstructed data"],
        [config["notice"]["fr"].strip()],
        [config["notice"]["en"].strip()],
        ["Méthode : docs/reconstruction.md (dmp-survey reconstruct)"],
        [f"Graine / seed : {config['seed']}"],
    ]
    widths = {config["sheet"]: {"A": 20}, config["notice_sheet"]: {"A": 120}}
    return write_xlsx_sheets(
        path,
        [(config["sheet"], rows), (config["notice_sheet"], notice)],
        title=str(config["workbook_title"]),
        description=config["notice"]["en"].strip(),
        keywords="reconstructed; reconstitué; dmp-survey",
        column_widths=widths,
    )


def verify(
    rec: Reconstruction, codebook: Codebook, plan: AnalysisPlan | AnnexView, published: Published
) -> list[str]:
    """Differences between the reconstruction and what it must reproduce:
    every per-group count of the annexes (completed as in
    :func:`~dmp_survey.published.published_counts`) and the text totals of the
    settings. Empty when everything is reproduced."""
    plan = annex_view(plan)
    counts, _ = published_counts(published, plan, codebook)
    problems = []
    frame = rec.frame
    among = {r.variable: r.among for r in plan.rows}
    cat = _as_categorical(frame, codebook)
    for r in counts.itertuples(index=False):
        mask = (rec.groups == r.group).to_numpy() & (frame[r.variable] == r.level).to_numpy()
        cond = among.get(r.variable)
        if cond is not None:
            mask &= evaluate(cond, cat)
        if int(mask.sum()) != r.n:
            problems.append(f"{r.variable}={r.level} in {r.group}: {int(mask.sum())} rows, published {r.n}")
    for qid, total in rec.config["joint"].get("text_totals", {}).items():
        got = int((frame[qid] == total["level"]).sum())
        if got != int(total["n"]):
            problems.append(f"{qid}={total['level']}: {got} rows, the text gives {total['n']}")
    return problems


def rebuild(out: Path, study: Study) -> str:
    """``dmp-survey reconstruct``: build, verify, then write ``out`` atomically.

    Returns a one-paragraph summary for the command line.
    """
    import os

    from ..errors import StudyError

    if study.published is None or study.reconstruction is None:
        raise StudyError(
            study.directory / "study.yaml",
            "this study has no published values and reconstruction settings to rebuild an export from",
            key="reconstruction",
        )
    codebook, plan, published = study.codebook, annex_view(study.plan), study.published
    config = load_reconstruction_config(study.reconstruction)
    rec = reconstruct(codebook, plan, published, config)
    problems = verify(rec, codebook, plan, published)
    if problems:  # a bug or inconsistent settings, never bad user data
        raise RuntimeError("reconstruction does not reproduce the published counts: " + "; ".join(problems))
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    try:
        write_reconstruction(tmp, rec, codebook)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    lines = [f"{out}: {len(rec.frame)} reconstructed respondents; every published per-group count reproduced"]
    for s in rec.splits:
        share = ", ".join(f"{g}: " + "/".join(str(s.counts[g][lv]) for lv in s.levels) for g in s.counts)
        lines.append(
            f"  {s.variable}: unprinted answers {'/'.join(s.levels)} split as {share} "
            f"({s.solutions} of {s.candidates} candidate splits reproduce the three published p-values)"
        )
    return "\n".join(lines)
