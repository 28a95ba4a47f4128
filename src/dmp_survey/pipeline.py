"""The whole run: every stage wired in order, outputs staged and published
only when everything succeeded.

``analyse`` computes (no output file); ``write_outputs`` writes a finished
analysis under a root; ``run`` does both through a staging directory next to
the destination, so that a failure at any stage leaves the previous outputs
byte-identical.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .publication.check import PValueCheck, load_expected_mismatches, pvalue_check
from .study.codebook import Codebook, load_codebook
from .io.coding import CodedResponses
from .config import DEFAULT_ANALYSIS_PLAN, DEFAULT_CODEBOOK, DEFAULT_PUBLISHED, OutputPaths
from .stats.counts import count_by_group
from .io.ingest import RawExport
from .study.plan import AnalysisPlan, load_plan
from .publication.published import Published, Split, load_published, published_counts, unprinted_splits
from .io.validation import load_responses

__all__ = [
    "ALL_PARTS",
    "OUTPUT_DIRS",
    "Analysis",
    "Inputs",
    "analyse",
    "check_published_counts",
    "load_inputs",
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
    codebook: Codebook
    plan: AnalysisPlan
    published: Published
    expected: pd.DataFrame
    lang: str = "fr"
    sheet: str | None = None


def load_inputs(
    raw_path: Path,
    codebook_path: Path = DEFAULT_CODEBOOK,
    plan_path: Path = DEFAULT_ANALYSIS_PLAN,
    published_dir: Path = DEFAULT_PUBLISHED,
    lang: str = "fr",
    sheet: str | None = None,
) -> Inputs:
    codebook = load_codebook(codebook_path)
    return Inputs(
        raw_path=raw_path,
        codebook=codebook,
        plan=load_plan(plan_path, codebook),
        published=load_published(published_dir),
        expected=load_expected_mismatches(published_dir),
        lang=lang,
        sheet=sheet,
    )


@dataclass(frozen=True)
class Analysis:
    """The results of every stage, before anything is written."""

    inputs: Inputs
    raw: RawExport
    coded: CodedResponses
    counts: pd.DataFrame
    tables: dict[int, pd.DataFrame]
    check: PValueCheck
    descriptive: pd.DataFrame
    audit: pd.DataFrame


def check_published_counts(inputs: Inputs) -> tuple[PValueCheck, list[Split]]:
    """The p-value check run directly on the published per-group counts."""
    from .stats.compare import annex_table

    counts, splits = published_counts(inputs.published, inputs.plan, inputs.codebook)
    tables = {a.number: annex_table(counts, inputs.plan, a, inputs.codebook) for a in inputs.plan.annexes}
    inferred = frozenset(s.variable for s in splits if s.solutions)
    check = pvalue_check(tables, inputs.published, inputs.expected, "published counts", inferred)
    return check, splits


def analyse(inputs: Inputs) -> Analysis:
    """Run every stage on the export; write nothing."""
    from .publication.audit import audit
    from .stats.compare import annex_table
    from .stats.describe import describe

    raw, coded = load_responses(inputs.raw_path, inputs.codebook, inputs.sheet)
    counts = count_by_group(coded, inputs.plan)
    tables = {a.number: annex_table(counts, inputs.plan, a, inputs.codebook) for a in inputs.plan.annexes}
    # On the reconstruction, the counts of C4's and C11's unprinted answers
    # were fitted to the published p-values: the check says so.
    inferred = unprinted_splits(inputs.plan, inputs.codebook) if raw.reconstructed else frozenset()
    check = pvalue_check(tables, inputs.published, inputs.expected, "export", inferred)
    return Analysis(
        inputs=inputs,
        raw=raw,
        coded=coded,
        counts=counts,
        tables=tables,
        check=check,
        descriptive=describe(coded),
        audit=audit(inputs.published, coded, tables, check, inputs.plan, inputs.codebook, raw.reconstructed),
    )


def _processed_responses(coded: CodedResponses) -> pd.DataFrame:
    frame = coded.frame.reset_index(drop=True)
    return frame


ALL_PARTS = frozenset({"processed", "figures", "reports"})


def write_outputs(
    analysis: Analysis,
    root: Path,
    fail_at: str | None = None,
    parts: frozenset[str] = ALL_PARTS,
) -> list[Path]:
    """Write the outputs of ``analysis`` under ``root`` (DESIGN.md's layout).

    ``parts`` selects the output directories: ``processed`` (data/processed),
    ``figures``, ``reports``; the report needs the figures, which are then
    drawn into ``root`` even when not selected (the caller publishes only the
    selected directories). ``fail_at`` names a stage at which to raise (tests
    inject late failures through it to prove that nothing half-written is
    published).
    """
    from .outputs.annex import write_annexes_markdown, write_annexes_xlsx
    from .io.writers import write_csv, write_parquet

    paths = OutputPaths(root)
    inputs = analysis.inputs
    written: list[Path] = []

    processed = "processed" in parts

    def stage(name: str, fn: Callable[[], Path | list[Path]]) -> None:
        if not processed and name not in ("figures", "report"):
            return
        if fail_at == name:
            raise RuntimeError(f"injected failure at stage '{name}'")
        result = fn()
        written.extend(result if isinstance(result, list) else [result])

    draws = "figures" in parts or "reports" in parts
    job = None
    if draws:
        from .outputs.figures import start_figures

        # Figures depend on the descriptive table only: they are drawn on the
        # other core(s) while the tables are written.
        job = start_figures(
            analysis.descriptive,
            inputs.plan,
            inputs.codebook,
            paths.figures,
            lang=inputs.lang,
            reconstructed=analysis.raw.reconstructed,
        )
    try:
        responses = _processed_responses(analysis.coded)
        notice = _notice(analysis)
        stage(
            "responses",
            lambda: [
                write_parquet(paths.responses_parquet, responses),
                write_csv(paths.responses_csv, responses),
            ],
        )
        stage("annexes", lambda: [write_csv(paths.annex_csv(n), t) for n, t in analysis.tables.items()])
        stage(
            "annexes_xlsx",
            lambda: write_annexes_xlsx(
                paths.annexes_xlsx, analysis.tables, inputs.plan, inputs.codebook, notice, inputs.lang
            ),
        )
        stage(
            "annexes_md",
            lambda: write_annexes_markdown(
                paths.annexes_md, analysis.tables, inputs.plan, inputs.codebook, notice, inputs.lang
            ),
        )
        stage("pvalue_check", lambda: write_csv(paths.pvalue_check_csv, analysis.check.frame))
        stage("descriptive", lambda: write_csv(paths.descriptive_csv, analysis.descriptive))
        stage("audit", lambda: write_csv(paths.audit_csv, analysis.audit))
        figures: list[Path] = []

        def collect() -> list[Path]:
            assert job is not None
            figures.extend(job.result())
            return figures

        if job is not None:
            stage("figures", collect)
        if "reports" in parts:
            stage("report", lambda: _write_report(analysis, paths, figures))
        if processed:
            stage("manifest", lambda: _write_manifest(analysis, paths, written))
    finally:
        if job is not None:
            job.close()
    return written


def _provenance(analysis: Analysis) -> dict[str, object]:
    inputs = analysis.inputs
    return {
        "input": {"file": inputs.raw_path.name, "sha256": sha256(inputs.raw_path)},
        "codebook": {"file": inputs.codebook.path.name, "sha256": sha256(inputs.codebook.path)},
        "analysis_plan": {"file": inputs.plan.path.name, "sha256": sha256(inputs.plan.path)},
        "published_values": {p.name: sha256(p) for p in sorted(inputs.published.directory.glob("*.csv"))},
        "options": {"lang": inputs.lang, "sheet": inputs.sheet},
        "versions": library_versions(),
    }


def _write_report(analysis: Analysis, paths: OutputPaths, figures: list[Path]) -> Path:
    from .outputs.report import ReportData, render_report
    from .io.writers import write_text

    inputs = analysis.inputs
    pngs = sorted((int(p.stem.split("_")[1]), p) for p in figures if p.suffix == ".png")
    data = ReportData(
        codebook=inputs.codebook,
        plan=inputs.plan,
        n_respondents=analysis.coded.n,
        input_name=inputs.raw_path.name,
        reconstructed=analysis.raw.reconstructed,
        descriptive=analysis.descriptive,
        figures=pngs,
        tables=analysis.tables,
        check=analysis.check,
        audit=analysis.audit,
        provenance=_provenance(analysis),
        lang=inputs.lang,
    )
    return write_text(paths.report_html, render_report(data))


def _notice(analysis: Analysis) -> str:
    if not analysis.raw.reconstructed:
        return ""
    if analysis.inputs.lang == "en":
        return "Reconstructed data: rebuilt from the thesis' published aggregates (dmp-survey reconstruct)."
    return "Données reconstituées à partir des agrégats publiés de la thèse (dmp-survey reconstruct)."


def library_versions(extra: tuple[str, ...] = ()) -> dict[str, str]:
    """Python, the package and its libraries (and ``extra`` distributions),
    with the FreeType matplotlib renders with: the manifest's provenance."""
    import platform
    from importlib.metadata import PackageNotFoundError, version

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
        *extra,
    ):
        try:
            out[name] = version(name)
        except PackageNotFoundError:  # pragma: no cover
            out[name] = "not installed"
    try:
        from matplotlib import ft2font

        out["freetype (matplotlib)"] = str(ft2font.__freetype_version__)
    except ImportError:  # pragma: no cover
        pass
    return out


