"""requirements.lock (issue 17): every dependency of pyproject.toml pinned with
hashes, at a version its specifier allows; `make install` uses it; the manifest
records the version of every runtime dependency."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from dmp_survey.dependencies import normalise
from dmp_survey.pipeline import library_versions

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
DECLARED = [
    Requirement(r)
    for r in [*PYPROJECT["project"]["dependencies"], *PYPROJECT["project"]["optional-dependencies"]["dev"]]
]
RELOCK = "pyproject.toml changed: run `make lock` and commit requirements.lock"


def _locked() -> dict[str, tuple[str, list[str]]]:
    """name → (version, hashes) of every pin of the lock."""
    text = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    pins: dict[str, tuple[str, list[str]]] = {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", text):
        match = re.match(r"([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)", block)
        if match:
            pins[normalise(match.group(1))] = (
                match.group(2),
                re.findall(r"--hash=sha256:([0-9a-f]{64})", block),
            )
    return pins


def test_the_lock_pins_every_line_with_hashes():
    pins = _locked()
    assert len(pins) > 30
    for name, (version, hashes) in pins.items():
        assert hashes, f"{name}=={version} has no hash"
    text = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    assert not re.search(r"^[A-Za-z0-9][^\n=]*(>=|<|~=|\s\\$)", text, re.MULTILINE)  # no unpinned line


@pytest.mark.parametrize("requirement", DECLARED, ids=lambda r: r.name)
def test_every_dependency_of_pyproject_is_pinned_in_the_lock(requirement):
    pins = _locked()
    name = normalise(requirement.name)
    assert name in pins, f"{requirement.name} is not in requirements.lock: {RELOCK}"
    version = pins[name][0]
    assert requirement.specifier.contains(version, prereleases=True), (
        f"{requirement.name}=={version} does not satisfy {requirement.specifier}: {RELOCK}"
    )


def test_the_makefile_installs_from_the_lock():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "$(STAMP): pyproject.toml $(LOCK)" in makefile
    assert "pip install --quiet --require-hashes -r $(LOCK)" in makefile
    assert "pip install --quiet --no-deps --no-build-isolation -e ." in makefile
    assert "\nlock:" in makefile


def test_the_manifest_records_every_runtime_dependency():
    versions = {normalise(k) for k in library_versions()}
    for requirement in PYPROJECT["project"]["dependencies"]:
        assert normalise(Requirement(requirement).name) in versions, requirement
