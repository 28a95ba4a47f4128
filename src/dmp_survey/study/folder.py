"""A study is a folder (``docs/study-format.md``): ``study.yaml``,
``codebook.yaml``, ``plan.yaml`` and, optionally, ``published/``.

:func:`load_study` reads and checks all of it before any stage runs: each YAML
file against its JSON Schema (``schema/*.schema.json``, published so that an
editor can complete and check the files; validated with ``jsonschema``), then
the codebook, the plan against the codebook, and the published values against
the plan. The first mistake is raised as a :class:`~dmp_survey.errors.StudyError`
naming the file, line and key.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import PlanError, StudyError
from .codebook import Codebook, build_codebook
from .plan import AnalysisPlan, build_plan
from .yamlfile import YamlFile, read_yaml

if TYPE_CHECKING:
    from ..publication.published import Published

__all__ = ["SCHEMAS", "Study", "StudyTexts", "load_study", "schema", "validate_schema"]

SCHEMAS = ("study", "codebook", "plan")


@cache
def schema(name: str) -> dict[str, Any]:
    """The JSON Schema of ``study``, ``codebook`` or ``plan`` files."""
    text = (resources.files("dmp_survey.study") / "schema" / f"{name}.schema.json").read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def _describe(error: Any) -> str:
    # jsonschema's messages quote whole instances; one line wants the gist.
    validator = error.validator
    if validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        return f"missing key '{missing}'"
    if validator == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        allowed = ", ".join(sorted(error.schema.get("properties", {})))
        return f"unknown key '{extra[0] if extra else '?'}' (expected one of: {allowed})"
    if validator == "enum":
        allowed = ", ".join(map(str, error.validator_value))
        return f"'{error.instance}' is not allowed (expected one of: {allowed})"
    if validator == "type":
        expected = error.validator_value
        expected = " or ".join(expected) if isinstance(expected, list) else expected
        shown = str(error.instance)
        shown = shown if len(shown) <= 40 else shown[:39] + "…"
        return f"expected {expected}, found '{shown}'"
    if validator == "pattern":
        return f"'{error.instance}' does not match {error.validator_value}"
    if validator in ("minItems", "minLength", "minProperties"):
        return "must not be empty"
    if validator == "oneOf":
        return "expected " + (error.schema.get("description") or "one of the documented forms")
    return error.message if len(error.message) < 160 else error.message[:159] + "…"


def validate_schema(doc: YamlFile, name: str, kind: Callable[..., StudyError] = StudyError) -> None:
    """Raise at the first place where ``doc`` breaks its JSON Schema."""
    from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
    from jsonschema.exceptions import best_match  # type: ignore[import-untyped]

    validator = Draft202012Validator(schema(name))
    if doc.data is None:
        raise kind(doc.path, f"the file is empty (expected a {name} mapping)")
    errors = list(validator.iter_errors(doc.data))
    if not errors:
        return
    # The deepest error first: it is the one that says what is wrong where.
    error = best_match(errors, key=lambda e: (-len(e.path), e.validator != "oneOf"))
    key = tuple(error.path)
    if error.validator == "required" and "'" in error.message:
        key = (*key, error.message.split("'")[1])
    raise doc.error(key, _describe(error), kind)


@dataclass(frozen=True)
class StudyTexts:
    """The texts a study gives its outputs, in French and English."""

    title: Mapping[str, str]
    population: Mapping[str, str]
    methods: Mapping[str, Sequence[str]] = field(default_factory=dict)
    reconstructed_notice: Mapping[str, str] = field(default_factory=dict)
    source: Mapping[str, str] = field(default_factory=dict)

    def get(self, name: str, lang: str) -> str:
        value = getattr(self, name)
        return str(value.get(lang) or value.get("fr") or "")

    def source_name(self, lang: str) -> str:
        default = {"fr": "la publication", "en": "the publication"}
        return str(self.source.get(lang) or default[lang])


@dataclass(frozen=True)
class Study:
    """A loaded and checked study folder."""

    directory: Path
    id: str
    texts: StudyTexts
    codebook: Codebook
    plan: AnalysisPlan
    published: Published | None
    reconstruction: Path | None

    @property
    def files(self) -> list[Path]:
        """Every file of the study that the outputs depend on (for the manifest)."""
        found = [self.directory / "study.yaml", self.codebook.path, self.plan.path]
        if self.published is not None:
            found += sorted(p for p in self.published.directory.glob("*.csv"))
        return found


def _inside(doc: YamlFile, key: str, directory: Path) -> Path:
    """A path named in study.yaml, which must stay inside the study folder."""
    target = (directory / str(doc.data[key])).resolve()
    if not target.is_relative_to(directory.resolve()):
        raise doc.error((key,), f"'{doc.data[key]}' leaves the study folder (expected a path inside it)")
    return target


# Each comparison is a table of the report, a sheet of the workbook and a CSV,
# each figure a PNG and an SVG: a plan beyond these is a mistake (a generated
# plan gone wrong), refused before its schema is checked item by item (issue 19).
MAX_COMPARISONS = 200
MAX_FIGURES = 500


def _check_plan_size(doc: YamlFile) -> None:
    if not isinstance(doc.data, dict):
        return  # the schema says what is wrong
    for key, limit in (("comparisons", MAX_COMPARISONS), ("figures", MAX_FIGURES)):
        items = doc.data.get(key)
        if isinstance(items, list) and len(items) > limit:
            message = f"{len(items)} {key}; at most {limit} (each is a table or figure of its own)"
            raise doc.error((key,), message, PlanError)


def load_study(directory: Path) -> Study:
    """Read and check a study folder.

    Raises
    ------
    StudyError
        The first mistake found, as one line: file, line, key, what was expected.
    """
    if not directory.exists():
        raise StudyError(directory, "study folder not found")
    if not directory.is_dir():
        raise StudyError(directory, "expected a study folder (with study.yaml, codebook.yaml, plan.yaml)")
    meta = read_yaml(directory / "study.yaml", "study description")
    validate_schema(meta, "study")
    cb_doc = read_yaml(directory / "codebook.yaml", "codebook")
    from ..errors import CodebookError

    validate_schema(cb_doc, "codebook", CodebookError)
    codebook = build_codebook(cb_doc)
    plan_doc = read_yaml(directory / "plan.yaml", "analysis plan", PlanError)
    _check_plan_size(plan_doc)
    validate_schema(plan_doc, "plan", PlanError)
    plan = build_plan(plan_doc, codebook)

    texts_node = meta.data.get("texts") or {}
    texts = StudyTexts(
        title=meta.data["title"],
        population=meta.data["population"],
        methods=texts_node.get("methods") or {},
        reconstructed_notice=texts_node.get("reconstructed_notice") or {},
        source=texts_node.get("source") or {},
    )
    published = None
    if "published" in meta.data:
        published_dir = _inside(meta, "published", directory)
        if not published_dir.is_dir():
            raise meta.error(("published",), f"folder '{meta.data['published']}' not found in the study")
    else:
        published_dir = directory / "published"
    if published_dir.is_dir():
        from ..publication.published import check_against_plan, load_published

        published = load_published(published_dir)
        check_against_plan(published, plan, codebook)
    reconstruction = _inside(meta, "reconstruction", directory) if "reconstruction" in meta.data else None
    return Study(
        directory=directory,
        id=str(meta.data["id"]),
        texts=texts,
        codebook=codebook,
        plan=plan,
        published=published,
        reconstruction=reconstruction,
    )
