"""Issue 19: one changed byte in an output, in the input export or in a
study file makes ``dmp-survey verify`` exit 1 naming the file, even when the
changed file no longer parses (a tampered export or plan is named, not
refused as bad input)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dmp_survey.cli import app

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "pharmacists"

runner = CliRunner()

# (what is changed: "out", "export" or "study"; its path there; the name verify prints)
CASES = [
    ("out", "figures/figure_02.png", "figures/figure_02.png: changed since the run"),
    ("out", "data/processed/descriptive.csv", "data/processed/descriptive.csv: changed since the run"),
    ("out", "data/processed/comparisons.xlsx", "data/processed/comparisons.xlsx: changed since the run"),
    ("export", "responses.csv", "input responses.csv: sha256 differs from the manifest's"),
    ("study", "plan.yaml", "study file plan.yaml: sha256 differs from the manifest's"),
]


@pytest.fixture(scope="module")
def original(tmp_path_factory):
    """The example export and study copied, and one run of them."""
    base = tmp_path_factory.mktemp("verify")
    shutil.copyfile(EXAMPLE / "responses.csv", base / "responses.csv")
    shutil.copytree(EXAMPLE / "study", base / "study")
    result = runner.invoke(app, ["run", *_args(base)])
    assert result.exit_code == 0, result.output
    return base


def _args(base: Path) -> list[str]:
    return [str(base / "responses.csv"), "--study", str(base / "study"), "--out", str(base / "out")]


def _flip_one_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(("where", "rel", "line"), CASES, ids=[c[1] for c in CASES])
def test_verify_names_the_file_with_one_changed_byte(original, tmp_path, where, rel, line):
    base = tmp_path / "copy"
    shutil.copytree(original, base)
    target = {"out": base / "out", "export": base, "study": base / "study"}[where] / rel
    _flip_one_byte(target)
    result = runner.invoke(app, ["verify", *_args(base)])
    assert result.exit_code == 1, result.output
    assert any(out.startswith(line) for out in result.stdout.splitlines()), result.stdout
    assert "Traceback" not in result.output
