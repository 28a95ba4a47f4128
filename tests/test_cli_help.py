"""--help (issue 17): metavars and one example per command."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from dmp_survey.cli import app

runner = CliRunner()
COMMANDS = ["validate", "run", "figures", "report", "check", "verify", "reconstruct"]


def _help(command: str) -> str:
    result = runner.invoke(app, [command, "--help"], env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    return result.output


def test_run_help_shows_raw_and_dir():
    text = _help("run")
    assert "RAW" in text and "DIR" in text
    assert "Example: dmp-survey run " in text


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_an_example(command):
    text = _help(command)
    assert f"Example: dmp-survey {command}" in text
    assert ("RAW" in text) == (command != "reconstruct")
    assert ("PATH" in text) == (command == "reconstruct")
