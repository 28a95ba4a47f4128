"""The HTML report: one self-contained page (styles inline, figures embedded
as data URIs, no script, no network request) with the reconstruction notice,
the methods, the descriptive table and figures, the comparison tables (the
plan's p-value convention and the modern statistics side by side) and, when the
study has published values, the p-value check, the erratum and the audit; then
the provenance. French by default, English with ``lang="en"``.

Read on a screen, a phone and paper: the tables scroll sideways in their own
focusable region on a narrow screen, the figures' grid collapses to one column;
printed (A4, or ``make report-pdf``), each section starts a page, table rows
are never cut across pages and header rows repeat, the wide comparison tables
go on landscape pages. Built to WCAG 2.2 AA: language, landmarks (header,
navigation, main), column headers with their scope, text colours of at least
4.5:1; ``make report-check`` runs axe-core on it in headless Chromium.

Every word about the study (title, methods, notice) comes from its folder;
its texts may hold a little Markdown, rendered by ``markdown-it-py`` with HTML
disabled, so that a study's text can never inject markup. The page itself is
written with :mod:`html`: a few tables and paragraphs, not worth a template
engine dependency.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

import pandas as pd

from ..publication.check import PValueCheck
from ..stats.compare import MONTE_CARLO_RESAMPLES, MONTE_CARLO_SEED
from ..study.codebook import Codebook
from ..study.folder import Study
from ..study.plan import AnalysisPlan
from . import numbers
from .annex import SHORT_TESTS, comparison_layout, family_note, format_p

__all__ = ["ReportData", "embed_figures", "render_report"]


@dataclass(frozen=True)
class ReportData:
    """Everything the report shows, already computed (``check`` and ``audit``
    are None when the study has no published values)."""

    study: Study
    codebook: Codebook
    plan: AnalysisPlan
    n_respondents: int
    input_name: str
    reconstructed: bool
    descriptive: pd.DataFrame
    figures: Sequence[tuple[int, Path]]  # (figure number, PNG path)
    tables: dict[str, pd.DataFrame]
    numeric_tables: dict[str, pd.DataFrame]
    numeric: pd.DataFrame
    check: PValueCheck | None
    audit: pd.DataFrame | None
    provenance: dict[str, Any]
    lang: str = "fr"


_T = {
    "fr": {
        "methods": "Méthodes",
        "descriptive": "Analyse descriptive",
        "figures": "Figures",
        "comparisons": "Comparaisons",
        "check": "Vérification des p-values publiées",
        "erratum": "Erratum",
        "audit": "Audit de chaque nombre publié",
        "provenance": "Provenance",
        "variable": "variable",
        "level": "réponse",
        "n": "n",
        "denominator": "dénominateur",
        "percent": "%",
        "ci": "IC 95 % (Wilson)",
        "not_published": "non publié — reconstitué",
        "not_published_real": "non publié dans {source}",
        "location": "emplacement",
        "printed": "imprimé",
        "data": "les données donnent",
        "note": "remarque",
        "status": "statut",
        "claim": "affirmation",
        "show_audit": "Afficher les {n} lignes de l'audit",
        "convention_cols": "p de la convention du plan à gauche, vue moderne à droite",
        "numeric": "Questions numériques",
        "item": "élément",
        "value": "valeur",
        "contents": "Sommaire",
    },
    "en": {
        "methods": "Methods",
        "descriptive": "Descriptive analysis",
        "figures": "Figures",
        "comparisons": "Comparisons",
        "check": "Check of the published p-values",
        "erratum": "Erratum",
        "audit": "Audit of every published number",
        "provenance": "Provenance",
        "variable": "variable",
        "level": "answer",
        "n": "n",
        "denominator": "denominator",
        "percent": "%",
        "ci": "95% CI (Wilson)",
        "not_published": "not published — reconstructed",
        "not_published_real": "not published in {source}",
        "location": "location",
        "printed": "printed",
        "data": "the data give",
        "note": "note",
        "status": "status",
        "claim": "claim",
        "show_audit": "Show the {n} audit rows",
        "convention_cols": "the plan's p-value convention on the left, the modern view on the right",
        "numeric": "Numeric questions",
        "item": "item",
        "value": "value",
        "contents": "Contents",
    },
}


def _markdown(text: str) -> str:
    """A study's text as inline HTML: Markdown emphasis and code, HTML escaped."""
    from markdown_it import MarkdownIt

    return str(MarkdownIt("commonmark", {"html": False}).renderInline(text.strip()))


