"""Check the HTML report as a reader meets it, in headless Chromium.

- ``axe REPORT...``: run axe-core (WCAG 2.2 A and AA rules, and its best
  practices) on each report; exit 1 and list every violation.
- ``pdf REPORT OUT.pdf``: print the report on A4 as Chromium prints it.
- ``rows REPORT PDF``: check that no table row of the report is cut across
  two pages of the PDF (its text read page by page with ``pdftotext``).
- ``phone REPORT...``: check that the page fits a 390-pixel-wide phone screen
  (wide tables scroll in their own region, the page itself does not).
- ``fetch-axe DIR``: download axe-core (pinned version, checked against the
  npm registry's sha512) with ``npm pack`` and keep ``DIR/axe.min.js``.

axe-core is MPL-2.0 and 650 kB: it is fetched by ``make report-check`` into
``.cache/`` (ignored by git), never committed. The tests import this module
and skip, saying why, when Chromium, pdftotext or axe.min.js is missing.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import html
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from render_report import FLAGS

AXE_VERSION = "4.14.1"
# `npm view axe-core@4.14.1 dist.integrity`
AXE_INTEGRITY = (
    "sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ=="
)
AXE_DEFAULT = Path(__file__).resolve().parents[1] / ".cache" / f"axe-core-{AXE_VERSION}" / "axe.min.js"
# WCAG 2.0, 2.1 and 2.2 at levels A and AA, and axe's best practices
# (landmarks, one main, headings order...).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
WCAG_TAGS = frozenset(AXE_TAGS) - {"best-practice"}

_DRIVER = """
<script src="axe.min.js"></script>
<script>
axe.run(document, {runOnly: {type: "tag", values: %s}, resultTypes: ["violations"]})
  .then(function (r) { done(r.violations); }, function (e) { done({error: String(e)}); });
function done(value) {
  var out = document.createElement("pre");
  out.id = "axe-results";
  out.textContent = JSON.stringify(value);
  document.documentElement.appendChild(out);
}
</script>
"""


def fetch_axe(directory: Path) -> Path:
    """``npm pack axe-core@AXE_VERSION``, checked against AXE_INTEGRITY; keeps axe.min.js."""
    target = directory / "axe.min.js"
    if target.exists():
        return target
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["npm", "pack", f"axe-core@{AXE_VERSION}", "--pack-destination", tmp], check=True,
                       capture_output=True)  # fmt: skip
        tarball = next(Path(tmp).glob("axe-core-*.tgz"))
        digest = "sha512-" + base64.b64encode(hashlib.sha512(tarball.read_bytes()).digest()).decode()
        if digest != AXE_INTEGRITY:
            raise SystemExit(f"{tarball.name}: sha512 {digest} is not the pinned {AXE_INTEGRITY}")
        with tarfile.open(tarball) as tar:
            member = tar.extractfile("package/axe.min.js")
            assert member is not None
            directory.mkdir(parents=True, exist_ok=True)
            target.write_bytes(member.read())
    return target


def _chromium(chromium: str, args: list[str], profile: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [chromium, *FLAGS, f"--user-data-dir={profile}", *args], capture_output=True, text=True, timeout=300
    )


def axe_violations(report: Path, axe_js: Path, chromium: str = "chromium") -> list[dict]:
    """axe-core's violations on ``report`` (a copy with axe injected, in a temporary folder)."""
    page = report.read_text(encoding="utf-8")
    driver = _DRIVER % json.dumps(AXE_TAGS)
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copy(axe_js, Path(tmp) / "axe.min.js")
        copy = Path(tmp) / "report.html"
        copy.write_text(page.replace("</body>", driver + "</body>"), encoding="utf-8")
        profile = Path(tmp) / "profile"
        dom = _chromium(
            chromium,
            ["--allow-file-access-from-files", "--virtual-time-budget=30000", "--dump-dom", copy.as_uri()],
            str(profile),
        )
    found = re.search(r'<pre id="axe-results">(.*?)</pre>', dom.stdout, re.DOTALL)
    if not found:
        raise RuntimeError(
            f"axe-core gave no result on {report} (chromium exit {dom.returncode}):\n{dom.stderr[-1500:]}"
        )
    result = json.loads(html.unescape(found.group(1)))
    if isinstance(result, dict):
        raise RuntimeError(f"axe-core failed on {report}: {result.get('error')}")
    return list(result)


def overflow(report: Path, width: int = 390, chromium: str = "chromium") -> int:
    """How many CSS pixels the page is wider than a ``width``-pixel screen
    (0: nothing sticks out; a wide table scrolls inside its own region).

    Headless Chromium's window is never narrower than 500 pixels, so the page
    is laid out in an iframe of exactly ``width`` pixels, its viewport."""
    frame = (
        "<!DOCTYPE html><html><body style='margin:0'>"
        f"<iframe id='phone' src='report.html' style='width:{width}px;height:844px;border:0'></iframe>"
        "<script>document.getElementById('phone').addEventListener('load',function(){"
        "var d=this.contentDocument.documentElement,o=document.createElement('pre');o.id='page-width';"
        "o.textContent=d.scrollWidth+' '+d.clientWidth;document.body.appendChild(o);});</script>"
        "</body></html>"
    )
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copy(report, Path(tmp) / "report.html")
        outer = Path(tmp) / "phone.html"
        outer.write_text(frame, encoding="utf-8")
        dom = _chromium(
            chromium,
            ["--allow-file-access-from-files", "--virtual-time-budget=10000", "--dump-dom", outer.as_uri()],
            str(Path(tmp) / "profile"),
        )
    found = re.search(r'<pre id="page-width">(\d+) (\d+)</pre>', dom.stdout)
    if not found:
        raise RuntimeError(f"no page width measured on {report}:\n{dom.stderr[-1500:]}")
    return max(0, int(found.group(1)) - int(found.group(2)))


