"""The built wheel carries its study: installed into an empty folder and run
from another one, it gives the same outputs as the source checkout."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from dmp_survey.cli import app
from dmp_survey.config import DEFAULT_RAW

ROOT = Path(__file__).resolve().parents[1]


def _pip(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "pip", *args], check=True, capture_output=True, timeout=300)


def test_the_installed_wheel_runs_from_anywhere_with_the_same_outputs(tmp_path):
    wheels, site, elsewhere = tmp_path / "wheels", tmp_path / "site", tmp_path / "empty"
    elsewhere.mkdir()
    # Offline: the build backend is the one installed with the dev tools.
    _pip("wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q", "-w", str(wheels), str(ROOT))
    (wheel,) = wheels.glob("dmp_survey-*.whl")
    _pip("install", "--no-deps", "--no-index", "-q", "--target", str(site), str(wheel))
    env = {**os.environ, "PYTHONPATH": str(site)}

    def installed(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "dmp_survey", *args],
            cwd=elsewhere,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )

    where = subprocess.run(
        [sys.executable, "-c", "import dmp_survey; print(dmp_survey.__file__)"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert where.startswith(str(site)), where  # the wheel, not the checkout

    result = installed("run", str(DEFAULT_RAW), "--out", str(tmp_path / "X"))
    assert result.returncode == 0, result.stderr
    result = installed("check", str(DEFAULT_RAW))
    assert result.returncode == 0, result.stderr  # its published values travel with it
    assert "50 of 54" in result.stdout

    assert runner_run(tmp_path / "Y").exit_code == 0
    wheel_outputs = json.loads((tmp_path / "X/data/processed/manifest.json").read_text("utf-8"))["outputs"]
    repo_outputs = json.loads((tmp_path / "Y/data/processed/manifest.json").read_text("utf-8"))["outputs"]
    assert wheel_outputs == repo_outputs
    assert len(repo_outputs) >= 40


def runner_run(out: Path):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, ["run", str(DEFAULT_RAW), "--out", str(out)])
