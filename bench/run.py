"""Benchmark of dmp-survey from 64 respondents to a million (issue 8).

    .venv/bin/python bench/run.py            # full: 10^3..10^6, 5 runs per figure
    .venv/bin/python bench/run.py --quick    # smoke test: 10^3..10^4, 3 runs

Prints a table and writes ``bench/results.json``. Every figure is the median
of several runs, each in a fresh process (one subprocess per measurement;
wall time from the parent, peak memory from the child's own ``rusage`` via
``os.wait4``); ratios are taken between figures measured in the same
invocation, with the compared commands interleaved run by run so that
machine load affects both sides alike. No figure here comes from a timed test
assertion. See ``bench/README.md`` for what each figure means.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import math
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PYTHON = Path(sys.executable)
DMP = PYTHON.parent / "dmp-survey"
RAW = ROOT / "data" / "raw" / "responses.xlsx"
RESULTS = BENCH / "results.json"

IMPORT_FLOOR = (
    "import pandas, scipy.stats, statsmodels.stats.contingency_tables, matplotlib.pyplot, openpyxl, typer"
)
STAGES = (
    "read",
    "coding",
    "counting",
    "statistics",
    "describe",
    "check",
    "audit",
    "figures",
    "writing",
    "report",
    "other",
)
PEAK_STAGES = ("import", "setup", *STAGES)
XLSX_MAX = 100_000

# Targets (issue 8).
SMALL_RATIO_MAX = 1.5
MILLION_SECONDS_MAX = 60.0
MILLION_MB_MAX = 4096.0
COUNTING_EXPONENT_MAX = 1.1
STATISTICS_EXPONENT_ABS_MAX = 0.1
STATISTICS_RATIO_MAX = 1.5
XLSX_SECONDS_MAX = 20.0


# -- measuring -------------------------------------------------------------------


# Measured as an installed package runs: with its modules' bytecode cached
# (pip compiles a wheel's modules as it installs them; the first run of an
# editable install writes them). An environment that forbids writing .pyc
# files (PYTHONDONTWRITEBYTECODE, set on some CI machines) would have every
# measured run compile the project's own modules again (0.24 s CPU), which the
# import floor, made of site-packages' compiled modules, never pays.
MEASURED_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _cpu_jiffies() -> tuple[int, int] | None:
    """(all, steal) CPU time of the machine so far, in clock ticks (Linux's
    /proc/stat): the share of steal time over a measurement is the time a
    virtual machine's host gave its cores to others."""
    try:
        fields = Path("/proc/stat").read_text(encoding="ascii").split("\n", 1)[0].split()[1:]
    except OSError:
        return None
    values = [int(f) for f in fields[:8]]
    return sum(values), values[7] if len(values) > 7 else 0


