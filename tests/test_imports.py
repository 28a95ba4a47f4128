"""`--help` and `validate` stay light: they never import matplotlib, scipy or
statsmodels (checked through sys.modules in a fresh interpreter, not by time)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from figure_sample import two_bars

from dmp_survey.config import DEFAULT_RAW

HEAVY = ("matplotlib", "scipy", "statsmodels")

PROBE = """
import json, sys
from dmp_survey.cli import app
sys.argv = ["dmp-survey", *json.loads(sys.argv[1])]
try:
    app()  # what main() runs before ending the process
except SystemExit as exc:
    code = exc.code
else:
    code = 0
heavy = sorted({m.split(".")[0] for m in sys.modules} & {"matplotlib", "scipy", "statsmodels"})
print(json.dumps({"code": code, "heavy": heavy}), file=sys.stderr)
"""


def _probe(args: list[str]) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(args)], capture_output=True, text=True, timeout=120
    )
    return json.loads(done.stderr.strip().splitlines()[-1])


@pytest.mark.parametrize("args", [["--help"], ["validate", str(DEFAULT_RAW)], ["validate", "--help"]])
def test_light_commands_do_not_import_heavy_libraries(args):
    result = _probe(args)
    assert result["code"] in (0, None)
    assert result["heavy"] == []


def test_the_probe_sees_heavy_imports_when_they_happen(tmp_path):
    assert _probe(["check", "--help"])["heavy"] == []  # the help of any command stays light
    result = _probe(["reconstruct", "--out", str(tmp_path / "r.xlsx")])  # runs the p-value rule: scipy
    assert result["code"] in (0, None)
    assert "scipy" in result["heavy"]


def test_a_run_leaves_the_heavy_libraries_to_its_helper_processes(tmp_path):
    # matplotlib is imported by the figure workers (the manifest's FreeType version comes from
    # them: the command imported matplotlib only to read it, 0.35 s of CPU), SciPy and statsmodels
    # by the statistics process: the command itself imports none of them.
    from matplotlib import ft2font

    from dmp_survey.outputs.figure_jobs import default_workers

    if default_workers() < 2:
        pytest.skip("figures are drawn in-process on this machine (one core or no fork)")
    result = _probe(["run", str(DEFAULT_RAW), "--out", str(tmp_path)])
    assert result["code"] in (0, None)
    assert result["heavy"] == []
    manifest = json.loads((tmp_path / "data/processed/manifest.json").read_text(encoding="utf-8"))
    assert manifest["versions"]["freetype (matplotlib)"] == str(ft2font.__freetype_version__)


def test_python_dash_m_runs_the_cli():
    done = subprocess.run(
        [sys.executable, "-m", "dmp_survey", "--version"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0
    assert done.stdout.startswith("dmp-survey ")


FIGURES_FIRST = """
import json, sys
from pathlib import Path
from dmp_survey import pipeline
from dmp_survey.outputs import figure_jobs
seen = {}
def start(*args, **kwargs):
    # What the figures are handed, and which heavy libraries exist by then.
    seen["heavy"] = sorted({m.split(".")[0] for m in sys.modules} & {"scipy", "statsmodels"})
    seen["columns"] = list(args[0].columns)
    raise SystemExit(0)
figure_jobs.start_figures = start
figure_jobs.prepare = lambda workers=None: None
try:
    pipeline.run(pipeline.load_inputs(Path(sys.argv[1])), Path(sys.argv[2]))
except SystemExit:
    pass
print(json.dumps(seen), file=sys.stderr)
"""


def test_figures_start_before_scipy_and_statsmodels_are_imported(tmp_path):
    # The figures draw counts and percentages; the Wilson intervals (statsmodels)
    # and the comparisons (SciPy) are computed while they are drawn.
    done = subprocess.run(
        [sys.executable, "-c", FIGURES_FIRST, str(DEFAULT_RAW), str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    seen = json.loads(done.stderr.strip().splitlines()[-1])
    assert seen["columns"] == ["variable", "level", "n", "denominator", "percent"]
    assert seen["heavy"] == []


WORKERS_FIRST = """
import json, pickle, sys
from dmp_survey.outputs import figure_jobs
seen = {}
real = figure_jobs.prepare
def prepare(workers=None):
    # Which libraries the command had imported when it forked the figure workers.
    seen["at_fork"] = sorted({m.split(".")[0] for m in sys.modules} & {"pandas", "pyarrow", "matplotlib"})
    return real(workers)
figure_jobs.prepare = prepare
from dmp_survey.cli import app
sys.argv = ["dmp-survey", *json.loads(sys.argv[1])]
try:
    app()
except SystemExit as exc:
    seen["code"] = exc.code
print(json.dumps(seen), file=sys.stderr)
"""


@pytest.mark.parametrize("command", ["run", "figures"])
def test_commands_that_draw_fork_the_figure_workers_before_importing_pandas(tmp_path, command):
    # Forked first, the workers import matplotlib on the other core while the command imports
    # pandas and reads the export.
    args = [command, str(DEFAULT_RAW), "--out", str(tmp_path / "out")]
    done = subprocess.run(
        [sys.executable, "-c", WORKERS_FIRST, json.dumps(args)], capture_output=True, text=True, timeout=300
    )
    seen = json.loads(done.stderr.strip().splitlines()[-1])
    assert seen["at_fork"] == []
    assert seen.get("code") in (0, None)
    assert (tmp_path / "out" / "figures" / "figure_01.png").is_file()


WARM_WORKER = """
import json, pickle, sys
from pathlib import Path
from dmp_survey.outputs import figure_jobs
import gc
figure_jobs._warm()  # what a figure worker does before it is given figures
collector = {"enabled": gc.isenabled(), "frozen": gc.get_freeze_count()}
data = pickle.loads(bytes.fromhex(sys.argv[1]))  # a figure's data, as the caller sends it
paths = figure_jobs._render(data, Path(sys.argv[2]))
libraries = sorted({m.split(".")[0] for m in sys.modules} & {"pandas", "pyarrow", "matplotlib"})
print(json.dumps({"libraries": libraries, "files": [p.name for p in paths], **collector}), file=sys.stderr)
"""


def test_a_figure_worker_draws_without_importing_pandas(tmp_path):
    # The caller takes each figure's numbers from its tables (pandas); the worker, which imports
    # matplotlib, receives plain data: it has no pandas to import before its first figure.
    import pickle

    data = two_bars()
    done = subprocess.run(
        [sys.executable, "-c", WARM_WORKER, pickle.dumps(data).hex(), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    seen = json.loads(done.stderr.strip().splitlines()[-1])
    assert seen["libraries"] == ["matplotlib"]
    assert seen["files"] == ["figure_01.png", "figure_01.svg", "figure_01.pdf", "figure_01.png"]
    # Warmed up with the collector off, what it imported frozen out of its reach, the collector on.
    assert seen["enabled"] is True
    assert seen["frozen"] > 100_000
