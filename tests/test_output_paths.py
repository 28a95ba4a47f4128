"""`--out` (issue 17): every unusable output location is one line on stderr,
exit 2, before any analysis and with nothing written."""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dmp_survey.cli import app
from dmp_survey.config import DEFAULT_RAW
from dmp_survey.io.paths import OutputPathError, check_output_file, check_output_root

runner = CliRunner()


def _listing(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _refused(args: list[str], fragment: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    err = result.stderr.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: "), result.stderr
    assert fragment in err[0]
    assert "Traceback" not in result.output and result.stdout == ""


@pytest.fixture
def a_file(tmp_path: Path) -> Path:
    path = tmp_path / "results"
    path.write_text("not a folder\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("command", ["run", "figures", "report"])
def test_out_naming_an_existing_file(command, a_file, tmp_path):
    before = _listing(tmp_path)
    _refused([command, str(DEFAULT_RAW), "--out", str(a_file)], "is a file, not a folder")
    assert _listing(tmp_path) == before


def test_out_under_a_file(a_file, tmp_path):
    before = _listing(tmp_path)
    _refused(["run", str(DEFAULT_RAW), "--out", str(a_file / "sub" / "dir")], "is a file, not a folder")
    assert _listing(tmp_path) == before


@pytest.mark.parametrize("out", ["/proc/self/dmp-survey-out", "/sys/dmp-survey-out", "/dev/null"])
def test_out_in_a_system_folder(out):
    existed = os.path.lexists(out)
    _refused(["run", str(DEFAULT_RAW), "--out", out], "is a system folder")
    assert os.path.lexists(out) == existed


def test_out_in_a_read_only_folder(tmp_path, monkeypatch):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    if os.geteuid() == 0:  # root writes through permissions: deny as the kernel would for a user
        real = os.access
        monkeypatch.setattr(
            os, "access", lambda p, mode, *a, **k: False if Path(p) == locked else real(p, mode, *a, **k)
        )
    try:
        _refused(["run", str(DEFAULT_RAW), "--out", str(locked / "out")], "permission denied")
        assert list(locked.iterdir()) == []
    finally:
        locked.chmod(0o755)


def test_a_read_only_mount_is_found_by_the_probe_write(tmp_path, monkeypatch):
    # os.access says yes to root on a read-only file system; the probe file does not.
    def read_only(*args: object, **kwargs: object) -> tuple[int, str]:
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    with pytest.raises(OutputPathError, match="Read-only file system"):
        check_output_root(tmp_path / "out")


def test_a_usable_root_is_left_as_it_was(tmp_path):
    assert check_output_root(tmp_path / "new" / "deep") == tmp_path / "new" / "deep"
    assert check_output_root(tmp_path) == tmp_path
    assert list(tmp_path.iterdir()) == []  # the probe file is gone, nothing created


def test_reconstruct_out(a_file, tmp_path):
    before = _listing(tmp_path)
    _refused(["reconstruct", "--out", str(tmp_path)], "is a folder")
    _refused(["reconstruct", "--out", str(a_file / "x.xlsx")], "is a file, not a folder")
    _refused(["reconstruct", "--out", "/proc/self/x.xlsx"], "is a system folder")
    assert _listing(tmp_path) == before
    assert check_output_file(tmp_path / "new" / "x.xlsx") == tmp_path / "new" / "x.xlsx"