def measure(cmd: Sequence[str | Path], timeout: float, cwd: Path = ROOT) -> dict[str, Any]:
    """Run ``cmd`` in a fresh process; wall time, the child's peak RSS, exit code
    and the last line of its stdout (the JSON of the bench children)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        # The bench's own peak: a child's peak RSS (wait4) starts at least at
        # the spawning process's, so a child peak at or under it is not the
        # child's own (see synthetic.ensure).
        own_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
        jiffies = _cpu_jiffies()
        start = time.perf_counter()
        proc = subprocess.Popen(
            [str(c) for c in cmd], cwd=cwd, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=MEASURED_ENV
        )
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        wall = time.perf_counter() - start
        after = _cpu_jiffies()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    result: dict[str, Any] = {
        "wall_s": wall,
        "maxrss_mb": usage.ru_maxrss / 1024.0,
        "rc": proc.returncode,
        "bench_maxrss_mb": own_mb,
    }
    if jiffies and after and after[0] > jiffies[0]:
        result["steal_pct"] = 100.0 * (after[1] - jiffies[1]) / (after[0] - jiffies[0])
    lines = [line for line in stdout.splitlines() if line.strip()]
    if lines and lines[-1].startswith("{"):
        with contextlib.suppress(ValueError):
            result["child"] = json.loads(lines[-1])
    if proc.returncode != 0:
        result["error"] = (stderr.strip().splitlines() or ["(no stderr)"])[-1][:300]
        if proc.returncode < 0 and wall >= timeout:
            result["error"] = f"timed out after {timeout:.0f} s"
    return result


def median(values: Sequence[float | None]) -> float | None:
    vals = [v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    return statistics.median(vals) if vals else None


def summary(samples: list[dict[str, Any]]) -> dict[str, Any]:
    ok = [s for s in samples if s["rc"] == 0]
    out: dict[str, Any] = {
        "runs": len(samples),
        "ok": len(ok),
        "wall_s": median([s["wall_s"] for s in ok]),
        "maxrss_mb": median([s["maxrss_mb"] for s in ok]),
        "wall_s_all": [round(s["wall_s"], 4) for s in samples],
        "maxrss_mb_all": [round(s["maxrss_mb"], 1) for s in samples],
    }
    if len(ok) < len(samples):
        out["errors"] = sorted({s.get("error", f"exit {s['rc']}") for s in samples if s["rc"] != 0})
    if len(ok) > 1:
        walls = [s["wall_s"] for s in ok]
        out["wall_s_min"], out["wall_s_max"] = min(walls), max(walls)
    hidden = [s for s in ok if s["maxrss_mb"] <= s.get("bench_maxrss_mb", 0.0)]
    if hidden:
        out["maxrss_hidden"] = (
            f"{len(hidden)} run(s) peaked no higher than the bench process itself "
            f"({max(s['bench_maxrss_mb'] for s in hidden):.0f} MB): their peak is not their own"
        )
    steal = [round(s["steal_pct"], 1) for s in samples if "steal_pct" in s]
    if steal:
        out["steal_pct_all"] = steal
    return out


def fresh_dir(parent: Path) -> Path:
    return Path(tempfile.mkdtemp(prefix="out-", dir=parent))


def progress(msg: str) -> None:
    print(f"[{datetime.now().strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# -- machine -----------------------------------------------------------------------


def git_state() -> dict[str, Any]:
    """HEAD and whether src/ differs from it (the source may change between parts)."""
    git: dict[str, Any] = {}
    try:
        git["commit"] = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        diff = subprocess.run(
            ["git", "diff", "HEAD", "--", "src"], cwd=ROOT, capture_output=True, check=True
        ).stdout
        git["src_dirty"] = bool(diff)
        git["src_diff_sha256"] = hashlib.sha256(diff).hexdigest() if diff else None
    except (OSError, subprocess.CalledProcessError):
        pass
    return git


def commits_since(started: str) -> list[str]:
    """Commits made while the benchmark ran: its figures may straddle them."""
    try:
        return subprocess.run(
            ["git", "log", f"--since={started}", "--format=%h %aI %s"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.splitlines()
    except (OSError, subprocess.CalledProcessError):
        return []


def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    from dmp_survey.pipeline import library_versions

    libs = library_versions(extra=("tableone",))
    git = git_state()
    return {
        "cpu": cpu,
        "cores_online": os.cpu_count(),
        "cores_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "ram_gb": mem_gb,
        "os": platform.platform(),
        "python": platform.python_version(),
        "libraries": libs,
        "git": git,
        "loadavg_start": list(os.getloadavg()),
    }


# -- parts -------------------------------------------------------------------------


def small_end(repeats: int, tmp: Path, timeout: float) -> dict[str, Any]:
    """The shipped export: full run vs the import floor; --help and validate vs
    an empty interpreter. Commands interleaved run by run; one discarded
    warm-up round (file cache, matplotlib font cache)."""
    commands: dict[str, list[Any]] = {
        "python_pass": [PYTHON, "-c", "pass"],
        "import_floor": [PYTHON, "-c", IMPORT_FLOOR],
        "help": [DMP, "--help"],
        "validate": [DMP, "validate", RAW],
        "run": [DMP, "run", RAW, "--out", None],
    }
    samples: dict[str, list[dict[str, Any]]] = {k: [] for k in commands}
    for round_ in range(repeats + 1):
        for name, cmd in commands.items():
            out = fresh_dir(tmp) if name == "run" else None
            cmd = [out if c is None else c for c in cmd]
            s = measure(cmd, timeout)
            if out is not None:
                shutil.rmtree(out, ignore_errors=True)
            if round_ > 0:
                samples[name].append(s)
        progress(f"small end: round {round_}/{repeats}" + (" (warm-up)" if round_ == 0 else ""))
    res = {name: summary(s) for name, s in samples.items()}

    def ratio(a: str, b: str) -> float | None:
        x, y = res[a]["wall_s"], res[b]["wall_s"]
        return x / y if x is not None and y else None

    # Per-round ratios too: the median of paired ratios is robust to drifting load.
    def paired(a: str, b: str) -> float | None:
        pairs = [
            x["wall_s"] / y["wall_s"]
            for x, y in zip(samples[a], samples[b], strict=True)
            if x["rc"] == 0 and y["rc"] == 0
        ]
        return median(pairs)

    res["ratios"] = {
        "run_over_import_floor": ratio("run", "import_floor"),
        "run_over_import_floor_paired": paired("run", "import_floor"),
        "help_over_python_pass": ratio("help", "python_pass"),
        "validate_over_python_pass": ratio("validate", "python_pass"),
        "validate_over_import_floor": ratio("validate", "import_floor"),
    }
    return res


def scale(
    sizes: Sequence[int], repeats: int, tmp: Path, timeout: float, formats: Sequence[str]
) -> dict[str, Any]:
    """Per size and format: per-stage times and peaks (stage runner), and the
    full ``dmp-survey run``, interleaved run by run."""
    sys.path.insert(0, str(BENCH))
    import synthetic

    model = synthetic.Model()
    out: dict[str, Any] = {"cells": [], "generation": {}}
    for n in sizes:
        for fmt in formats:
            if fmt == "xlsx" and n > XLSX_MAX:
                continue
            path, gen_s = synthetic.ensure(n, fmt, model)
            out["generation"][f"{n}.{fmt}"] = {
                "bytes": path.stat().st_size,
                "seconds": gen_s if gen_s is not None else "cached",
            }
            stage_samples, run_samples = [], []
            for r in range(repeats):
                d = fresh_dir(tmp)
                stage_samples.append(measure([PYTHON, BENCH / "stages.py", path, "--out", d], timeout))
                shutil.rmtree(d, ignore_errors=True)
                d = fresh_dir(tmp)
                run_samples.append(measure([DMP, "run", path, "--out", d], timeout))
                shutil.rmtree(d, ignore_errors=True)
                progress(
                    f"scale n={n:,} {fmt}: run {r + 1}/{repeats} "
                    f"stages {stage_samples[-1]['wall_s']:.1f} s, full run {run_samples[-1]['wall_s']:.1f} s"
                    + (f" ERROR {run_samples[-1].get('error')}" if run_samples[-1]["rc"] else "")
                )
            cell: dict[str, Any] = {"n": n, "format": fmt, "bytes": path.stat().st_size}
            cell["full_run"] = summary(run_samples)
            cell["stage_runner"] = summary(stage_samples)
            children = [s["child"] for s in stage_samples if s["rc"] == 0 and "child" in s]
            stages: dict[str, Any] = {}
            for name in PEAK_STAGES:
                got = [c["stages"][name] for c in children if name in c["stages"]]
                if got:
                    stages[name] = {
                        "seconds": median([g["seconds"] for g in got]),
                        "peak_mb": median([g["peak_mb"] for g in got]),
                        "rss_after_mb": median([g["rss_mb"] for g in got]),
                        "seconds_all": [round(g["seconds"], 4) for g in got],
                    }
            cell["stages"] = stages
            cell["hwm_reset"] = all(c.get("hwm_reset") for c in children) if children else None
            cell["stage_sum_s"] = sum(v["seconds"] for k, v in stages.items()) if stages else None
            # The runner resets its high-water mark per stage, which also resets
            # what getrusage reports: its whole peak is the largest stage peak.
            cell["stage_runner"]["maxrss_mb"] = max((v["peak_mb"] for v in stages.values()), default=None)
            out["cells"].append(cell)
    return out


def exponents(scale_res: dict[str, Any], lo: int, hi: int) -> dict[str, Any]:
    """log(t_hi / t_lo) / log(hi / lo) per stage and format (and full run)."""
    cells = {(c["n"], c["format"]): c for c in scale_res["cells"]}
    out: dict[str, Any] = {}
    for fmt in sorted({c["format"] for c in scale_res["cells"]}):
        a, b = cells.get((lo, fmt)), cells.get((hi, fmt))
        if not a or not b:
            continue
        per: dict[str, Any] = {}
        for name in (*STAGES, "full_run"):
            if name == "full_run":
                t0, t1 = a["full_run"]["wall_s"], b["full_run"]["wall_s"]
            else:
                t0 = a["stages"].get(name, {}).get("seconds")
                t1 = b["stages"].get(name, {}).get("seconds")
            if t0 and t1:
                per[name] = {
                    "exponent": math.log(t1 / t0) / math.log(hi / lo),
                    "ratio": t1 / t0,
                    "t_lo_s": t0,
                    "t_hi_s": t1,
                }
        out[fmt] = per
    return {"between": [lo, hi], "by_format": out}


def peer(sizes: Sequence[int], repeats: int, timeout: float) -> dict[str, Any]:
    """tableone vs the project's compare stage, from the same pickled coded frame."""
    sys.path.insert(0, str(BENCH))
    import synthetic

    try:
        import tableone  # noqa: F401
    except ImportError:
        return {"skipped": "tableone is not installed (pip install -e '.[bench]')"}
    model = synthetic.Model()
    out: dict[str, Any] = {}
    for n in sizes:
        path, _ = synthetic.ensure(n, "parquet", model)
        pkl = synthetic.DATA / f"coded_{n}.pkl"
        sidecar = pkl.with_suffix(".pkl.json")
        stamp = json.dumps({"export_sha256": _sha256_file(path)})
        if not (pkl.exists() and sidecar.exists() and sidecar.read_text() == stamp):
            prep = measure([PYTHON, BENCH / "peer.py", "prepare", path, pkl], timeout)
            if prep["rc"] != 0:
                out[str(n)] = {"error": prep.get("error")}
                continue
            sidecar.write_text(stamp)
        t1, proj = [], []
        for r in range(repeats):
            t1.append(measure([PYTHON, BENCH / "peer.py", "tableone", pkl], timeout))
            proj.append(measure([PYTHON, BENCH / "peer.py", "project", pkl], timeout))
            progress(f"peer n={n:,}: run {r + 1}/{repeats}")

        def inner(samples: list[dict[str, Any]], key: str = "seconds") -> float | None:
            return median([s["child"].get(key) for s in samples if s["rc"] == 0 and "child" in s])

        cell: dict[str, Any] = {
            "tableone_s": inner(t1),
            "project_s": inner(proj),
            "project_counting_s": inner(proj, "counting_s"),
            "project_statistics_s": inner(proj, "statistics_s"),
            "tableone_maxrss_mb": median([s["maxrss_mb"] for s in t1 if s["rc"] == 0]),
            "project_maxrss_mb": median([s["maxrss_mb"] for s in proj if s["rc"] == 0]),
            "tableone_s_all": [round(s["child"]["seconds"], 4) for s in t1 if s["rc"] == 0 and "child" in s],
            "project_s_all": [round(s["child"]["seconds"], 4) for s in proj if s["rc"] == 0 and "child" in s],
            "tableone_p_values": t1[0].get("child", {}).get("p_values") if t1 else None,
            "project_p_values": proj[0].get("child", {}).get("p_values") if proj else None,
            "errors": sorted({s.get("error", "") for s in t1 + proj if s["rc"] != 0}) or None,
        }
        a, b = cell["project_s"], cell["tableone_s"]
        cell["project_over_tableone"] = a / b if a is not None and b else None
        out[str(n)] = cell
    return out


