"""Print the Makefile fragment that names every file `dmp-survey run` writes
for a study (default: the shipped one), from `dmp_survey.pipeline.planned_outputs`:

    RUN_OUTPUTS := data/processed/… (the processed files and the manifest)
    FIGURE_OUTPUTS := figures/figure_01.png …
    REPORT_OUTPUTS := reports/report.html

The Makefile writes it to .venv/outputs.mk (remade when the study folder
changes) and includes it, so the targets are never copied by hand.

Usage: python scripts/outputs_mk.py [STUDY_DIR]
"""

from __future__ import annotations

import sys
from pathlib import Path

from dmp_survey.config import DEFAULT_STUDY
from dmp_survey.pipeline import planned_outputs
from dmp_survey.study.folder import load_study


def main() -> int:
    study = load_study(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_STUDY)
    parts = planned_outputs(study)
    names = {"processed": "RUN_OUTPUTS", "figures": "FIGURE_OUTPUTS", "reports": "REPORT_OUTPUTS"}
    for part, variable in names.items():
        files = " \\\n\t".join(p.as_posix() for p in parts[part])
        print(f"{variable} := \\\n\t{files}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
