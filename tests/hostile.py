"""The hostile-input corpus of issue 19: every case a ``dmp-survey run`` must
refuse (one line, exit 2, nothing written, the input untouched) or accept with
the right answers.

It is the committed corpus of ``tests/data/bad`` (issue 7, its fragments in
``expected.csv``) plus the cases built here at test time into a temporary
folder: large ones (a 50 MB cell, 10,000 columns), ones that cannot be
committed (a FIFO, a symlink loop, /dev/zero) and study folders. Each case is
listed with what a user expects in ``docs/hostile-inputs.md``.

Run as a script to write the built cases into a folder (the committed ones are
``tests/data/make_bad_inputs.py``'s)::

    .venv/bin/python tests/hostile.py OUT_DIR
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # exports.py, when run as a script

from exports import form_export  # noqa: E402

from dmp_survey.config import DEFAULT_CODEBOOK, DEFAULT_STUDY  # noqa: E402
from dmp_survey.study.codebook import Codebook, load_codebook  # noqa: E402

BAD = HERE / "data" / "bad"
SEED = 7
N_RESPONDENTS = 20


@dataclass(frozen=True)
class Built:
    """What a case gives the command line: the export, the study folder
    (None: the shipped one) and the files whose bytes must not change
    (not a FIFO or a device, which cannot be hashed without blocking or
    reading forever)."""

    export: Path
    study: Path | None = None
    untouched: tuple[Path, ...] = ()


@dataclass(frozen=True)
class Case:
    """One hostile input: ``fragment`` is part of the one line a refusal
    prints (``accepted`` cases print none and give the clean export's codes)."""

    name: str
    what: str
    build: Callable[[Path], Built]
    fragment: str = ""
    accepted: bool = False
    tags: tuple[str, ...] = field(default=())


# --- the clean export every built case starts from ------------------------------


def _codebook() -> Codebook:
    return load_codebook(DEFAULT_CODEBOOK)


def _table(n: int = N_RESPONDENTS) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the clean export as text (the CSV cases' cells)."""
    headers, rows, _ = form_export(_codebook(), n=n, seed=SEED)

    def text(v: Any) -> str:
        if v is None:
            return ""
        if hasattr(v, "strftime"):
            return str(v.strftime("%d/%m/%Y %H:%M:%S"))
        return str(v)

    return list(headers), [[text(v) for v in row] for row in rows]


def csv_text(headers: Sequence[str], rows: Sequence[Sequence[str]], newline: str = "\r\n") -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=newline)
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue()


def clean_csv(folder: Path) -> Path:
    """The clean export as a UTF-8 CSV (what accepted cases are compared with)."""
    headers, rows = _table()
    path = folder / "clean.csv"
    path.write_bytes(csv_text(headers, rows).encode("utf-8"))
    return path


def _write(folder: Path, name: str, data: bytes) -> Built:
    path = folder / name
    path.write_bytes(data)
    return Built(path, untouched=(path,))


def _csv_case(name: str, edit: Callable[[list[str], list[list[str]]], bytes]) -> Callable[[Path], Built]:
    def build(folder: Path) -> Built:
        headers, rows = _table()
        return _write(folder, name, edit(headers, rows))

    return build


def _column(headers: list[str], start: str) -> int:
    return next(i for i, h in enumerate(headers) if h.startswith(start))


# --- export cases ------------------------------------------------------------------


def _committed(name: str) -> Callable[[Path], Built]:
    def build(folder: Path) -> Built:
        path = folder / name
        shutil.copyfile(BAD / name, path)
        return Built(path, untouched=(path,))

    return build


def _renamed(source: str, name: str) -> Callable[[Path], Built]:
    def build(folder: Path) -> Built:
        return _write(folder, name, (BAD / source).read_bytes())

    return build


def _latin1(headers: list[str], rows: list[list[str]]) -> bytes:
    return csv_text(headers, rows).encode("latin-1")


def _nul_byte(headers: list[str], rows: list[list[str]]) -> bytes:
    rows[3][_column(headers, "Vous êtes")] = "Un homme\x00"
    return csv_text(headers, rows).encode("utf-8")


def _nul_byte_late(headers: list[str], rows: list[list[str]]) -> bytes:
    # Beyond the first 64 kB that the format and encoding are told from.
    while len(csv_text(headers, rows)) < 80_000:
        rows = rows + rows
    rows[-2] = list(rows[-2])
    rows[-2][_column(headers, "Vous êtes")] = "Un\x00homme"
    return csv_text(headers, rows).encode("utf-8")


def _mixed_line_endings(headers: list[str], rows: list[list[str]]) -> bytes:
    ends = ("\r\n", "\n", "\r")
    lines = csv_text(headers, rows, newline="\n").splitlines()
    return "".join(line + ends[i % 3] for i, line in enumerate(lines)).encode("utf-8")


def _bom_in_middle(headers: list[str], rows: list[list[str]]) -> bytes:
    # Two UTF-8-with-BOM exports pasted one after the other.
    half = len(rows) // 2
    first = csv_text(headers, rows[:half])
    second = csv_text(headers, rows[half:])
    return b"\xef\xbb\xbf" + first.encode("utf-8") + b"\xef\xbb\xbf" + second.encode("utf-8")


def _bom_in_cell(headers: list[str], rows: list[list[str]]) -> bytes:
    column = _column(headers, "Vous êtes")
    rows[5][column] = "\ufeff" + rows[5][column]
    return csv_text(headers, rows).encode("utf-8")


def _wide(headers: list[str], rows: list[list[str]]) -> bytes:
    extra = 10_000 - len(headers)
    headers = headers + [f"colonne {i}" for i in range(extra)]
    rows = [row + [str(i % 7)] * extra for i, row in enumerate(rows)]
    return csv_text(headers, rows).encode("utf-8")


def _long_cell(headers: list[str], rows: list[list[str]]) -> bytes:
    rows[4][_column(headers, "Vous êtes")] = "Un homme" + " et encore" * 5_000_000
    return csv_text(headers, rows).encode("utf-8")


def _empty_required_header(headers: list[str], rows: list[list[str]]) -> bytes:
    headers[_column(headers, "Participez-vous")] = ""
    return csv_text(headers, rows).encode("utf-8")


def _no_headers(headers: list[str], rows: list[list[str]]) -> bytes:
    return csv_text([""] * len(headers), rows).encode("utf-8")


def _twin_header(change: Callable[[str], str]) -> Callable[[list[str], list[list[str]]], bytes]:
    def edit(headers: list[str], rows: list[list[str]]) -> bytes:
        column = _column(headers, "Quel âge")
        headers = [*headers, change(headers[column])]
        rows = [[*row, row[column]] for row in rows]
        return csv_text(headers, rows).encode("utf-8")

    return edit


def _without_accents(headers: list[str], rows: list[list[str]]) -> bytes:
    headers = [h.replace("â", "a").replace("ê", "e").replace("Ê", "E") for h in headers]
    return csv_text(headers, rows).encode("utf-8")


def _empty_sheet(folder: Path) -> Built:
    generator = _bad_generator()
    wb = generator.workbook([["x"]])
    wb.parts["xl/worksheets/sheet1.xml"] = (
        f'{generator.XML_DECL}<worksheet xmlns="{generator.MAIN_NS}"><sheetData/></worksheet>'
    ).encode()
    return _write(folder, "empty_sheet.xlsx", wb.zip())


def _bad_generator() -> Any:
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_bad_inputs", HERE / "data" / "make_bad_inputs.py")
    assert spec is not None and spec.loader is not None
    module = sys.modules.get(spec.name)
    if module is None:
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # dataclasses look their module up there
        spec.loader.exec_module(module)
    return module


def _fifo(folder: Path) -> Built:
    path = folder / "fifo.csv"
    os.mkfifo(path)
    return Built(path)  # never opened by the test: a reader would wait for a writer


def _dev_zero(folder: Path) -> Built:
    return Built(Path("/dev/zero"))


def _directory(folder: Path) -> Built:
    path = folder / "export.xlsx"
    path.mkdir()
    return Built(path)


def _symlink_loop(folder: Path) -> Built:
    a, b = folder / "loop.xlsx", folder / "loop_b.xlsx"
    a.symlink_to(b.name)
    b.symlink_to(a.name)
    return Built(a)


def _missing(folder: Path) -> Built:
    return Built(folder / "nowhere.xlsx")


# --- study folder cases ----------------------------------------------------------


def _study_case(edit: Callable[[Path], None]) -> Callable[[Path], Built]:
    """A copy of the shipped study with one edit, run on the clean export."""

    def build(folder: Path) -> Built:
        study = folder / "study"
        shutil.copytree(DEFAULT_STUDY, study)
        edit(study)
        export = clean_csv(folder)
        files = tuple(p for p in sorted(study.rglob("*")) if p.is_file() and not p.is_symlink())
        return Built(export, study, untouched=(export, *files))

    return build


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _yaml_laughs(study: Path) -> None:
    bomb = ["lol0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    bomb += [f"lol{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    (study / "codebook.yaml").write_text("\n".join(bomb) + "\n", encoding="utf-8")


def _yaml_python_tag(study: Path) -> None:
    _replace(study / "study.yaml", "id: dmp-somme-2019\n", 'id: !!python/object/apply:os.system ["true"]\n')


def _path_escape(study: Path) -> None:
    _replace(study / "study.yaml", "published: published\n", "published: ../published\n")
    shutil.copytree(study / "published", study.parent / "published")


def _many_comparisons(study: Path) -> None:
    extra = "".join(
        f"  - {{id: x{i}, kind: all_groups, group_variable: usage_group, label: {{fr: T, en: T}}, "
        "title: {fr: t, en: t}}\n"
        for i in range(10_000)
    )
    _replace(study / "plan.yaml", "\ncomparisons:\n", "\ncomparisons:\n" + extra)


def _aliased_comparisons(study: Path) -> None:
    # The same 10,000 times through a YAML alias: a 60 kB file.
    first = (
        "  - &c {id: x, kind: all_groups, group_variable: usage_group, label: {fr: T, en: T}, "
        "title: {fr: t, en: t}}\n"
    )
    _replace(study / "plan.yaml", "\ncomparisons:\n", "\ncomparisons:\n" + first + "  - *c\n" * 9_999)


def cases() -> list[Case]:
    """Every case, the committed ones first."""
    with (BAD / "expected.csv").open(encoding="utf-8", newline="") as fh:
        committed = [
            Case(row["file"], row["what"], _committed(row["file"]), row["fragment"], tags=("committed",))
            for row in csv.DictReader(fh)
        ]
    built = [
        Case("ods_named.xlsx", "an OpenDocument spreadsheet renamed .xlsx",
             _renamed("spreadsheet.ods", "ods_named.xlsx"), "this is an OpenDocument spreadsheet (.ods)"),
        Case("latin1.csv", "a CSV in ISO-8859-1 (Latin-1): read as Windows-1252, its superset for text",
             _csv_case("latin1.csv", _latin1), accepted=True),
        Case("nul_byte.csv", "a NUL byte in an answer of row 5",
             _csv_case("nul_byte.csv", _nul_byte), "row 5: a NUL byte"),
        Case("nul_byte_late.csv", "a NUL byte in an answer beyond the first 64 kB",
             _csv_case("nul_byte_late.csv", _nul_byte_late), "NUL byte"),
        Case("mixed_line_endings.csv", "lines ending in CR LF, LF and CR in turn",
             _csv_case("mixed_line_endings.csv", _mixed_line_endings), accepted=True),
        Case("bom_in_middle.csv", "two UTF-8-with-BOM exports pasted together: a BOM and a header mid-file",
             _csv_case("bom_in_middle.csv", _bom_in_middle), "row 12"),
        Case("bom_in_cell.csv", "a byte-order mark (U+FEFF) before one answer",
             _csv_case("bom_in_cell.csv", _bom_in_cell), accepted=True),
        Case("wide_10000_columns.csv", "10,000 columns, all but the questions unknown (ignored, named)",
             _csv_case("wide_10000_columns.csv", _wide), accepted=True, tags=("large",)),
        Case("long_cell_50mb.csv", "one answer 50 MB long",
             _csv_case("long_cell_50mb.csv", _long_cell), "row 6, column 'Vous êtes :': unknown answer",
             tags=("large",)),
        Case("empty_required_header.csv", "the header of question A6 left empty",
             _csv_case("empty_required_header.csv", _empty_required_header), "required question A6 missing"),
        Case("empty_headers.csv", "a header row of empty cells",
             _csv_case("empty_headers.csv", _no_headers), "no header row"),
        Case("headers_spaces.csv", "two headers that differ only in spaces",
             _csv_case("headers_spaces.csv", _twin_header(lambda h: h.replace(" ", "  "))),
             "duplicated header"),
        Case("headers_accents.csv", "two headers that differ only in accents",
             _csv_case("headers_accents.csv", _twin_header(lambda h: h.replace("â", "a"))),
             "duplicated header"),
        Case("headers_without_accents.csv", "every header typed without accents (matched as documented)",
             _csv_case("headers_without_accents.csv", _without_accents), accepted=True),
        Case("empty_sheet.xlsx", "a workbook whose only sheet has no cell", _empty_sheet,
             "the sheet is empty"),
        Case("fifo.csv", "a named pipe (FIFO) given as the export", _fifo, "not a regular file"),
        Case("dev_zero", "/dev/zero given as the export", _dev_zero, "not a regular file"),
        Case("directory.xlsx", "a directory given as the export", _directory, "is a directory"),
        Case("symlink_loop.xlsx", "a symbolic link to a link to itself", _symlink_loop, "symbolic link loop"),
        Case("missing.xlsx", "an export that does not exist", _missing, "file not found"),
        Case("yaml_billion_laughs", "codebook.yaml whose aliases expand to 10^9 nodes",
             _study_case(_yaml_laughs), "codebook.yaml"),
        Case("yaml_python_tag", "study.yaml with a !!python/object/apply tag",
             _study_case(_yaml_python_tag), "no tags"),
        Case("study_path_escape", "study.yaml naming published: ../published",
             _study_case(_path_escape), "leaves the study folder"),
        Case("plan_10000_comparisons", "a plan naming 10,000 comparisons",
             _study_case(_many_comparisons), "plan.yaml: the analysis plan is 1.1 MB, larger than"),
        Case("plan_10000_aliased_comparisons", "a plan naming one comparison 10,000 times through an alias",
             _study_case(_aliased_comparisons), "comparisons: 10004 comparisons; at most 200"),
    ]  # fmt: skip
    return committed + built


if __name__ == "__main__":
    target = Path(sys.argv[1])
    target.mkdir(parents=True, exist_ok=True)
    for case in cases():
        if "committed" in case.tags:
            continue
        folder = target / case.name.replace(".", "_")
        folder.mkdir()
        built = case.build(folder)
        print(f"{case.name}: {built.export}" + (f" --study {built.study}" if built.study else ""))
