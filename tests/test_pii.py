"""Contact and identity data never leave the input (issue 7).

Values are planted in the codebook's contact question and in extra "Adresse
e-mail", "Nom", "Prénom" and "Téléphone" columns of a test export; after a
full ``dmp-survey run`` none of them appears in any byte of any output file
(xlsx and other zip containers unpacked, Parquet decoded, embedded base64 and
compressed PNG text decoded), in stdout, stderr or a log record, nor in the
one-line error of a bad export that carries them.
"""

from __future__ import annotations

import base64
import io
import logging
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from exports import form_export, write_csv, write_parquet, write_xlsx
from typer.testing import CliRunner

from dmp_survey.cli import app
from dmp_survey.io.ingest import read_export

runner = CliRunner()

N = 40
PII_HEADERS = ("Adresse e-mail", "Nom", "Prénom", "Téléphone")
# Long, distinctive values: a chance match in a compressed image is impossible.
TOKEN = "zqxplanted"


def _planted(r: int) -> dict[str, str]:
    return {
        "Adresse e-mail": f"jeanne.{TOKEN}{r:02d}@example.org",
        "Nom": f"Dupont{TOKEN.capitalize()}{r:02d}",
        "Prénom": f"Jeanne{TOKEN}{r:02d}",
        "Téléphone": f"06 98 76 54 {r:02d}",
    }


def _contact(r: int) -> str:
    return f"Dr Martin{TOKEN}{r:02d}, martin.{TOKEN}{r:02d}@example.net, 03 22 99 88 {r:02d}"


def _pii_export(codebook) -> tuple[list[str], list[list[object]], list[str]]:
    """A valid export with contact data in every row; returns headers, rows and
    every planted value."""
    headers, rows, _ = form_export(codebook, n=N, seed=11, pii=dict.fromkeys(PII_HEADERS, ""))
    contact = headers.index(codebook["contact"].text)
    values: list[str] = []
    for r, row in enumerate(rows):
        row[contact] = _contact(r)
        values.append(_contact(r))
        for header, value in _planted(r).items():
            row[headers.index(header)] = value
            values.append(value)
    return headers, rows, values


def _needles(values: list[str]) -> list[bytes]:
    """What to look for: each value, the phone numbers without spaces, the token."""
    found = {v.casefold() for v in values}
    found |= {re.sub(r"\s", "", v) for v in values if re.fullmatch(r"[\d ]+", v)}
    found.add(TOKEN)
    return sorted(n.encode("utf-8") for n in found)


