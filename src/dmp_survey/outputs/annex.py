"""Comparison layout: the comparison tables as a manuscript prints them ("n (x%)"
cells, a p-value per row), with the modern columns beside them, for xlsx,
Markdown and the report.

Rounding happens here only, on copies, for presentation.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ..io.writers import write_text
from ..study.codebook import Codebook, Question
from ..study.plan import AnalysisPlan, Comparison, Row, group_levels
from . import numbers

__all__ = [
    "comparison_layout",
    "family_note",
    "format_p",
    "label_columns",
    "write_comparisons_markdown",
]

THESIS_HEADER = {"fr": "p", "en": "p"}
MODERN_HEADERS = {
    "fr": [
        "p exact bilatéral",
        "test exact",
        "p Holm",
        "p BH",
        "OR conditionnel [IC 95 % exact]",
        "V de Cramér",
        "effectif attendu min.",
        "p tendance",
    ],
    "en": [
        "exact p (two-sided)",
        "exact test",
        "Holm p",
        "BH p",
        "conditional OR [exact 95% CI]",
        "Cramér's V",
        "min. expected",
        "trend p",
    ],
}


def format_p(value: float, test: str, lang: str = "en") -> str:
    """A p-value as a manuscript prints it (:func:`~dmp_survey.outputs.numbers.p_value`)."""
    return numbers.p_value(value, test, lang)


def _cell(n: int, total: int, pct: float, with_denominator: bool, lang: str) -> str:
    count = f"{n}/{total}" if with_denominator else f"{n}"
    return f"{count} ({numbers.percent(pct, lang)})"


def _modern(row: Mapping[str, Any], lang: str) -> list[Any]:
    odds = ""
    if "odds_ratio" in row and pd.notna(row["odds_ratio"]):
        bounds = numbers.interval(
            numbers.ratio(row["or_ci_low"], lang), numbers.ratio(row["or_ci_high"], lang), lang
        )
        odds = f"{numbers.ratio(row['odds_ratio'], lang)} {bounds}"
    trend = ""
    if "p_trend" in row and pd.notna(row["p_trend"]):
        trend = (
            f"{format_p(row['p_trend'], row['test_trend'], lang)} ({SHORT_TESTS[lang][row['test_trend']]})"
        )
    min_exp = ""
    if pd.notna(row["min_expected"]):
        min_exp = numbers.decimal(row["min_expected"], lang) + (" (<5)" if row["sparse"] else "")
    return [
        format_p(row["p_exact"], row["test_exact"], lang),
        SHORT_TESTS[lang][row["test_exact"]],
        "" if pd.isna(row["p_holm"]) else format_p(row["p_holm"], "holm", lang),
        "" if pd.isna(row["p_bh"]) else format_p(row["p_bh"], "bh", lang),
        odds,
        "" if pd.isna(row["cramers_v"]) else numbers.decimal(row["cramers_v"], lang, 2),
        min_exp,
        trend,
    ]


def _level_label(row: Row, question: Question, code: str, lang: str) -> str:
    # The publication's own short labels in French; the codebook's labels otherwise.
    if lang == "fr" and code in row.level_labels:
        return row.level_labels[code]
    return question.answer(code).label(lang)


SHORT_TESTS = {
    "fr": {
        "fisher_one_sided": "Fisher unilatéral",
        "pearson_chi2": "χ² de Pearson",
        "constant": "constante",
        "fisher_two_sided": "Fisher bilatéral",
        "fisher_freeman_halton": "Fisher-Freeman-Halton",
        "pearson_chi2_large_sample": "χ² de Pearson (grand échantillon, test exact non tenté)",
        "fisher_freeman_halton_monte_carlo": "Fisher-Freeman-Halton, Monte-Carlo (non exact)",
        "cochran_armitage": "Cochran-Armitage",
        "linear_by_linear": "linéaire par linéaire",
        "mann_whitney": "Mann-Whitney",
        "kruskal": "Kruskal-Wallis",
        "welch": "t de Welch",
        "anova": "ANOVA",
        "not_computable": "non calculable",
        "none": "aucun test (moins de deux groupes ou réponses)",
    },
    "en": {
        "fisher_one_sided": "Fisher one-sided",
        "pearson_chi2": "Pearson χ²",
        "constant": "constant",
        "fisher_two_sided": "Fisher two-sided",
        "fisher_freeman_halton": "Fisher-Freeman-Halton",
        "pearson_chi2_large_sample": "Pearson χ² (large sample, exact test not attempted)",
        "fisher_freeman_halton_monte_carlo": "Fisher-Freeman-Halton, Monte Carlo (not exact)",
        "cochran_armitage": "Cochran-Armitage",
        "linear_by_linear": "linear-by-linear",
        "mann_whitney": "Mann-Whitney",
        "kruskal": "Kruskal-Wallis",
        "welch": "Welch t",
        "anova": "ANOVA",
        "not_computable": "not computable",
        "none": "no test (fewer than two groups or answers)",
    },
}


def label_columns(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A CSV's frame with a label in ``lang`` beside each code column: ``test``,
    ``test_exact``, ``test_trend`` (the test's short name), ``status`` and
    ``self_check`` (the verdict); each label column is appended at the end, so
    that the code columns keep their place. A pairwise table's ``test`` holds
    the statistics' long English name: it becomes its code. Returns a copy."""
    from ..stats.groups import TESTS as GROUP_TESTS

    out = frame.copy(deep=False)  # columns are replaced, never written into
    codes = {name: code for code, name in GROUP_TESTS.items()}
    for column in ("test", "test_exact", "test_trend", "status", "self_check"):
        if column not in out:
            continue
        values = out[column]
        if column == "test":
            values = values.map(lambda v: codes.get(v, v))
            out[column] = values
        if column.startswith("test"):
            labels = values.map(lambda v: SHORT_TESTS[lang].get(v, v) if isinstance(v, str) else v)
        else:
            labels = values.map(lambda v: numbers.status_label(v, lang) if isinstance(v, str) else v)
        out[f"{column}_label"] = labels
    return out


