"""The distributions dmp-survey runs on, as its installed metadata declares
them (pyproject.toml's ``dependencies``, extras left out): the manifest records
the version of each, so that a dependency added to pyproject.toml is recorded
without anyone remembering to list it."""

from __future__ import annotations

import re

__all__ = ["normalise", "runtime_dependencies"]


def normalise(name: str) -> str:
    """A distribution name as PEP 503 compares them (``PyYAML`` → ``pyyaml``)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def runtime_dependencies(distribution: str = "dmp-survey") -> list[str]:
    """The names of ``distribution``'s runtime requirements (no extras), in the
    order of its metadata; empty when it is not installed."""
    from importlib.metadata import PackageNotFoundError, requires

    try:
        declared = requires(distribution) or []
    except PackageNotFoundError:  # pragma: no cover - run from a bare source tree
        return []
    names = []
    for requirement in declared:
        name, _, marker = requirement.partition(";")
        if "extra" in marker:
            continue
        match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", name)
        if match:
            names.append(normalise(match.group(1)))
    return list(dict.fromkeys(names))
