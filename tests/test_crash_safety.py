"""Issue 19: ``kill -9`` at any moment of a run leaves the previous outputs
complete, with a manifest that matches them; two runs on one ``--out`` at once
serialise (a lock), never mixing their outputs.

The runs are real ``dmp-survey run`` processes, on a trimmed copy of the
example study (two figures, one comparison: the mechanics, not the study,
are under test). They are killed at named points by ``tests/interrupt.py``
(stages as the progress callback names them, each rename of the publication,
the first removal after its commit), and after a few delays. Between the
renames of the publication a killed run leaves a journal: the test then does
what the next command on that folder does (:func:`recover`, under the lock)
before checking. Repeated 20 times by hand (``DMP_SURVEY_REPEAT=20``, see
docs/hostile-inputs.md); once in the suite.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dmp_survey.io.publish import JOURNAL, locked, recover
from dmp_survey.pipeline import OUTPUT_DIRS

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="SIGKILL, SIGSTOP, flock, /proc/locks")

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "pharmacists"
DRIVER = Path(__file__).parent / "interrupt.py"
ENV = {**os.environ, "PYTHONWARNINGS": "ignore"}


def _killed_env(tmp_path: Path) -> dict[str, str]:
    """The environment of a run about to be killed: its temporary folders (the
    figures drawn ahead, which a killed run cannot remove) in the test's own
    folder rather than the machine's /tmp."""
    folder = tmp_path / "tmp"
    folder.mkdir(exist_ok=True)
    return {**ENV, "TMPDIR": str(folder)}


# Kill points of a run that has a previous complete run under its --out.
STAGES = ["stage:analyse", "stage:comparisons", "stage:figures", "stage:manifest", "stage:publish"]
# The journal, then two renames per output folder (previous aside, new in).
MOVES = [f"move:{k}" for k in range(1, 8)]
AFTER_COMMIT = ["rmtree:1", "rmtree:3"]
DELAYS_MS = [500, 2500, 6000]
# By hand, ``DMP_SURVEY_REPEAT=20`` repeats the named-point kills and the two
# concurrency tests 20 times in one session (the runs of the fixture once);
# the suite runs each once.
REPEAT = range(int(os.environ.get("DMP_SURVEY_REPEAT", "1")))


def _trimmed_study(target: Path) -> Path:
    """The example study with its first two figures and first comparison."""
    shutil.copytree(EXAMPLE / "study", target)
    plan = (target / "plan.yaml").read_text(encoding="utf-8")
    head, rest = plan.split("  - variable: q3_doses\n", 1)
    rest = rest[rest.index("\n# The rows") :]
    rest = rest[: rest.index("  - id: by_activity\n")]
    (target / "plan.yaml").write_text(head + rest, encoding="utf-8")
    return target


def _command(study: Path, out: Path, lang: str) -> list[str]:
    export = EXAMPLE / "responses.csv"
    return ["run", str(export), "--study", str(study), "--out", str(out), "--lang", lang]


def _run(args: list[str]) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "dmp_survey", *args], capture_output=True, text=True, env=ENV, timeout=600
    )
    assert proc.returncode == 0, proc.stderr


