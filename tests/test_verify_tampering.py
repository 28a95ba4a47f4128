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

# (what is changed: "out", "export" or "study"; its path there; the byte
# changed (None: the middle one, flipped); the line verify prints). The
# export's byte makes an answer unknown and the plan's makes it invalid UTF-8:
# the files no longer load, and are still named.
CHANGED, DIFFERS = ": changed since the run", ": sha256 differs from the manifest's"
CASES = [
    ("out", "figures/figure_02.png", None, "figures/figure_02.png" + CHANGED),
    ("out", "data/processed/descriptive.csv", None, "data/processed/descriptive.csv" + CHANGED),
    ("out", "data/processed/comparisons.xlsx", None, "data/processed/comparisons.xlsx" + CHANGED),
    ("export", "responses.csv", (b",En ", b",Dn "), "input responses.csv" + DIFFERS),
    ("study", "plan.yaml", ("’".encode(), b"\xff\x80\x99"), "study file plan.yaml" + DIFFERS),
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


def _change_one_byte(path: Path, change: tuple[bytes, bytes] | None) -> None:
    data = bytearray(path.read_bytes())
    if change is None:
        data[len(data) // 2] ^= 0x01
    else:
        old, new = change
        at = bytes(data).index(old)
        assert len(old) == len(new) and sum(a != b for a, b in zip(old, new, strict=True)) == 1
        data[at : at + len(old)] = new
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(("where", "rel", "change", "line"), CASES, ids=[c[1] for c in CASES])
def test_verify_names_the_file_with_one_changed_byte(original, tmp_path, where, rel, change, line):
    base = tmp_path / "copy"
    shutil.copytree(original, base)
    target = {"out": base / "out", "export": base, "study": base / "study"}[where] / rel
    _change_one_byte(target, change)
    result = runner.invoke(app, ["verify", *_args(base)])
    assert result.exit_code == 1, result.output
    assert any(out.startswith(line) for out in result.stdout.splitlines()), result.stdout
    assert "Traceback" not in result.output
