"""The statistics process (dmp_survey.stats.process): the same outputs as the
statistics computed in the run's own process, its errors raised in the run,
nothing left behind when it or the run fails."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from pathlib import Path

import pytest
from file_hashes import file_hashes

from dmp_survey.config import DEFAULT_RAW
from dmp_survey.pipeline import (
    comparison_tables,
    comparisons_from_counts,
    count_comparisons,
    load_inputs,
    run,
)
from dmp_survey.stats import process

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "pharmacists"

pytestmark = pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="the statistics process is forked"
)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.parametrize(
    ("raw", "study", "lang"),
    [(DEFAULT_RAW, None, "fr"), (EXAMPLE / "responses.csv", EXAMPLE / "study", "en")],
    ids=["shipped", "example"],
)
def test_a_run_writes_the_same_bytes_whichever_process_computes_the_statistics(tmp_path, raw, study, lang):
    # The example study has numeric comparisons (values, not counts, sent to the process).
    inputs = load_inputs(raw, study, lang) if study is not None else load_inputs(raw)
    run(inputs, tmp_path / "here")
    statistician = process.Statistician()
    run(inputs, tmp_path / "there", statistics=statistician)
    assert statistician._process is None  # closed by the run once the statistics were computed
    assert multiprocessing.active_children() == []
    here, there = file_hashes(tmp_path / "here"), file_hashes(tmp_path / "there")
    assert len(here) > 50 and here == there


def test_comparison_tables_are_the_tests_of_the_counted_rows():
    inputs = load_inputs(EXAMPLE / "responses.csv", EXAMPLE / "study", "en")
    from dmp_survey.io.validation import load_responses

    _, coded = load_responses(inputs.raw_path, inputs.codebook, inputs.sheet)
    counted, samples = count_comparisons(coded, inputs.plan, inputs.codebook)
    assert samples  # numeric rows
    split = comparisons_from_counts(counted, samples, inputs.plan, inputs.codebook)
    whole = comparison_tables(coded, inputs.plan, inputs.codebook)
    for mine, theirs in zip(split, whole, strict=True):
        assert mine.keys() == theirs.keys()
        for key in mine:
            assert mine[key].equals(theirs[key])


def _fails(message: str) -> None:
    raise ValueError(message)


def test_an_error_in_the_statistics_process_is_raised_in_the_run():
    statistician = process.Statistician()
    try:
        statistician.submit(_fails, "the plan names no such group")
        with pytest.raises(ValueError, match="the plan names no such group"):
            statistician.result()
        statistician.submit(sum, [1, 2, 3])  # it goes on after an error
        assert statistician.result() == 6
        with pytest.raises(RuntimeError, match="no statistics call is pending"):
            statistician.result()
    finally:
        statistician.close()


def test_a_statistics_process_that_died_is_reported_and_closing_reaps_it():
    statistician = process.Statistician()
    pid = statistician.pgid
    statistician.submit(sum, [1])
    assert statistician.result() == 1
    statistician.submit(time.sleep, 60)  # answered after the process is killed: never
    os.kill(pid, signal.SIGKILL)
    with pytest.raises(RuntimeError, match=r"the statistics process stopped \(exit code -9\)"):
        statistician.result()
    statistician._process.join()  # dead and reaped: sending to it fails the same way
    with pytest.raises(RuntimeError, match=r"the statistics process stopped \(exit code -9\)"):
        statistician.submit(sum, [3])
    statistician.close()
    statistician.close()  # twice is harmless
    assert not _alive(pid)


def test_a_failing_run_closes_its_statistics_process(tmp_path):
    statistician = process.Statistician()
    pid = statistician.pgid
    inputs = load_inputs(DEFAULT_RAW)
    with pytest.raises(RuntimeError, match="injected failure"):
        run(inputs, tmp_path / "out", fail_at="responses", statistics=statistician)
    assert multiprocessing.active_children() == []
    assert not _alive(pid)
    assert not (tmp_path / "out" / "data").exists()


def test_in_process_statistics_take_one_call_at_a_time():
    here = process.InProcess()
    here.submit(sum, [2, 3])
    with pytest.raises(RuntimeError, match="already pending"):
        here.submit(sum, [1])
    assert here.result() == 5
    with pytest.raises(RuntimeError, match="no statistics call is pending"):
        here.result()


def test_the_statistics_process_imports_scipy_without_rewriting_its_docstrings():
    # SciPy appends a note to ~470 docstrings as it imports them (0.15-0.25 s of CPU); the
    # statistics process leaves them as written. Checked with the locked SciPy in fresh
    # interpreters: the note is there after a plain import, not after the process's own.
    import subprocess
    import sys

    probe = "import scipy.stats; print('Array API Standard Support' in scipy.stats.fisher_exact.__doc__)"
    plain = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    warmed = subprocess.run(
        [sys.executable, "-c", "from dmp_survey.stats import process; process._warm()\n" + probe],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert plain.stdout.split() == ["True"]
    assert warmed.stdout.split() == ["False"]
