"""Progress (issue 17): stage names on a terminal only; nothing on a pipe."""

from __future__ import annotations

import io

import pytest
from typer.testing import CliRunner

from dmp_survey.cli import app
from dmp_survey.config import DEFAULT_RAW
from dmp_survey.progress import with_progress


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_not_a_terminal_run_leaves_stderr_empty(tmp_path):
    result = CliRunner().invoke(app, ["run", str(DEFAULT_RAW), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert result.stdout.startswith("64 respondents; outputs written under")


def test_a_terminal_sees_each_stage_then_a_clean_line():
    stream = _Terminal()
    seen = []

    def work(progress):
        assert progress is not None
        for stage in ("analyse", "figures", "publish"):
            progress(stage)
            seen.append(stream.getvalue())
        return 42

    assert with_progress(work, stream) == 42
    assert "[1] analyse" in seen[0] and "[2] figures" in seen[1] and "[3] publish" in seen[2]
    assert stream.getvalue().endswith("\r\x1b[2K")  # erased before the command prints its summary


def test_the_status_line_is_erased_before_an_error_is_reported():
    stream = _Terminal()

    def fail(progress):
        progress("analyse")
        raise ValueError("bad")

    with pytest.raises(ValueError):
        with_progress(fail, stream)
    assert stream.getvalue().endswith("\r\x1b[2K")


def test_a_pipe_gets_no_callback():
    stream = io.StringIO()
    assert with_progress(lambda progress: progress, stream) is None
    assert stream.getvalue() == ""
