"""`dmp-survey run`: the output contract, same bytes every run, nothing half-written."""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from file_hashes import file_hashes
from typer.testing import CliRunner

from dmp_survey.cli import app
from dmp_survey.config import DEFAULT_RAW
from dmp_survey.pipeline import load_inputs, run

runner = CliRunner()

CONTRACT = [
    "data/processed/responses.parquet",
    "data/processed/responses.csv",
    "data/processed/descriptive.csv",
    "data/processed/annex_1.csv",
    "data/processed/annex_2.csv",
    "data/processed/annex_3.csv",
    "data/processed/by_usage_group.csv",
    "data/processed/by_usage_group_pairwise.csv",
    "data/processed/comparisons.xlsx",
    "data/processed/comparisons.md",
    "data/processed/pvalue_check.csv",
    "data/processed/audit.csv",
    "data/processed/results.docx",
    "data/processed/manifest.json",
    "reports/report.html",
    *[f"figures/figure_{n:02d}.{ext}" for n in range(1, 17) for ext in ("png", "svg", "pdf")],
    *[f"figures/word/figure_{n:02d}.png" for n in range(1, 17)],
]


def test_run_writes_every_output_of_the_contract(shipped_run):
    files = set(file_hashes(shipped_run))
    assert files == set(CONTRACT)


def test_csv_columns_follow_design(shipped_run):
    processed = shipped_run / "data" / "processed"
    descriptive = pd.read_csv(processed / "descriptive.csv")
    assert list(descriptive.columns) == [
        "variable",
        "level",
        "n",
        "denominator",
        "percent",
        "ci_low",
        "ci_high",
    ]
    annex = pd.read_csv(processed / "annex_2.csv")
    assert list(annex.columns[:8]) == [
        "variable",
        "level",
        "n_focal",
        "pct_focal",
        "n_other",
        "pct_other",
        "p_value",
        "test",
    ]
    check = pd.read_csv(processed / "pvalue_check.csv")
    assert list(check.columns[:6]) == ["annex", "variable", "published", "recomputed", "test", "status"]
    audit = pd.read_csv(processed / "audit.csv")
    assert list(audit.columns[:5]) == ["location", "claim", "published", "recomputed", "status"]
    responses = pd.read_parquet(processed / "responses.parquet")
    assert len(responses) == 64 and "contact" not in responses
    assert {"respondent_id", "timestamp", "a1_age", "c12_daily_future", "usage_group"} <= set(responses)


def test_two_runs_into_two_folders_give_identical_bytes(shipped_run, tmp_path):
    other = tmp_path / "second"
    result = runner.invoke(app, ["run", str(DEFAULT_RAW), "--out", str(other)])
    assert result.exit_code == 0, result.output
    assert file_hashes(other) == file_hashes(shipped_run)


def test_manifest_records_inputs_versions_and_every_output(shipped_run):
    manifest = json.loads((shipped_run / "data/processed/manifest.json").read_text(encoding="utf-8"))
    assert manifest["input"]["sha256"] == hashlib.sha256(DEFAULT_RAW.read_bytes()).hexdigest()
    assert set(manifest["outputs"]) == set(CONTRACT) - {"data/processed/manifest.json"}
    for rel, digest in manifest["outputs"].items():
        assert hashlib.sha256((shipped_run / rel).read_bytes()).hexdigest() == digest
    assert {"python", "pandas", "scipy", "statsmodels", "matplotlib", "freetype (matplotlib)"} <= set(
        manifest["versions"]
    )
    assert {"codebook", "analysis_plan", "published_values", "options"} <= set(manifest)
    assert str(shipped_run) not in json.dumps(manifest)  # the output folder is not an option


