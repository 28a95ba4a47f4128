"""Ingest: read a questionnaire export (.xlsx, .csv, .parquet) into a raw table
whose columns are matched to the codebook's questions.

Nothing here interprets answers (that is :mod:`dmp_survey.coding`); this stage
finds the file's format from its bytes, refuses broken or hostile files with one
located message, matches headers to questions, and drops contact/PII columns
before their values are kept anywhere.
"""

from __future__ import annotations

import codecs
import csv
import errno
import io
import os
import re
import stat
import zipfile
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import ParseError
from xml.parsers import expat

import numpy as np
import pandas as pd

from ..errors import InputError, clip
from ..study.codebook import Codebook
from ..text import closest, normalise_header

__all__ = [
    "RawExport",
    "detect_format",
    "read_export",
]

TIMESTAMP = "timestamp"

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = (b"PK\x03\x04", b"PK\x05\x06")
_PARQUET = b"PAR1"
_EXTENSIONS = {
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
}
_FORMAT_NAMES = {
    "xlsx": "an Excel workbook (.xlsx)",
    "csv": "a text/CSV file",
    "parquet": "a Parquet file",
    "xls": "a legacy Excel 97-2003 workbook (.xls)",
    "encrypted": "a password-protected (encrypted) Excel workbook",
    "ods": "an OpenDocument spreadsheet (.ods)",
    "xlsb": "a binary Excel workbook (.xlsb)",
    "zip": "a ZIP archive that is not an Excel workbook",
    "damaged": "a damaged or truncated ZIP archive",
    "utf16": "UTF-16 text",
    "binary": "a binary file of unknown format",
}

# Limits that keep a hostile workbook from exhausting memory before pandas or
# openpyxl see it. A legitimate export of 10^5 respondents is far below them.
MAX_UNCOMPRESSED_BYTES = 2_000_000_000
# Real sheet parts deflate 10- to 20-fold (even an export of identical rows);
# deflate itself tops out near 1000-fold.
MAX_COMPRESSION_RATIO = 100
MAX_DECLARED_CELLS = 50_000_000
# Bytes of a part read to reach its root element (or a sheet's <dimension>).
MAX_PROLOG_BYTES = 1_000_000
# A CSV header row: 16,384 columns (Excel's limit) of 200-character questions
# take 3.3 MB.
MAX_HEADER_BYTES = 16 * 2**20


@dataclass(frozen=True)
class RawExport:
    """A questionnaire export as read, before coding.

    Attributes
    ----------
    path, format, sheet
        Where it came from (``sheet`` only for workbooks).
    frame : pandas.DataFrame
        One row per respondent, one column per matched question id (and
        ``timestamp`` when the export has one), raw cell values (object dtype).
        The index holds the row number as a spreadsheet shows it (header = 1).
    headers : dict
        Question id → header exactly as written in the file.
    unknown_columns : tuple of str
        Headers matching no question (ignored).
    pii_columns : int
        Number of contact/PII columns dropped unread.
    warnings : tuple of str
    reconstructed : bool
        The workbook declares itself a reconstruction (``dmp-survey
        reconstruct`` writes "reconstructed" in its keywords).
    """

    path: Path
    format: str
    sheet: str | None
    frame: pd.DataFrame
    headers: dict[str, str]
    unknown_columns: tuple[str, ...] = ()
    pii_columns: int = 0
    warnings: tuple[str, ...] = field(default=())
    reconstructed: bool = False

    def error(self, message: str, row: int | None = None, column: str | None = None) -> InputError:
        """An :class:`InputError` located in this export (``column`` is a question id)."""
        header = self.headers.get(column, column) if column is not None else None
        return InputError(self.path, message, sheet=self.sheet, row=row, column=header)


# --- format ------------------------------------------------------------------