def describe(violations: list[dict]) -> list[str]:
    lines = []
    for v in violations:
        tags = ",".join(t for t in v["tags"] if t in WCAG_TAGS or t == "best-practice")
        lines.append(f"{v['id']} ({v['impact']}; {tags}): {v['help']} — {len(v['nodes'])} element(s)")
        for node in v["nodes"][:3]:
            lines.append(
                f"    {' '.join(node['target'])}: {node.get('failureSummary', '').splitlines()[-1:]}"
            )
    return lines


def print_pdf(report: Path, pdf: Path, chromium: str = "chromium") -> Path:
    """The report printed by Chromium (A4 from its @page rule, no header or footer)."""
    pdf.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as profile:
        done = _chromium(
            chromium,
            ["--no-pdf-header-footer", f"--print-to-pdf={pdf.resolve()}", report.resolve().as_uri()],
            profile,
        )
    if done.returncode or not pdf.exists():
        raise RuntimeError(
            f"chromium could not print {report} (exit {done.returncode}):\n{done.stderr[-1500:]}"
        )
    return pdf


class _Rows(HTMLParser):
    """The text of every printed table row (rows inside a closed <details> are not printed)."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[str] = []
        self._cells: list[str] | None = None
        self._details = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "details" and "open" not in dict(attrs):
            self._details += 1
        elif tag == "tr" and not self._details:
            self._cells = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "details" and self._details:
            self._details -= 1
        elif tag == "tr" and self._cells is not None:
            self.rows.append(" ".join(self._cells))
            self._cells = None

    def handle_data(self, data: str) -> None:
        if self._cells is not None:
            self._cells.append(data)


def _words(text: str) -> list[str]:
    # NFKC: the PDF's ligatures (ﬁ) and the HTML's letters compare equal;
    # a cell may wrap after a hyphen or a slash ("Fisher-" / "Freeman-Halton").
    return [w for w in re.split(r"[\s\-‐–/]+", unicodedata.normalize("NFKC", text)) if w]


def pdf_pages(pdf: Path) -> list[str]:
    """The text of each page of ``pdf`` (pdftotext -layout)."""
    out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True)
    return out.stdout.split("\f")[:-1] or [out.stdout]


def split_rows(report: Path, pdf: Path) -> list[str]:
    """The table rows of ``report`` whose words are not all on one page of ``pdf``."""
    parser = _Rows()
    parser.feed(report.read_text(encoding="utf-8"))
    pages = [set(_words(text)) for text in pdf_pages(pdf)]
    cut = []
    for row in parser.rows:
        words = set(_words(row))
        if words and not any(words <= page for page in pages):
            cut.append(row.strip()[:120])
    return cut


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--chromium", default="chromium")
    sub = parser.add_subparsers(dest="command", required=True)
    axe = sub.add_parser("axe")
    axe.add_argument("reports", type=Path, nargs="+")
    axe.add_argument("--axe", type=Path, default=AXE_DEFAULT)
    pdf = sub.add_parser("pdf")
    pdf.add_argument("report", type=Path)
    pdf.add_argument("pdf", type=Path)
    rows = sub.add_parser("rows")
    rows.add_argument("report", type=Path)
    rows.add_argument("pdf", type=Path)
    phone = sub.add_parser("phone")
    phone.add_argument("reports", type=Path, nargs="+")
    phone.add_argument("--width", type=int, default=390)
    fetch = sub.add_parser("fetch-axe")
    fetch.add_argument("directory", type=Path)
    args = parser.parse_args()
    if args.command == "fetch-axe":
        print(fetch_axe(args.directory))
        return 0
    if args.command == "pdf":
        print_pdf(args.report, args.pdf, args.chromium)
        print(f"printed {args.report} -> {args.pdf} ({len(pdf_pages(args.pdf))} A4 pages)")
        return 0
    if args.command == "phone":
        wide = {r: overflow(r, args.width, args.chromium) for r in args.reports}
        for report, extra in wide.items():
            print(f"{report}: {'fits' if not extra else f'{extra} px wider than'} a {args.width} px screen")
        return 1 if any(wide.values()) else 0
    if args.command == "rows":
        cut = split_rows(args.report, args.pdf)
        for row in cut:
            print(f"{args.pdf}: table row cut across pages: {row}", file=sys.stderr)
        if not cut:
            print(
                f"{args.pdf}: no table row of {args.report} cut across its {len(pdf_pages(args.pdf))} pages"
            )
        return 1 if cut else 0
    failed = 0
    for report in args.reports:
        violations = axe_violations(report, args.axe, args.chromium)
        if violations:
            failed += 1
            print(f"{report}: {len(violations)} axe-core rule(s) violated", file=sys.stderr)
            print("\n".join(describe(violations)), file=sys.stderr)
        else:
            print(f"{report}: axe-core {AXE_VERSION}, no violation of {', '.join(AXE_TAGS)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