def test_raw_input_is_read_only(tmp_path):
    raw = tmp_path / "in" / "responses.xlsx"
    raw.parent.mkdir()
    shutil.copy(DEFAULT_RAW, raw)
    before = raw.read_bytes()
    result = runner.invoke(app, ["figures", str(raw), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert raw.read_bytes() == before
    assert [p.name for p in raw.parent.iterdir()] == ["responses.xlsx"]


@pytest.mark.parametrize("stage", ["comparisons_xlsx", "figures", "report", "manifest"])
def test_a_late_failure_leaves_previous_outputs_byte_identical(shipped_run, tmp_path, stage):
    root = tmp_path / "root"
    shutil.copytree(shipped_run, root)
    before = file_hashes(root)
    with pytest.raises(RuntimeError, match=f"injected failure at stage '{stage}'"):
        run(load_inputs(DEFAULT_RAW), root, fail_at=stage)
    assert file_hashes(root) == before
    assert sorted(p.name for p in root.iterdir()) == ["data", "figures", "reports"]


def test_verify_reports_an_output_that_changed(shipped_run, tmp_path):
    root = tmp_path / "root"
    shutil.copytree(shipped_run, root)
    ok = runner.invoke(app, ["verify", str(DEFAULT_RAW), "--out", str(root)])
    assert ok.exit_code == 0, ok.output
    with (root / "data/processed/annex_1.csv").open("a") as fh:
        fh.write("tampered\n")
    bad = runner.invoke(app, ["verify", str(DEFAULT_RAW), "--out", str(root)])
    assert bad.exit_code == 1
    assert "data/processed/annex_1.csv: changed since the run" in bad.stdout


def test_figures_command_writes_figures_only(tmp_path):
    result = runner.invoke(app, ["figures", str(DEFAULT_RAW), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert [p.name for p in tmp_path.iterdir()] == ["figures"]
    assert len(list((tmp_path / "figures").glob("figure_*.png"))) == 16


def test_figure_workers_forked_at_the_start_are_gone_after_a_run_and_after_a_failure(tmp_path, monkeypatch):
    # The figure workers are forked before the export is read (they import
    # matplotlib meanwhile); a run that succeeds, or fails before any figure
    # is asked for, leaves none of them behind.
    import multiprocessing

    from dmp_survey.errors import InputError
    from dmp_survey.outputs import figure_jobs

    pools = []
    real = figure_jobs.prepare
    monkeypatch.setattr(figure_jobs, "prepare", lambda *a: pools.append(real(2)) or pools[-1])
    run(load_inputs(DEFAULT_RAW), tmp_path / "ok")
    assert pools and pools[0] is not None  # workers were forked early
    assert multiprocessing.active_children() == []
    assert not _group_alive(pools[0].pgid)  # nor the workers the first forked
    bad = tmp_path / "bad.csv"
    bad.write_text("nothing,we,know\n1,2,3\n", encoding="utf-8")
    with pytest.raises(InputError):
        run(load_inputs(bad), tmp_path / "failed")
    assert len(pools) == 2
    assert multiprocessing.active_children() == []
    assert not _group_alive(pools[1].pgid)
    assert not (tmp_path / "failed" / "figures").exists()


def _group_alive(pgid):
    import os
    import time

    deadline = time.monotonic() + 10  # SIGKILL is delivered at once, the kernel reaps soon after
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return False
        time.sleep(0.05)
    return True


def _members(pgid):
    import os

    members = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.getpgid(int(entry)) == pgid:
                    members.append(int(entry))
            except OSError:
                pass
    return members


def test_a_figure_failing_in_any_worker_fails_the_run_and_leaves_no_worker(tmp_path, monkeypatch):
    # The second worker is forked by the first: a figure failing in either
    # is raised in the caller, and every worker is gone after it.
    import multiprocessing

    from dmp_survey.outputs import figure_jobs, figures

    real = figures.draw_figure

    def render(data, out_dir):
        if data.number in (3, 14):
            raise ValueError(f"figure {data.number} cannot be drawn")
        return real(data, out_dir)

    monkeypatch.setattr(figures, "draw_figure", render)
    pools = []
    real_prepare = figure_jobs.prepare
    monkeypatch.setattr(figure_jobs, "prepare", lambda *a: pools.append(real_prepare(2)) or pools[-1])
    with pytest.raises(ValueError, match="figure 3 cannot be drawn"):
        run(load_inputs(DEFAULT_RAW), tmp_path / "out")
    assert multiprocessing.active_children() == []
    assert not _group_alive(pools[0].pgid)
    assert not (tmp_path / "out" / "figures").exists()


def test_closing_the_figure_workers_while_they_draw_kills_them_all(monkeypatch):
    import time

    from dmp_survey.outputs import figure_jobs

    monkeypatch.setattr(figure_jobs, "_render", lambda *a: time.sleep(60))
    drawers = figure_jobs.Drawers(2)
    drawers.draw([(i,) for i in range(4)])
    deadline = time.monotonic() + 30
    while len(_members(drawers.pgid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(_members(drawers.pgid)) == 2  # both workers are drawing (sleeping)
    import os

    # Both yield the processor to the run (a higher niceness than the caller's).
    mine = os.getpriority(os.PRIO_PROCESS, 0)
    assert all(os.getpriority(os.PRIO_PROCESS, pid) > mine for pid in _members(drawers.pgid)) or mine == 19
    started = time.monotonic()
    drawers.close()
    assert time.monotonic() - started < 10
    assert not _group_alive(drawers.pgid)


def test_figure_workers_tell_their_freetype_version_and_none_once_stopped(monkeypatch):
    from matplotlib import ft2font

    from dmp_survey.outputs import figure_jobs

    monkeypatch.setattr(figure_jobs, "_render", lambda index: [Path(f"figure_{index}")])
    drawers = figure_jobs.Drawers(2)
    try:
        assert drawers.freetype() == str(ft2font.__freetype_version__)
        drawers.draw([(0,), (1,), (2,)])
        assert drawers.result() == [[Path("figure_0")], [Path("figure_1")], [Path("figure_2")]]
    finally:
        drawers.close()

    def fail():
        raise OSError("no matplotlib here")

    monkeypatch.setattr(figure_jobs, "_warm", fail)
    drawers = figure_jobs.Drawers(2)
    try:
        assert drawers.freetype() is None  # stopped before it was warm
        with pytest.raises(RuntimeError, match="the figure workers stopped"):
            drawers.result()
    finally:
        drawers.close()


def test_a_run_hashes_the_export_once(tmp_path, monkeypatch):
    # The report and the manifest both print the export's sha256 (0.4 s to
    # compute at 10^6 answers): one provenance, read once per run.
    from dmp_survey import pipeline

    calls = []
    real = pipeline.sha256
    monkeypatch.setattr(pipeline, "sha256", lambda p: calls.append(p) or real(p))
    run(load_inputs(DEFAULT_RAW), tmp_path / "out")
    assert calls.count(DEFAULT_RAW) == 1
    manifest = json.loads((tmp_path / "out" / "data" / "processed" / "manifest.json").read_text())
    assert manifest["input"]["sha256"] == real(DEFAULT_RAW)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_figure_workers_die_with_a_run_killed_outright(tmp_path):
    # A run killed with SIGKILL cannot close its workers: they are killed
    # with it (both of them: the second was forked by the first) instead of
    # drawing on for figures nobody will collect.
    import os
    import signal
    import subprocess
    import time

    script = tmp_path / "parent.py"
    script.write_text(
        "import sys, time\n"
        "from dmp_survey.outputs import figure_jobs\n"
        "figure_jobs._render = lambda *a: time.sleep(120)\n"
        "drawers = figure_jobs.Drawers(2)\n"
        "drawers.draw([(i,) for i in range(4)])\n"
        "print(drawers.pgid, flush=True)\n"
        "time.sleep(120)\n",
        encoding="utf-8",
    )
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        pgid = int(parent.stdout.readline())
        deadline = time.monotonic() + 60
        while len(_members(pgid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(_members(pgid)) == 2  # both drawing
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(timeout=10)
        assert not _group_alive(pgid)
    finally:
        if parent.poll() is None:
            parent.kill()
        parent.stdout.close()


def test_report_and_word_document_are_laid_out_while_the_figures_are_drawn(tmp_path, monkeypatch):
    # Only the pictures wait for the figures: the page and the document are laid out first, and
    # the run's outputs are those of a report rendered whole.
    from dmp_survey import pipeline
    from dmp_survey.outputs import figure_jobs, report

    events = []
    for name in ("_report_page", "_docx_draft"):
        real = getattr(pipeline, name)
        monkeypatch.setattr(pipeline, name, lambda *a, _r=real, _n=name: events.append(_n) or _r(*a))
    real_result = figure_jobs.FigureJob.result
    collect = lambda self: events.append("figures") or real_result(self)  # noqa: E731
    monkeypatch.setattr(figure_jobs.FigureJob, "result", collect)
    run(load_inputs(DEFAULT_RAW), tmp_path / "out")
    assert events == ["_report_page", "_docx_draft", "figures"]
    page = (tmp_path / "out" / "reports" / "report.html").read_text(encoding="utf-8")
    assert "\x00" not in page and page.count('src="data:image/png;base64,iVBOR') == 16
    with pytest.raises(ValueError, match="figure 3"):
        report.embed_figures("no place", [(3, tmp_path / "figure_03.png")])


def test_word_document_draft_takes_the_pictures_it_was_laid_out_for(tmp_path):
    import dataclasses

    from dmp_survey.outputs.docx import docx_draft

    inputs = load_inputs(DEFAULT_RAW)
    draft = docx_draft(
        study=inputs.study,
        codebook=inputs.codebook,
        plan=dataclasses.replace(inputs.plan, comparisons=()),
        n_respondents=0,
        descriptive=pd.DataFrame(columns=["variable", "level", "n", "denominator", "percent"]),
        tables={},
        figures=[1, 2],
    )
    with pytest.raises(ValueError, match=r"figures \[1\] are not the draft's \[1, 2\]"):
        draft.write(tmp_path / "results.docx", [(1, tmp_path / "figure_01.png")])
    assert not (tmp_path / "results.docx").exists()


def test_figure_workers_take_the_costliest_figures_first_and_return_them_in_order(tmp_path, monkeypatch):
    # Drawn in the order given (the costliest first: a costly figure taken last kept one worker
    # busy while the other had nothing left), returned in the figures' own order.
    from dmp_survey.outputs import figure_jobs
    from dmp_survey.outputs.figure_data import FigureData

    log = tmp_path / "taken.txt"

    def render(index, _out):
        # Taking a figure and writing it down are two steps: without a wait, one worker could take
        # and log its second figure before the other logged its first (CI saw {0, 4}). Each figure
        # waits until two are written down, so the first two lines are the first two taken.
        with log.open("a") as fh:
            fh.write(f"{index}\n")
        deadline = time.monotonic() + 10
        while len(log.read_text().split()) < 2 and time.monotonic() < deadline:
            time.sleep(0.005)
        return [Path(f"figure_{index}")]

    monkeypatch.setattr(figure_jobs, "_render", render)
    order = [3, 0, 4, 1, 2]
    job = figure_jobs.FigureJob([(i, None) for i in range(5)], 2, order=order)
    assert job.result() == [Path(f"figure_{i}") for i in range(5)]
    taken = [int(line) for line in log.read_text().split()]
    assert sorted(taken) == list(range(5)) and set(taken[:2]) == {3, 0}
    with pytest.raises(ValueError, match="permutation"):
        figure_jobs.FigureJob([(0, None), (1, None)], 1, order=[0, 0])

    def data(n_answers, horizontal):
        return FigureData(
            number=1, variable="x", lang="en", title="t", subtitle="s", codes=("a",) * n_answers,
            labels=("a",) * n_answers, counts=(1,) * n_answers, percents=(1.0,) * n_answers,
            denominator=n_answers, missing=0, horizontal=horizontal, ordered=False, anchors=None,
            published=True, note=None, missing_note=None, footer=None,
        )  # fmt: skip

    assert figure_jobs._texts_drawn(data(4, True)) > figure_jobs._texts_drawn(data(4, False))
    assert figure_jobs._texts_drawn(data(4, False)) > figure_jobs._texts_drawn(data(2, False))