def _views(data: bytes, name: str, depth: int = 0) -> Iterator[tuple[str, bytes]]:
    """Every decoded form of a file's bytes in which text could hide."""
    yield name, data
    if depth > 3:
        return
    if data[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            for info in zf.infolist():
                yield from _views(zf.read(info), f"{name}!{info.filename}", depth + 1)
    if data[:4] == b"PAR1":
        import pyarrow.parquet as pq

        table = pq.read_table(io.BytesIO(data))
        yield f"{name} (decoded)", table.to_pandas().to_csv().encode("utf-8")
        yield f"{name} (schema)", str(table.schema).encode("utf-8")
        metadata = table.schema.metadata or {}
        yield f"{name} (metadata)", b"".join(k + v for k, v in metadata.items())
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        pos = 8
        while pos + 8 <= len(data):
            length, kind = struct.unpack(">I4s", data[pos : pos + 8])
            chunk = data[pos + 8 : pos + 8 + length]
            if kind == b"zTXt":
                yield f"{name} (zTXt)", zlib.decompress(chunk.split(b"\x00", 1)[1][1:])
            elif kind in (b"tEXt", b"iTXt"):
                yield f"{name} ({kind.decode()})", chunk
            pos += 12 + length
    if data[:1] in (b"<", b"{", b"#") or name.endswith((".html", ".svg", ".md", ".json", ".csv")):
        for m in re.finditer(rb"base64,([A-Za-z0-9+/=\s]{16,})", data):
            blob = base64.b64decode(re.sub(rb"\s", b"", m.group(1)), validate=False)
            yield from _views(blob, f"{name} (base64 @{m.start()})", depth + 1)


def _leaks(root: Path, needles: list[bytes]) -> list[str]:
    found = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        for where, data in _views(path.read_bytes(), str(path.relative_to(root))):
            low = data.lower()
            found += [f"{where}: {n.decode()}" for n in needles if n in low]
    return found


def _text_leaks(text: str, needles: list[bytes]) -> list[str]:
    low = text.casefold().encode("utf-8")
    return [n.decode() for n in needles if n in low]


@pytest.fixture(scope="module")
def pii_run(tmp_path_factory, codebook):
    """One full ``dmp-survey run`` on an xlsx export holding contact data."""
    headers, rows, values = _pii_export(codebook)
    inputs = tmp_path_factory.mktemp("input")
    export = write_xlsx(inputs / "export.xlsx", headers, rows)
    out = tmp_path_factory.mktemp("out")
    caplog_handler = _Collect()
    logging.getLogger().addHandler(caplog_handler)
    previous = logging.getLogger().level
    logging.getLogger().setLevel(logging.DEBUG)
    try:
        result = runner.invoke(app, ["run", str(export), "--out", str(out)])
    finally:
        logging.getLogger().removeHandler(caplog_handler)
        logging.getLogger().setLevel(previous)
    return export, out, result, caplog_handler.lines, _needles(values)


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


def test_planted_values_are_found_in_the_input(pii_run):
    # The search works: it finds every planted value inside the xlsx input.
    export, _out, _result, _logs, needles = pii_run
    found = {leak.rsplit(": ", 1)[1] for leak in _leaks(export.parent, needles)}
    assert found == {n.decode() for n in needles if not n.isdigit()}  # phones are written with spaces


def test_search_sees_into_parquet(tmp_path, codebook):
    headers, rows, values = _pii_export(codebook)
    write_parquet(tmp_path / "export.parquet", headers, rows)
    needles = _needles(values)
    found = {leak.rsplit(": ", 1)[1] for leak in _leaks(tmp_path, needles)}
    assert found == {n.decode() for n in needles if not n.isdigit()}


def test_run_writes_no_contact_data_in_any_output(pii_run):
    _export, out, result, _logs, needles = pii_run
    assert result.exit_code == 0, result.output
    files = [p for p in out.rglob("*") if p.is_file()]
    assert any(p.name == "responses.csv" for p in files)
    assert any(p.name == "comparisons.xlsx" for p in files)
    assert _leaks(out, needles) == []


def test_run_prints_and_logs_no_contact_data(pii_run):
    _export, _out, result, logs, needles = pii_run
    assert _text_leaks(result.stdout, needles) == []
    assert _text_leaks(result.stderr, needles) == []
    assert _text_leaks("\n".join(logs), needles) == []


def test_processed_responses_have_no_contact_column(pii_run, codebook):
    _export, out, _result, _logs, _needles = pii_run
    header = (out / "data" / "processed" / "responses.csv").read_text("utf-8").splitlines()[0].split(",")
    assert "contact" not in header
    assert not any(h in header for h in PII_HEADERS)


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "parquet"])
def test_contact_columns_are_dropped_at_ingest(tmp_path, codebook, fmt):
    headers, rows, values = _pii_export(codebook)
    writer = {"xlsx": write_xlsx, "csv": write_csv, "parquet": write_parquet}[fmt]
    path = writer(tmp_path / f"export.{fmt}", headers, rows)
    raw = read_export(path, codebook)
    assert raw.pii_columns == 1 + len(PII_HEADERS)
    kept = raw.frame.to_csv() + repr(raw.headers) + repr(raw.unknown_columns) + repr(raw.warnings)
    assert _text_leaks(kept, _needles(values)) == []
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    assert f"{1 + len(PII_HEADERS)} contact/PII column(s) dropped unread" in result.stdout
    assert _text_leaks(result.output, _needles(values)) == []


def _unknown_label(headers, rows, codebook):
    rows[5][headers.index(codebook["a2_sex"].text)] = "Un homem"


def _number(headers, rows, codebook):
    rows[7][headers.index(codebook["a1_age"].text)] = 42


def _no_header(headers, rows, codebook):
    headers[:] = rows.pop(0)


def _shifted_line(headers, rows, codebook):
    # An unquoted comma in a CSV line: one field too many (the CSV writer is told below).
    rows[3].append("de trop")


@pytest.mark.parametrize(
    ("fmt", "defect"),
    [
        ("xlsx", _unknown_label),
        ("csv", _unknown_label),
        ("parquet", _unknown_label),
        ("xlsx", _number),
        ("xlsx", _no_header),
        ("csv", _shifted_line),
    ],
    ids=["xlsx-label", "csv-label", "parquet-label", "xlsx-number", "xlsx-no-header", "csv-fields"],
)
def test_bad_export_with_contact_data_echoes_none_of_it(tmp_path, codebook, fmt, defect):
    headers, rows, values = _pii_export(codebook)
    defect(headers, rows, codebook)
    writer = {"xlsx": write_xlsx, "csv": write_csv, "parquet": write_parquet}[fmt]
    path = writer(tmp_path / f"bad.{fmt}", headers, rows)
    out = tmp_path / "out"
    for args in (["validate", str(path)], ["run", str(path), "--out", str(out)]):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, result.output
        assert result.stderr.startswith("error: bad."), result.stderr
        assert _text_leaks(result.output, _needles(values)) == [], result.stderr
    assert not out.exists() or _leaks(out, _needles(values)) == []