def _outputs(root: Path) -> dict[str, str]:
    """sha256 of every file under the output folders (hidden ones included)."""
    found = {}
    for sub in OUTPUT_DIRS:
        for path in sorted((root / sub).rglob("*")):
            if path.is_file():
                found[path.relative_to(root).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def _consistent(root: Path) -> dict[str, str]:
    """The outputs, checked against their manifest: every listed file is there
    with its hash, and nothing else is (no staging debris among them)."""
    outputs = _outputs(root)
    manifest_rel = "data/processed/manifest.json"
    manifest = json.loads((root / manifest_rel).read_text(encoding="utf-8"))
    listed = manifest["outputs"]
    assert set(outputs) == set(listed) | {manifest_rel}, set(outputs) ^ (set(listed) | {manifest_rel})
    assert {rel: outputs[rel] for rel in listed} == listed
    return outputs


def _clean_after_recovery(root: Path) -> None:
    with locked(root):
        recover(root, OUTPUT_DIRS)
    assert sorted(p.name for p in root.iterdir()) == ["data", "figures", "reports"]
    assert [p.name for p in (root / "data").iterdir()] == ["processed"]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """A complete French run (the previous outputs) and a complete English
    run (what an uninterrupted run would publish), on the trimmed study."""
    base = tmp_path_factory.mktemp("crash")
    study = _trimmed_study(base / "study")
    fr, en = base / "fr", base / "en"
    _run(_command(study, fr, "fr"))
    _run(_command(study, en, "en"))
    return study, fr, _consistent(fr), _consistent(en)


def _check_after_kill(root: Path, previous: dict[str, str], new: dict[str, str]) -> str:
    """Previous outputs whole (or, once the commit is passed, the new ones);
    returns which."""
    if (root / JOURNAL).exists():
        # Killed inside the publication: what any next command does first.
        _clean_after_recovery(root)
        after = _consistent(root)
        assert after == previous
        return "previous, after recovery"
    after = _consistent(root)  # as left by the kill, before any recovery
    assert after in (previous, new)
    _clean_after_recovery(root)
    assert _consistent(root) == after
    return "previous" if after == previous else "new"


@pytest.mark.parametrize("repetition", REPEAT)
@pytest.mark.parametrize("point", STAGES + MOVES + AFTER_COMMIT)
def test_a_run_killed_at_a_named_point_leaves_complete_outputs(runs, tmp_path, point, repetition):
    study, fr, previous, new = runs
    root = tmp_path / "out"
    shutil.copytree(fr, root)
    proc = subprocess.run(
        [sys.executable, str(DRIVER), point, "kill", "--", *_command(study, root, "en")],
        capture_output=True,
        text=True,
        env=_killed_env(tmp_path),
        timeout=600,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    outcome = _check_after_kill(root, previous, new)
    assert outcome == ("new" if point in AFTER_COMMIT else outcome)
    if point in STAGES:
        assert outcome == "previous"


@pytest.mark.parametrize("delay_ms", DELAYS_MS)
def test_a_run_killed_after_a_delay_leaves_complete_outputs(runs, tmp_path, delay_ms):
    study, fr, previous, new = runs
    root = tmp_path / "out"
    shutil.copytree(fr, root)
    proc = subprocess.Popen(
        [sys.executable, "-m", "dmp_survey", *_command(study, root, "en")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=_killed_env(tmp_path),
    )
    time.sleep(delay_ms / 1000)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    _check_after_kill(root, previous, new)


def _waits_for_a_lock(pid: int) -> bool:
    """True when ``pid`` is blocked on a file lock (a ``->`` line of /proc/locks)."""
    for line in Path("/proc/locks").read_text().splitlines():
        fields = line.split()
        if "->" in fields and str(pid) in fields:
            return True
    return False


@pytest.mark.parametrize("repetition", REPEAT)
def test_a_second_run_waits_for_the_first_to_publish_whole(runs, tmp_path, repetition):
    # The first run is stopped in the middle of its publication (its data
    # folder swapped, its figures not yet); the second, on the same --out,
    # must not publish (nor roll the first back) until the first is done.
    study, fr, previous, _new = runs
    root = tmp_path / "out"
    shutil.copytree(fr, root)
    first = subprocess.Popen(
        [sys.executable, str(DRIVER), "move:4", "stop", "--", *_command(study, root, "en")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=ENV,
    )
    try:
        deadline = time.monotonic() + 600
        while not Path(f"/proc/{first.pid}/status").read_text().count("T (stopped)"):
            assert first.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        second = subprocess.Popen(
            [sys.executable, "-m", "dmp_survey", *_command(study, root, "fr")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=ENV,
        )
        while second.poll() is None and not _waits_for_a_lock(second.pid):
            assert time.monotonic() < deadline
            time.sleep(0.05)
    finally:
        first.send_signal(signal.SIGCONT)
    assert first.wait(timeout=600) == 0, first.stderr.read() if first.stderr else ""
    assert second.wait(timeout=600) == 0, second.stderr.read() if second.stderr else ""
    # The second published last, whole: the French outputs, byte for byte.
    assert _consistent(root) == previous
    assert sorted(p.name for p in root.iterdir()) == ["data", "figures", "reports"]


@pytest.mark.parametrize("repetition", REPEAT)
def test_two_runs_started_together_leave_one_of_them_whole(runs, tmp_path, repetition):
    study, _fr, previous, new = runs
    root = tmp_path / "out"
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "dmp_survey", *_command(study, root, lang)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=ENV,
        )
        for lang in ("fr", "en")
    ]
    for proc in procs:
        assert proc.wait(timeout=600) == 0, proc.stderr.read() if proc.stderr else ""
    assert _consistent(root) in (previous, new)
    assert sorted(p.name for p in root.iterdir()) == ["data", "figures", "reports"]