def _median_cell(row: Mapping[str, Any], lang: str) -> str:
    """ "155 [126 ; 179] (n = 146)": median and quartiles of a numeric row."""
    if not row["n"]:
        return "–"

    def num(x: float) -> str:
        return numbers.decimal(x, lang, 1, trim=True)

    return (
        f"{num(row['median'])} {numbers.interval(num(row['q1']), num(row['q3']), lang)} (n={int(row['n'])})"
    )


def _numeric_line(
    row: Row, numeric: pd.DataFrame, groups: list[str], codebook: Codebook, lang: str, n_modern: int
) -> list[Any]:
    sub = numeric[numeric["variable"] == row.variable]
    by_group = {str(r["group"]): r for r in sub.to_dict("records")}
    first = sub.iloc[0]
    q = codebook[row.variable]
    label = row.label.get(lang) or row.label["fr"]
    unit = q.unit.get(lang) if q.unit else ""
    label = f"{label} ({_MEDIAN[lang]}{', ' + unit if unit else ''})"
    modern = [""] * n_modern
    modern[2] = "" if pd.isna(first["p_holm"]) else format_p(first["p_holm"], "holm", lang)
    modern[3] = "" if pd.isna(first["p_bh"]) else format_p(first["p_bh"], "bh", lang)
    p = "" if first["test"] == "not_computable" else format_p(first["p_value"], first["test"], lang)
    return [
        label,
        *(_median_cell(by_group[g], lang) for g in groups),
        p,
        SHORT_TESTS[lang][first["test"]],
        "",
        *modern,
    ]


_MEDIAN = {"fr": "médiane [Q1 ; Q3]", "en": "median [Q1; Q3]"}


def records_by_variable(table: pd.DataFrame) -> dict[str, list[dict[str, Any]]]:
    """The table's lines as dicts, by question in the table's order.

    A layout reads every cell of every question: reading the frame once and
    the cells out of plain dicts costs a small part of selecting each
    question's sub-frame and each line out of it with pandas."""
    out: dict[str, list[dict[str, Any]]] = {}
    for record in table.to_dict("records"):
        out.setdefault(str(record["variable"]), []).append(record)
    return out


