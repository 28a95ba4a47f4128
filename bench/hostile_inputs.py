"""Time and peak memory of ``dmp-survey run`` on each case of the
hostile-input corpus (issue 19: each under 10 s and 500 MB).

    .venv/bin/python bench/hostile_inputs.py [--only NAME ...]

Each case is built (tests/hostile.py) into a temporary folder by a child
process and run once in a fresh process, ``--out`` an empty folder; the wall
time, CPU time and peak RSS of that process alone (``wait4``) are printed,
slowest first. The measuring process imports nothing of the project and
builds nothing: Linux counts the RSS a child had before its exec (the fork of
its parent) in its peak, so a parent grown by building a 50 MB case would
inflate the next measurements. Refused cases are
measured to their refusal; accepted ones through ``validate`` (their full
run is an ordinary run, measured by bench/run.py). Nothing is asserted and
nothing written outside the temporary folder.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1] / "tests"


def _builder(argv: list[str]) -> None:
    """``--list``: the case names; ``--build NAME DIR``: build one, print its
    command-line arguments as JSON."""
    import json

    sys.path.insert(0, str(TESTS))
    from hostile import cases

    if argv[0] == "--list":
        print(json.dumps([[c.name, c.accepted] for c in cases()]))
        return
    name, folder = argv[1], Path(argv[2])
    case = next(c for c in cases() if c.name == name)
    built = case.build(folder)
    print(json.dumps({"export": str(built.export), "study": str(built.study) if built.study else None}))


def _child(*argv: str) -> object:
    import json

    out = subprocess.run([sys.executable, __file__, *argv], capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def measure(args: list[str]) -> tuple[int, float, float, int, str]:
    """Exit code, wall seconds, CPU seconds (user + system, the process and
    the figure workers it waited for), peak RSS in bytes, last stderr line."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "dmp_survey", *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=err,
            env={**os.environ, "PYTHONWARNINGS": "ignore"},
        )
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        err.seek(0)
        lines = err.read().decode("utf-8", "replace").strip().splitlines()
    cpu = usage.ru_utime + usage.ru_stime
    return os.waitstatus_to_exitcode(status), wall, cpu, usage.ru_maxrss * 1024, lines[-1] if lines else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="case names")
    options = parser.parse_args()
    rows = []
    names = _child("--list")
    assert isinstance(names, list)
    for name, accepted in names:
        if options.only and name not in options.only:
            continue
        with tempfile.TemporaryDirectory(prefix="hostile-") as tmp:
            folder = Path(tmp) / "in"
            folder.mkdir()
            built = _child("--build", name, str(folder))
            assert isinstance(built, dict)
            out = Path(tmp) / "out"
            out.mkdir()
            command = "validate" if accepted else "run"
            args = [command, built["export"]]
            if not accepted:
                args += ["--out", str(out)]
            if built["study"] is not None:
                args += ["--study", built["study"]]
            code, wall, cpu, rss, last = measure(args)
        rows.append((wall, cpu, rss, code, name, command, last))
        print(
            f"{name:34} {command:8} exit {code}  {wall:6.2f} s wall  {cpu:6.2f} s CPU  {rss / 2**20:5.0f} MB",
            flush=True,
        )
    rows.sort(reverse=True)
    print("\nslowest first (wall):")
    for wall, cpu, rss, code, name, command, _last in rows[:10]:
        print(f"{name:34} {command:8} exit {code}  {wall:6.2f} s  {cpu:6.2f} s CPU  {rss / 2**20:5.0f} MB")
    by_cpu = max(rows, key=lambda r: r[1])
    by_rss = max(rows, key=lambda r: r[2])
    print(
        f"\n{len(rows)} cases; slowest {rows[0][0]:.2f} s wall ({rows[0][4]}), "
        f"{by_cpu[1]:.2f} s CPU ({by_cpu[4]}); largest peak RSS {by_rss[2] / 2**20:.0f} MB ({by_rss[4]})"
    )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] in ("--list", "--build"):
        _builder(sys.argv[1:])
    else:
        main()