def _write_manifest(analysis: Analysis, paths: OutputPaths, written: list[Path]) -> Path:
    from .io.writers import write_json

    manifest = {
        **_provenance(analysis),
        "reconstructed_input": analysis.raw.reconstructed,
        "outputs": {str(p.relative_to(paths.root).as_posix()): sha256(p) for p in sorted(written)},
    }
    return write_json(paths.manifest_json, manifest)


_PART_DIRS = {"processed": OUTPUT_DIRS[0], "figures": OUTPUT_DIRS[1], "reports": OUTPUT_DIRS[2]}


def _publish(staging: Path, root: Path, parts: frozenset[str] = ALL_PARTS) -> None:
    """Replace each selected output directory of ``root`` by its staged
    version, restoring the previous ones if any move fails."""
    moved: list[tuple[Path, Path | None]] = []
    token = staging.name
    try:
        for sub in (d for part, d in _PART_DIRS.items() if part in parts):
            new = staging / sub
            target = root / sub
            backup = None
            if target.exists():
                backup = target.with_name(f".{target.name}.old-{token}")
                target.rename(backup)
            moved.append((target, backup))
            if new.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                new.rename(target)
    except OSError:
        for target, backup in reversed(moved):
            if target.exists():
                shutil.rmtree(target)
            if backup is not None:
                backup.rename(target)
        raise
    for _target, backup in moved:
        if backup is not None:
            shutil.rmtree(backup, ignore_errors=True)