# (table, comparison, codebook, lang, numeric) -> layout, while write_outputs
# writes one analysis (see layouts_shared); None: no sharing.
_SHARED: dict[tuple[int, ...], tuple[tuple[Any, ...], list[list[Any]], set[int]]] | None = None


@contextlib.contextmanager
def layouts_shared() -> Iterator[None]:
    """Within this block, each comparison is laid out once and the layout
    shared by the workbook, the Markdown, the Word document and the report
    (each got its own copy of the same rows; laying one out costs about a
    tenth of a second). The tables must not change inside the block."""
    global _SHARED
    outer = _SHARED
    _SHARED = {}
    try:
        yield
    finally:
        _SHARED = outer


def comparison_layout(
    table: pd.DataFrame,
    comparison: Comparison,
    codebook: Codebook,
    lang: str = "fr",
    numeric: pd.DataFrame | None = None,
) -> tuple[list[list[Any]], set[int]]:
    """Rows of one comparison laid out like a manuscript's table, and the
    1-based numbers of its heading rows (to be set in bold).

    Each row of the comparison becomes one line when it prints a single answer
    (binary rows: the "oui" count), else a line with the label and the p-value
    followed by one "- answer" line per printed answer.
    """
    objects = (table, comparison, codebook, lang, numeric)
    key = tuple(id(o) for o in objects)
    hit = None if _SHARED is None else _SHARED.get(key)
    if hit is None:
        rows, bold = _layout(table, comparison, codebook, lang, numeric)
        rows = [[numbers.typeset(c, lang) if isinstance(c, str) else c for c in row] for row in rows]
        hit = (objects, rows, bold)  # objects kept alive: their ids stay theirs
        if _SHARED is not None:
            _SHARED[key] = hit
    return [list(r) for r in hit[1]], set(hit[2])


def _layout(
    table: pd.DataFrame,
    comparison: Comparison,
    codebook: Codebook,
    lang: str,
    numeric: pd.DataFrame | None,
) -> tuple[list[list[Any]], set[int]]:
    if comparison.kind == "all_groups":
        return _groups_layout(table, comparison, codebook, lang, numeric)
    from ..stats.counts import OTHER

    focal_name = str(comparison.focal)
    other_name = OTHER if comparison.kind == "one_vs_rest" else str(comparison.versus)
    if len(table):
        totals = table.drop_duplicates("variable").set_index("variable")
        n_focal = int(totals["n_focal_total"].max())
        n_other = int(totals["n_other_total"].max())
    else:  # numeric rows only: the groups' sizes are those asked
        assert numeric is not None
        n_focal = int((numeric[numeric["group"] == focal_name][["n", "missing"]].sum(axis=1)).max())
        n_other = int((numeric[numeric["group"] == other_name][["n", "missing"]].sum(axis=1)).max())
    rows: list[list[Any]] = [
        [comparison.heading(lang)],
        [],
        [
            "",
            f"{comparison.focal_label.get(lang) or comparison.focal_label['fr']} (n={n_focal})",
            f"{comparison.other_label.get(lang) or comparison.other_label['fr']} (n={n_other})",
            THESIS_HEADER[lang],
            "test",
            "",
            *MODERN_HEADERS[lang],
        ],
    ]
    bold = {1, 3}
    by_variable = records_by_variable(table)
    for row in comparison.rows:
        if row.numeric:
            assert numeric is not None
            rows.append(
                _numeric_line(
                    row, numeric, [focal_name, other_name], codebook, lang, len(MODERN_HEADERS[lang])
                )
            )
            continue
        records = by_variable[row.variable]
        first = records[0]
        by_level: dict[Any, dict[str, Any]] = {}
        for record in records:
            by_level.setdefault(record["level"], record)
        q = codebook[row.variable]
        label = row.label.get(lang) or row.label["fr"]
        with_den = row.among is not None
        p_cells = [
            format_p(first["p_value"], first["test"], lang),
            SHORT_TESTS[lang][first["test"]],
            "",
            *_modern(first, lang),
        ]
        levels = list(row.printed_levels)
        if len(levels) == 1:
            lv = by_level[levels[0]]
            rows.append(
                [
                    label,
                    _cell(int(lv["n_focal"]), int(lv["n_focal_total"]), lv["pct_focal"], with_den, lang),
                    _cell(int(lv["n_other"]), int(lv["n_other_total"]), lv["pct_other"], with_den, lang),
                    *p_cells,
                ]
            )
            continue
        rows.append([label, "", "", *p_cells])
        for code in levels:
            lv = by_level[code]
            rows.append(
                [
                    f"- {_level_label(row, q, code, lang)}",
                    _cell(int(lv["n_focal"]), int(lv["n_focal_total"]), lv["pct_focal"], with_den, lang),
                    _cell(int(lv["n_other"]), int(lv["n_other_total"]), lv["pct_other"], with_den, lang),
                ]
            )
    return rows, bold


