"""`make run` and `make figures` declare every file they write (issue 17, part
10): the list comes from `planned_outputs` (equal to what a run writes, for
both shipped studies), and make rebuilds only the stale group, nothing when
nothing changed (`make -q` / `make -n` on a scratch tree with stand-in files)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dmp_survey.cli import app
from dmp_survey.config import DEFAULT_STUDY
from dmp_survey.pipeline import planned_outputs
from dmp_survey.study.folder import load_study

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "pharmacists"


def _written(root: Path) -> list[str]:
    manifest = json.loads((root / "data" / "processed" / "manifest.json").read_text(encoding="utf-8"))
    return sorted([*manifest["outputs"], "data/processed/manifest.json"])


def _planned(study_dir: Path) -> list[str]:
    return sorted(p.as_posix() for part in planned_outputs(load_study(study_dir)).values() for p in part)


def test_planned_outputs_are_what_the_dmp_run_writes(shipped_run):
    assert _planned(DEFAULT_STUDY) == _written(shipped_run)
    on_disk = sorted(
        p.relative_to(shipped_run).as_posix()
        for d in ("data", "figures", "reports")
        for p in (shipped_run / d).rglob("*")
        if p.is_file()
    )
    assert on_disk == _planned(DEFAULT_STUDY)


def test_planned_outputs_are_what_the_example_run_writes(tmp_path):
    result = CliRunner().invoke(
        app,
        ["run", str(EXAMPLE / "responses.csv"), "--study", str(EXAMPLE / "study"), "--out", str(tmp_path)],
    )
    assert result.exit_code == 0, result.output
    assert _planned(EXAMPLE / "study") == _written(tmp_path)


def _make(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            "make", "--no-print-directory", "-C", str(root), "-f", str(ROOT / "Makefile"), *args,
            "VENV=venv", "RAW=raw.xlsx", "SOURCES=src/a.py", "PUBLISHED=", "OUTPUTS_MK=outputs.mk",
        ],
        capture_output=True, text=True,
    )  # fmt: skip


def _scratch(root: Path) -> dict[str, list[Path]]:
    if shutil.which("make") is None:
        pytest.skip("GNU make is not installed")
    parts = planned_outputs(load_study(DEFAULT_STUDY))
    inputs = ["pyproject.toml", "requirements.lock", "raw.xlsx", "src/a.py", "scripts/outputs_mk.py"]
    for i, name in enumerate([*inputs, "venv/.installed"]):
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
        os.utime(path, (1_000_000 + i, 1_000_000 + i))
    fragment = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "outputs_mk.py")],
        capture_output=True, text=True, check=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])},  # noqa: E501
    ).stdout  # fmt: skip
    (root / "outputs.mk").write_text(fragment)
    os.utime(root / "outputs.mk", (1_000_100, 1_000_100))
    for path in (p for part in parts.values() for p in part):
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text("x")
        os.utime(root / path, (1_000_200, 1_000_200))
    return parts


def test_make_does_nothing_when_nothing_changed(tmp_path):
    _scratch(tmp_path)
    for goal in ("run", "figures", "report"):
        assert _make(tmp_path, "-q", goal).returncode == 0, goal


def test_make_rebuilds_only_the_stale_group(tmp_path):
    parts = _scratch(tmp_path)
    # Every figure file is a target: one missing title-less PNG remakes the figures only.
    missing = next(p for p in parts["figures"] if p.parent.name == "word")
    (tmp_path / missing).unlink()
    done = _make(tmp_path, "-n", "run")
    assert done.stdout.splitlines() == ["venv/bin/dmp-survey figures raw.xlsx"], done.stdout + done.stderr
    (tmp_path / missing).write_text("x")
    # A processed file older than the export: `dmp-survey run`, listed first.
    os.utime(tmp_path / parts["processed"][0], (1_000_002, 1_000_002))
    lines = _make(tmp_path, "-n", "run").stdout.splitlines()
    assert lines[0] == "venv/bin/dmp-survey run raw.xlsx", lines
    assert _make(tmp_path, "-q", "figures").returncode == 0


def test_outputs_fragment_names_every_planned_file(tmp_path):
    parts = _scratch(tmp_path)
    fragment = (tmp_path / "outputs.mk").read_text()
    for variable, part in (
        ("RUN_OUTPUTS", "processed"),
        ("FIGURE_OUTPUTS", "figures"),
        ("REPORT_OUTPUTS", "reports"),
    ):
        assert f"{variable} :=" in fragment
        for path in parts[part]:
            assert f"\t{path.as_posix()}" in fragment


def test_a_stale_run_runs_dmp_survey_once(tmp_path):
    """Everything stale: `make run` calls `dmp-survey run` once, which rewrites
    figures and report too, and then neither `figures` nor `report` (a
    stand-in dmp-survey logs its calls and touches what the real one writes)."""
    parts = _scratch(tmp_path)
    lists = {"run": [p for part in parts.values() for p in part], "figures": parts["figures"]}
    lists["report"] = parts["reports"]
    for name, paths in lists.items():
        (tmp_path / f"{name}.txt").write_text("\n".join(p.as_posix() for p in paths))
    fake = tmp_path / "venv" / "bin" / "dmp-survey"
    fake.parent.mkdir(parents=True, exist_ok=True)
    fake.write_text('#!/bin/sh\necho "$1" >> calls.log\nxargs touch < "$1.txt"\n')
    fake.chmod(0o755)
    os.utime(tmp_path / "venv" / ".installed", (1_000_010, 1_000_010))
    os.utime(tmp_path / "raw.xlsx", (1_000_300, 1_000_300))  # a new export: every output stale
    done = _make(tmp_path, "run")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "calls.log").read_text().split() == ["run"]
    assert _make(tmp_path, "-q", "run").returncode == 0