def run(
    inputs: Inputs, root: Path, fail_at: str | None = None, parts: frozenset[str] = ALL_PARTS
) -> Analysis:
    """Analyse, write into a staging directory next to the outputs, publish.

    On any failure the staging directory is removed and the previous outputs
    are left as they were. ``parts`` limits what is written and replaced
    (``dmp-survey figures`` and ``report`` use it).
    """
    analysis = analyse(inputs)
    root.mkdir(parents=True, exist_ok=True)
    staging = root / f".dmp-survey-staging-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        write_outputs(analysis, staging, fail_at=fail_at, parts=parts)
        _publish(staging, root, parts)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return analysis


def verify(inputs: Inputs, root: Path) -> list[str]:
    """Rerun into a temporary folder and compare with the manifest under ``root``.

    Returns one line per problem: an input whose hash is not the manifest's,
    an output missing or changed since its run, an output a fresh run does not
    reproduce byte for byte. Empty when everything is reproduced.
    """
    import json
    import tempfile

    paths = OutputPaths(root)
    manifest_path = paths.manifest_json
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        from .errors import InputError

        raise InputError(manifest_path, "no manifest: run `dmp-survey run` first") from None
    problems = []
    if manifest["input"]["sha256"] != sha256(inputs.raw_path):
        problems.append(f"input {inputs.raw_path.name}: sha256 differs from the manifest's")
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
