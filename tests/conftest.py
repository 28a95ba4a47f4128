from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from dmp_survey.codebook import Codebook, load_codebook
from dmp_survey.config import DEFAULT_CODEBOOK


@pytest.fixture(scope="session")
def codebook() -> Codebook:
    return load_codebook(DEFAULT_CODEBOOK)
