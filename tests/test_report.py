"""The HTML report: parses, is self-contained, shows every figure and annex row;
accessible (axe-core: no WCAG 2.2 A/AA violation, no best-practice one), fits a
phone, prints on A4 without cutting a table row. The Chromium checks
(scripts/report_check.py) skip, saying why, where Chromium, pdftotext or
axe-core is missing: `make report-check` fetches axe-core."""

from __future__ import annotations

import importlib.util
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

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


ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "pharmacists"


@pytest.fixture(scope="module")
def reports(shipped_run, tmp_path_factory):
    """The DMP report (fr, en) and the example study's (fr, en)."""
    out = {"dmp-fr": shipped_run / "reports" / "report.html"}
    for name, raw, study, lang in (
        ("dmp-en", DEFAULT_RAW, None, "en"),
        ("example-fr", EXAMPLE / "responses.csv", EXAMPLE / "study", "fr"),
        ("example-en", EXAMPLE / "responses.csv", EXAMPLE / "study", "en"),
    ):
        root = tmp_path_factory.mktemp(name)
        args = ["report", str(raw), "--out", str(root), "--lang", lang]
        if study is not None:
            args += ["--study", str(study)]
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 0, result.output
        out[name] = root / "reports" / "report.html"
    return out


def test_report_in_english(reports):
    html = reports["dmp-en"].read_text(encoding="utf-8")
    assert '<html lang="en">' in html
    assert "Reconstructed data." in html
    assert "Figure 1: age of the study population" in html


# --- structure a screen reader, a phone and a printer rely on ------------------------


def test_every_table_has_a_header_row_with_scoped_named_columns(reports):
    for name, path in reports.items():
        parser = _Collector()
        parser.feed(path.read_text(encoding="utf-8"))
        tags = [t for t, _ in parser.tags]
        assert tags.count("table") == tags.count("thead") == tags.count("tbody") > 3, name
        headers = [a for t, a in parser.tags if t == "th"]
        assert headers and all(a.get("scope") == "col" for a in headers), name
    html = reports["dmp-fr"].read_text(encoding="utf-8")
    assert '<th scope="col"></th>' not in html and '<th scope="col" class="split"></th>' not in html


def test_landmarks_language_and_viewport(reports):
    for name, path in reports.items():
        html = path.read_text(encoding="utf-8")
        lang = name.split("-")[1]
        assert f'<html lang="{lang}">' in html
        assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
        for landmark in ("<header>", "<nav aria-label=", "<main>"):
            assert html.count(landmark) == 1, (name, landmark)
        # every wide table scrolls in a focusable, named region
        assert html.count('<div class="scroll" role="region" tabindex="0" aria-label="') == html.count(
            "<table>"
        )


def test_print_css_for_a4(page):
    html, _ = page
    css = html[html.index("<style>") : html.index("</style>")]
    for rule in (
        "@page{size:A4;",
        "@page wide{size:A4 landscape;",
        "section+section{break-before:page}",
        "thead{display:table-header-group}",
        "tr,th,td{break-inside:avoid}",
        "#comparisons-section{page:wide}",
    ):
        assert rule in css, rule
    # no fixed grid wider than a phone
    assert "minmax(min(100%,520px),1fr)" in css


# --- in headless Chromium -----------------------------------------------------------------


def _report_check():
    spec = importlib.util.spec_from_file_location("report_check", ROOT / "scripts" / "report_check.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def check():
    if shutil.which("chromium") is None:
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return _report_check()


@pytest.fixture(scope="module")
def axe_js(check):
    if not check.AXE_DEFAULT.exists():
        pytest.skip(f"axe-core is not at {check.AXE_DEFAULT}: `make report-check` fetches it (npm)")
    return check.AXE_DEFAULT


def test_axe_core_finds_no_violation(check, axe_js, reports):
    for name, path in reports.items():
        violations = check.axe_violations(path, axe_js)
        assert violations == [], (name, check.describe(violations))


def test_axe_core_sees_a_violation(check, axe_js, reports, tmp_path):
    """The driver does report: the same page without its language and with an
    unnamed table header fails."""
    html = reports["dmp-fr"].read_text(encoding="utf-8")
    broken = tmp_path / "report.html"
    broken.write_text(html.replace('<html lang="fr">', "<html>").replace(">variable</th>", "></th>", 1))
    ids = {v["id"] for v in check.axe_violations(broken, axe_js)}
    assert {"html-has-lang", "empty-table-header"} <= ids


def test_the_report_fits_a_phone(check, reports):
    for name, path in reports.items():
        assert check.overflow(path, 390) == 0, name


@pytest.fixture(scope="module")
def pdftotext(check):
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed (apt-get install poppler-utils)")


def test_printed_on_a4_no_table_row_is_cut(check, pdftotext, reports, tmp_path):
    for name in ("dmp-fr", "example-en"):
        pdf = check.print_pdf(reports[name], tmp_path / f"{name}.pdf")
        pages = check.pdf_pages(pdf)
        assert len(pages) > 5, name
        assert check.split_rows(reports[name], pdf) == [], name
        # A4 portrait pages, and the comparisons' landscape ones
        info = (
            __import__("subprocess")
            .run(["pdfinfo", "-l", "99", str(pdf)], capture_output=True, text=True, check=True)
            .stdout
        )
        sizes = set(re.findall(r"size:\s+([\d.]+) x ([\d.]+) pts", info))
        assert sizes == {("594.96", "841.92"), ("841.92", "594.96")}, sizes


def test_the_cut_row_check_catches_a_cut_row(check, pdftotext, tmp_path):
    """Tall rows across page ends: kept whole by the report's CSS, cut without
    its break-inside rule, and the check says so."""
    from dmp_survey.outputs.report import _CSS

    rows = "".join(
        f"<tr><td>row{i}</td><td>" + "<br>".join(f"w{i}x{j}" for j in range(6)) + "</td></tr>"
        for i in range(60)
    )
    for css, cut in ((_CSS, False), (_CSS.replace("tr,th,td{break-inside:avoid}", ""), True)):
        page = tmp_path / f"rows-{cut}.html"
        page.write_text(
            f"<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>t</title><style>{css}</style>"
            f"</head><body><main><table><thead><tr><th>a</th><th>b</th></tr></thead><tbody>{rows}</tbody>"
            "</table></main></body></html>",
            encoding="utf-8",
        )
        pdf = check.print_pdf(page, tmp_path / f"rows-{cut}.pdf")
        assert bool(check.split_rows(page, pdf)) == cut
