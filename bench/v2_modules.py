"""Child of ``bench/run.py --parts v2``: which modules a whole run imports.

    python bench/v2_modules.py EXPORT --out DIR

Runs ``dmp-survey run EXPORT --out DIR`` in this process (``pipeline.load_inputs``
then ``pipeline.run``, the figures drawn in this process rather than in forked
workers, so that what the workers import is seen too) and prints, as the last
line of stdout, a JSON object whose "modules" lists every module that was not loaded when the
interpreter started and is not the project's own (``dmp_survey.*``), in the
order the run first imported them. ``bench/run.py`` builds the import floor
from this list: a fresh interpreter importing exactly these modules.
"""

from __future__ import annotations

import sys

_BEFORE = set(sys.modules)

import argparse  # noqa: E402
import json  # noqa: E402
from pathlib import Path  # noqa: E402

_OWN = {"argparse", "json", "__main__"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="List the modules a run imports; print JSON.")
    parser.add_argument("export", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    import dmp_survey.cli  # noqa: F401  # the command line's own imports (typer)
    from dmp_survey import pipeline
    from dmp_survey.outputs import figure_jobs

    figure_jobs.default_workers = lambda: 1  # draw here: see every import
    pipeline.run(pipeline.load_inputs(args.export), args.out)
    modules = [
        name
        for name in sys.modules
        if name not in _BEFORE
        and name not in _OWN
        and name.split(".")[0] not in ("dmp_survey", "json")
        and not name.startswith("_pytest")
    ]
    sys.stdout.write("\n" + json.dumps({"modules": modules}) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