HEAVY = ("matplotlib", "scipy", "statsmodels")


def light_imports() -> dict[str, Any]:
    """Which of matplotlib, scipy and statsmodels `--help` and `validate`
    import: the probe of tests/test_imports.py (the CLI in a fresh
    interpreter, then its sys.modules read); a fact, not a timing."""
    sys.path.insert(0, str(ROOT / "tests"))
    from test_imports import _probe

    return {"help": _probe(["--help"]), "validate": _probe(["validate", str(RAW)])}


def exact_bound(n: int, repeats: int, timeout: float, k: int = 5) -> dict[str, Any]:
    samples = []
    for _ in range(repeats):
        samples.append(measure([PYTHON, BENCH / "peer.py", "exact", str(n), str(k)], timeout))
    ok = [s["child"] for s in samples if s["rc"] == 0 and "child" in s]
    if not ok:
        return {"error": sorted({s.get("error", "") for s in samples})}
    first = ok[0]
    res: dict[str, Any] = {
        "EXACT_MAX_TABLES": first["EXACT_MAX_TABLES"],
        "shape": f"2x{k}",
        "first_call_s": median([c.get("first_call_s") for c in ok]),
    }
    for key in ("large", "at_bound"):
        res[key] = {
            "n": first[key]["n"],
            "table": first[key]["table"],
            "test": first[key]["test"],
            "tables_with_margins": first[key]["tables_with_margins"],
            "seconds": median([c[key]["seconds"] for c in ok]),
            "count_tables_s": median([c[key]["count_tables_s"] for c in ok]),
            "seconds_all": [round(c[key]["seconds"], 4) for c in ok],
        }
    return res


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# -- targets -------------------------------------------------------------------------


