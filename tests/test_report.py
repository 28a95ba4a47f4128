"""The HTML report: parses, is self-contained, shows every figure and annex row."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from typer.testing import CliRunner

from dmp_survey.cli import app
from dmp_survey.config import DEFAULT_RAW
from dmp_survey.publication.published import annex_view

VOID = {"meta", "img", "br", "hr", "input", "link", "col", "area", "base", "source", "wbr"}


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.urls: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        for name in ("src", "href", "action", "data", "poster"):
            if attributes.get(name):
                self.urls.append(attributes[name])
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"unbalanced </{tag}> (open: {self.stack[-3:]})")
        else:
            self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


@pytest.fixture(scope="module")
def page(shipped_run):
    html = (shipped_run / "reports" / "report.html").read_text(encoding="utf-8")
    parser = _Collector()
    parser.feed(html)
    parser.close()
    return html, parser


def test_report_parses_with_balanced_tags(page):
    _, parser = page
    assert parser.errors == []
    assert parser.stack == []


def test_report_links_no_external_resource(page):
    html, parser = page
    for url in parser.urls:
        assert url.startswith(("data:image/png;base64,", "#")), url[:80]
    assert not any(tag in ("script", "link", "iframe", "object") for tag, _ in parser.tags)
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", html)
    assert "@import" not in html


def test_report_contains_every_figure(page, plan):
    _, parser = page
    images = [a for tag, a in parser.tags if tag == "img"]
    assert len(images) == 16
    text = " ".join(parser.text)
    for figure in plan.figures:
        assert figure.title("fr") in text
    ids = {a.get("id") for tag, a in parser.tags if tag == "figure"}
    assert ids == {f"figure-{n}" for n in range(1, 17)}


def test_report_contains_every_annex_row(page, plan):
    html, _ = page
    for annex in annex_view(plan).annexes:
        start = html.index(f'id="comparison-{annex.id}"')
        end = html.index("<h3", start + 1) if annex.number < 3 else html.index('id="check"')
        section = html[start:end]
        for row in annex_view(plan).rows:
            assert f"<td>{row.label['fr']}</td>" in section, (annex.number, row.variable)


def test_report_opens_with_the_reconstruction_notice(page):
    html, _ = page
    body = html[html.index("<body>") :]
    assert body.index('class="notice"') < body.index('id="methods"')
    assert "Données reconstituées" in body[: body.index('id="methods"')]


def test_report_has_the_erratum_and_provenance(page):
    html, _ = page
    for key in (
        "methods",
        "descriptive",
        "figures",
        "comparisons",
        "check",
        "erratum",
        "audit",
        "provenance",
    ):
        assert f'id="{key}"' in html
    assert "8/64 donnerait «\u00a012,5 %\u00a0»" in html  # an erratum line, the printed value quoted
    assert "sha256" in html


def test_report_in_english(tmp_path):
    result = CliRunner().invoke(app, ["report", str(DEFAULT_RAW), "--out", str(tmp_path), "--lang", "en"])
    assert result.exit_code == 0, result.output
    html = (tmp_path / "reports" / "report.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in html
    assert "Reconstructed data." in html
    assert "Figure 1: age of the study population" in html
