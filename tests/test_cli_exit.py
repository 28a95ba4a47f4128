"""The console entry point ends the process without Python's module teardown
(``cli._end``), after doing what Python's exit does that matters: exit
handlers run, standard streams flushed, exit codes kept, other threads
waited for. Each case runs in a fresh interpreter."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from dmp_survey.config import DEFAULT_RAW


def _python(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args], capture_output=True, text=True, timeout=120
    )


def test_exit_handlers_run_and_piped_output_is_flushed():
    done = _python(
        """
        import atexit, sys
        atexit.register(lambda: print("handler ran"))  # buffered: stdout is a pipe here
        sys.argv = ["dmp-survey", "--version"]
        from dmp_survey.cli import main
        main()
        print("never reached")
        """
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [done.stdout.splitlines()[0], "handler ran"]
    assert done.stdout.startswith("dmp-survey ")


def test_exit_codes_and_the_one_line_error_are_kept(tmp_path):
    missing = tmp_path / "missing.csv"
    done = subprocess.run(
        [sys.executable, "-m", "dmp_survey", "validate", str(missing)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [f"error: {missing.name}: file not found"]
    ok = subprocess.run(
        [sys.executable, "-m", "dmp_survey", "validate", str(DEFAULT_RAW)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.strip().endswith("valid")


def test_a_message_exits_with_status_one_and_is_printed():
    done = _python(
        """
        from dmp_survey.cli import _end
        _end("something went wrong")
        """
    )
    assert done.returncode == 1
    assert done.stderr.strip() == "something went wrong"


def test_another_running_thread_is_waited_for(tmp_path):
    marker = tmp_path / "written-by-the-thread"
    done = _python(
        """
        import sys, threading, time
        from pathlib import Path
        def late():
            time.sleep(1)
            Path(sys.argv[1]).write_text("done")
        threading.Thread(target=late).start()
        from dmp_survey.cli import _end
        _end(3)
        """,
        str(marker),
    )
    assert done.returncode == 3
    assert marker.read_text() == "done"


def test_the_command_and_its_workers_use_one_openblas_thread_unless_told_otherwise():
    """main() sets OPENBLAS_NUM_THREADS before NumPy is imported (the figure
    workers, forked later, inherit it); a value the caller set is kept."""
    probe = """
        import atexit, os, sys
        atexit.register(lambda: print(os.environ.get("OPENBLAS_NUM_THREADS"), "numpy" in sys.modules))
        sys.argv = ["dmp-survey", "--version"]
        from dmp_survey.cli import main
        print("numpy" in sys.modules)
        main()
        """
    import os

    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    for preset, expected in ((None, "1"), ("3", "3")):
        if preset is not None:
            env["OPENBLAS_NUM_THREADS"] = preset
        done = subprocess.run(
            [sys.executable, "-c", textwrap.dedent(probe)],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
        )
        assert done.returncode == 0, done.stderr
        lines = done.stdout.splitlines()
        assert lines[0] == "False"  # NumPy not imported before main(): the setting reaches OpenBLAS
        assert lines[-1] == f"{expected} False"


def test_memory_the_command_frees_is_kept_for_its_next_arrays():
    """cli._keep_freed_memory (glibc): a 16 MB array freed stays in the
    process for the next one instead of going back to the system; the
    probe, run without it, sees the memory given back."""
    import ctypes

    import pytest

    if not hasattr(ctypes.CDLL(None), "mallopt") or not Path("/proc/self/status").exists():
        pytest.skip("glibc's mallopt and /proc are needed")
    probe = """
        import sys
        import numpy as np
        from dmp_survey import cli
        if sys.argv[1] == "tuned":
            cli._keep_freed_memory()
        def rss_kb():
            for line in open("/proc/self/status"):
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        array = np.ones(16 << 17)  # 16 MB of float64, its pages touched
        before = rss_kb()
        del array
        print(before - rss_kb())
        """
    given_back = {}
    for mode in ("tuned", "default"):
        done = _python(probe, mode)
        assert done.returncode == 0, done.stderr
        given_back[mode] = int(done.stdout.split()[-1])
    assert given_back["default"] > 12_000  # kB: the array's pages went back to the system
    assert given_back["tuned"] < 2_000  # kept


def test_the_collector_is_off_while_the_command_imports_and_on_for_its_work():
    """main() turns the garbage collector off; the command's first step
    (cli._call) freezes what was imported and turns it back on."""
    done = _python(
        """
        import atexit, gc, sys
        from dmp_survey import cli
        seen = {}
        real = cli._collect_again
        def collect_again():
            seen.setdefault("first step", (gc.isenabled(), "pandas" in sys.modules))
            real()
        cli._collect_again = collect_again
        atexit.register(lambda: print(seen["first step"], gc.isenabled(), gc.get_freeze_count() > 10_000))
        sys.argv = ["dmp-survey", "validate", sys.argv[1]]
        cli.main()
        """,
        str(DEFAULT_RAW),
    )
    assert done.returncode == 0, done.stderr
    # Off while validate imported pandas, on (and the imports frozen) for its work.
    assert done.stdout.splitlines()[-1] == "(False, True) True True"
