"""Issue 19's hostile-input corpus through ``dmp-survey run --out``: every
refused case exits 2 with one line and no traceback, writes nothing under
``--out`` (nor in the working folder) and leaves its input's bytes as they
were; every accepted case gives the answers of the clean export.

The cases are ``tests/hostile.py``'s (the committed ``tests/data/bad`` corpus
and the ones built here into ``tmp_path``); ``docs/hostile-inputs.md`` lists
each with what a user expects. Time and memory per case are measured by
``bench/hostile_inputs.py``, not here.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest
from hostile import Case, cases, clean_csv
from typer.testing import CliRunner

from dmp_survey.cli import app
from dmp_survey.io.validation import load_responses

ROOT = Path(__file__).resolve().parents[1]
CASES = cases()
REFUSED = [c for c in CASES if not c.accepted]
ACCEPTED = [c for c in CASES if c.accepted]

runner = CliRunner()


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_corpus_has_forty_refusals_and_each_case_is_documented():
    assert len(REFUSED) >= 40
    assert len({c.name for c in CASES}) == len(CASES)
    doc = (ROOT / "docs" / "hostile-inputs.md").read_text(encoding="utf-8")
    for case in CASES:
        assert f"`{case.name}`" in doc, case.name


@pytest.mark.parametrize("case", REFUSED, ids=[c.name for c in REFUSED])
def test_run_refuses_with_one_line_and_writes_nothing(case: Case, tmp_path, monkeypatch):
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    built = case.build(inputs)
    before = {p: _sha256(p) for p in built.untouched}
    out = tmp_path / "out"
    out.mkdir()  # an existing, empty --out: it must stay empty
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    args = ["run", str(built.export), "--out", str(out)]
    if built.study is not None:
        args += ["--study", str(built.study)]
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)  # typer.Exit, not a crash
    assert "Traceback" not in result.output
    assert result.stdout == ""
    err = result.stderr.rstrip("\n")
    assert err.startswith("error: ") and "\n" not in err, err
    assert case.fragment in err, err
    assert list(out.iterdir()) == []
    assert list(cwd.iterdir()) == []
    assert {p: _sha256(p) for p in built.untouched} == before


@pytest.mark.parametrize("case", ACCEPTED, ids=[c.name for c in ACCEPTED])
def test_accepted_case_gives_the_answers_of_the_clean_export(case: Case, tmp_path, codebook):
    built = case.build(tmp_path)
    before = {p: _sha256(p) for p in built.untouched}
    _raw, coded = load_responses(built.export, codebook)
    _raw, clean = load_responses(clean_csv(tmp_path), codebook)
    pd.testing.assert_frame_equal(coded.frame, clean.frame)
    assert {p: _sha256(p) for p in built.untouched} == before