def _not_published(data: ReportData) -> str:
    t = _T[data.lang]
    if data.reconstructed:
        return t["not_published"]
    return t["not_published_real"].format(source=data.study.texts.source_name(data.lang))


_CSS = """
body{font-family:"DejaVu Sans",Arial,sans-serif;max-width:1180px;margin:2em auto;padding:0 1em;color:#222;
line-height:1.45;font-size:15px}
h1{font-size:1.6em}h2{margin-top:2em;border-bottom:2px solid #0072B2;padding-bottom:.2em}
.notice{background:#FFF3CD;border:2px solid #8C5A00;padding:.8em 1em;border-radius:4px}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;margin:.6em 0 1.2em;font-size:.85em}
th,td{border:1px solid #ccc;padding:.25em .5em;vertical-align:top;text-align:left}
th{background:#eef4f9}td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.head td{font-weight:bold;background:#fafafa}.split{border-left:3px solid #767676}
.match{color:#1b7837}.mismatch{color:#b2182b;font-weight:bold}.rounding{color:#8c510a}
.not_checkable{color:#595959}.expected_mismatch{color:#b2182b}
.figures{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,520px),1fr));gap:1.2em}
figure{margin:0;break-inside:avoid}figure img{width:100%;height:auto;border:1px solid #ddd}
figcaption{font-size:.9em;color:#444}.small{font-size:.85em;color:#555}
details summary{cursor:pointer;font-weight:bold;margin:.5em 0}
code{background:#f3f3f3;padding:0 .2em;overflow-wrap:anywhere}
@media (max-width:600px){body{margin:1em auto;font-size:14px}h1{font-size:1.3em}}
@page{size:A4;margin:15mm 12mm}
@page wide{size:A4 landscape;margin:12mm}
@media print{
body{max-width:none;margin:0;padding:0;font-size:10pt;line-height:1.3}
nav{display:none}
section+section{break-before:page}
#comparisons-section{page:wide}
h2,h3{break-after:avoid}h2{margin-top:0}
.scroll{overflow:visible}
table{font-size:7.5pt;margin:.3em 0 .8em}
thead{display:table-header-group}
tr,th,td{break-inside:avoid}
.figures{display:block}
figure{margin:0 0 1em}figure img{width:16cm;max-width:100%}
a{color:inherit;text-decoration:none}
}
"""


_VERBATIM = ' class="verbatim"'


def _scroll(label: str, table: str) -> str:
    """A table in a region that scrolls sideways on a narrow screen; focusable
    and named, so that a keyboard can scroll it (WCAG 2.1.1)."""
    return f'<div class="scroll" role="region" tabindex="0" aria-label="{escape(label)}">\n{table}\n</div>'


def _head(header: Sequence[str], split: Sequence[int] = ()) -> str:
    """A table's header row, repeated on every printed page (``split``: the
    columns drawn with a rule on their left)."""
    rule = ' class="split"'
    cells = "".join(
        f'<th scope="col"{rule if i in split else ""}>{escape(str(h))}</th>' for i, h in enumerate(header)
    )
    return f"<thead><tr>{cells}</tr></thead>"