_OVERALL_LABEL = {"fr": "Ensemble", "en": "Overall"}
_GROUP_MODERN = {"fr": [0, 1, 2, 3, 5, 6, 7], "en": [0, 1, 2, 3, 5, 6, 7]}  # no odds ratio across groups
_NOT_ANSWERED = {"fr": "- Non renseigné", "en": "- Not answered"}


def _groups_layout(
    table: pd.DataFrame,
    comparison: Comparison,
    codebook: Codebook,
    lang: str,
    numeric: pd.DataFrame | None = None,
) -> tuple[list[list[Any]], set[int]]:
    from ..stats.counts import OVERALL

    levels_of = group_levels(codebook, comparison.group_variable)
    groups = [code for code, _ in levels_of] + [OVERALL]
    names = [label.get(lang) or label["fr"] for _, label in levels_of] + [_OVERALL_LABEL[lang]]
    first_categorical = next((r for r in comparison.rows if not r.numeric), None)
    if first_categorical is not None:
        first_row = table[table["variable"] == first_categorical.variable]
        sizes = {g: int(first_row[first_row["group"] == g]["denominator"].iloc[0]) for g in groups}
    else:
        assert numeric is not None
        sizes = {g: int(numeric[numeric["group"] == g][["n", "missing"]].sum(axis=1).max()) for g in groups}
    modern_headers = [MODERN_HEADERS[lang][i] for i in _GROUP_MODERN[lang]]
    rows: list[list[Any]] = [
        [comparison.heading(lang)],
        [],
        [
            "",
            *(f"{name} (n={sizes[g]})" for g, name in zip(groups, names, strict=True)),
            THESIS_HEADER[lang],
            "test",
            "",
            *modern_headers,
        ],
    ]
    by_variable = records_by_variable(table)
    for row in comparison.rows:
        if row.numeric:
            assert numeric is not None
            cells_of = _numeric_line(row, numeric, groups, codebook, lang, len(MODERN_HEADERS[lang]))
            # No odds ratio across groups: drop that modern column as the header does.
            cut = len(groups) + 4
            rows.append(cells_of[:cut] + [cells_of[cut + i] for i in _GROUP_MODERN[lang]])
            continue
        records = by_variable[row.variable]
        first = records[0]
        q = codebook[row.variable]
        label = row.label.get(lang) or row.label["fr"]
        modern = _modern(first, lang)
        p_cells = [
            format_p(first["p_value"], first["test"], lang),
            SHORT_TESTS[lang][first["test"]],
            "",
            *(modern[i] for i in _GROUP_MODERN[lang]),
        ]
        cells = {(r["level"], r["group"]): r for r in records}

        def line(code: str, cells: dict[Any, Any] = cells, row: Row = row) -> list[str]:
            return [
                _cell(
                    int(cells[(code, g)]["n"]),
                    int(cells[(code, g)]["denominator"]),
                    cells[(code, g)]["percent"],
                    row.among is not None,
                    lang,
                )
                for g in groups
            ]

        levels = list(row.printed_levels)
        if len(levels) == 1:
            rows.append([label, *line(levels[0]), *p_cells])
        else:
            rows.append([label, *([""] * len(groups)), *p_cells])
            for code in levels:
                rows.append([f"- {_level_label(row, q, code, lang)}", *line(code)])
        # The respondents asked who did not answer: counted apart, out of the % and the tests.
        missing = [cells[("(missing)", g)]["n"] if ("(missing)", g) in cells else 0 for g in groups]
        if any(missing):
            rows.append([_NOT_ANSWERED[lang], *(str(int(n)) for n in missing)])
    return rows, {1, 3}


