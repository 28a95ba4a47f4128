"""`--help` and `validate` stay light: they never import matplotlib, scipy or
statsmodels (checked through sys.modules in a fresh interpreter, not by time)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from dmp_survey.config import DEFAULT_RAW

HEAVY = ("matplotlib", "scipy", "statsmodels")

PROBE = """
import json, sys
from dmp_survey.cli import main
sys.argv = ["dmp-survey", *json.loads(sys.argv[1])]
try:
    main()
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


def test_python_dash_m_runs_the_cli():
    done = subprocess.run(
        [sys.executable, "-m", "dmp_survey", "--version"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0
    assert done.stdout.startswith("dmp-survey ")
