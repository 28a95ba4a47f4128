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
    "PROJECT_ROOT",
    "OutputPaths",
]

_PACKAGE_DATA = resources.files("dmp_survey") / "data"
DEFAULT_CODEBOOK = Path(str(_PACKAGE_DATA / "codebook.yaml"))
DEFAULT_ANALYSIS_PLAN = Path(str(_PACKAGE_DATA / "analysis_plan.yaml"))
DEFAULT_RECONSTRUCTION = Path(str(_PACKAGE_DATA / "reconstruction.yaml"))

# The source checkout this package was installed from (editable install), where
# the shipped export and the published values live. Found from this file, not
# from the current directory, so that commands work from anywhere.
PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_PUBLISHED = PROJECT_ROOT / "data" / "published"
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

    def annex_csv(self, number: int) -> Path:
        return self.processed / f"annex_{number}.csv"

    @property
    def annexes_xlsx(self) -> Path:
        return self.processed / "annexes.xlsx"

    @property
    def annexes_md(self) -> Path:
        return self.processed / "annexes.md"

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