def family_note(
    comparison: Comparison, plan: AnalysisPlan, tables: Mapping[str, pd.DataFrame], lang: str
) -> str:
    """The sentence printed under a table: what its p-value columns are and
    the family over which Holm and Benjamini–Hochberg were applied."""
    return numbers.typeset(_family_note(comparison, plan, tables, lang), lang)


def _family_note(
    comparison: Comparison, plan: AnalysisPlan, tables: Mapping[str, pd.DataFrame], lang: str
) -> str:
    if comparison.family == "all_tables":
        joint = [c for c in plan.comparisons if c.family == "all_tables"]
        names = ", ".join(c.label.get(lang) or c.label["fr"] for c in joint)
        family = (
            f"toutes les lignes testées des tableaux {names}"
            if lang != "en"
            else f"every tested row of the tables {names}"
        )
    else:
        table = tables[comparison.id]
        n = int(table.drop_duplicates("variable")["test_exact"].ne("constant").sum()) if len(table) else 0
        n += sum(1 for r in comparison.rows if r.numeric)
        family = (
            f"les {n} lignes testées de ce tableau" if lang != "en" else f"the {n} tested rows of this table"
        )
    method = {"holm": "Holm", "fdr_bh": "Benjamini–Hochberg"}.get(str(comparison.posthoc), "")
    if lang == "en":
        note = f"Note: Holm and Benjamini–Hochberg (BH) adjustments over {family}."
        if comparison.kind == "all_groups":
            note += (
                " Percentages of those who answered; the not-answered row is left out of them"
                " and of the tests."
            )
        if comparison.posthoc:
            note += (
                f" Pairwise exact tests between groups ({method}-adjusted within each question): "
                f"{comparison.id}_pairwise.csv."
            )
        return note
    note = f"Note : ajustements de Holm et de Benjamini–Hochberg (BH) sur {family}."
    if comparison.kind == "all_groups":
        note += (
            " Pourcentages des répondants à la question ; la ligne « Non renseigné » n'entre ni dans les "
            "pourcentages ni dans les tests."
        )
    if comparison.posthoc:
        note += (
            f" Tests exacts deux à deux entre groupes (ajustés par {method} dans chaque question) : "
            f"{comparison.id}_pairwise.csv."
        )
    return note


def _sheet_name(comparison: Comparison, lang: str, used: set[str], suffix: str = "") -> str:
    # Excel: at most 31 characters, none of []:*?/\, unique in the workbook.
    base = comparison.label.get(lang) or comparison.label["fr"]
    for ch in "[]:*?/\\":
        base = base.replace(ch, " ")
    name = base[: 31 - len(suffix)] + suffix
    k = 2
    while name in used:
        tail = f" ({k}){suffix}"
        name = base[: 31 - len(tail)] + tail
        k += 1
    used.add(name)
    return name


def _md_table(rows: Sequence[Sequence[Any]]) -> str:
    header, *body = rows
    width = len(header)

    def line(cells: Sequence[Any]) -> str:
        padded = [str(c).replace("|", "\\|") for c in cells] + [""] * (width - len(cells))
        return "| " + " | ".join(padded[:width]) + " |"

    return "\n".join([line(header), "|" + "---|" * width, *(line(r) for r in body)])


def write_comparisons_markdown(
    path: Path,
    tables: dict[str, pd.DataFrame],
    plan: AnalysisPlan,
    codebook: Codebook,
    notice: str = "",
    lang: str = "fr",
    numeric: Mapping[str, pd.DataFrame] | None = None,
) -> Path:
    """``comparisons.md``: the same tables in Markdown."""
    parts = []
    if notice:
        parts.append(f"> {notice}\n")
    for comparison in plan.comparisons:
        rows, _ = comparison_layout(
            tables[comparison.id], comparison, codebook, lang, (numeric or {}).get(comparison.id)
        )
        title, _blank, header, *body = rows
        parts.append(f"## {title[0]}\n")
        parts.append(_md_table([header, *body]) + "\n")
        parts.append(family_note(comparison, plan, tables, lang) + "\n")
    return write_text(path, "\n".join(parts))