def _table(
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    num_cols: Sequence[int] = (),
    label: str = "",
    verbatim_cols: Sequence[int] = (),
) -> str:
    """An HTML table; ``verbatim_cols`` hold the publication's own words
    (where a number is printed, what it prints), shown as printed: never
    translated nor re-typeset."""
    out = ["<table>", _head(header), "<tbody>"]
    for row in rows:
        cells = []
        for i, value in enumerate(row):
            cls = ' class="num"' if i in num_cols else _VERBATIM if i in verbatim_cols else ""
            cells.append(f"<td{cls}>{escape('' if value is None else str(value))}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out += ["</tbody>", "</table>"]
    return _scroll(label, "\n".join(out))


def _status(value: str, lang: str) -> str:
    """A verdict: its code as the class (colour), its label in the run's language."""
    return f'<span class="{escape(value)}">{escape(numbers.status_label(value, lang))}</span>'


def _study_text(row: Any, column: str, lang: str) -> str:
    """A study's sentence in ``lang`` (its ``COLUMN_fr`` column), else as written."""
    return str(getattr(row, f"{column}_{lang}", "") or getattr(row, column) or "")


def _methods(data: ReportData) -> str:
    cb = data.codebook
    questions = [q for q in cb.questions if q.type.value != "pii"]
    resamples_fr = f"{MONTE_CARLO_RESAMPLES:,}".replace(",", "\u202f")
    study_paragraphs = [f"<p>{_markdown(p)}</p>" for p in data.study.texts.methods.get(data.lang, [])]
    if data.lang == "en":
        parts = [
            f"<p>{len(questions)} questions; {data.n_respondents} respondents in "
            f"<code>{escape(data.input_name)}</code>. Every question, its answers and the condition under "
            "which it is asked are in the codebook.</p>",
            *study_paragraphs,
            "<p><strong>The modern view</strong>, beside the plan's convention: exact two-sided p-values "
            "(Fisher for 2×2; Fisher–Freeman–Halton computed exactly for larger tables; where a table is beyond "
            f"the exact computation, a Monte Carlo estimate named as such, {MONTE_CARLO_RESAMPLES:,} tables, seed "
            f"{MONTE_CARLO_SEED}); for 2×2 tables the conditional maximum-likelihood odds ratio with its exact "
            "(Fisher) 95% CI, as R's <code>fisher.test</code>: the odds of the first answer in the first group "
            "against the second column (∞ or 0 when a zero cell makes it so); Cramér's V, the minimum expected "
            "count (flagged below 5); a trend test for ordered answers (Cochran–Armitage against two groups, "
            "linear-by-linear association against ordered groups); Holm and Benjamini–Hochberg adjustments "
            "across the family each table states. Descriptive percentages come with 95% Wilson intervals; their "
            "denominator is the number of respondents asked.</p>",
        ]
    else:
        parts = [
            f"<p>{len(questions)} questions ; {data.n_respondents} répondants dans "
            f"<code>{escape(data.input_name)}</code>. Chaque question, ses réponses et la condition sous "
            "laquelle elle est posée sont dans le dictionnaire des codes (codebook).</p>",
            *study_paragraphs,
            "<p><strong>La vue moderne</strong>, à côté de la convention du plan : p exactes bilatérales "
            "(Fisher pour 2×2 ; Fisher–Freeman–Halton calculé exactement pour les tableaux plus grands ; pour "
            "un tableau hors de portée du calcul exact, une estimation de Monte-Carlo nommée comme telle, "
            f"{resamples_fr} tableaux, graine {MONTE_CARLO_SEED}) ; pour les 2×2, l'odds ratio du maximum de "
            "vraisemblance conditionnel et son IC 95 % exact (Fisher), comme <code>fisher.test</code> de R : "
            "la cote de la première réponse dans le premier groupe rapportée à celle de la seconde colonne "
            "(∞ ou 0 quand une case nulle l'impose) ; V de Cramér, effectif attendu minimal (signalé sous 5) ; "
            "un test de tendance pour les réponses ordonnées (Cochran–Armitage contre deux groupes, association "
            "linéaire par linéaire contre des groupes ordonnés) ; ajustements de Holm et de Benjamini–Hochberg "
            "sur la famille que chaque tableau indique. Les pourcentages descriptifs ont un IC 95 % de Wilson ; "
            "leur dénominateur est le nombre de répondants à qui la question a été posée.</p>",
        ]
    return "\n".join(parts)


def _number(value: float, lang: str, decimals: int = 1) -> str:
    return numbers.decimal(value, lang, decimals)


def _descriptive(data: ReportData) -> str:
    """One block of rows per question: its name once, then its answers;
    the "(missing)" row only when someone asked left the question blank."""
    t = _T[data.lang]
    cb = data.codebook
    rows = []
    previous = None
    for r in data.descriptive.itertuples(index=False):
        if r.level == "(missing)" and r.n == 0:
            continue
        if r.variable in cb:
            q = cb[r.variable]
            name = f"{q.number} {q.label(data.lang)}"
            level = q.answer(r.level).label(data.lang) if r.level in q.codes else r.level
            if not q.published:
                name += f" ({_not_published(data)})"
        else:
            d = cb.derived_variable(r.variable)
            name = d.en if data.lang == "en" else d.fr
            level = d.level(r.level).label(data.lang) if r.level in d.codes else r.level
        level = _SPECIAL_LEVELS[data.lang].get(level, level)
        shown = name if name != previous else ""
        previous = name
        ci = ""
        if not pd.isna(r.ci_low):
            ci = f"{_number(r.ci_low, data.lang)} – {_number(r.ci_high, data.lang)}"
        pct = "" if pd.isna(r.percent) else _number(r.percent, data.lang)
        rows.append((shown, level, r.n, r.denominator, pct, ci))
    return _table(
        (t["variable"], t["level"], t["n"], t["denominator"], t["percent"], t["ci"]),
        rows,
        (2, 3, 4, 5),
        t["descriptive"],
    )


_SPECIAL_LEVELS = {
    "fr": {"(missing)": "(sans réponse)", "(answered)": "(a répondu)"},
    "en": {"(missing)": "(no answer)", "(answered)": "(answered)"},
}


def _numeric(data: ReportData) -> str:
    """n, missing, mean (SD), median [Q1; Q3] and range of every numeric question."""
    if not len(data.numeric):
        return ""
    fr = data.lang != "en"
    head = (
        ("variable", "n", "sans réponse", "moyenne (ET)", "médiane [Q1 ; Q3]", "min – max")
        if fr
        else ("variable", "n", "no answer", "mean (SD)", "median [Q1; Q3]", "min – max")
    )

    def num(x: float) -> str:
        return "–" if pd.isna(x) else _number(float(x), data.lang)

    rows = []
    for r in data.numeric.itertuples(index=False):
        q = data.codebook[r.variable]
        unit = q.unit.get(data.lang) if q.unit else ""
        name = f"{q.number} {q.label(data.lang)}" + (f" ({unit})" if unit else "")
        rows.append(
            (
                name,
                r.n,
                r.missing,
                f"{num(r.mean)} ({num(r.sd)})",
                f"{num(r.median)} {numbers.interval(num(r.q1), num(r.q3), data.lang)}",
                f"{num(r.min)} – {num(r.max)}",
            )
        )
    return _table(head, rows, (1, 2, 3, 4, 5), _T[data.lang]["numeric"])


def _figure_slot(number: int) -> str:
    """Where figure ``number``'s PNG goes in the page, base64-encoded
    (:func:`embed_figures`): inside an attribute, which the typesetting never
    reads, and made of characters no report text holds."""
    return f"\x00figure-{number}\x00"


def embed_figures(page: str, figures: Sequence[tuple[int, Path]]) -> str:
    """``page`` (:func:`render_report` with ``embed=False``) with each
    figure's PNG in its place."""
    for number, png in figures:
        slot = _figure_slot(number)
        if page.count(slot) != 1:
            raise ValueError(f"the report has no place for figure {number}")
        page = page.replace(slot, base64.b64encode(png.read_bytes()).decode("ascii"))
    if _figure_slot(0)[:8] in page:
        raise ValueError("the report has a place left for a figure not given")
    return page


def _figures(data: ReportData) -> str:
    by_number = {f.number: f for f in data.plan.figures}
    out = []
    for number, _png in data.figures:
        fig = by_number[number]
        encoded = _figure_slot(number)
        caption = escape(fig.title(data.lang))
        if fig.variable in data.codebook and not data.codebook[fig.variable].published:
            caption += f" <em>({escape(_not_published(data))})</em>"
        if fig.note:
            caption += f'<br><span class="small">{escape(fig.note_text(data.lang))}</span>'
        out.append(
            f'<figure id="figure-{number}"><img alt="{escape(fig.title(data.lang))}" '
            f'src="data:image/png;base64,{encoded}"><figcaption>{caption}</figcaption></figure>'
        )
    return '<div class="figures">\n' + "\n".join(out) + "\n</div>"


def _comparisons(data: ReportData) -> str:
    t = _T[data.lang]
    out = [f'<p class="small">{escape(t["convention_cols"])}</p>']
    for comparison in data.plan.comparisons:
        rows, _ = comparison_layout(
            data.tables[comparison.id],
            comparison,
            data.codebook,
            data.lang,
            data.numeric_tables.get(comparison.id),
        )
        title, _blank, header, *body = rows
        out.append(f'<h3 id="comparison-{escape(comparison.id)}">{escape(str(title[0]))}</h3>')
        # The spreadsheet's empty spacer column between the plan's convention
        # and the modern view becomes a rule on the first modern column (an
        # empty column header tells a screen reader nothing); the row labels'
        # column gets its header.
        spacers = {i for i, h in enumerate(header) if i and not str(h)}
        keep = [i for i in range(len(header)) if i not in spacers]
        after = {i + 1 for i in spacers}
        head = [str(header[0]) or t["variable"], *(str(header[i]) for i in keep[1:])]
        split = ' class="split"'
        html_rows = []
        for row in body:
            padded = list(row) + [""] * (len(header) - len(row))
            cls = "" if str(padded[0]).startswith("- ") else ' class="head"'
            cells = "".join(f"<td{split if i in after else ''}>{escape(str(padded[i]))}</td>" for i in keep)
            html_rows.append(f"<tr{cls}>{cells}</tr>")
        out.append(
            _scroll(
                str(title[0]),
                f"<table>\n{_head(head, [k for k, i in enumerate(keep) if i in after])}\n<tbody>\n"
                + "\n".join(html_rows)
                + "\n</tbody>\n</table>",
            )
        )
        note = family_note(comparison, data.plan, data.tables, data.lang)
        out.append(f'<p class="small">{escape(note)}</p>')
    return "\n".join(out)


def _check(data: ReportData) -> str:
    assert data.check is not None
    also = (
        "The same check runs directly on the published per-group counts with <code>dmp-survey check</code>."
        if data.lang == "en"
        else "La même vérification s'exécute directement sur les effectifs publiés par groupe avec "
        "<code>dmp-survey check</code>."
    )
    parts = [f"<p>{escape(data.check.summary(data.lang))}</p><p>{also}</p>"]
    head = ("tableau", "ligne", "publiée", "recalculée", "test", "statut", "raison")
    if data.lang == "en":
        head = ("table", "row", "published", "recomputed", "test", "status", "reason")
    rows = []
    for r in data.check.frame.itertuples(index=False):
        rows.append(
            (
                r.annex,
                r.row_label,
                numbers.printed_number(str(r.published), data.lang),
                format_p(r.recomputed, r.test, data.lang),
                SHORT_TESTS[data.lang][r.test],
                numbers.status_label(r.status, data.lang),
                _study_text(r, "reason", data.lang),
            )
        )
    table = _table(head, rows, (2, 3), _T[data.lang]["check"])
    for status in ("expected_mismatch", "mismatch", "unexpected_match", "match"):
        label = escape(numbers.status_label(status, data.lang))
        table = table.replace(f"<td>{label}</td>", f"<td>{_status(status, data.lang)}</td>")
    parts.append(table)
    return "\n".join(parts)


def _erratum(data: ReportData) -> str:
    t = _T[data.lang]
    audit = data.audit
    assert audit is not None
    wrong = audit[audit["status"] == "mismatch"]
    rounded = audit[audit["status"] == "rounding"]
    if data.lang == "en":
        intro = (
            f"<p>{len(wrong)} printed numbers are contradicted by the counts (the data); "
            f"{len(rounded)} more follow from them only when truncated instead of rounded.</p>"
        )
    else:
        intro = (
            f"<p>{len(wrong)} nombres imprimés sont contredits par les effectifs (les données) ; "
            f"{len(rounded)} autres n'en découlent que tronqués au lieu d'arrondis.</p>"
        )
    rows = [(r.location, r.published, r.recomputed, r.note) for r in wrong.itertuples(index=False)]
    rows += [
        (r.location, r.published, r.recomputed, r.note or numbers.status_label("rounding", data.lang))
        for r in rounded.itertuples(index=False)
    ]
    return intro + _table(
        (t["location"], t["printed"], t["data"], t["note"]), rows, label=t["erratum"], verbatim_cols=(0, 1)
    )


def _audit(data: ReportData) -> str:
    t = _T[data.lang]
    assert data.audit is not None
    counts = data.audit["status"].value_counts()
    summary = ", ".join(f"{_status(str(k), data.lang)} {int(v)}" for k, v in counts.items())
    rows = [
        (r.location, r.claim, r.published, r.recomputed, numbers.status_label(r.status, data.lang), r.note)
        for r in data.audit.itertuples(index=False)
    ]
    table = _table(
        (t["location"], t["claim"], t["printed"], t["data"], t["status"], t["note"]),
        rows,
        label=t["audit"],
        verbatim_cols=(0, 2),
    )
    for status in ("not_checkable", "mismatch", "rounding", "match"):
        label = escape(numbers.status_label(status, data.lang))
        table = table.replace(f"<td>{label}</td>", f"<td>{_status(status, data.lang)}</td>")
    return (
        f"<p>{len(data.audit)} : {summary}</p><details><summary>"
        + escape(t["show_audit"].format(n=len(data.audit)))
        + f"</summary>{table}</details>"
    )


def _provenance(data: ReportData) -> str:
    rows = []

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for k in sorted(value):
                walk(f"{prefix}.{k}" if prefix else str(k), value[k])
        else:
            rows.append((prefix, value))

    walk("", data.provenance)
    t = _T[data.lang]
    return _table((t["item"], t["value"]), rows, label=t["provenance"])


def _typeset_html(markup: str, lang: str) -> str:
    """French spacing (:func:`numbers.typeset`) in the text between tags,
    never inside a tag or an entity; English markup is returned as is."""
    if lang == "en":
        return markup
    import html as html_module
    import re

    parts = re.split(r"(<[^>]+>)", markup)
    for i in range(0, len(parts), 2):
        if parts[i] and not (i and parts[i - 1] == f"<td{_VERBATIM}>"):
            text = numbers.typeset(html_module.unescape(parts[i]), lang)
            parts[i] = escape(text, quote=False)
    return "".join(parts)


def render_report(data: ReportData, embed: bool = True) -> str:
    """The report page as one HTML string (same input, same bytes). With
    ``embed=False`` the figures' pictures are left out, each in a place
    :func:`embed_figures` fills: the run lays the page out while the figures
    are drawn."""
    t = _T[data.lang]
    sections = [
        ("methods", t["methods"], _methods(data)),
        ("descriptive", t["descriptive"], _descriptive(data) + _numeric(data)),
    ]
    if data.figures:
        sections.append(("figures", t["figures"], _figures(data)))
    if data.plan.comparisons:
        sections.append(("comparisons", t["comparisons"], _comparisons(data)))
    if data.check is not None and data.audit is not None:
        sections += [
            ("check", t["check"], _check(data)),
            ("erratum", t["erratum"], _erratum(data)),
            ("audit", t["audit"], _audit(data)),
        ]
    sections.append(("provenance", t["provenance"], _provenance(data)))
    toc = " · ".join(f'<a href="#{key}">{escape(title)}</a>' for key, title, _ in sections)
    body = "\n".join(
        f'<section id="{key}-section">\n<h2 id="{key}">{escape(title)}</h2>\n{html}\n</section>'
        for key, title, html in sections
    )
    notice_text = data.study.texts.get("reconstructed_notice", data.lang)
    notice = f'<p class="notice">{_markdown(notice_text)}</p>' if data.reconstructed and notice_text else ""
    title = escape(numbers.typeset(data.study.texts.get("title", data.lang), data.lang))
    body = _typeset_html(body, data.lang)
    notice = _typeset_html(notice, data.lang)
    page = (
        "<!DOCTYPE html>\n"
        f'<html lang="{data.lang}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        f"<header>\n<h1>{title}</h1>\n{notice}\n</header>\n"
        f'<nav aria-label="{escape(t["contents"])}">{toc}</nav>\n<main>\n{body}\n</main>\n</body>\n</html>\n'
    )
    return embed_figures(page, data.figures) if embed else page
