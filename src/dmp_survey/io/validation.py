"""``dmp-survey validate``: ingest and coding only, summarised for a person."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..memory import release
from ..study.codebook import Codebook
from .coding import CodedResponses, code_export
from .ingest import RawExport, read_export

__all__ = ["ValidationReport", "load_responses", "validate"]


@dataclass(frozen=True)
class ValidationReport:
    """What ``validate`` found in an export (nothing here is written to disk)."""

    raw: RawExport
    coded: CodedResponses

    def lines(self) -> list[str]:
        raw, coded, cb = self.raw, self.coded, self.coded.codebook
        where = f"sheet '{raw.sheet}', " if raw.sheet else ""
        found = [q for q in cb.data_questions if any(c in coded.frame for c in q.columns)]
        out = [
            f"{raw.path.name}: {where}{raw.format}, {coded.n} respondent(s)",
            f"questions found: {len(found)} of {len(cb.data_questions)}"
            + (", timestamp column" if "timestamp" in coded.frame else ""),
        ]
        absent = [q for q in cb.data_questions if not any(c in coded.frame for c in q.columns)]
        if absent:
            out.append("optional questions absent: " + ", ".join(f"{q.number} {q.id}" for q in absent))
        out.append("missing answers (among the respondents asked):")
        for qid, (missing, asked) in coded.missing().items():
            q = cb[qid]
            out.append(f"  {q.number:>4} {qid:<20} {missing:>6} of {asked}")
        for d in cb.derived:
            counts = coded.frame[d.id].value_counts(sort=False)
            out.append(f"{d.id}: " + ", ".join(f"{code} {int(n)}" for code, n in counts.items()))
        if coded.warnings:
            out.append("warnings:")
            out.extend(f"  - {w}" for w in coded.warnings)
        out.append("valid")
        return out


def load_responses(
    path: Path, codebook: Codebook, sheet: str | None = None
) -> tuple[RawExport, CodedResponses]:
    """Ingest then code an export (the first two stages of every command)."""
    raw = read_export(path, codebook, sheet=sheet)
    release()  # what reading built and let go (see dmp_survey.memory)
    return raw, code_export(raw, codebook)


def validate(path: Path, codebook: Codebook, sheet: str | None = None) -> ValidationReport:
    """Ingest and code ``path``; raise :class:`~dmp_survey.errors.InputError` on bad input."""
    raw, coded = load_responses(path, codebook, sheet)
    return ValidationReport(raw=raw, coded=coded)
