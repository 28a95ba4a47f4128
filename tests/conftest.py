from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from dmp_survey.config import DEFAULT_ANALYSIS_PLAN, DEFAULT_CODEBOOK, DEFAULT_PUBLISHED
from dmp_survey.publication.published import Published, load_published
from dmp_survey.study.codebook import Codebook, load_codebook
from dmp_survey.study.plan import AnalysisPlan, load_plan


@pytest.fixture(scope="session")
def codebook() -> Codebook:
    return load_codebook(DEFAULT_CODEBOOK)


@pytest.fixture(scope="session")
def plan(codebook: Codebook) -> AnalysisPlan:
    return load_plan(DEFAULT_ANALYSIS_PLAN, codebook)


@pytest.fixture(scope="session")
def published() -> Published:
    return load_published(DEFAULT_PUBLISHED)


@pytest.fixture(scope="session")
def shipped_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`dmp-survey run data/raw/responses.xlsx --out ROOT` once for the session."""
    from typer.testing import CliRunner

    from dmp_survey.cli import app
    from dmp_survey.config import DEFAULT_RAW

    root = tmp_path_factory.mktemp("run")
    result = CliRunner().invoke(app, ["run", str(DEFAULT_RAW), "--out", str(root)])
    assert result.exit_code == 0, result.output
    return root


@pytest.fixture(scope="session")
def english_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`dmp-survey run data/raw/responses.xlsx --out ROOT --lang en` once for the session."""
    from dmp_survey.config import DEFAULT_RAW
    from dmp_survey.pipeline import load_inputs, run

    root = tmp_path_factory.mktemp("run-en")
    run(load_inputs(DEFAULT_RAW, lang="en"), root)
    return root


@pytest.fixture(scope="session")
def example_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The example study (examples/pharmacists) run in French and English, once per session."""
    from typer.testing import CliRunner

    from dmp_survey.cli import app

    example = Path(__file__).resolve().parents[1] / "examples" / "pharmacists"
    roots = {}
    for lang in ("fr", "en"):
        root = tmp_path_factory.mktemp(f"example-{lang}")
        result = CliRunner().invoke(
            app,
            [
                *("run", str(example / "responses.csv"), "--study", str(example / "study")),
                *("--out", str(root), "--lang", lang),
            ],
        )
        assert result.exit_code == 0, result.output
        roots[lang] = root
    return roots
