"""The whole run: every stage wired in order, outputs staged and published
only when everything succeeded.

``analyse`` computes (no output file); ``write_outputs`` writes a finished
analysis under a root; ``run`` does both through a staging directory next to
the destination, so that a failure at any stage leaves the previous outputs
byte-identical.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from .config import DEFAULT_STUDY, OutputPaths
from .io.coding import CodedResponses
from .io.ingest import RawExport
from .io.validation import load_responses
from .memory import release
from .publication.check import PValueCheck, load_expected_mismatches, pvalue_check
from .publication.published import Published, Split, annex_view, published_counts, unprinted_splits
from .stats.counts import NumericSamples, count_by_group
from .study.codebook import Codebook
from .study.folder import Study, load_study
from .study.plan import AnalysisPlan

if TYPE_CHECKING:
    from concurrent.futures import Future

    from .outputs.docx import DocxDraft
    from .outputs.figure_jobs import Drawers, FigureJob
    from .stats.process import Statistician, Statistics

__all__ = [
    "ALL_PARTS",
    "OUTPUT_DIRS",
    "Analysis",
    "Inputs",
    "analyse",
    "changed_inputs",
    "check_published_counts",
    "load_inputs",
    "planned_outputs",
    "run",
    "sha256",
    "verify",
    "write_outputs",
]

# The directories `run` owns under its root, replaced as a whole.
OUTPUT_DIRS = (Path("data") / "processed", Path("figures"), Path("reports"))


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class Inputs:
    """Everything a run reads, loaded and validated."""

    raw_path: Path
    study: Study
    lang: str = "fr"
    sheet: str | None = None
    csv_dialect: str = "standard"

    @property
    def codebook(self) -> Codebook:
        return self.study.codebook

    @property
    def plan(self) -> AnalysisPlan:
        return self.study.plan

    @property
    def published(self) -> Published | None:
        return self.study.published

    @cached_property
    def expected(self) -> pd.DataFrame:
        """The committed list of unreproducible published p-values (read once)."""
        assert self.study.published is not None
        return load_expected_mismatches(self.study.published.directory)


def load_inputs(
    raw_path: Path,
    study_dir: Path = DEFAULT_STUDY,
    lang: str = "fr",
    sheet: str | None = None,
    csv_dialect: str = "standard",
) -> Inputs:
    """Load and check the study folder (before the export is read)."""
    from .io.csvdialect import check_csv_dialect

    return Inputs(
        raw_path=raw_path,
        study=load_study(study_dir),
        lang=lang,
        sheet=sheet,
        csv_dialect=check_csv_dialect(csv_dialect),
    )


@dataclass(frozen=True)
class Analysis:
    """The results of every stage, before anything is written.

    ``tables`` maps comparison id → table; ``check`` and ``audit`` are None
    when the study has no published values.
    """

    inputs: Inputs
    raw: RawExport
    coded: CodedResponses
    tables: dict[str, pd.DataFrame]
    check: PValueCheck | None
    descriptive: pd.DataFrame
    audit: pd.DataFrame | None
    numeric_tables: dict[str, pd.DataFrame]
    pairwise: dict[str, pd.DataFrame]
    numeric: pd.DataFrame
    dates: pd.DataFrame
    bins: dict[str, tuple[Any, Any]]


@dataclass(frozen=True)
class Described:
    """What the figures are drawn from: the descriptive tables of the export."""

    descriptive: pd.DataFrame
    numeric: pd.DataFrame
    bins: dict[str, tuple[Any, Any]]
    reconstructed: bool


def comparison_tables(
    coded: CodedResponses, plan: AnalysisPlan, codebook: Codebook
) -> tuple[dict[str, pd.DataFrame], dict[str, pd.DataFrame], dict[str, pd.DataFrame]]:
    """Every comparison of the plan: its categorical rows counted once per
    grouping and rows; (second dict, only for comparisons that have some) its
    numeric rows compared on their values; (third, by file stem ``ID_pairwise``)
    the pairwise post-hoc tests the plan asked for."""
    return comparisons_from_counts(*count_comparisons(coded, plan, codebook), plan, codebook)


Counted = tuple[dict[str, pd.DataFrame], dict[str, list[NumericSamples]]]


def count_comparisons(coded: CodedResponses, plan: AnalysisPlan, codebook: Codebook) -> Counted:
    """What :func:`comparisons_from_counts` needs of the answers' rows, by comparison
    id: the per-group counts of its categorical rows (comparisons sharing the
    plan's rows and grouping share one table: counted once), and the values
    of its numeric rows, if any (the part of :func:`comparison_tables` that
    reads the rows; no SciPy)."""
    from .stats.counts import numeric_samples
    from .study.plan import group_levels

    shared: dict[tuple[str, int], pd.DataFrame] = {}
    counted: dict[str, pd.DataFrame] = {}
    samples: dict[str, list[NumericSamples]] = {}
    for c in plan.comparisons:
        key = (c.group_variable, id(c.rows))
        if key not in shared:
            shared[key] = count_by_group(coded, c.rows, c.group_variable)
        counted[c.id] = shared[key]
        if any(r.numeric for r in c.rows):
            groups = [code for code, _ in group_levels(codebook, c.group_variable)]
            samples[c.id] = numeric_samples(coded.frame, c, codebook, groups)
    return counted, samples


def comparisons_from_counts(
    counted: dict[str, pd.DataFrame],
    samples: dict[str, list[NumericSamples]],
    plan: AnalysisPlan,
    codebook: Codebook,
) -> tuple[dict[str, pd.DataFrame], dict[str, pd.DataFrame], dict[str, pd.DataFrame]]:
    """:func:`comparison_tables` from what :func:`count_comparisons` took out
    of the rows (in the statistics process, :mod:`dmp_survey.stats.process`)."""
    from .stats.compare import (
        adjust_comparison,
        adjust_tables,
        all_groups_table,
        comparison_table,
        numeric_table_of,
        pairwise_table,
    )
    from .study.plan import group_is_ordered, group_levels

    tables: dict[str, pd.DataFrame] = {}
    numeric: dict[str, pd.DataFrame] = {}
    pairwise: dict[str, pd.DataFrame] = {}
    for c in plan.comparisons:
        counts = counted[c.id]
        groups = [code for code, _ in group_levels(codebook, c.group_variable)]
        if c.kind == "all_groups":
            ordered = group_is_ordered(codebook, c.group_variable)
            tables[c.id] = all_groups_table(counts, c, codebook, groups, ordered)
        else:
            tables[c.id] = comparison_table(counts, c, codebook)
        if c.id in samples:
            numeric[c.id] = numeric_table_of(samples[c.id], c)
            # One multiplicity family: every row of the comparison.
            adjust_comparison(tables[c.id], numeric[c.id])
        if c.posthoc is not None:
            pairwise[f"{c.id}_pairwise"] = pairwise_table(counts, c, codebook, groups, c.posthoc)
    joint = [c.id for c in plan.comparisons if c.family == "all_tables"]
    if joint:
        # The plan asked for one family across these tables.
        adjust_tables([tables[i] for i in joint], [numeric.get(i) for i in joint])
    return tables, numeric, pairwise


def _by_number(plan: AnalysisPlan, tables: dict[str, pd.DataFrame]) -> dict[int, pd.DataFrame]:
    """The published (numbered) comparisons' tables, keyed by their number."""
    return {c.number: tables[c.id] for c in annex_view(plan).annexes if c.number is not None}


def check_published_counts(inputs: Inputs) -> tuple[PValueCheck, list[Split]]:
    """The p-value check run directly on the published per-group counts."""
    from .stats.compare import comparison_table

    assert inputs.published is not None
    counts, splits = published_counts(inputs.published, inputs.plan, inputs.codebook)
    view = annex_view(inputs.plan)
    tables = {a.number: comparison_table(counts, a, inputs.codebook) for a in view.annexes}
    inferred = frozenset(s.variable for s in splits if s.solutions)
    check = pvalue_check(tables, inputs.published, inputs.expected, "published counts", inferred, inputs.lang)  # type: ignore[arg-type]
    return check, splits


def analyse(
    inputs: Inputs,
    described: Callable[[Described], None] | None = None,
    statistics: Statistics | None = None,
) -> Analysis:
    """Run every stage on the export; write nothing.

    ``described``, if given, is called with the descriptive tables as soon as
    they exist, before any comparison is computed (``run`` starts drawing the
    figures there). ``statistics``: where the intervals and tests are
    computed from the counts (:mod:`dmp_survey.stats.process`; by default in
    this process)."""
    from .stats.describe import (
        count_answers,
        describe_dates,
        describe_numeric,
        histogram_bins,
        with_intervals,
    )
    from .stats.process import InProcess

    stats = InProcess() if statistics is None else statistics

    raw, coded = load_responses(inputs.raw_path, inputs.codebook, inputs.sheet)
    # The raw answers are not needed once coded (only the export's headers,
    # warnings and provenance are): their rows are let go, which halves the
    # memory of a run on a large export.
    raw = dataclasses.replace(raw, frame=raw.frame.iloc[:0].copy())  # a copy: a slice keeps the rows alive
    # Each large stage's freed memory goes back to the system before the next
    # (dmp_survey.memory: 1.67 -> 0.71 GB held after coding 10^7 respondents).
    release()
    counts, numeric, bins = count_answers(coded), describe_numeric(coded), histogram_bins(coded)
    release()
    if described is not None:
        # The figures draw counts and percentages only: they start before
        # the intervals and tests are computed.
        described(Described(counts, numeric, bins, raw.reconstructed))
    # The intervals are computed while the comparisons' rows are counted here.
    stats.submit(with_intervals, counts)
    counted = count_comparisons(coded, inputs.plan, inputs.codebook)
    descriptive = stats.result()
    stats.submit(comparisons_from_counts, *counted, inputs.plan, inputs.codebook)
    tables, numeric_tables, pairwise = stats.result()
    del counted
    release()
    check = audit_frame = None
    if inputs.published is not None:
        from .publication.audit import audit

        numbered = _by_number(inputs.plan, tables)
        # On a reconstruction, the counts of rows with several unprinted
        # answers were fitted to the published p-values: the check says so.
        inferred = unprinted_splits(inputs.plan, inputs.codebook) if raw.reconstructed else frozenset()
        check = pvalue_check(numbered, inputs.published, inputs.expected, "export", inferred, inputs.lang)
        audit_frame = audit(
            inputs.published,
            coded,
            numbered,
            check,
            inputs.plan,
            inputs.codebook,
            raw.reconstructed,
            inputs.lang,
        )
        release()
    return Analysis(
        inputs=inputs,
        raw=raw,
        coded=coded,
        tables=tables,
        check=check,
        descriptive=descriptive,
        audit=audit_frame,
        numeric_tables=numeric_tables,
        pairwise=pairwise,
        numeric=numeric,
        dates=describe_dates(coded),
        bins=bins,
    )


def _processed_responses(coded: CodedResponses) -> pd.DataFrame:
    """The coded responses as written: a free-text answer becomes whether it
    was given (True/False), never its text; contact columns were never read."""
    from .study.codebook import QuestionType

    # A shallow copy with a fresh index (reset_index would copy every column:
    # 0.5 GB at 10^7 respondents); the free-text columns are replaced, never
    # written into.
    frame = coded.frame.copy(deep=False)
    frame.index = pd.RangeIndex(len(frame))
    for q in coded.codebook.questions:
        if q.type is QuestionType.FREE_TEXT and q.id in frame:
            frame[q.id] = frame[q.id].notna()
    return frame


ALL_PARTS = frozenset({"processed", "figures", "reports"})


def write_outputs(
    analysis: Analysis,
    root: Path,
    fail_at: str | None = None,
    parts: frozenset[str] = ALL_PARTS,
    progress: Callable[[str], None] | None = None,
    figures_started: tuple[FigureJob, Path] | None = None,
) -> list[Path]:
    """Write the outputs of ``analysis`` under ``root`` (DESIGN.md's layout).

    ``parts`` selects the output directories: ``processed`` (data/processed),
    ``figures``, ``reports``; the report needs the figures, which are then
    drawn into ``root`` even when not selected (the caller publishes only the
    selected directories). ``fail_at`` names a stage at which to raise (tests
    inject late failures through it to prove that nothing half-written is
    published). ``progress(stage)`` is called as each stage starts.
    ``figures_started`` is a figure job already drawing into another
    directory (see ``run``): its files are moved into ``root``'s figures.
    """
    from .io.csvdialect import csv_writer
    from .io.writers import write_parquet
    from .outputs.annex import label_columns, layouts_shared, write_comparisons_markdown
    from .outputs.workbook import write_workbook

    paths = OutputPaths(root)
    inputs = analysis.inputs
    written: list[Path] = []
    plain_csv = csv_writer(inputs.csv_dialect)  # every CSV of the run in its --csv dialect

    def write_csv(path: Path, frame: pd.DataFrame) -> Path:
        # Codes (tests, verdicts) stay; a label column in the run's language is added beside each.
        return plain_csv(path, label_columns(frame, inputs.lang))

    processed = "processed" in parts

    def stage(name: str, fn: Callable[[], Path | list[Path]]) -> None:
        if not processed and name not in ("figures", "report"):
            return
        if fail_at == name:
            raise RuntimeError(f"injected failure at stage '{name}'")
        if progress is not None:
            progress(name)
        result = fn()
        written.extend(result if isinstance(result, list) else [result])

    draws = "figures" in parts or "reports" in parts
    job, drawn_in = figures_started if figures_started is not None else (None, paths.figures)
    if draws and job is None:
        from .outputs.figure_jobs import start_figures

        # Figures depend on the descriptive table only: they are drawn on the
        # other core(s) while the tables are written.
        job = start_figures(
            analysis.descriptive,
            inputs.plan,
            inputs.codebook,
            paths.figures,
            lang=inputs.lang,
            reconstructed=analysis.raw.reconstructed,
            source=inputs.study.texts.source_name(inputs.lang),
            numeric=analysis.numeric,
            bins=analysis.bins,
        )
    # Each comparison laid out once for the workbook, Markdown, report and docx.
    shared = layouts_shared()
    shared.__enter__()
    # Files hashed on a thread of their own as soon as they are final: the
    # export and the study files (the provenance of the report and the
    # manifest), then each output the moment it is written. hashlib lets go
    # of the GIL while it digests a block, so at 10^6 answers the export
    # (0.3 GB) and the responses files are hashed beside the writing of the
    # other outputs rather than after it.
    from concurrent.futures import ThreadPoolExecutor

    hashing = ThreadPoolExecutor(1, thread_name_prefix="dmp-survey-sha256")
    digests: dict[Path, Future[str]] = {}

    def hashed(paths: list[Path]) -> list[Path]:
        for path in paths:
            digests[path] = hashing.submit(sha256, path)
        return paths

    provenance = (
        hashing.submit(_provenance, analysis, job.freetype if job is not None else None)
        if "reports" in parts or processed
        else None
    )
    try:
        responses = _processed_responses(analysis.coded)
        notice = _notice(analysis)

        def write_responses() -> list[Path]:
            # Parquet in a thread while the CSV is written: pyarrow lets go of
            # the GIL while it encodes, and each file takes seconds at 10^7
            # respondents (8 and 9 s on 2 cores, 10 s together).
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(1, thread_name_prefix="dmp-survey-parquet") as pool:
                parquet = pool.submit(write_parquet, paths.responses_parquet, responses)
                csv = write_csv(paths.responses_csv, responses)
                return hashed([parquet.result(), csv])

        stage("responses", write_responses)
        release()
        stage(
            "comparisons",
            lambda: (
                [write_csv(paths.comparison_csv(cid), t) for cid, t in analysis.tables.items()]
                + [
                    write_csv(paths.comparison_csv(f"{cid}_numeric"), t)
                    for cid, t in analysis.numeric_tables.items()
                ]
                + [write_csv(paths.comparison_csv(stem), t) for stem, t in analysis.pairwise.items()]
            ),
        )
        if analysis.tables:
            stage(
                "comparisons_xlsx",
                lambda: write_workbook(
                    paths.comparisons_xlsx,
                    analysis.tables,
                    inputs.plan,
                    inputs.codebook,
                    analysis.descriptive,
                    notice,
                    inputs.lang,
                    analysis.numeric_tables,
                ),
            )
            stage(
                "comparisons_md",
                lambda: write_comparisons_markdown(
                    paths.comparisons_md,
                    analysis.tables,
                    inputs.plan,
                    inputs.codebook,
                    notice,
                    inputs.lang,
                    analysis.numeric_tables,
                ),
            )
        check, audit_frame = analysis.check, analysis.audit
        if check is not None:
            stage("pvalue_check", lambda: write_csv(paths.pvalue_check_csv, check.frame))
        stage("descriptive", lambda: write_csv(paths.descriptive_csv, analysis.descriptive))
        if len(analysis.numeric):
            stage("numeric", lambda: write_csv(paths.processed / "numeric.csv", analysis.numeric))
        if len(analysis.dates):
            stage("dates", lambda: write_csv(paths.processed / "dates.csv", analysis.dates))
        if audit_frame is not None:
            stage("audit", lambda: write_csv(paths.audit_csv, audit_frame))
        figures: list[Path] = []

        def collect() -> list[Path]:
            assert job is not None
            for path in job.result():
                if drawn_in != paths.figures:  # drawn ahead, elsewhere: moved in place
                    target = paths.figures / path.relative_to(drawn_in)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.move(path, target)
                    path = target
                figures.append(path)
            return figures

        # Read once for the report and the manifest: hashing the export takes
        # 0.4 s at 10^6 answers, listing the libraries' versions 0.1 s.
        read = provenance.result() if provenance is not None else {}
        # The report and the Word document are laid out while the figures are
        # drawn (0.3 s at 64 answers, which the run would otherwise spend
        # after the last figure); their pictures go in once drawn.
        drawn = sorted(f.number for f in inputs.plan.figures) if job is not None else []
        page = _report_page(analysis, paths, drawn, read) if "reports" in parts else None
        draft = _docx_draft(analysis, drawn) if job is not None and processed else None
        if job is not None:
            stage("figures", collect)
        if page is not None:
            stage("report", lambda: _write_report(paths, page, figures))
        if draft is not None:
            stage("docx", lambda: _write_docx(draft, paths, figures))
        if processed:
            stage("manifest", lambda: _write_manifest(analysis, paths, written, read, digests))
    finally:
        hashing.shutdown(wait=True, cancel_futures=True)
        shared.__exit__(None, None, None)
        if job is not None:
            job.close()
    return written


def planned_outputs(study: Study, root: Path = Path()) -> dict[str, list[Path]]:
    """Every file ``run`` writes for ``study`` under ``root``, by part
    (``processed``, with the manifest last; ``figures``; ``reports``), known
    from the study folder alone, before any export is read: what the
    Makefile declares as the targets of ``make run`` and ``make figures``
    (``scripts/outputs_mk.py``). A test holds it equal to the manifest of a
    run of each shipped study."""
    from .outputs.figure_data import figure_files
    from .study.codebook import QuestionType

    paths = OutputPaths(root)
    plan, codebook = study.plan, study.codebook
    processed = [paths.responses_parquet, paths.responses_csv]
    processed += [paths.comparison_csv(c.id) for c in plan.comparisons]
    processed += [
        paths.comparison_csv(f"{c.id}_numeric") for c in plan.comparisons if any(r.numeric for r in c.rows)
    ]
    processed += [paths.comparison_csv(f"{c.id}_pairwise") for c in plan.comparisons if c.posthoc is not None]
    if plan.comparisons:
        processed += [paths.comparisons_xlsx, paths.comparisons_md]
    if study.published is not None:
        processed += [paths.pvalue_check_csv, paths.audit_csv]
    processed.append(paths.descriptive_csv)
    types = {q.type for q in codebook.questions}
    if QuestionType.NUMERIC in types:
        processed.append(paths.processed / "numeric.csv")
    if QuestionType.DATE in types:
        processed.append(paths.processed / "dates.csv")
    processed += [paths.processed / "results.docx", paths.manifest_json]
    figures = [
        f
        for figure in sorted(plan.figures, key=lambda f: f.number)
        for f in figure_files(paths.figures, figure.number)
    ]
    return {"processed": processed, "figures": figures, "reports": [paths.report_html]}


def _provenance(analysis: Analysis, freetype: Callable[[], str | None] | None = None) -> dict[str, object]:
    inputs = analysis.inputs
    published = inputs.published
    study = inputs.study
    return {
        "input": {"file": inputs.raw_path.name, "sha256": sha256(inputs.raw_path)},
        "study": {"id": study.id, "study.yaml": sha256(study.directory / "study.yaml")},
        "codebook": {"file": inputs.codebook.path.name, "sha256": sha256(inputs.codebook.path)},
        "analysis_plan": {"file": inputs.plan.path.name, "sha256": sha256(inputs.plan.path)},
        "published_values": {}
        if published is None
        else {p.name: sha256(p) for p in sorted(published.directory.glob("*.csv"))},
        "options": {"lang": inputs.lang, "sheet": inputs.sheet, "csv": inputs.csv_dialect},
        "versions": library_versions(freetype=freetype),
    }


def _report_page(
    analysis: Analysis, paths: OutputPaths, figures: list[int], provenance: dict[str, object]
) -> str:
    """The report page, each of ``figures`` (numbers) left to embed
    (:func:`_write_report`)."""
    from .outputs.figure_data import figure_files
    from .outputs.report import ReportData, render_report

    inputs = analysis.inputs
    data = ReportData(
        study=inputs.study,
        codebook=inputs.codebook,
        plan=inputs.plan,
        n_respondents=analysis.coded.n,
        input_name=inputs.raw_path.name,
        reconstructed=analysis.raw.reconstructed,
        descriptive=analysis.descriptive,
        figures=[(n, figure_files(paths.figures, n)[0]) for n in figures],
        tables=analysis.tables,
        numeric_tables=analysis.numeric_tables,
        numeric=analysis.numeric,
        check=analysis.check,
        audit=analysis.audit,
        provenance=provenance,
        lang=inputs.lang,
    )
    return render_report(data, embed=False)


def _write_report(paths: OutputPaths, page: str, figures: list[Path]) -> Path:
    from .io.writers import write_text
    from .outputs.report import embed_figures

    # The figures with their title (the report's captions repeat it as text).
    pngs = sorted(
        (int(p.stem.split("_")[1]), p) for p in figures if p.suffix == ".png" and p.parent == paths.figures
    )
    return write_text(paths.report_html, embed_figures(page, pngs))


def _docx_draft(analysis: Analysis, figures: list[int]) -> DocxDraft:
    from .outputs.docx import docx_draft

    inputs = analysis.inputs
    return docx_draft(
        study=inputs.study,
        codebook=inputs.codebook,
        plan=inputs.plan,
        n_respondents=analysis.coded.n,
        descriptive=analysis.descriptive,
        tables=analysis.tables,
        figures=figures,
        reconstructed=analysis.raw.reconstructed,
        lang=inputs.lang,
        numeric_tables=analysis.numeric_tables,
    )


def _write_docx(draft: DocxDraft, paths: OutputPaths, figures: list[Path]) -> Path:
    # The title-less pictures: the caption is the editable paragraph under each.
    words = [p for p in figures if p.suffix == ".png" and p.parent != paths.figures]
    numbered = sorted((int(p.stem.split("_")[1]), p) for p in words)
    return draft.write(paths.processed / "results.docx", numbered)


def _notice(analysis: Analysis) -> str:
    if not analysis.raw.reconstructed:
        return ""
    texts, lang = analysis.inputs.study.texts, analysis.inputs.lang
    if lang == "en":
        return (
            f"Reconstructed data: rebuilt from the published aggregates of {texts.source_name(lang)} "
            "(dmp-survey reconstruct)."
        )
    return (
        f"Données reconstituées à partir des agrégats publiés de {texts.source_name(lang)} "
        "(dmp-survey reconstruct)."
    )


def library_versions(
    extra: tuple[str, ...] = (), freetype: Callable[[], str | None] | None = None
) -> dict[str, str]:
    """Python, the package and its libraries (and ``extra`` distributions),
    with the FreeType matplotlib renders with: the manifest's provenance.
    ``freetype`` gives that version where matplotlib is imported elsewhere
    (the figure workers, :meth:`FigureJob.freetype`); None from it, or no
    ``freetype``, and it is read here."""
    import platform
    from importlib.metadata import PackageNotFoundError, version

    from .dependencies import runtime_dependencies

    out = {"python": platform.python_version()}
    for name in (
        "dmp-survey",
        "pandas",
        "numpy",
        "scipy",
        "statsmodels",
        "matplotlib",
        "openpyxl",
        "pyarrow",
        "typer",
        "pyyaml",
        "defusedxml",
        "python-calamine",
        "jsonschema",
        "markdown-it-py",
        "python-docx",
        # and whatever else pyproject.toml declares (its installed metadata; repeats collapse)
        *runtime_dependencies(),
        *extra,
    ):
        try:
            out[name] = version(name)
        except PackageNotFoundError:  # pragma: no cover
            out[name] = "not installed"
    drawn_with = freetype() if freetype is not None else None
    if drawn_with is not None:
        out["freetype (matplotlib)"] = drawn_with
        return out
    try:
        from matplotlib import ft2font

        out["freetype (matplotlib)"] = str(ft2font.__freetype_version__)
    except ImportError:  # pragma: no cover
        pass
    return out


def _write_manifest(
    analysis: Analysis,
    paths: OutputPaths,
    written: list[Path],
    provenance: dict[str, object],
    digests: Mapping[Path, Future[str]] | None = None,
) -> Path:
    """``digests``: outputs already being hashed (``write_outputs``)."""
    from .io.writers import write_json

    known = digests or {}
    manifest = {
        **provenance,
        "reconstructed_input": analysis.raw.reconstructed,
        "outputs": {
            str(p.relative_to(paths.root).as_posix()): known[p].result() if p in known else sha256(p)
            for p in sorted(written)
        },
    }
    return write_json(paths.manifest_json, manifest)


_PART_DIRS = {"processed": OUTPUT_DIRS[0], "figures": OUTPUT_DIRS[1], "reports": OUTPUT_DIRS[2]}


def _publish(staging: Path, root: Path, parts: frozenset[str] = ALL_PARTS) -> None:
    """Replace each selected output directory of ``root`` by its staged
    version (journaled: :mod:`dmp_survey.io.publish`)."""
    from .io.publish import publish

    publish(staging, root, [d for part, d in _PART_DIRS.items() if part in parts])


def run(
    inputs: Inputs,
    root: Path,
    fail_at: str | None = None,
    parts: frozenset[str] = ALL_PARTS,
    progress: Callable[[str], None] | None = None,
    pool: Drawers | None = None,
    statistics: Statistician | None = None,
) -> Analysis:
    """Analyse, write into a staging directory next to the outputs, publish.

    On any failure the staging directory is removed and the previous outputs
    are left as they were. ``parts`` limits what is written and replaced
    (``dmp-survey figures`` and ``report`` use it); ``progress(stage)`` is
    called as each stage starts. ``pool``: figure workers the caller forked
    earlier still (:func:`dmp_survey.outputs.figure_jobs.prepare`: the
    command line forks them before it imports pandas); ``run`` closes them.
    ``statistics``: the statistics process the caller forked
    (:func:`dmp_survey.stats.process.prepare`), closed by ``run`` once the
    statistics are computed; without it they are computed in this process.
    """
    from .io.paths import check_output_root

    draws = bool({"figures", "reports"} & parts)
    folders: list[Path] = []
    jobs: list[FigureJob] = []

    def draw(described: Described) -> None:
        # The figures need only the descriptive tables: they are drawn in
        # forked processes (which import matplotlib themselves) while the
        # comparisons are computed and the tables written. Into a private
        # temporary folder: nothing is written under the outputs before the
        # analysis has succeeded; the files are moved into the staging
        # folder when collected.
        import tempfile

        from .outputs.figure_jobs import start_figures

        folders.append(Path(tempfile.mkdtemp(prefix="dmp-survey-figures-")))
        jobs.append(
            start_figures(
                described.descriptive,
                inputs.plan,
                inputs.codebook,
                folders[0],
                lang=inputs.lang,
                reconstructed=described.reconstructed,
                source=inputs.study.texts.source_name(inputs.lang),
                numeric=described.numeric,
                bins=described.bins,
                pool=pool,
            )
        )

    try:
        check_output_root(root)  # before any analysis: an unusable --out is one line, exit 2
        if progress is not None:
            progress("analyse")
        if draws and pool is None:
            from .outputs.figure_jobs import prepare

            # The figure workers are forked now and import matplotlib on the
            # other core while this process reads and analyses the export.
            pool = prepare()
        analysis = analyse(inputs, described=draw if draws else None, statistics=statistics)
        if statistics is not None:  # done: its memory goes back before the outputs are written
            statistics.close()
        from .io.publish import locked, recover, staging_dir

        root.mkdir(parents=True, exist_ok=True)
        # One run at a time on a root; a run killed earlier is cleaned up first.
        with locked(root, progress):
            recover(root, OUTPUT_DIRS)
            staging = staging_dir(root)
            try:
                write_outputs(
                    analysis,
                    staging,
                    fail_at=fail_at,
                    parts=parts,
                    progress=progress,
                    figures_started=(jobs[0], folders[0]) if jobs else None,
                )
                if progress is not None:
                    progress("publish")
                _publish(staging, root, parts)
            finally:
                shutil.rmtree(staging, ignore_errors=True)
    finally:
        for job in jobs:
            job.close()
        if pool is not None:  # workers forked for figures never asked for (a failed run)
            pool.close()
        if statistics is not None:
            statistics.close()
        for folder in folders:
            shutil.rmtree(folder, ignore_errors=True)
    return analysis


def _study_changes(manifest: dict[str, Any], inputs: Inputs) -> list[str]:
    """The study files whose hash is not the one the manifest recorded."""
    study = inputs.study
    recorded: dict[str, str | None] = {
        "study.yaml": manifest.get("study", {}).get("study.yaml"),
        inputs.codebook.path.name: manifest.get("codebook", {}).get("sha256"),
        inputs.plan.path.name: manifest.get("analysis_plan", {}).get("sha256"),
    }
    now: dict[str, str | None] = {
        "study.yaml": sha256(study.directory / "study.yaml"),
        inputs.codebook.path.name: sha256(inputs.codebook.path),
        inputs.plan.path.name: sha256(inputs.plan.path),
    }
    published_then = manifest.get("published_values", {})
    published_now = (
        {}
        if inputs.published is None
        else {p.name: sha256(p) for p in sorted(inputs.published.directory.glob("*.csv"))}
    )
    for name in sorted(set(published_then) | set(published_now)):
        recorded[f"published/{name}"] = published_then.get(name)
        now[f"published/{name}"] = published_now.get(name)
    return [
        f"study file {name}: sha256 differs from the manifest's"
        for name in recorded
        if recorded[name] != now[name]
    ]


def _recover_if_writable(root: Path) -> None:
    """Before reading outputs: roll back a publication a killed run left half
    done (nothing to do, or nothing possible, in a folder this user cannot write)."""
    from .io.publish import JOURNAL, locked, recover

    if (root / JOURNAL).exists() and os.access(root, os.W_OK):
        with locked(root):
            recover(root, OUTPUT_DIRS)


def _read_manifest(root: Path) -> dict[str, Any]:
    import json

    from .errors import InputError

    manifest_path = OutputPaths(root).manifest_json
    try:
        manifest: dict[str, Any] = json.loads(manifest_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(manifest_path, "no manifest: run `dmp-survey run` first") from None
    except (OSError, ValueError) as exc:
        raise InputError(manifest_path, f"unreadable manifest ({exc.__class__.__name__})") from None
    return manifest


def changed_inputs(raw_path: Path, study_dir: Path, root: Path) -> list[str]:
    """The export and study files whose sha256 differs from the manifest's
    under ``root``, found before either is read as an export or a study: a
    tampered file is named even when it no longer parses (``verify`` then
    exits 1, not 2)."""
    from .io.ingest import detect_format

    _recover_if_writable(root)
    manifest = _read_manifest(root)
    detect_format(raw_path)  # a missing file, a directory, a FIFO: one line, exit 2
    problems = []
    if manifest.get("input", {}).get("sha256") != sha256(raw_path):
        problems.append(f"input {raw_path.name}: sha256 differs from the manifest's")
    codebook, plan = manifest.get("codebook", {}), manifest.get("analysis_plan", {})
    recorded = {
        "study.yaml": manifest.get("study", {}).get("study.yaml"),
        str(codebook.get("file", "codebook.yaml")): codebook.get("sha256"),
        str(plan.get("file", "plan.yaml")): plan.get("sha256"),
    }
    if (study_dir / "published").is_dir():  # elsewhere (study.yaml's published:), checked once loaded
        recorded.update({f"published/{n}": d for n, d in manifest.get("published_values", {}).items()})
    for name, digest in recorded.items():
        path = study_dir / name
        now = sha256(path) if path.is_file() else None
        if now != digest:
            problems.append(f"study file {name}: sha256 differs from the manifest's")
    return problems


def verify(inputs: Inputs, root: Path) -> list[str]:
    """Rerun into a temporary folder and compare with the manifest under ``root``.

    Returns one line per problem: an input whose hash is not the manifest's,
    an output missing or changed since its run, an output a fresh run does not
    reproduce byte for byte. Empty when everything is reproduced.
    """
    import json
    import tempfile

    _recover_if_writable(root)
    manifest = _read_manifest(root)
    problems = []
    if manifest["input"]["sha256"] != sha256(inputs.raw_path):
        problems.append(f"input {inputs.raw_path.name}: sha256 differs from the manifest's")
    problems += _study_changes(manifest, inputs)
    for rel, digest in manifest["outputs"].items():
        path = root / rel
        if not path.exists():
            problems.append(f"{rel}: missing")
        elif sha256(path) != digest:
            problems.append(f"{rel}: changed since the run (sha256 differs from the manifest)")
    with tempfile.TemporaryDirectory(prefix="dmp-survey-verify-") as tmp:
        run(inputs, Path(tmp))
        fresh = json.loads(OutputPaths(Path(tmp)).manifest_json.read_text(encoding="utf-8"))["outputs"]
    for rel, digest in manifest["outputs"].items():
        if fresh.get(rel) != digest:
            problems.append(f"{rel}: a fresh run gives different bytes")
    for rel in sorted(set(fresh) - set(manifest["outputs"])):
        problems.append(f"{rel}: written by a fresh run but not in the manifest")
    return problems
