"""Writers for every output format, each with an explicit engine and the same
bytes on every run (no wall-clock time, no machine-specific stamp).

Also the protections an output needs: spreadsheet formula injection (a free
text answer starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return is
written as text in xlsx and escaped in CSV) and characters an xlsx cannot hold.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "FIXED_TIMESTAMP",
    "csv_safe",
    "normalise_xlsx",
    "write_csv",
    "write_json",
    "write_parquet",
    "write_text",
    "write_xlsx_sheets",
    "xlsx_text",
]

# Written wherever a format wants a date (xlsx properties, zip entries): the
# day the survey closed, so that the same inputs always give the same bytes.
FIXED_TIMESTAMP = (2019, 3, 4, 0, 0, 0)
_FIXED_ISO = "2019-03-04T00:00:00Z"

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Characters the xlsx XML cannot carry (XML 1.0 "Char"): control characters
# (openpyxl raises on them), and surrogates and U+FFFE/U+FFFF (openpyxl writes
# them, and the workbook can no longer be opened).
_ILLEGAL_XLSX = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def csv_safe(value: Any) -> Any:
    """Escape a text that a spreadsheet would run as a formula (OWASP: prefix ``'``)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _csv_text(value: Any) -> Any:
    """:func:`csv_safe`, then line ends as ``\\n``: Python's csv writer (3.11)
    quotes a field holding ``\\n``, our line end, but not one holding a bare
    ``\\r``, which spreadsheets read as a line break, so "'\\r=1+1" would come
    out as a row break followed by a live formula."""
    value = csv_safe(value)
    if isinstance(value, str) and "\r" in value:
        return value.replace("\r\n", "\n").replace("\r", "\n")
    return value


def xlsx_text(value: str, warn: Callable[[str], None] | None = None) -> str:
    """Remove the characters an xlsx cannot hold, warning through ``warn``."""
    cleaned = _ILLEGAL_XLSX.sub("", value)
    if cleaned != value and warn is not None:
        warn("control characters removed from a text answer (xlsx cannot store them)")
    return cleaned


def write_text(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)
    return path


def write_json(path: Path, data: Any) -> Path:
    return write_text(path, json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n")


def write_csv(
    path: Path,
    frame: pd.DataFrame,
    float_format: str = "%.10g",
    *,
    sep: str = ",",
    decimal: str = ".",
    encoding: str = "utf-8",
) -> Path:
    """UTF-8 CSV, ``,`` separated, ``\\n`` line ends, floats to 10 significant
    digits (enough to reproduce every printed value, stable across platforms),
    text cells escaped against formula injection. ``sep``, ``decimal`` and
    ``encoding`` make the other dialects (:mod:`dmp_survey.io.csvdialect`)."""
    out = frame.copy(deep=False)  # columns are replaced, never written into
    for i, (_, values) in enumerate(frame.items()):
        if values.dtype == object or pd.api.types.is_string_dtype(values):  # categoricals of text too
            # Escape each distinct value once (a text column of 10^6 rows has
            # few distinct answers), then put them back in place.
            if isinstance(values.dtype, pd.CategoricalDtype):
                categories = [_csv_text(c) for c in values.cat.categories]
                if len(set(categories)) == len(categories):
                    # The same codes (not a copy of them, which
                    # ``rename_categories`` would make), escaped categories:
                    # no pass over the rows.
                    dtype = pd.CategoricalDtype(categories, ordered=values.cat.ordered)
                    codes = distinct_codes(values)[0]
                    escaped = pd.Categorical.from_codes(codes, dtype=dtype, validate=False)
                    out.isetitem(i, pd.Series(escaped, index=out.index, copy=False))
                    continue
            codes, uniques = pd.factorize(values, use_na_sentinel=True)
            escaped = pd.array([_csv_text(u) for u in uniques] + [None], dtype=object)
            out.isetitem(i, np.asarray(escaped)[codes])
    path.parent.mkdir(parents=True, exist_ok=True)
    options: dict[str, Any] = {
        "index": False,
        "sep": sep,
        "decimal": decimal,
        "lineterminator": "\n",
        "float_format": float_format,
    }
    if len(out) >= _ARROW_CSV_ROWS and len(out.columns):
        _write_csv_arrow(path, out, encoding, options)
    else:
        out.to_csv(path, encoding=encoding, **options)
    return path


#: From this many rows on, :func:`write_csv` assembles the file with Arrow
#: (:func:`_write_csv_arrow`): pandas' ``to_csv`` formats every cell in
#: Python, about 10 s for the processed responses of 10^6 respondents.
_ARROW_CSV_ROWS = 20_000

#: About how many bytes of text :func:`_write_csv_arrow` assembles at a time,
#: and the most rows it takes for that. Each chunk's text is built in fresh
#: Arrow buffers; a buffer of tens of MB (200 000 rows of 30 answers) was
#: given back to the system when freed and taken again, zeroed page by page
#: by the kernel, for the next chunk: 0.2-0.9 s of system time for the 149 MB
#: of the processed responses of 10^6 respondents, 0.05-0.2 s in chunks of
#: about 8 MB (five fresh processes each, ``getrusage``), the same user time.
_CHUNK_BYTES = 8 << 20
_CHUNK_ROWS = 200_000


def distinct_codes(column: pd.Series) -> tuple[np.ndarray, Any]:
    """``(codes, uniques)`` as :func:`pandas.factorize` gives them (code -1:
    missing); a categorical's own codes and categories, without hashing its
    rows (the coding stage and the CSV writer on 10^6 answers). A
    categorical's codes are its own array, read-only, not a copy
    (``Series.cat.codes`` copies them)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        categorical: pd.Categorical = column.array
        return categorical.codes, categorical.categories
    return pd.factorize(column, use_na_sentinel=True)


#: Largest number of distinct joined texts of one block of columns (see
#: :func:`_write_csv_arrow`).
_BLOCK_VALUES = 1 << 12


def _direct_text(column: pd.Series) -> Callable[[int, int], Any] | None:
    """For an integer column, or a column of dates and times to the second:
    a function giving the text of rows ``[start, stop)`` as an Arrow string
    array, formatted by Arrow as ``to_csv`` formats them (integers in
    decimal; date and time ``YYYY-MM-DD HH:MM:SS``, or the date alone when
    every value is at midnight; missing as null). None for other columns."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(column.dtype, np.dtype) and column.dtype.kind in "iu":
        integers = column.to_numpy()
        return lambda start, stop: pc.cast(pa.array(integers[start:stop]), pa.string())
    if not pd.api.types.is_datetime64_dtype(column.dtype):
        return None
    values = column.to_numpy()
    ns = values.astype("datetime64[ns]").view(np.int64)
    present = ns != np.iinfo(np.int64).min  # NaT
    if (ns[present] % 1_000_000_000).any():
        return None  # fractions of a second: pandas' own formatting
    # Arrow's cast to text writes "YYYY-MM-DD HH:MM:SS" (a date: "YYYY-MM-DD"),
    # thirty times faster than its strftime.
    dates = not (ns[present] % 86_400_000_000_000).any()
    seconds = np.where(present, ns // 1_000_000_000, 0)

    def text(start: int, stop: int) -> Any:
        stamps = pa.array(seconds[start:stop], pa.timestamp("s"), mask=~present[start:stop])
        return pc.cast(pc.cast(stamps, pa.date32()) if dates else stamps, pa.string())

    return text


def _write_csv_arrow(path: Path, frame: pd.DataFrame, encoding: str, options: dict[str, Any]) -> None:
    """What ``frame.to_csv(path, **options)`` writes, byte for byte, built
    from each column's distinct values.

    Each distinct value of a column is formatted once by pandas itself (a
    one-column ``to_csv`` of the distinct values, so floats, dates, booleans
    and quoting come out as in the whole file). Neighbouring columns whose
    formatted values have at most ``_BLOCK_VALUES`` combinations form a block:
    every combination is joined once in Python, and a row's block is one
    index into them (mixed-radix). Arrow then puts each block's joined text
    in place (dictionary indices) and joins the blocks of each row
    (``binary_join_element_wise``), a chunk of rows at a time: with survey
    answers (a handful of values per question) 30 columns make about 7
    blocks, and joining is 4 times faster than field by field. Columns of
    mostly distinct integers or times (respondent ids, a form's timestamp)
    are formatted by Arrow chunk by chunk instead (:func:`_direct_text`).
    Falls back to ``to_csv`` when a value holds the NUL character used to
    split the formatted values.
    """
    import itertools

    import pyarrow as pa
    import pyarrow.compute as pc

    end = "\x00\n"
    sep = options["sep"]
    # A block: columns of few values ((codes, texts) each), or one column
    # formatted chunk by chunk.
    Coded = tuple[np.ndarray, list[str]]
    blocks: list[list[Coded] | Callable[[int, int], Any]] = []
    size = 0
    for name in frame.columns:
        direct = _direct_text(frame[name])
        if direct is not None:
            blocks.append(direct)
            continue
        codes, uniques = distinct_codes(frame[name])
        texts = uniques.dtype == object or pd.api.types.is_string_dtype(uniques.dtype)
        if texts and any(isinstance(u, str) and "\x00" in u for u in uniques):
            frame.to_csv(path, encoding=encoding, **options)
            return
        formatted: list[str] = []
        if len(uniques):
            text = pd.DataFrame({name: uniques}).to_csv(header=False, **{**options, "lineterminator": end})
            formatted = text.split(end)[:-1]
        if texts:
            # One field alone on its line: csv quotes an empty string, a
            # field among others is left empty.
            formatted = [
                "" if f == '""' and isinstance(u, str) and u == "" else f
                for f, u in zip(formatted, uniques, strict=True)
            ]
        values = [*formatted, ""]  # the last one stands for a missing value (code -1)
        last = blocks[-1] if blocks else None
        if isinstance(last, list) and size * len(values) <= _BLOCK_VALUES:
            last.append((codes, values))
            size *= len(values)
        else:
            blocks.append([(codes, values)])
            size = len(values)
    dictionaries = [
        None
        if callable(block)
        else pa.array(
            block[0][1]
            if len(block) == 1
            else [sep.join(combo) for combo in itertools.product(*(values for _, values in block))],
            pa.string(),
        )
        for block in blocks
    ]
    # Each row's line end: part of the last block's texts when they are a
    # dictionary (one pass of Arrow over each chunk's text, not two).
    line_ends = not callable(blocks[-1])
    if line_ends:
        last_dictionary = dictionaries[-1]
        assert last_dictionary is not None
        dictionaries[-1] = pc.binary_join_element_wise(last_dictionary, "", "\n")
    # The longest a row's text can be (a column formatted directly: 20
    # characters), for the number of rows of a chunk.
    widest = 1 + sum(
        len(sep) + (20 if d is None else pc.max(pc.binary_length(d)).as_py() or 0) for d in dictionaries
    )
    chunk_rows = max(1, min(_CHUNK_ROWS, _CHUNK_BYTES // widest))
    header = frame.iloc[:0].to_csv(**options)
    with path.open("wb") as fh:
        fh.write(header.encode(encoding))
        for start in range(0, len(frame), chunk_rows):
            stop = min(start + chunk_rows, len(frame))
            fields = []
            for block, dictionary in zip(blocks, dictionaries, strict=True):
                if callable(block):
                    fields.append(pc.fill_null(block(start, stop), ""))
                    continue
                index = np.zeros(stop - start, dtype=np.int64)
                for codes, values in block:
                    chunk = codes[start:stop].astype(np.int64)
                    chunk[chunk < 0] = len(values) - 1
                    index = index * len(values) + chunk  # itertools.product's order
                assert dictionary is not None
                fields.append(dictionary.take(pa.array(index)))
            lines = pc.binary_join_element_wise(*fields, sep) if len(fields) > 1 else fields[0]
            if not line_ends:
                lines = pc.binary_join_element_wise(lines, "", "\n")  # each row + "\n"
            offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32)
            first, last_offset = offsets[lines.offset], offsets[lines.offset + len(lines)]
            fh.write(memoryview(lines.buffers()[2])[first:last_offset])  # UTF-8 already


def write_parquet(path: Path, frame: pd.DataFrame) -> Path:
    """Parquet through pyarrow, without the pandas index, compression named.

    Column statistics (each column chunk's minimum and maximum, which let a
    reader skip chunks) are written for every column but the categorical
    ones: a categorical answer's minimum and maximum are the alphabetical
    first and last of its codes, which no reader filters on, and computing
    them was a third of the file's writing time (0.66 -> 0.37 s for 10^6
    respondents; the file is otherwise the same, categories included)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with_statistics = [
        name for name, dtype in frame.dtypes.items() if not isinstance(dtype, pd.CategoricalDtype)
    ]
    frame.to_parquet(
        path, engine="pyarrow", index=False, compression="snappy", write_statistics=with_statistics
    )
    return path


def normalise_xlsx(path: Path) -> Path:
    """Rewrite an xlsx so that the same content always has the same bytes.

    openpyxl stamps ``docProps/core.xml`` with the wall clock on every save and
    the zip entries carry it too: both are set to ``FIXED_TIMESTAMP``, entries
    are written in a fixed order with fixed permissions.
    """
    with zipfile.ZipFile(path) as zin:
        entries = [(info.filename, zin.read(info.filename)) for info in zin.infolist()]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zout:
        for name, data in entries:
            if name == "docProps/core.xml":
                text = data.decode("utf-8")
                text = re.sub(
                    r"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)",
                    rf"\g<1>{_FIXED_ISO}\g<3>",
                    text,
                )
                data = text.encode("utf-8")
            info = zipfile.ZipInfo(name, date_time=FIXED_TIMESTAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zout.writestr(info, data)
    path.write_bytes(buffer.getvalue())
    return path


def set_style(cell: Any, attribute: str, value: Any, cache: dict[Any, Any]) -> None:
    """``setattr(cell, attribute, value)`` for an openpyxl style (font,
    border, alignment), the same bytes, without its cost on every cell.

    openpyxl hashes and compares the whole style object with every style of
    the workbook on each assignment (about a millisecond): a whole run's
    workbook spent seconds there. The cell's resulting style indices depend
    only on its previous ones and on the value, so they are computed once per
    combination and copied. ``cache`` is one dict per workbook and per value.
    """
    from copy import copy

    key = (attribute, id(value), None if cell._style is None else tuple(cell._style))
    done = cache.get(key)
    if done is None:
        setattr(cell, attribute, value)
        cache[key] = (value, copy(cell._style))  # value kept alive: its id stays its own
    else:
        cell._style = copy(done[1])


def write_xlsx_sheets(
    path: Path,
    sheets: Sequence[tuple[str, Iterable[Sequence[Any]]]],
    *,
    title: str = "",
    description: str = "",
    keywords: str = "",
    column_widths: Mapping[str, Mapping[str, float]] | None = None,
    bold_rows: dict[str, set[int]] | None = None,
    warn: Callable[[str], None] | None = None,
    format_sheet: Callable[[Any, str], None] | None = None,
) -> Path:
    """Write rows to an xlsx workbook (openpyxl), one sheet per entry.

    Text cells are always stored as text, never as formulas, whatever their
    first character, and those starting with a formula character carry Excel's
    quote prefix; the file is then normalised (:func:`normalise_xlsx`).
    ``format_sheet(worksheet, name)`` may set borders and page layout.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    wb.remove(wb.active)
    bold = Font(name="Calibri", bold=True)
    styles: dict[Any, Any] = {}
    for name, rows in sheets:
        ws = wb.create_sheet(title=name)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is None or (isinstance(value, float) and pd.isna(value)):
                    continue
                if isinstance(value, str):
                    value = xlsx_text(value, warn)
                cell = ws.cell(row=r, column=c, value=value)
                if isinstance(value, str):
                    # openpyxl would turn "=…" into a formula: force text.
                    cell.data_type = "s"
                    if value.startswith(_FORMULA_START):
                        # What Excel stores for a typed '=…: shown without the
                        # apostrophe, kept as text when the cell is edited
                        # (OWASP CSV injection guidance, issue 19).
                        cell.quotePrefix = True
                if bold_rows and r in bold_rows.get(name, set()):
                    set_style(cell, "font", bold, styles)
        for letter, width in (column_widths or {}).get(name, {}).items():
            ws.column_dimensions[letter].width = width
        if format_sheet is not None:
            format_sheet(ws, name)
    wb.properties.creator = "dmp-survey"
    wb.properties.lastModifiedBy = "dmp-survey"
    wb.properties.title = title
    wb.properties.description = description
    wb.properties.keywords = keywords
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return normalise_xlsx(path)
