"""Issue 18's cases (``bench/run.py --parts v2``): the small end against the
import floor of the modules a run really imports, and the large end (10^6
respondents as CSV and Parquet, 10^7 as Parquet) against their targets.

Every figure comes from fresh processes measured by ``run.measure`` (wall time
from the parent, peak RSS of the child from ``os.wait4``). The small end
interleaves the floor and the run round by round (one warm-up round
discarded); the ratio is taken between figures of the same invocation. A
measurement that exceeds ``--v2-timeout`` is killed and reported as such
(verdict "not met"). Meant to fit in 15 minutes: see bench/README.md.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import run as bench  # bench/run.py: measure, summary, median, progress, fresh_dir
import synthetic

# Targets (issue 18).
SMALL_RATIO_MAX = 1.5
TARGETS: dict[tuple[int, str], tuple[float, float]] = {  # (n, format): (seconds, peak MB)
    (1_000_000, "csv"): (8.0, 1024.0),
    (1_000_000, "parquet"): (5.0, 1024.0),
    (10_000_000, "parquet"): (60.0, 2048.0),
}


def floor_modules(tmp: Path, timeout: float) -> list[str]:
    """The modules one whole run on the shipped export imports (bench/v2_modules.py)."""
    out = bench.fresh_dir(tmp)
    res = bench.measure([bench.PYTHON, bench.BENCH / "v2_modules.py", bench.RAW, "--out", out], timeout)
    shutil.rmtree(out, ignore_errors=True)
    if res["rc"] != 0 or not isinstance(res.get("child"), dict):
        raise SystemExit(f"bench v2: could not list the run's modules: {res.get('error')}")
    return list(res["child"]["modules"])


def floor_code(modules: list[str]) -> str:
    """A program importing ``modules`` in order (matplotlib with the Agg backend,
    as the run draws); a module that cannot be imported on its own is skipped."""
    return (
        "import importlib, matplotlib\n"
        "matplotlib.use('Agg')\n"
        f"for m in {json.dumps(modules)}:\n"
        "    try:\n"
        "        importlib.import_module(m)\n"
        "    except Exception:\n"
        "        pass\n"
    )


def small(rounds: int, tmp: Path, timeout: float) -> dict[str, Any]:
    modules = floor_modules(tmp, timeout)
    code = floor_code(modules)
    commands: dict[str, list[Any]] = {
        "import_floor": [bench.PYTHON, "-c", code],
        "run": [bench.DMP, "run", bench.RAW, "--out", None],
    }
    samples: dict[str, list[dict[str, Any]]] = {k: [] for k in commands}
    for round_ in range(rounds + 1):
        for name, cmd in commands.items():
            out = bench.fresh_dir(tmp) if name == "run" else None
            s = bench.measure([out if c is None else c for c in cmd], timeout)
            if out is not None:
                shutil.rmtree(out, ignore_errors=True)
            if round_ > 0:
                samples[name].append(s)
        bench.progress(f"v2 small end: round {round_}/{rounds}" + (" (warm-up)" if round_ == 0 else ""))
    res: dict[str, Any] = {name: bench.summary(s) for name, s in samples.items()}
    res["floor_modules"] = len(modules)
    res["floor_packages"] = sorted({m.split(".")[0] for m in modules if not m.startswith("_")})
    floor, run_s = res["import_floor"]["wall_s"], res["run"]["wall_s"]
    res["ratio"] = run_s / floor if floor and run_s else None
    pairs = [
        r["wall_s"] / f["wall_s"]
        for r, f in zip(samples["run"], samples["import_floor"], strict=True)
        if r["rc"] == 0 and f["rc"] == 0
    ]
    res["ratio_paired"] = bench.median(pairs)
    # Where the time goes: one instrumented run (bench/stages.py).
    out = bench.fresh_dir(tmp)
    st = bench.measure([bench.PYTHON, bench.BENCH / "stages.py", bench.RAW, "--out", out], timeout)
    shutil.rmtree(out, ignore_errors=True)
    res["stages"] = st.get("child", {}).get("stages")
    res["cpu"] = _cpu_seconds(commands, tmp, timeout)
    return res


def _cpu_seconds(commands: dict[str, list[Any]], tmp: Path, timeout: float) -> dict[str, float]:
    """User + system CPU seconds of one floor and one run (children included)."""
    cpu = {}
    for name, cmd in commands.items():
        out = bench.fresh_dir(tmp) if name == "run" else None
        before = os.times()
        subprocess.run(
            [str(out if c is None else c) for c in cmd],
            cwd=bench.ROOT,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
        after = os.times()
        cpu[name] = (after.children_user - before.children_user) + (
            after.children_system - before.children_system
        )
        if out is not None:
            shutil.rmtree(out, ignore_errors=True)
    return cpu


def large(repeats: int, tmp: Path, timeout: float) -> dict[str, Any]:
    res: dict[str, Any] = {}
    model = synthetic.Model()
    for (n, fmt), (seconds_max, mb_max) in TARGETS.items():
        path, generated = synthetic.ensure(n, fmt, model)
        samples = []
        for i in range(repeats):
            out = bench.fresh_dir(tmp)
            s = bench.measure([bench.DMP, "run", path, "--out", out], timeout)
            shutil.rmtree(out, ignore_errors=True)
            samples.append(s)
            bench.progress(
                f"v2 {n:.0e} {fmt}: run {i + 1}/{repeats}: {s['wall_s']:.1f} s, "
                f"{s['maxrss_mb']:.0f} MB, exit {s['rc']}"
            )
        summ = bench.summary(samples)
        summ.update(
            {
                "n": n,
                "format": fmt,
                "bytes": path.stat().st_size,
                "generation_s": generated,
                "target_s": seconds_max,
                "target_mb": mb_max,
            }
        )
        res[f"{n}_{fmt}"] = summ
    return res


def run_v2(rounds: int, repeats: int, tmp: Path, timeout: float, parts: set[str]) -> dict[str, Any]:
    res: dict[str, Any] = {"timeout_s": timeout, "loadavg_start": list(os.getloadavg())}
    if "v2" in parts or "v2small" in parts:
        res["small"] = small(rounds, tmp, timeout)
    if "v2" in parts or "v2large" in parts:
        res["large"] = large(repeats, tmp, timeout)
    res["loadavg_end"] = list(os.getloadavg())
    res["verdicts"] = verdicts(res)
    return res


def verdicts(res: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    sm = res.get("small")
    if sm:
        r = sm.get("ratio")
        out.append(
            {
                "target": "64 answers: whole run <= 1.5 x the import floor (same run)",
                "measured": None if r is None else round(r, 3),
                "detail": f"run {_s(sm['run']['wall_s'])} vs floor {_s(sm['import_floor']['wall_s'])}; "
                f"per-round median ratio {_f(sm.get('ratio_paired'))}",
                "met": None if r is None else r <= SMALL_RATIO_MAX,
            }
        )
    for _key, case in (res.get("large") or {}).items():
        ok = case["ok"] == case["runs"] and case["wall_s"] is not None
        met = ok and case["wall_s"] <= case["target_s"] and case["maxrss_mb"] <= case["target_mb"]
        detail = (
            f"{_s(case['wall_s'])}, peak {case['maxrss_mb']:.0f} MB"
            if ok
            else "; ".join(case.get("errors", ["failed"]))
        )
        out.append(
            {
                "target": f"{case['n']:.0e} answers, {case['format']}: <= {case['target_s']:.0f} s, "
                f"<= {case['target_mb']:.0f} MB",
                "measured": detail,
                "detail": f"{case['ok']}/{case['runs']} runs completed",
                "met": bool(met),
            }
        )
    return out


def _s(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.2f} s"


def _f(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.2f}"


def print_v2(res: dict[str, Any]) -> None:
    la, lb = res.get("loadavg_start", [0])[0], res.get("loadavg_end", [0])[0]
    print(f"\nIssue 18 (v2) — load average {la:.2f} -> {lb:.2f}; timeout {res['timeout_s']:.0f} s")
    sm = res.get("small")
    if sm:
        print(
            f"  import floor: a fresh interpreter importing the {sm['floor_modules']} modules a run "
            f"imports ({', '.join(sm['floor_packages'][:12])}, ...)"
        )
        for name in ("import_floor", "run"):
            x = sm[name]
            print(f"  {name:<13} median {_s(x['wall_s'])}  all {x['wall_s_all']}")
        cpu = sm.get("cpu") or {}
        if cpu:
            floor_cpu, run_cpu = cpu["import_floor"], cpu["run"]
            print(f"  CPU (user+sys, one run each): floor {floor_cpu:.2f} s, run {run_cpu:.2f} s")
        stages = sm.get("stages") or {}
        if stages:
            parts = ", ".join(f"{k} {v['seconds']:.2f}" for k, v in stages.items())
            print(f"  where the run's time goes (one instrumented run, s): {parts}")
    for v in res["verdicts"]:
        verdict = "met" if v["met"] else ("n/a" if v["met"] is None else "NOT MET")
        print(f"  [{verdict:>7}] {v['target']}: {v['measured']} ({v['detail']})")


if __name__ == "__main__":  # pragma: no cover
    sys.exit("run it through bench/run.py --parts v2")