def _zip_kind(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            if "xl/workbook.xml" in names:
                return "xlsx"
            if "xl/workbook.bin" in names:
                return "xlsb"
            if "mimetype" in names and b"opendocument" in zf.read("mimetype")[:100]:
                return "ods"
    except (zipfile.BadZipFile, OSError):
        return "damaged"
    return "zip"


def detect_format(path: Path) -> str:
    """Return the format of a file from its first bytes, not its extension.

    One of ``xlsx``, ``csv``, ``parquet``, ``xls``, ``encrypted``, ``ods``,
    ``zip``, ``binary``. Raises :class:`InputError` for a missing file, a
    directory or an empty file.
    """
    _check_regular_file(path)
    with path.open("rb") as fh:
        head = fh.read(8192)
    if not head:
        raise InputError(path, "file is empty; expected a questionnaire export")
    if head.startswith(_OLE2):
        # An encrypted .xlsx is an OLE2 container holding an "EncryptedPackage"
        # stream; a legacy .xls holds a "Workbook" stream. The directory entry
        # names are UTF-16LE. (Written by hand: no maintained light dependency
        # reads OLE2 directories for this one fact.)
        with path.open("rb") as fh:
            blob = fh.read(4_000_000)
        if "EncryptedPackage".encode("utf-16-le") in blob:
            return "encrypted"
        return "xls"
    if head.startswith(_ZIP):
        return _zip_kind(path)
    if head.startswith(_PARQUET):
        return "parquet"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf16"
    if b"\x00" in head:
        # Text with a stray NUL (a damaged copy) has no other control byte;
        # UTF-16 without its BOM is half NULs; anything else is binary.
        if any(b < 0x20 and b not in (0, 9, 10, 13) for b in head):
            return "binary"
        return "utf16" if head.count(0) > len(head) // 4 else "csv"
    return "csv"


def _check_regular_file(path: Path) -> None:
    """Refuse what cannot be an export before opening it: a missing file, a
    symbolic link loop, a directory, and a FIFO, socket or device (reading a
    FIFO waits for a writer forever, /dev/zero never ends)."""
    try:
        info = path.stat()
    except FileNotFoundError:
        if path.is_symlink():
            raise InputError(path, "is a symbolic link to a file that does not exist") from None
        raise InputError(path, "file not found") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise InputError(
                path, "is a symbolic link loop (links leading back to themselves); expected an export file"
            ) from None
        raise InputError(path, f"cannot be read ({exc.strerror or exc.__class__.__name__})") from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError(path, "is a directory; expected a questionnaire export file")
    if not stat.S_ISREG(info.st_mode):
        raise InputError(
            path, "is not a regular file (a pipe, socket or device); expected a questionnaire export file"
        )
    if not os.access(path, os.R_OK):
        raise InputError(path, "cannot be read (permission denied)")


def _refuse_nul(path: Path) -> None:
    """A NUL byte anywhere in a text export: CSV readers cut, drop or keep it
    silently (an answer would change unseen), so it is refused with its line."""
    offset = 0
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            at = block.find(b"\x00")
            if at >= 0:
                # Its line counted only now: the lines of a sound file are not.
                fh.seek(0)
                line = 1 + fh.read(offset + at).count(b"\n")
                raise InputError(
                    path,
                    "a NUL byte (\\x00) in the text: a damaged copy or not a text export; export it again",
                    row=line,
                )
            offset += len(block)


def _check_format(path: Path) -> str:
    fmt = detect_format(path)
    expected = _EXTENSIONS.get(path.suffix.lower())
    readable = {"xlsx", "csv", "parquet"}
    if fmt == "encrypted":
        raise InputError(
            path, "the workbook is password-protected (encrypted); save an unprotected copy as .xlsx"
        )
    if fmt == "xls":
        raise InputError(
            path,
            "this is a legacy Excel 97-2003 (.xls) workbook"
            + (f", not {path.suffix}" if path.suffix.lower() != ".xls" else "")
            + "; open it and save it as .xlsx",
        )
    if fmt == "utf16":
        raise InputError(
            path,
            "the text is UTF-16 (Excel's 'Unicode text'); expected UTF-8 or Windows-1252 (cp1252): "
            "save it as 'CSV UTF-8'",
        )
    if fmt == "damaged":
        raise InputError(
            path,
            "the file is damaged or truncated (an incomplete ZIP/.xlsx archive); copy or download it again",
        )
    if fmt not in readable:
        raise InputError(path, f"this is {_FORMAT_NAMES[fmt]}; expected .xlsx, .csv or .parquet")
    if fmt == "csv":
        _refuse_nul(path)
    if expected is not None and expected != fmt:
        raise InputError(
            path,
            f"the name says {path.suffix} but the content is {_FORMAT_NAMES[fmt]}; "
            "rename the file to match its content",
        )
    return fmt


# --- header matching ---------------------------------------------------------


@dataclass
class _Columns:
    """Result of matching a header row: position → question id (or timestamp)."""

    keep: dict[int, str]
    headers: dict[str, str]
    unknown: list[str]
    pii: list[int]


def _column_letter(index: int) -> str:
    """Spreadsheet letters of 0-based column ``index`` (for error messages)."""
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def _match_headers(
    path: Path,
    headers: Sequence[Any],
    codebook: Codebook,
    sheet: str | None,
    header_row: int = 1,
) -> _Columns:
    keys = codebook.header_keys()
    keep: dict[int, str] = {}
    header_of: dict[str, str] = {}
    seen_text: dict[str, int] = {}
    unknown: list[str] = []
    pii: list[int] = []
    non_text: list[int] = []
    duplicates: list[tuple[int, int, str]] = []
    for pos, raw in enumerate(headers):
        if raw is None or (isinstance(raw, float) and pd.isna(raw)) or str(raw).strip() == "":
            continue
        if not isinstance(raw, str):
            non_text.append(pos)
            continue
        text = raw.strip()
        norm = normalise_header(text)
        qid = keys.get(norm)
        if (qid is not None or codebook.is_timestamp_header(text)) and norm in seen_text:
            duplicates.append((seen_text[norm], pos, text))
            continue
        seen_text[norm] = pos
        if qid is not None and codebook.question_of(qid).type.value == "pii":
            pii.append(pos)
            continue
        if qid is not None:
            keep[pos] = qid
            header_of[qid] = text
        elif codebook.is_timestamp_header(text):
            if TIMESTAMP in header_of:
                raise InputError(path, "two timestamp columns", sheet=sheet, row=header_row, column=text)
            keep[pos] = TIMESTAMP
            header_of[TIMESTAMP] = text
        elif codebook.is_pii_header(text):
            pii.append(pos)
        else:
            unknown.append(text)
    if not keep:
        raise InputError(
            path,
            f"no header row: row {header_row} holds no question of the codebook "
            "(the first row must hold the question texts)",
            sheet=sheet,
            row=header_row,
        )
    if duplicates:
        first, pos, text = duplicates[0]
        raise InputError(
            path,
            f"duplicated header (columns {_column_letter(first)} and {_column_letter(pos)})",
            sheet=sheet,
            row=header_row,
            column=text,
        )
    if non_text:
        pos = non_text[0]
        raise InputError(
            path,
            f"header cell {_column_letter(pos)}{header_row} holds {clip(headers[pos])!r}, "
            "not a question text",
            sheet=sheet,
            row=header_row,
        )
    missing = [(q, c) for q in codebook.required for c in q.export_columns if c not in header_of]
    if missing:
        q, column = missing[0]
        wanted = q.text if column == q.id else str(q.answer(column.split("__", 1)[1]).column)
        hint = closest(wanted, unknown)
        more = f" ({len(missing) - 1} more missing)" if len(missing) > 1 else ""
        raise InputError(
            path,
            f"required question {q.number or q.id} missing: no column headed '{wanted}'"
            + (f"; closest header: '{clip(hint)}'" if hint else "")
            + more,
            sheet=sheet,
            row=header_row,
        )
    return _Columns(keep=keep, headers=header_of, unknown=unknown, pii=pii)


# --- readers -----------------------------------------------------------------


def _preflight_xlsx(path: Path) -> None:
    """Refuse zip bombs, huge declared sheets and XML with DTDs before parsing."""
    size = path.stat().st_size
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
        total = sum(i.file_size for i in infos)
        if total > MAX_UNCOMPRESSED_BYTES:
            raise InputError(path, f"workbook would expand to {total // 1_000_000} MB; refused")
        for info in infos:
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > 10_000_000 and ratio > MAX_COMPRESSION_RATIO:
                raise InputError(
                    path,
                    f"workbook part '{info.filename}' expands {ratio:.0f}-fold "
                    f"({info.file_size // 1_000_000} MB from a {size // 1000} kB file); refused",
                )
        try:
            for info in infos:
                # Every part, whatever its name: openpyxl opens a sheet at the
                # path the workbook's relationships give, .xml or not.
                _check_xml_prolog(path, zf, info)
        except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
            raise _unreadable(path, exc) from None


class _RootReached(Exception):
    """Raised by the expat handlers to stop once the root element is seen."""


def _check_xml_prolog(path: Path, zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Parse a part with expat (the parser openpyxl uses, so the same view of
    its encoding, UTF-16 included) up to its root element, or for a sheet up to
    its ``<dimension>``: refuse a DTD or entity declaration, and a sheet that
    declares more cells than :data:`MAX_DECLARED_CELLS`. Parts that are not XML
    (images, binary) are left alone; broken XML is reported by the reader."""

    def refuse_dtd(*_: Any) -> None:
        # No legitimate OOXML part declares a DTD; entity definitions are how
        # "billion laughs" and external-entity attacks work.
        raise InputError(
            path,
            f"workbook part '{info.filename}' declares a DTD or XML entities "
            "(entity expansion / external entity); refused",
        )

    root: list[str] = []

    def start(name: str, attrs: dict[str, str]) -> None:
        local = name.rpartition(":")[2]
        if not root:
            root.append(local)
            if local != "worksheet":
                raise _RootReached
        elif local == "dimension":
            _check_dimension(path, info.filename, attrs.get("ref", ""))
            raise _RootReached
        elif local == "sheetData":
            raise _RootReached

    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = refuse_dtd
    parser.EntityDeclHandler = refuse_dtd
    parser.StartElementHandler = start
    read = 0
    with zf.open(info) as fh:
        while chunk := fh.read(1 << 16):
            read += len(chunk)
            try:
                parser.Parse(chunk, False)
            except (_RootReached, expat.ExpatError):
                return
            if read > MAX_PROLOG_BYTES:
                if not root:
                    raise InputError(
                        path,
                        f"workbook part '{info.filename}' has no XML element in its first "
                        f"{MAX_PROLOG_BYTES // 1_000_000} MB; refused",
                    )
                return


def _check_dimension(path: Path, part: str, ref: str) -> None:
    m = re.fullmatch(r"\$?([A-Z]{1,3})\$?(\d{1,7})(?::\$?([A-Z]{1,3})\$?(\d{1,7}))?", ref.strip().upper())
    if m and m.group(3):
        cols = _letters_to_index(m.group(3)) + 1
        rows = int(m.group(4))
        if rows * cols > MAX_DECLARED_CELLS:
            raise InputError(
                path,
                f"sheet part '{part}' declares {rows:,} rows × {cols:,} columns; "
                "refused as out of proportion",
            )


def _unreadable(path: Path, exc: Exception, sheet: str | None = None) -> InputError:
    """The one-line error for an exception raised while openpyxl or calamine
    reads a workbook."""
    from defusedxml.common import DefusedXmlException

    # openpyxl re-raises parser errors as ValueError("Unable to read workbook")
    # from the original: look down the chain.
    chain: list[BaseException] = []
    cause: BaseException | None = exc
    while cause is not None and len(chain) < 8:
        chain.append(cause)
        cause = cause.__cause__ or cause.__context__
    if any(isinstance(e, DefusedXmlException) for e in chain):
        # Second line of defence, should a DTD get past the preflight.
        return InputError(path, "workbook XML declares a DTD or XML entities; refused", sheet=sheet)
    for e in chain:
        if isinstance(e, ParseError):
            return InputError(path, f"workbook XML is not well-formed ({e})", sheet=sheet)
        if isinstance(e, zipfile.BadZipFile | zlib.error | EOFError):
            return InputError(path, f"the workbook is damaged ({clip(e, 100)})", sheet=sheet)
        # calamine's own exception types (python_calamine.XmlError, ZipError…)
        name = type(e).__name__
        if name == "XmlError":
            return InputError(path, f"workbook XML is not well-formed ({clip(e, 100)})", sheet=sheet)
        if name in ("ZipError", "CalamineError") and "zip" in str(e).lower():
            return InputError(path, f"the workbook is damaged ({clip(e, 100)})", sheet=sheet)
    return InputError(path, f"not a readable .xlsx workbook ({exc.__class__.__name__})", sheet=sheet)


def _letters_to_index(letters: str) -> int:
    # Not openpyxl.utils.column_index_from_string: the preflight runs before
    # every workbook read, and importing openpyxl costs ~0.3 s that the
    # calamine path otherwise never pays.
    index = 0
    for ch in letters:
        index = index * 26 + (ord(ch) - 64)
    return index - 1


_FORMULA_OR_ERROR = re.compile(rb"<(?:\w+:)?f[\s>/]|\st=\"e\"")


def _has_formula_or_error_cells(path: Path) -> bool:
    """True when a worksheet part holds a formula (``<f>``) or an error cell
    (``t="e"``). Scanned in the compressed stream, chunk by chunk."""
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            if not info.filename.startswith("xl/worksheets/"):
                continue
            tail = b""
            with zf.open(info) as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    window = tail + chunk
                    # Substring tests (memchr speed) before the regex: the
                    # regex alone costs ~4 s on a 10^5-row sheet, the tests
                    # ~0.1 s; any chunk that could hold a match still goes
                    # through the regex.
                    maybe = b"<f" in window or b":f" in window or b't="e"' in window
                    if maybe and _FORMULA_OR_ERROR.search(window):
                        return True
                    tail = chunk[-16:]
    return False


def _keywords(path: Path) -> str:
    """The workbook's keywords property (``docProps/core.xml``), read directly."""
    with zipfile.ZipFile(path) as zf:
        try:
            core = zf.read("docProps/core.xml")[:200_000]
        except KeyError:
            return ""
    m = re.search(rb"<cp:keywords>([^<]*)</cp:keywords>", core)
    return m.group(1).decode("utf-8", "replace") if m else ""


def _read_xlsx(path: Path, codebook: Codebook, sheet_name: str | None) -> RawExport:
    """Read a workbook (after the hostile-file preflight).

    Values are read with python-calamine (the library behind pandas'
    ``calamine`` engine, called directly), an order of magnitude faster than
    openpyxl on large exports; calamine shows a formula as its
    cached value, so a workbook whose sheets hold a formula or an error cell
    is read with openpyxl instead, which locates the offending cell.
    """
    _preflight_xlsx(path)
    if _has_formula_or_error_cells(path):
        return _read_xlsx_openpyxl(path, codebook, sheet_name)
    return _read_xlsx_calamine(path, codebook, sheet_name)


def _read_xlsx_calamine(path: Path, codebook: Codebook, sheet_name: str | None) -> RawExport:
    # python-calamine is called directly rather than through
    # ``pd.read_excel(engine="calamine")``: pandas converts every cell in a
    # Python function and then re-parses the rows with its Python text parser,
    # which took two thirds of the read time of a 10^5-row export. Only the
    # cells that are not text need pandas' conversion (``_excel_cell``).
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
        names = [str(n) for n in book.sheet_names]
    except Exception as exc:  # calamine raises its own error types
        raise _unreadable(path, exc) from None
    try:
        if not names:
            raise InputError(path, "the workbook has no worksheet")
        if sheet_name is None:
            title = names[0]
        elif sheet_name in names:
            title = sheet_name
        else:
            raise InputError(path, f"no sheet '{sheet_name}'; sheets: {', '.join(names)}")
        try:
            # skip_empty_area=False: rows and columns keep their place from
            # A1, so that list item i is spreadsheet row i + 1. Values are
            # kept as written: no NA strings ("NA", "None" stay answers).
            rows = book.get_sheet_by_name(title).to_python(skip_empty_area=False)
        except Exception as exc:
            raise _unreadable(path, exc, title) from None
    finally:
        book.close()
    if not rows or (len(rows) == 1 and all(_blank_cell(v) for v in rows[0])):
        raise InputError(path, "the sheet is empty: no header row and no answers", sheet=title, row=1)
    cols = _match_headers(path, [_excel_cell(v) for v in rows[0]], codebook, title)
    positions = sorted(cols.keep)
    body: list[list[Any]] = list(rows[1:])
    width = max([max(positions, default=-1) + 1, *map(len, body)])
    if any(len(row) != width for row in body):  # calamine gives a rectangle; be safe
        body = [list(row) + [None] * (width - len(row)) for row in body]
    transposed = list(zip(*body, strict=True)) if body else [() for _ in range(width)]
    columns: dict[str, list[Any]] = {}
    blank = np.ones(len(body), dtype=bool)
    for pos in positions:
        values = list(transposed[pos])
        for i, value in enumerate(values):
            if type(value) is str:
                if value and not value.isspace():
                    blank[i] = False
                else:
                    values[i] = value if value else None
            elif value is not None:
                values[i] = _excel_cell(value)
                if values[i] is not None:
                    blank[i] = False
        columns[cols.keep[pos]] = values
    data = pd.DataFrame(columns, index=pd.Index(range(2, 2 + len(body)), name="row"), dtype=object)
    data = data[~blank]
    reconstructed = "reconstructed" in _keywords(path).lower()
    return _finish(path, "xlsx", title, data, cols, reconstructed)


def _blank_cell(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _excel_cell(value: Any) -> Any:
    """A calamine cell as pandas' calamine reader gives it: an empty cell is
    None, a whole float an int, a date a datetime; text and times as read."""
    if isinstance(value, str):
        return value if value else None
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day)
    return value


def _read_xlsx_openpyxl(path: Path, codebook: Codebook, sheet_name: str | None) -> RawExport:
    import openpyxl

    try:
        # read_only streams rows; data_only=False keeps formulas visible, so
        # that a formula cell is refused instead of read as its cached value.
        wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl, zipfile, expat and defusedxml raise many types
        raise _unreadable(path, exc) from None
    title: str | None = None
    try:
        if sheet_name is None:
            if not wb.worksheets:
                raise InputError(path, "the workbook has no worksheet")
            ws = wb.worksheets[0]
        elif sheet_name in wb.sheetnames:
            ws = wb[sheet_name]
        else:
            raise InputError(path, f"no sheet '{sheet_name}'; sheets: {', '.join(wb.sheetnames)}")
        title = ws.title
        reconstructed = "reconstructed" in (wb.properties.keywords or "").lower()
        rows = ws.iter_rows()
        header_cells = next(rows, None)
        if header_cells is None:
            raise InputError(path, "the sheet is empty: no header row and no answers", sheet=title, row=1)
        cols = _match_headers(path, [c.value for c in header_cells], codebook, title)
        positions = sorted(cols.keep)
        records: list[list[Any]] = []
        index: list[int] = []
        for rownum, cells in enumerate(rows, start=2):
            values: list[Any] = []
            blank = True
            for pos in positions:
                cell = cells[pos] if pos < len(cells) else None
                if cell is None:
                    values.append(None)
                    continue
                if cell.data_type == "f":
                    raise InputError(
                        path,
                        "formula cell; expected a typed answer (paste values only)",
                        sheet=title,
                        row=rownum,
                        column=cols.headers[cols.keep[pos]],
                    )
                if cell.data_type == "e":
                    raise InputError(
                        path,
                        f"error cell {clip(cell.value)}; expected an answer",
                        sheet=title,
                        row=rownum,
                        column=cols.headers[cols.keep[pos]],
                    )
                value = cell.value
                if value is not None and not (isinstance(value, str) and not value.strip()):
                    blank = False
                values.append(value)
            if blank:
                continue  # an empty line is not a respondent
            records.append(values)
            index.append(rownum)
    except (ParseError, zipfile.BadZipFile, zlib.error, EOFError, ValueError, IndexError) as exc:
        # Sheets are parsed lazily, row by row: a broken or hostile sheet part
        # fails here, not in load_workbook. (InputError is none of these.)
        raise _unreadable(path, exc, title) from None
    finally:
        wb.close()
    frame = pd.DataFrame(
        records, columns=[cols.keep[p] for p in positions], index=pd.Index(index, name="row"), dtype=object
    )
    return _finish(path, "xlsx", title, frame, cols, reconstructed)


def _sniff_csv(path: Path, codebook: Codebook) -> tuple[str, str, list[str]]:
    """Return (encoding, delimiter, header fields) from the head of a CSV file."""
    with path.open("rb") as fh:
        head = fh.read(1 << 16)
        # The header line is read whole: the reader names every column from it,
        # and a cut header (10,000 columns take 130 kB) would shift the columns.
        while b"\n" not in head and b"\r" not in head and len(head) < MAX_HEADER_BYTES:
            more = fh.read(1 << 20)
            if not more:
                break
            head += more
    if b"\n" not in head and b"\r" not in head and len(head) >= MAX_HEADER_BYTES:
        raise InputError(path, f"the header row is longer than {MAX_HEADER_BYTES // 2**20} MB", row=1)
    encoding = "utf-8-sig"
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 4:  # a multi-byte character cut by the sample
            text = head[: exc.start].decode("utf-8-sig")
        else:
            encoding = "cp1252"
            try:
                text = head.decode("cp1252")
            except UnicodeDecodeError:
                # Decoding with replacement would turn the headers into near
                # misses ("required question missing"): name the real problem.
                raise InputError(path, "text is neither UTF-8 nor Windows-1252 (cp1252)") from None
    keys = codebook.header_keys()
    best: tuple[int, str, list[str]] = (-1, ",", [])
    for delimiter in (";", ",", "\t"):
        try:
            fields = next(csv.reader(io.StringIO(text), delimiter=delimiter), [])
        except csv.Error:
            continue
        score = sum(normalise_header(f) in keys for f in fields)
        if score > best[0]:
            best = (score, delimiter, fields)
    return encoding, best[1], best[2]


def _read_csv(path: Path, codebook: Codebook) -> RawExport:
    encoding, delimiter, header = _sniff_csv(path, codebook)
    cols = _match_headers(path, header, codebook, None)
    positions = sorted(cols.keep)

    # Answer columns are read dictionary-encoded, as a Parquet export's are;
    # the timestamp (a distinct value per respondent) stays text.
    answers = [p for p in positions if cols.keep[p] != TIMESTAMP]

    def read(enc: str) -> pd.DataFrame:
        frame = _read_csv_arrow(path, enc, delimiter, len(header), positions, answers)
        if frame is not None:
            return frame
        # Every column is named, not only the kept ones (usecols): with usecols
        # the C parser silently drops the surplus fields of a line, so a line
        # shifted by an unquoted separator would pass unnoticed.
        frame = pd.read_csv(
            path,
            sep=delimiter,
            encoding=enc,
            header=None,
            names=list(range(len(header))),
            skiprows=1,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=True,
            engine="c",
        )
        return frame[positions]  # contact/PII and unknown columns go no further

    try:
        try:
            data = read(encoding)
        except UnicodeDecodeError:
            if encoding == "cp1252":
                raise
            data = read("cp1252")
    except UnicodeDecodeError:
        raise InputError(path, "text is neither UTF-8 nor Windows-1252 (cp1252)") from None
    except pd.errors.EmptyDataError:
        data = pd.DataFrame(columns=positions, dtype=object)
    except (pd.errors.ParserError, ValueError) as exc:
        line = re.search(r"line (\d+)", str(exc))
        raise InputError(
            path,
            "malformed CSV"
            + (": wrong number of fields" if "fields" in str(exc) else "")
            + (": a quoted field is never closed" if "EOF inside string" in str(exc) else ""),
            row=int(line.group(1)) if line else None,
        ) from None
    data.columns = [cols.keep[p] for p in data.columns]
    data = data[[cols.keep[p] for p in positions]]
    data.index = pd.Index(range(2, 2 + len(data)), name="row")
    if len(data):
        # Vectorised on pandas' string columns (kept as read: converting them
        # to Python objects would cost more than everything else here).
        blank = np.ones(len(data), dtype=bool)
        for column in data.columns:
            arrow = blank_text(data[column])
            if arrow is not None:
                blank &= arrow
                continue
            text = data[column].astype(str)
            blank &= text.str.strip().eq("").to_numpy()
        if blank.any():  # else no copy of the frame
            data = data[~blank]
    return _finish(path, "csv", None, data, cols)


def _read_csv_arrow(
    path: Path, encoding: str, delimiter: str, width: int, keep: list[int], answers: Sequence[int] = ()
) -> pd.DataFrame | None:
    """The frame :func:`_read_csv`'s pandas reader gives (columns ``keep`` of
    a header ``width`` fields wide, every field as text, nothing missing),
    read by pyarrow's CSV reader: 6 times faster on 10^6 rows, and the texts
    go straight into the Arrow buffers pandas' string columns use, instead of
    through a Python string each. The columns ``answers`` (among ``keep``)
    are read dictionary-encoded: the same texts as pandas categoricals, each
    distinct answer held once, which the coding stage codes once (as a
    Parquet export's). None when Arrow refuses the file (a row of
    another width, bytes that are not the encoding, …) or when the file is a
    single column (where pandas skips a line of spaces that Arrow would
    keep): the pandas reader then reads it, and names the problem as it
    always did.

    The options are pandas' (``_read_csv``): ``"`` quotes, doubled inside,
    no escape character, line breaks allowed inside quotes, empty lines
    skipped, every row checked against the header's width (Arrow parses
    every field, whichever columns are kept)."""
    if width < 2:
        return None
    import pyarrow as pa
    import pyarrow.csv as pacsv

    names = [f"f{i}" for i in range(width)]
    coded = set(answers)
    try:
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(
                column_names=names,
                skip_rows=1,
                # Arrow skips a UTF-8 byte order mark itself.
                encoding="utf8" if encoding in ("utf-8", "utf-8-sig") else encoding,
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter,
                quote_char='"',
                double_quote=True,
                escape_char=False,
                newlines_in_values=True,
                ignore_empty_lines=True,
            ),
            convert_options=pacsv.ConvertOptions(
                include_columns=[names[p] for p in keep],
                column_types={
                    names[p]: pa.dictionary(pa.int32(), pa.string()) if p in coded else pa.string()
                    for p in keep
                },
                null_values=[],
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowException, UnicodeError, LookupError):
        return None
    text = pd.StringDtype("pyarrow", na_value=np.nan)  # what pandas' dtype=str gives
    data = {
        p: _categorical(table.column(names[p]))
        if p in coded
        else table.column(names[p]).to_pandas(types_mapper={pa.string(): text}.get)
        for p in keep
    }
    return pd.DataFrame(data, copy=False)


def blank_text(column: pd.Series) -> np.ndarray | None:
    """Where a text column backed by Arrow is missing, empty or only
    whitespace, computed on its Arrow buffers (no stripped copy of every
    text, 240 MB for 10^7 timestamps). Arrow's whitespace is the one its
    strip uses, which pandas' ``str.strip`` calls on these columns (checked
    on every code point below U+3100 by the tests). A categorical of texts
    (answers read dictionary-encoded) is tested on its distinct texts, with
    the same whitespace. None for other columns."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        categories = column.cat.categories
        if pd.api.types.infer_dtype(categories, skipna=False) != "string":
            return None
        blank_category = blank_text(pd.Series(categories, dtype=pd.StringDtype("pyarrow")))
        assert blank_category is not None
        return np.append(blank_category, True)[column.array.codes]  # code -1: missing
    if not (isinstance(column.dtype, pd.StringDtype) and column.dtype.storage == "pyarrow"):
        return None
    import pyarrow.compute as pc

    text = column.array.__arrow_array__()
    blank = pc.or_(pc.equal(pc.binary_length(text), 0), pc.utf8_is_space(text))
    return np.asarray(pc.fill_null(blank, True).to_numpy(zero_copy_only=False), dtype=bool)


def _read_parquet(path: Path, codebook: Codebook) -> RawExport:
    import pyarrow.parquet as pq

    try:
        schema = pq.read_schema(path)
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError…
        raise InputError(path, f"not a readable Parquet file ({exc.__class__.__name__})") from None
    names = [n for n in schema.names if not n.startswith("__index_level_")]
    cols = _match_headers(path, names, codebook, None)
    positions = sorted(cols.keep)
    # Only matched columns are read: contact/PII columns never leave the file.
    import pyarrow as pa

    # Answer columns are read dictionary-encoded (pandas categoricals: one
    # small code per respondent, each distinct answer once), so that 10^7
    # respondents fit in memory and the coding stage works on the distinct
    # answers; the timestamp (a distinct value per respondent) and other
    # columns stay Arrow-backed pandas strings, as the CSV reader leaves them.
    text_types = (pa.string(), pa.large_string())
    answers = [
        names[p] for p in positions if cols.keep[p] != TIMESTAMP and schema.field(names[p]).type in text_types
    ]
    strings = {pa.string(): pd.StringDtype("pyarrow"), pa.large_string(): pd.StringDtype("pyarrow")}
    import threading
    from concurrent.futures import ThreadPoolExecutor

    local = threading.local()  # a ParquetFile per thread: one is not shared by two readers

    def read(p: int) -> Any:
        parquet = getattr(local, "parquet", None)
        if parquet is None:
            parquet = local.parquet = pq.ParquetFile(path, read_dictionary=answers)
        column = parquet.read(columns=[names[p]], use_threads=False)
        return (
            _categorical(column.column(0))
            if names[p] in answers
            else column.column(0).to_pandas(types_mapper=strings.get)
        )

    # Two columns at a time, on two threads (Arrow decodes without the GIL):
    # only two columns' Arrow buffers live beside the pandas frame being
    # built. The run's helper processes are still importing their libraries
    # meanwhile, and then wait for the answers to be coded: reading on two
    # cores brings that moment forward (10^6 respondents: 0.36-0.50 ->
    # 0.26-0.36 s), the whole run 0.96x (9 alternated pairs).
    with ThreadPoolExecutor(2, thread_name_prefix="dmp-survey-read") as pool:
        data = dict(zip([cols.keep[p] for p in positions], pool.map(read, positions), strict=True))
    data = pd.DataFrame(data)
    data.index = pd.Index(range(2, 2 + len(data)), name="row")
    return _finish(path, "parquet", None, data, cols)


def _categorical(column: Any) -> pd.Categorical:
    """A dictionary-encoded Arrow column as a pandas categorical whose codes
    take the smallest integer type (pandas' own conversion keeps Arrow's
    32-bit indices: 40 MB per column of 10^7 answers instead of 10)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    column = column.unify_dictionaries() if column.num_chunks > 1 else column
    chunks = column.chunks
    if not chunks:
        return pd.Categorical([])
    # The chunks' indices joined by Arrow, then filled once: a CSV of 10^6
    # rows comes in about 280 chunks per column, and filling and converting
    # each apart cost 0.1 s of the 0.23 s of its 34 columns.
    indices = pa.chunked_array([c.indices for c in chunks], type=chunks[0].indices.type).combine_chunks()
    codes = pc.fill_null(indices, -1).to_numpy(zero_copy_only=False)
    categories = pd.Index(chunks[0].dictionary.to_pylist(), dtype=object)
    if categories.has_duplicates or categories.hasnans:
        # Arrow may keep a duplicated or null dictionary entry; pandas may not.
        return pd.Categorical(column.to_pandas())
    return pd.Categorical.from_codes(codes, categories=categories)


def _finish(
    path: Path, fmt: str, sheet: str | None, frame: pd.DataFrame, cols: _Columns, reconstructed: bool = False
) -> RawExport:
    warnings: list[str] = []
    if cols.unknown:
        shown = ", ".join(f"'{clip(u, 40)}'" for u in cols.unknown[:5])
        warnings.append(f"{len(cols.unknown)} column(s) match no question and are ignored: {shown}")
    if cols.pii:
        warnings.append(f"{len(cols.pii)} contact/PII column(s) dropped unread")
    if frame.empty:
        raise InputError(path, "no answers: the file has a header row but no respondent", sheet=sheet, row=2)
    return RawExport(
        path=path,
        format=fmt,
        sheet=sheet,
        frame=frame,
        headers=cols.headers,
        unknown_columns=tuple(cols.unknown),
        pii_columns=len(cols.pii),
        warnings=tuple(warnings),
        reconstructed=reconstructed,
    )


def read_export(path: Path, codebook: Codebook, sheet: str | None = None) -> RawExport:
    """Read a questionnaire export.

    Parameters
    ----------
    path : Path
        ``.xlsx`` (first sheet unless ``sheet`` is given), ``.csv`` (UTF-8, UTF-8
        with BOM or cp1252; ``;``, ``,`` or tab separated) or ``.parquet``.
    codebook : Codebook
        Used to match headers to questions (case, accents, spacing,
        punctuation and a leading "1-"/"A)" numbering are ignored; a column may
        also be headed by the question id).
    sheet : str, optional
        Worksheet to read.

    Returns
    -------
    RawExport

    Raises
    ------
    InputError
        For a missing, empty, mis-named, legacy, encrypted, hostile or
        malformed file, a missing header row, a duplicated header, a missing
        required question, or a formula cell.
    """
    fmt = _check_format(path)
    if fmt == "xlsx":
        return _read_xlsx(path, codebook, sheet)
    if fmt == "csv":
        return _read_csv(path, codebook)
    return _read_parquet(path, codebook)


def iter_question_columns(raw: RawExport) -> Iterable[str]:
    """Question ids present in ``raw`` (timestamp excluded), in file order."""
    return (c for c in raw.frame.columns if c != TIMESTAMP)
