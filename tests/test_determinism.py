"""Issue 19: the same input gives the same bytes whatever the machine's
settings: time zone (Paris, Tokyo), locale (C, fr_FR.UTF-8, en_US.UTF-8),
``PYTHONHASHSEED`` (0, 1, random), working folder, and day (libfaketime).

Every run is a fresh ``dmp-survey run`` process; the dimensions are combined
so that the matrix costs six runs: four of the example study, two of the
shipped DMP study. Each run's manifest (the sha256 of every output, the
inputs, the versions) must be the same file, byte for byte, and so must every
output.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dmp_survey.config import DEFAULT_RAW
from dmp_survey.pipeline import OUTPUT_DIRS

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "pharmacists"
LIBFAKETIME = Path("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1")

Settings = dict[str, str]

# (time zone, locale, hash seed): every value of each dimension appears.
MATRIX: list[Settings] = [
    {"TZ": "UTC", "LC_ALL": "C", "PYTHONHASHSEED": "0"},
    {"TZ": "Europe/Paris", "LC_ALL": "fr_FR.UTF-8", "PYTHONHASHSEED": "1"},
    {"TZ": "Asia/Tokyo", "LC_ALL": "en_US.UTF-8", "PYTHONHASHSEED": "random"},
]


def _installed_locales() -> set[str]:
    try:
        out = subprocess.run(["locale", "-a"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return set()
    return {name.lower().replace("utf-8", "utf8") for name in out.split()}


def _require_locales() -> None:
    installed = _installed_locales()
    for settings in MATRIX:
        name = settings["LC_ALL"]
        if name != "C" and name.lower().replace("utf-8", "utf8") not in installed:
            pytest.skip(f"locale {name} is not installed (Debian: enable it in /etc/locale.gen, locale-gen)")


def _run(export: Path, study: Path | None, cwd: Path, settings: Settings) -> dict[str, bytes]:
    """One run from ``cwd`` into its relative ``out`` folder; every output's bytes."""
    cwd.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("LC_")}
    env.update(settings, LANG=settings["LC_ALL"], PYTHONWARNINGS="ignore")
    args = [sys.executable, "-m", "dmp_survey", "run", str(export), "--out", "out"]
    if study is not None:
        args += ["--study", str(study)]
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr
    root = cwd / "out"
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for sub in OUTPUT_DIRS
        for p in sorted((root / sub).rglob("*"))
        if p.is_file()
    }


def _same(runs: list[dict[str, bytes]]) -> None:
    first = runs[0]
    assert "data/processed/manifest.json" in first
    for other in runs[1:]:
        assert set(other) == set(first)
        differ = [rel for rel in first if other[rel] != first[rel]]
        assert differ == [], differ


@pytest.fixture(scope="module")
def example_runs(tmp_path_factory):
    _require_locales()
    base = tmp_path_factory.mktemp("determinism")
    export, study = EXAMPLE / "responses.csv", EXAMPLE / "study"
    return [_run(export, study, base / f"cwd{i}", s) for i, s in enumerate(MATRIX)]


def test_the_example_study_gives_one_manifest_in_every_setting(example_runs):
    _same(example_runs)


def test_the_dmp_study_gives_one_manifest_in_paris_and_tokyo(tmp_path):
    _require_locales()
    runs = [_run(DEFAULT_RAW, None, tmp_path / f"cwd{i}", MATRIX[i]) for i in (1, 2)]
    _same(runs)
    digest = hashlib.sha256(runs[0]["data/processed/manifest.json"]).hexdigest()
    assert digest == hashlib.sha256(runs[1]["data/processed/manifest.json"]).hexdigest()


@pytest.mark.skipif(not LIBFAKETIME.exists(), reason="libfaketime not installed (Debian package faketime)")
def test_a_run_on_another_day_gives_the_same_manifest(example_runs, tmp_path):
    # 400 days later (and at another hour), in Tokyo: libfaketime shifts
    # every clock the process reads but the monotonic one.
    settings = {
        **MATRIX[2],
        "LD_PRELOAD": str(LIBFAKETIME),
        "FAKETIME": "+400d",
        "FAKETIME_DONT_FAKE_MONOTONIC": "1",
    }
    export, study = EXAMPLE / "responses.csv", EXAMPLE / "study"
    later = _run(export, study, tmp_path / "later", settings)
    _same([example_runs[0], later])


def test_runs_years_apart_give_the_same_outputs(tmp_path):
    # Needs no system package (libfaketime, locales): time-machine moves every
    # clock Python reads (time.time, datetime.now, date.today, time.localtime)
    # inside this process, and the run is made in-process.
    import datetime as dt

    import time_machine
    from typer.testing import CliRunner

    from dmp_survey.cli import app

    export, study = EXAMPLE / "responses.csv", EXAMPLE / "study"
    runs = []
    for i, day in enumerate((dt.datetime(2026, 12, 1, 9, 0), dt.datetime(2031, 7, 15, 23, 59))):
        out = tmp_path / f"out{i}"
        with time_machine.travel(day, tick=False):
            assert dt.date.today() == day.date()  # the clock did move
            result = CliRunner().invoke(app, ["run", str(export), "--study", str(study), "--out", str(out)])
        assert result.exit_code == 0, result.output
        runs.append(
            {
                p.relative_to(out).as_posix(): p.read_bytes()
                for sub in OUTPUT_DIRS
                for p in sorted((out / sub).rglob("*"))
                if p.is_file()
            }
        )
    _same(runs)