def verdicts(res: dict[str, Any], top: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []

    def add(name: str, figure: float | None, target: str, ok: bool | None, unit: str = "") -> None:
        verdict = "n/a" if ok is None else ("PASS" if ok else "FAIL")
        out.append({"target": name, "figure": figure, "unit": unit, "wanted": target, "verdict": verdict})

    small = res.get("small_end")
    if small:
        r = small["ratios"]["run_over_import_floor"]
        add(
            "shipped export: full run / import floor",
            r,
            f"<= {SMALL_RATIO_MAX}",
            None if r is None else r <= SMALL_RATIO_MAX,
            "x",
        )
    for key, probe in res.get("light_imports", {}).items():
        heavy = probe["heavy"]
        add(
            f"dmp-survey {key} imports none of {', '.join(HEAVY)}"
            + (f" (imported: {', '.join(heavy)})" if heavy else ""),
            float(len(heavy)),
            "0 of them",
            probe["code"] == 0 and not heavy,
            " imported",
        )
    cells = {(c["n"], c["format"]): c for c in res.get("scale", {}).get("cells", [])}
    for fmt in ("parquet", "csv"):
        c = cells.get((top, fmt))
        if not c:
            continue
        t, m = c["full_run"]["wall_s"], c["full_run"]["maxrss_mb"]
        label = f"n={top:,} {fmt}: full run"
        if top == 1_000_000:
            add(
                f"{label} wall",
                t,
                f"< {MILLION_SECONDS_MAX:.0f} s",
                None if t is None else t < MILLION_SECONDS_MAX,
                "s",
            )
            add(
                f"{label} peak memory",
                m,
                f"< {MILLION_MB_MAX:.0f} MB",
                None if m is None else m < MILLION_MB_MAX,
                "MB",
            )
        else:
            add(
                f"{label} wall (quick: 10^6 target not measured)",
                t,
                f"< {MILLION_SECONDS_MAX:.0f} s at 10^6",
                None,
                "s",
            )
    exps = res.get("exponents", {})
    lo, hi = exps.get("between", [None, None])
    for fmt, per in exps.get("by_format", {}).items():
        e = per.get("counting", {}).get("exponent")
        add(
            f"counting exponent {lo:,}->{hi:,} ({fmt})",
            e,
            f"<= {COUNTING_EXPONENT_MAX}",
            None if e is None else e <= COUNTING_EXPONENT_MAX,
        )
        st = per.get("statistics", {})
        e, ratio = st.get("exponent"), st.get("ratio")
        ok = None if e is None else (abs(e) < STATISTICS_EXPONENT_ABS_MAX or ratio < STATISTICS_RATIO_MAX)
        add(
            f"statistics exponent {lo:,}->{hi:,} ({fmt}) [time ratio {ratio:.2f}]"
            if ratio
            else f"statistics exponent ({fmt})",
            e,
            f"|e| < {STATISTICS_EXPONENT_ABS_MAX} or ratio < {STATISTICS_RATIO_MAX}",
            ok,
        )
    c = cells.get((XLSX_MAX, "xlsx"))
    if c:
        t = c["full_run"]["wall_s"]
        add(
            f"n={XLSX_MAX:,} xlsx: full run wall",
            t,
            f"< {XLSX_SECONDS_MAX:.0f} s",
            None if t is None else t < XLSX_SECONDS_MAX,
            "s",
        )
    peer_res = res.get("peer", {})
    sizes = [int(k) for k in peer_res if k.isdigit()]
    if sizes:
        big = peer_res[str(max(sizes))]
        r = big.get("project_over_tableone")
        add(
            f"n={max(sizes):,}: compare stage / tableone",
            r,
            "<= 1 (at least as fast)",
            None if r is None else r <= 1.0,
            "x",
        )
    ex = res.get("exact_bound", {})
    if "large" in ex:
        t = ex["large"]["seconds"]
        add(
            f"exact-test bound: modern_statistics on 2x5, n={ex['large']['n']:,} -> {ex['large']['test']}",
            t,
            "falls back to chi-square quickly (< 0.1 s)",
            t < 0.1 and ex["large"]["test"] != "fisher_freeman_halton",
            "s",
        )
    return out


# -- printing -------------------------------------------------------------------------


def fmt_s(v: float | None) -> str:
    if v is None:
        return "-"
    return f"{v:.3f}" if v < 10 else f"{v:.1f}"


def fmt_mb(v: float | None) -> str:
    return "-" if v is None else f"{v:.0f}"


def _row(cells: Sequence[tuple[Any, str]]) -> str:
    """One table line from (value, format spec) pairs."""
    return "  " + "".join(format(v, spec) for v, spec in cells)


def print_report(res: dict[str, Any]) -> None:
    m = res["machine"]
    git = m["git"]
    dirty = " + uncommitted src changes" if git.get("src_dirty") else ""
    load_end = m.get("loadavg_end", [float("nan")])[0]
    print(f"\nMachine: {m['cpu']}, {m['cores_usable']} usable cores, {m['ram_gb']} GB RAM; {m['os']}")
    libs = ", ".join(f"{k} {v}" for k, v in m["libraries"].items() if k != "python")
    print(f"  Python {m['python']}; {libs}")
    print(
        f"  git {git.get('commit', '?')[:10]}{dirty}; "
        f"load average {m['loadavg_start'][0]:.2f} -> {load_end:.2f}"
    )
    for line in res.get("commits_during_run", []):
        print(f"  committed during the run (later parts measure it): {line[:100]}")
    print(f"  mode: {res['mode']}; every figure the median of {res['repeats']} runs in fresh processes")

    small = res.get("small_end")
    if small:
        print(
            f"\n1. Small end (shipped export, 64 respondents; {res['small_end_repeats']} interleaved rounds)"
        )
        print(_row([("command", "<44"), ("wall s", ">9"), ("min", ">8"), ("max", ">8"), ("peak MB", ">9")]))
        labels = {
            "python_pass": "python -c pass",
            "import_floor": "import floor (pandas, scipy.stats, ...)",
            "help": "dmp-survey --help",
            "validate": "dmp-survey validate responses.xlsx",
            "run": "dmp-survey run responses.xlsx --out TMP",
        }
        for k, label in labels.items():
            s = small[k]
            print(
                _row(
                    [
                        (label, "<44"),
                        (fmt_s(s["wall_s"]), ">9"),
                        (fmt_s(s.get("wall_s_min")), ">8"),
                        (fmt_s(s.get("wall_s_max")), ">8"),
                        (fmt_mb(s["maxrss_mb"]), ">9"),
                    ]
                )
            )
        r = small["ratios"]
        print(
            f"  run / import floor = {r['run_over_import_floor']:.2f}x "
            f"(median of per-round ratios {r['run_over_import_floor_paired']:.2f}x)"
        )
        print(
            f"  --help / python -c pass = {r['help_over_python_pass']:.1f}x; "
            f"validate / python -c pass = {r['validate_over_python_pass']:.1f}x; "
            f"validate / import floor = {r['validate_over_import_floor']:.2f}x"
        )

    for key, probe in res.get("light_imports", {}).items():
        heavy = ", ".join(probe["heavy"]) or "none"
        print(
            f"  dmp-survey {key}: exit {probe['code']}; "
            f"of {', '.join(HEAVY)}: {heavy} imported (sys.modules in a fresh interpreter)"
        )

    sc = res.get("scale")
    if sc:
        print("\n2. Scale (synthetic exports)")
        print(
            "  a) median seconds per stage (stage runner); sum incl. import and setup; full `dmp-survey run`"
        )
        print(
            _row(
                [("n", ">9"), ("", "1"), ("fmt", "<8"), ("file MB", ">8")]
                + [(n[:10], ">11") for n in STAGES]
                + [("sum", ">9"), ("full run", ">10")]
            )
        )
        for c in sc["cells"]:
            cells = [(f"{c['n']:,}", ">9"), ("", "1"), (c["format"], "<8"), (f"{c['bytes'] / 1e6:.1f}", ">8")]
            cells += [(fmt_s(c["stages"].get(n, {}).get("seconds")), ">11") for n in STAGES]
            cells += [(fmt_s(c["stage_sum_s"]), ">9"), (fmt_s(c["full_run"]["wall_s"]), ">10")]
            errors = (c["full_run"].get("errors") or []) + (c["stage_runner"].get("errors") or [])
            print(_row(cells) + (f"  errors: {errors}" if errors else ""))
        print("  b) median peak resident MB during each stage; peak of the whole full run")
        print(
            _row(
                [("n", ">9"), ("", "1"), ("fmt", "<8")]
                + [(n[:10], ">11") for n in PEAK_STAGES]
                + [("full run", ">10")]
            )
        )
        for c in sc["cells"]:
            cells = [(f"{c['n']:,}", ">9"), ("", "1"), (c["format"], "<8")]
            cells += [(fmt_mb(c["stages"].get(n, {}).get("peak_mb")), ">11") for n in PEAK_STAGES]
            print(_row([*cells, (fmt_mb(c["full_run"]["maxrss_mb"]), ">10")]))
        ex = res.get("exponents", {})
        if ex.get("by_format"):
            lo, hi = ex["between"]
            print(f"  c) growth exponents log(t{hi}/t{lo}) / log({hi // lo}): 1 = linear, 0 = constant")
            names = (*STAGES, "full_run")
            print(_row([("format", "<10")] + [(n[:10], ">11") for n in names]))
            for fmt, per in ex["by_format"].items():
                cells = [(fmt, "<10")]
                cells += [(f"{per[n]['exponent']:.2f}" if n in per else "-", ">11") for n in names]
                print(_row(cells))

    peer_res = res.get("peer")
    if peer_res:
        print("\n3. Peer: tableone (groupby usage_group, the annex variables as categorical, pval=True)")
        print("   vs the compare stage (count_by_group + annex_table x 3), same pickled coded frame")
        if "skipped" in peer_res:
            print(f"  skipped: {peer_res['skipped']}")
        else:
            heads = ["tableone s", "compare s", "count s", "stats s", "ratio", "t1 MB", "ours MB"]
            print(_row([("n", ">9")] + [(h, ">11") for h in heads]))
            for n, c in peer_res.items():
                if "error" in c:
                    print(f"  {int(n):>9,}  error: {c['error']}")
                    continue
                r = c["project_over_tableone"]
                values = [
                    fmt_s(c["tableone_s"]),
                    fmt_s(c["project_s"]),
                    fmt_s(c["project_counting_s"]),
                    fmt_s(c["project_statistics_s"]),
                    f"{r:.2f}x" if r else "-",
                    fmt_mb(c["tableone_maxrss_mb"]),
                    fmt_mb(c["project_maxrss_mb"]),
                ]
                print(_row([(f"{int(n):,}", ">9")] + [(v, ">11") for v in values]))

    ex = res.get("exact_bound")
    if ex and "large" in ex:
        print(f"\n4. Exact-test bound: compare.EXACT_MAX_TABLES = {ex['EXACT_MAX_TABLES']:,}")
        if ex.get("first_call_s") is not None:
            print(f"  (first call in a process, lazy imports: {fmt_s(ex['first_call_s'])} s; excluded below)")
        for key, label in (("large", "large table"), ("at_bound", "largest n under the bound")):
            e = ex[key]
            print(
                f"  {label:<26} 2x5 n={e['n']:>9,}: modern_statistics {fmt_s(e['seconds'])} s -> {e['test']}"
            )
            print(
                f"  {'':<26} tables with these margins: {e['tables_with_margins']} "
                f"(count_tables {fmt_s(e['count_tables_s'])} s)"
            )

    rerun = res.get("exact_bound_rerun")
    if rerun and "large" in rerun:
        print(
            f"  re-measured after the run at {rerun['git'].get('commit', '?')[:10]} "
            f"(probe fixed to exclude lazy imports): 2x5 n={rerun['large']['n']:,} "
            f"{fmt_s(rerun['large']['seconds'])} s -> {rerun['large']['test']}; "
            f"at the bound {fmt_s(rerun['at_bound']['seconds'])} s"
        )

    if res.get("v2"):
        sys.path.insert(0, str(BENCH))
        import v2

        v2.print_v2(res["v2"])

    print("\nTargets")
    for v in res.get("verdicts", []):
        fig = v["figure"]
        figure = "-" if fig is None else (f"{fig:.3f}" if abs(fig) < 10 else f"{fig:.1f}")
        print(f"  [{v['verdict']:>4}] {v['target']}: {figure}{v['unit']} (wanted {v['wanted']})")
    print(f"\nWritten: {RESULTS.relative_to(ROOT) if RESULTS.is_relative_to(ROOT) else RESULTS}")


# -- main ---------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    global RESULTS
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="sizes 10^3-10^4, 3 runs: a smoke test")
    parser.add_argument("--repeats", type=int, help="runs per figure (default 5, quick 3)")
    parser.add_argument(
        "--small-repeats",
        type=int,
        help="runs per figure of the small end (default 7, quick 3): it is cheap and noisy",
    )
    parser.add_argument("--sizes", help="comma-separated respondent counts (default 10^3..10^6)")
    parser.add_argument("--formats", default="csv,parquet,xlsx")
    parser.add_argument(
        "--parts",
        default="small,imports,scale,peer,exact",
        help="which parts to run; v2 (issue 18: v2small and v2large) is not in the default: --parts v2",
    )
    parser.add_argument("--v2-rounds", type=int, default=5, help="v2: interleaved small-end rounds")
    parser.add_argument("--v2-repeats", type=int, default=1, help="v2: runs per large case")
    parser.add_argument("--v2-timeout", type=float, default=240.0, help="v2: seconds before a run is killed")
    parser.add_argument(
        "--update",
        action="store_true",
        help="add the given --parts to the existing results file (each part records its git state)",
    )
    parser.add_argument(
        "--timeout", type=float, default=1800.0, help="seconds before a measurement is killed"
    )
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument(
        "--report-only", action="store_true", help="print the table of an existing results file"
    )
    args = parser.parse_args(argv)
    RESULTS = args.output
    if args.report_only:
        print_report(json.loads(RESULTS.read_text(encoding="utf-8")))
        return 0

    repeats = args.repeats or (3 if args.quick else 5)
    small_repeats = args.small_repeats or (3 if args.quick else max(repeats, 7))
    if args.sizes:
        sizes = [int(float(s)) for s in args.sizes.split(",")]
    else:
        sizes = [1_000, 10_000] if args.quick else [1_000, 10_000, 100_000, 1_000_000]
    parts = set(args.parts.split(","))
    formats = args.formats.split(",")
    lo = 10_000 if 10_000 in sizes and 1_000_000 in sizes else sizes[0]
    hi = 1_000_000 if 1_000_000 in sizes else sizes[-1]
    peer_sizes = (
        [s for s in (10_000, 1_000_000) if s in sizes] if 1_000_000 in sizes else [sizes[0], sizes[-1]]
    )

    previous: dict[str, Any] | None = None
    if args.update:
        previous = json.loads(RESULTS.read_text(encoding="utf-8"))
    res: dict[str, Any] = {
        "issue": 8,
        "mode": "custom"
        if (args.sizes or args.repeats or args.small_repeats)
        else ("quick" if args.quick else "full"),
        "repeats": repeats,
        "small_end_repeats": small_repeats,
        "sizes": sizes,
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
    }
    if previous is not None:
        previous.setdefault("updates", []).append(
            {"parts": sorted(parts), "started": res["started"], "git": git_state()}
        )
        res = previous
    started = time.perf_counter()
    (BENCH / "data").mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="dmp-bench-") as tmpname:
        tmp = Path(tmpname)
        res.setdefault("git_by_part", {})
        if "small" in parts:
            res["git_by_part"]["small"] = git_state()
            progress("small end")
            res["small_end"] = small_end(small_repeats, tmp, args.timeout)
        if "imports" in parts:
            res["git_by_part"]["imports"] = git_state()
            progress("light commands: imports")
            res["light_imports"] = light_imports()
        if "exact" in parts:
            res["git_by_part"]["exact"] = git_state()
            progress("exact-test bound")
            res["exact_bound"] = exact_bound(1_000_000, repeats, args.timeout)
        if "scale" in parts:
            res["git_by_part"]["scale"] = git_state()
            res["scale"] = scale(sizes, repeats, tmp, args.timeout, formats)
            res["exponents"] = exponents(res["scale"], lo, hi)
        if "peer" in parts:
            res["git_by_part"]["peer"] = git_state()
            res["peer"] = peer(peer_sizes, repeats, args.timeout)
        if parts & {"v2", "v2small", "v2large"}:
            sys.path.insert(0, str(BENCH))
            import v2

            res["git_by_part"]["v2"] = git_state()
            res["v2"] = v2.run_v2(args.v2_rounds, args.v2_repeats, tmp, args.v2_timeout, parts)
    if previous is None:
        res["machine"]["loadavg_end"] = list(os.getloadavg())
        res["git_end"] = git_state()
        res["commits_during_run"] = commits_since(res["started"])
        res["elapsed_s"] = time.perf_counter() - started
    res["verdicts"] = verdicts(res, hi)
    RESULTS.write_text(json.dumps(res, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print_report(res)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
