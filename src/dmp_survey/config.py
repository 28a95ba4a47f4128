"""Every path the project uses, in one place.

Paths are relative to a *root* (the current directory by default, ``--out`` on
the command line), never to this machine.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

__all__ = [
    "DEFAULT_ANALYSIS_PLAN",
    "DEFAULT_CODEBOOK",
    "DEFAULT_PUBLISHED",
    "DEFAULT_RAW",
    "DEFAULT_RECONSTRUCTION",
    "DEFAULT_STUDY",
    "PROJECT_ROOT",
    "STUDIES",
    "OutputPaths",
]

# Study folders shipped as package data; ``studies/DEFAULT`` names the one used
# when ``--study`` is not given (the engine itself names no study).
STUDIES = Path(str(resources.files("dmp_survey") / "studies"))
DEFAULT_STUDY = STUDIES / (STUDIES / "DEFAULT").read_text(encoding="utf-8").strip()
DEFAULT_CODEBOOK = DEFAULT_STUDY / "codebook.yaml"
DEFAULT_ANALYSIS_PLAN = DEFAULT_STUDY / "plan.yaml"
DEFAULT_RECONSTRUCTION = DEFAULT_STUDY / "reconstruction.yaml"
DEFAULT_PUBLISHED = DEFAULT_STUDY / "published"

# The source checkout this package was installed from (editable install), where
# the shipped export lives. Found from this file, not from the current
# directory, so that commands work from anywhere.
PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_RAW = PROJECT_ROOT / "data" / "raw" / "responses.xlsx"


@dataclass(frozen=True)
class OutputPaths:
    """Where ``dmp-survey run`` writes, under one root directory (DESIGN.md)."""

    root: Path

    @property
    def processed(self) -> Path:
        return self.root / "data" / "processed"

    @property
    def figures(self) -> Path:
        return self.root / "figures"

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    @property
    def responses_parquet(self) -> Path:
        return self.processed / "responses.parquet"

    @property
    def responses_csv(self) -> Path:
        return self.processed / "responses.csv"

    @property
    def descriptive_csv(self) -> Path:
        return self.processed / "descriptive.csv"

    def comparison_csv(self, comparison_id: str) -> Path:
        return self.processed / f"{comparison_id}.csv"

    @property
    def comparisons_xlsx(self) -> Path:
        return self.processed / "comparisons.xlsx"

    @property
    def comparisons_md(self) -> Path:
        return self.processed / "comparisons.md"

    @property
    def pvalue_check_csv(self) -> Path:
        return self.processed / "pvalue_check.csv"

    @property
    def audit_csv(self) -> Path:
        return self.processed / "audit.csv"

    @property
    def manifest_json(self) -> Path:
        return self.processed / "manifest.json"

    @property
    def report_html(self) -> Path:
        return self.reports / "report.html"

    def figure(self, number: int, suffix: str) -> Path:
        return self.figures / f"figure_{number:02d}.{suffix}"
