"""Generate the corpus of broken and hostile questionnaire exports (issue 7).

Run with the project's Python::

    .venv/bin/python tests/data/make_bad_inputs.py [OUT_DIR]

It writes every file of ``tests/data/bad/`` (or OUT_DIR) and ``expected.csv``
(``file, fragment, what``: the fragment of the one-line error message that
``dmp-survey validate FILE`` must print on stderr).

Every byte is made here, with the standard library only, so that the corpus is
the same on every run and every machine (``tests/test_hostile_inputs.py``
regenerates it into a temporary folder and compares): zip archives are
written by hand with fixed entry dates, their parts stored, and the one
deflate stream (the zip bomb) is encoded here too, since zlib's compressed
output may change between builds (only its CRC-32 is used); workbooks are
assembled from literal XML (no openpyxl, whose output changes between
versions); "random" bytes come from a SHA-256 chain. The valid cells come
from ``tests/exports.form_export`` with a fixed seed, so that each file
carries one defect only.

Regenerate (and commit) the corpus after changing the codebook's labels or
``tests/exports.py``: the regeneration test compares with the committed files.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import struct
import sys
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # tests/, for exports.py

from exports import form_export  # noqa: E402
from openpyxl.utils import get_column_letter  # noqa: E402

from dmp_survey.config import DEFAULT_CODEBOOK  # noqa: E402
from dmp_survey.study.codebook import Codebook, load_codebook  # noqa: E402

SHEET = "Réponses au formulaire 1"
SEED = 7
N_RESPONDENTS = 20
# 2019-03-04 00:00, the day the survey closed, as a DOS date and time.
DOS_DATE = ((2019 - 1980) << 9) | (3 << 5) | 4
DOS_TIME = 0


# --- bytes without randomness -------------------------------------------------


def pseudo_random_bytes(n: int, label: str) -> bytes:
    """``n`` bytes that look random: a SHA-256 chain seeded with ``label``."""
    out = bytearray()
    block = label.encode()
    while len(out) < n:
        block = hashlib.sha256(block).digest()
        out += block
    return bytes(out[:n])


# --- zip, written by hand -------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One zip entry: ``data`` as stored in the archive.

    ``method`` 0 (stored) or 8 (deflated, ``data`` already compressed, then
    ``size`` and ``crc`` describe the uncompressed content).
    """

    name: str
    data: bytes
    method: int = 0
    size: int | None = None
    crc: int | None = None


def stored(name: str, data: bytes | str) -> Entry:
    return Entry(name, data.encode("utf-8") if isinstance(data, str) else data)


def zip_bytes(entries: Sequence[Entry]) -> bytes:
    """A zip archive (PKWARE APPNOTE 4.3) with fixed dates and no extra fields."""
    out = bytearray()
    central = bytearray()
    for e in entries:
        name = e.name.encode("utf-8")
        flags = 0x0800 if not e.name.isascii() else 0  # bit 11: UTF-8 name
        size = len(e.data) if e.size is None else e.size
        crc = zlib.crc32(e.data) if e.crc is None else e.crc
        offset = len(out)
        out += struct.pack(
            "<IHHHHHIIIHH", 0x04034B50, 20, flags, e.method, DOS_TIME, DOS_DATE,
            crc, len(e.data), size, len(name), 0,
        )  # fmt: skip
        out += name + e.data
        central += struct.pack(
            "<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, flags, e.method, DOS_TIME, DOS_DATE,
            crc, len(e.data), size, len(name), 0, 0, 0, 0, 0o644 << 16, offset,
        )  # fmt: skip
        central += name
    start = len(out)
    out += central
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(central), start, 0)
    return bytes(out)


class _Bits:
    """LSB-first bit writer, as deflate (RFC 1951) packs its codes."""

    def __init__(self) -> None:
        self.out = bytearray()
        self.acc = 0
        self.n = 0

    def put(self, value: int, width: int) -> None:
        self.acc |= value << self.n
        self.n += width
        while self.n >= 8:
            self.out.append(self.acc & 0xFF)
            self.acc >>= 8
            self.n -= 8

    def huffman(self, code: int, width: int) -> None:
        # Huffman codes are written most significant bit first.
        self.put(int(f"{code:0{width}b}"[::-1], 2), width)

    def finish(self) -> bytes:
        if self.n:
            self.out.append(self.acc & 0xFF)
        return bytes(self.out)


def deflate_repeat(head: bytes, byte: int, count: int, tail: bytes) -> tuple[bytes, int, int]:
    """Deflate ``head + bytes([byte]) * count + tail`` with fixed Huffman codes.

    The run is one literal then matches of length 258 at distance 1 (13 bits
    for 258 bytes: the 60 MB bomb below compresses to ~380 kB). Returns the
    compressed stream, the uncompressed size and its CRC-32.
    """

    def literal(bits: _Bits, b: int) -> None:
        if b < 144:
            bits.huffman(0x30 + b, 8)
        else:
            bits.huffman(0x190 + b - 144, 9)

    bits = _Bits()
    bits.put(1, 1)  # BFINAL
    bits.put(1, 2)  # BTYPE = 01, fixed Huffman codes
    for b in head:
        literal(bits, b)
    literal(bits, byte)
    left = count - 1
    while left >= 258:
        bits.huffman(0xC5, 8)  # length code 285 = 258 bytes (codes 280-287 are 8 bits, from 0xC0)
        bits.put(0, 5)  # distance code 0 = distance 1
        left -= 258
    for _ in range(left):
        literal(bits, byte)
    for b in tail:
        literal(bits, b)
    bits.huffman(0, 7)  # end of block (code 256)
    crc = zlib.crc32(head)
    chunk = bytes([byte]) * (1 << 20)
    remaining = count
    while remaining:
        take = min(remaining, len(chunk))
        crc = zlib.crc32(chunk[:take], crc)
        remaining -= take
    crc = zlib.crc32(tail, crc)
    return bits.finish(), len(head) + count + len(tail), crc


# --- xlsx, from literal XML ---------------------------------------------------

XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_SHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_STRINGS = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
CT_WORKBOOK = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"


@dataclass(frozen=True)
class RawCell:
    """A cell written as given: ``attrs`` of ``<c>`` and its inner XML."""

    attrs: str
    inner: str


def column_letter(index: int) -> str:
    return get_column_letter(index + 1)


def cell_text(value: Any) -> str:
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M:%S")
    return str(value)


@dataclass
class Workbook:
    """The parts of a one-sheet workbook, as Excel lays them out (shared strings)."""

    parts: dict[str, bytes]

    def zip(self) -> bytes:
        return zip_bytes([stored(name, data) for name, data in self.parts.items()])


def workbook(
    rows: Sequence[Sequence[Any]],
    *,
    sheet_part: str = "xl/worksheets/sheet1.xml",
    dimension: str | None = None,
) -> Workbook:
    strings: dict[str, int] = {}
    xml_rows = []
    width = max(len(r) for r in rows)
    for r, row in enumerate(rows, start=1):
        cells = []
        for c, value in enumerate(row):
            ref = f"{column_letter(c)}{r}"
            if value is None:
                continue
            if isinstance(value, RawCell):
                cells.append(f'<c r="{ref}"{value.attrs}>{value.inner}</c>')
            elif isinstance(value, bool):
                cells.append(f'<c r="{ref}" t="b"><v>{int(value)}</v></c>')
            elif isinstance(value, int | float):
                cells.append(f'<c r="{ref}"><v>{value}</v></c>')
            else:
                index = strings.setdefault(cell_text(value), len(strings))
                cells.append(f'<c r="{ref}" t="s"><v>{index}</v></c>')
        xml_rows.append(f'<row r="{r}">{"".join(cells)}</row>')
    dim = dimension or f"A1:{column_letter(width - 1)}{len(rows)}"
    sheet = (
        f'{XML_DECL}<worksheet xmlns="{MAIN_NS}" xmlns:r="{REL_NS}"><dimension ref="{dim}"/>'
        f"<sheetData>{''.join(xml_rows)}</sheetData></worksheet>"
    )
    count = sum(1 for row in rows for v in row if v is not None and not isinstance(v, RawCell | int | float))
    shared = (
        f'{XML_DECL}<sst xmlns="{MAIN_NS}" count="{count}" uniqueCount="{len(strings)}">'
        + "".join(f'<si><t xml:space="preserve">{escape(s)}</t></si>' for s in strings)
        + "</sst>"
    )
    target = sheet_part.removeprefix("xl/")
    parts = {
        "[Content_Types].xml": (
            f'{XML_DECL}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{CT_WORKBOOK}"/>'
            f'<Override PartName="/{sheet_part}" ContentType="{CT_SHEET}"/>'
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{CT_STRINGS}"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            f'{XML_DECL}<Relationships xmlns="{PKG_REL_NS}"><Relationship Id="rId1" '
            f'Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'{XML_DECL}<workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}"><sheets>'
            f'<sheet name={quoteattr(SHEET)} sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'{XML_DECL}<Relationships xmlns="{PKG_REL_NS}">'
            f'<Relationship Id="rId1" Type="{REL_NS}/worksheet" Target="{target}"/>'
            f'<Relationship Id="rId2" Type="{REL_NS}/sharedStrings" Target="sharedStrings.xml"/>'
            "</Relationships>"
        ),
        sheet_part: sheet,
        "xl/sharedStrings.xml": shared,
    }
    return Workbook({k: v.encode("utf-8") for k, v in parts.items()})


# --- OLE2 (Compound File Binary), written by hand -------------------------------

FREESECT, ENDOFCHAIN, FATSECT, NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
SECTOR, MINI_SECTOR, MINI_CUTOFF = 512, 64, 4096


def compound_file(streams: Sequence[tuple[str, bytes]]) -> bytes:
    """A version-3 Compound File ([MS-CFB]) whose root storage holds ``streams``.

    Minimal but structurally valid: one FAT sector, a directory whose entries
    form a binary tree in CFB name order (all black: readers do not rebalance),
    streams under 4096 bytes in the mini stream (64-byte sectors, with its mini
    FAT), larger ones in 512-byte sectors; no timestamps, no CLSIDs. It is what
    a legacy .xls or an encrypted .xlsx looks like from outside, which is all
    that ingest looks at.
    """
    small = [(n, d) for n, d in streams if len(d) < MINI_CUTOFF]
    large = [(n, d) for n, d in streams if len(d) >= MINI_CUTOFF]

    def sectors(size: int, unit: int) -> int:
        return (size + unit - 1) // unit

    # Mini stream: small streams back to back, each padded to 64 bytes.
    mini = bytearray()
    mini_start: dict[str, int] = {}
    for name, data in small:
        mini_start[name] = len(mini) // MINI_SECTOR
        mini += data.ljust(sectors(len(data), MINI_SECTOR) * MINI_SECTOR, b"\x00")
    minifat = []
    for name, data in small:
        k = sectors(len(data), MINI_SECTOR)
        start = mini_start[name]
        minifat += [start + i + 1 for i in range(k - 1)] + [ENDOFCHAIN]

    n_entries = 1 + len(streams)
    layout: list[tuple[str, int]] = [("fat", 1), ("dir", sectors(n_entries * 128, SECTOR))]
    if small:
        layout += [("minifat", sectors(len(minifat) * 4, SECTOR)), ("mini", sectors(len(mini), SECTOR))]
    layout += [(f"large:{name}", sectors(len(data), SECTOR)) for name, data in large]
    first: dict[str, int] = {}
    fat: list[int] = []
    for what, count in layout:
        first[what] = len(fat)
        if what == "fat":
            fat += [FATSECT] * count
        else:
            fat += [len(fat) + i + 1 for i in range(count - 1)] + [ENDOFCHAIN]
    if len(fat) > SECTOR // 4:
        raise ValueError("compound_file writes one FAT sector only")

    def key(name: str) -> tuple[int, str]:
        return (len(name), name.upper())  # [MS-CFB] 2.6.4: shorter first, then upper case

    order = sorted((n for n, _ in streams), key=key)
    ids = {name: i + 1 for i, name in enumerate(order)}
    left: dict[str, int] = {}
    right: dict[str, int] = {}

    def tree(names: list[str]) -> int:
        if not names:
            return NOSTREAM
        mid = len(names) // 2
        left[names[mid]] = tree(names[:mid])
        right[names[mid]] = tree(names[mid + 1 :])
        return ids[names[mid]]

    root_child = tree(order)

    def entry(name: str, kind: int, lft: int, rgt: int, child: int, start: int, size: int) -> bytes:
        encoded = name.encode("utf-16-le") + b"\x00\x00"
        return (
            encoded.ljust(64, b"\x00")
            + struct.pack("<HBBIII", len(encoded), kind, 1, lft, rgt, child)
            + b"\x00" * 16  # CLSID
            + struct.pack("<I", 0)  # state bits
            + b"\x00" * 16  # creation and modification times
            + struct.pack("<IQ", start, size)
        )

    data_of = dict(streams)
    directory = entry(
        "Root Entry", 5, NOSTREAM, NOSTREAM, root_child, first["mini"] if small else ENDOFCHAIN, len(mini)
    )
    for name in order:
        data = data_of[name]
        start = mini_start[name] if len(data) < MINI_CUTOFF else first[f"large:{name}"]
        directory += entry(name, 2, left[name], right[name], NOSTREAM, start, len(data))
    directory = directory.ljust(dict(layout)["dir"] * SECTOR, b"\x00")  # unused entries: zeros

    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\x00" * 16
        + struct.pack("<HHHHH", 0x003E, 0x0003, 0xFFFE, 9, 6)
        + b"\x00" * 6
        + struct.pack("<III", 0, 1, first["dir"])  # directory sectors (0 in v3), FAT sectors, first dir
        + struct.pack("<II", 0, MINI_CUTOFF)
        + struct.pack("<II", first["minifat"] if small else ENDOFCHAIN, dict(layout).get("minifat", 0))
        + struct.pack("<II", ENDOFCHAIN, 0)  # no DIFAT sector
        + struct.pack("<I", first["fat"])
        + struct.pack("<I", FREESECT) * 108
    )
    body = bytearray()
    body += struct.pack(f"<{SECTOR // 4}I", *(fat + [FREESECT] * (SECTOR // 4 - len(fat))))
    body += directory
    if small:
        body += struct.pack(f"<{len(minifat)}I", *minifat).ljust(dict(layout)["minifat"] * SECTOR, b"\xff")
        body += bytes(mini).ljust(dict(layout)["mini"] * SECTOR, b"\x00")
    for _name, data in large:
        body += data.ljust(sectors(len(data), SECTOR) * SECTOR, b"\x00")
    return header + bytes(body)


def biff8_workbook_stream() -> bytes:
    """The shortest BIFF8 "Workbook" stream: a globals BOF record and EOF."""
    bof = struct.pack("<HHHHHHII", 0x0809, 16, 0x0600, 0x0005, 0x0DBB, 0x07CC, 0x000100C1, 0x00000406)
    eof = struct.pack("<HH", 0x000A, 0)
    return bof + eof


def legacy_xls() -> bytes:
    # A property set ([MS-OLEPS]) with one empty section: FMTID_SummaryInformation.
    fmtid = bytes.fromhex("e0859ff2f94f6810ab9108002b27b3d9")
    summary = (
        struct.pack("<HHI", 0xFFFE, 0, 0x00020006)
        + b"\x00" * 16
        + struct.pack("<I", 1)
        + fmtid
        + struct.pack("<III", 48, 8, 0)
    )
    return compound_file([("Workbook", biff8_workbook_stream()), ("\x05SummaryInformation", summary)])


def encrypted_xlsx() -> bytes:
    """An OLE2 container as Office writes for a password-protected .xlsx
    ([MS-OFFCRYPTO] agile encryption): an EncryptionInfo stream (version 4.4
    and its XML descriptor) and an EncryptedPackage stream (8-byte size, then
    ciphertext). Salts and ciphertext are fixed pseudo-random bytes: there is
    no key that opens it, which ingest cannot and need not tell."""
    import base64

    def b64(label: str, n: int) -> str:
        return base64.b64encode(pseudo_random_bytes(n, label)).decode()

    descriptor = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
        '<encryption xmlns="http://schemas.microsoft.com/office/2006/encryption" '
        'xmlns:p="http://schemas.microsoft.com/office/2006/keyEncryptor/password">'
        f'<keyData saltSize="16" blockSize="16" keyBits="256" hashSize="64" cipherAlgorithm="AES" '
        f'cipherChaining="ChainingModeCBC" hashAlgorithm="SHA512" saltValue="{b64("keydata", 16)}"/>'
        '<keyEncryptors><keyEncryptor uri="http://schemas.microsoft.com/office/2006/keyEncryptor/password">'
        f'<p:encryptedKey spinCount="100000" saltSize="16" blockSize="16" keyBits="256" hashSize="64" '
        f'cipherAlgorithm="AES" cipherChaining="ChainingModeCBC" hashAlgorithm="SHA512" '
        f'saltValue="{b64("salt", 16)}" encryptedKeyValue="{b64("key", 32)}"/>'
        "</keyEncryptor></keyEncryptors></encryption>"
    )
    info = struct.pack("<HHI", 4, 4, 0x40) + descriptor.encode("utf-8")
    package = struct.pack("<Q", 6000) + pseudo_random_bytes(6016, "package")
    return compound_file([("EncryptionInfo", info), ("EncryptedPackage", package)])


# --- the corpus ---------------------------------------------------------------


def csv_bytes(rows: Sequence[Sequence[Any]], encoding: str = "utf-8", sep: str = ",") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=sep, lineterminator="\r\n")
    for row in rows:
        writer.writerow(["" if v is None else cell_text(v) for v in row])
    return buffer.getvalue().encode(encoding)


@dataclass(frozen=True)
class Case:
    file: str
    fragment: str
    what: str
    make: Callable[[], bytes]


LOL = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{(f"&lol{i - 1};" if i > 1 else "&lol;") * 10}">' for i in range(1, 10))
    + "]>"
)
XXE = '<!DOCTYPE sst [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
DTD_REFUSED = "declares a DTD or XML entities"


def cases(codebook: Codebook) -> list[Case]:
    headers, rows, truth = form_export(codebook, n=N_RESPONDENTS, seed=SEED)
    table: list[list[Any]] = [list(headers), *[list(r) for r in rows]]

    def col(qid: str) -> int:
        return headers.index(codebook[qid].text)

    def edited(edit: Callable[[list[list[Any]]], None]) -> list[list[Any]]:
        copy = [list(r) for r in table]
        edit(copy)
        return copy

    def xlsx(t: Sequence[Sequence[Any]] | None = None) -> bytes:
        return workbook(t or table).zip()

    def with_part(name: str, transform: Callable[[bytes], bytes], wb: Workbook | None = None) -> bytes:
        wb = wb or workbook(table)
        wb.parts[name] = transform(wb.parts[name])
        return wb.zip()

    def after_decl(text: bytes, insert: str) -> bytes:
        decl, rest = text.split(b"?>\n", 1)
        return decl + b"?>\n" + insert.encode() + rest

    # Rows (spreadsheet numbering: header = 1) of respondents with given answers.
    def row_where(qid: str, code: str | None) -> int:
        return next(i for i, t in enumerate(truth) if t[qid] == code) + 2

    label_row = 8
    c8_no = row_where("c8_problems", "no")
    c10_row = row_where("c10_interest", "3")

    def unknown_label(t: list[list[Any]]) -> None:
        t[label_row - 1][col("a2_sex")] = "Un homem"

    def c9_without_c8(t: list[list[Any]]) -> None:
        t[c8_no - 1][col("c9_solution")] = "Oui"

    def number(t: list[list[Any]]) -> None:
        t[3][col("a1_age")] = 42

    def formula(t: list[list[Any]]) -> None:
        t[1][col("a5_computerised")] = RawCell(' t="str"', '<f>IF(1,"Oui","Non")</f><v>Oui</v>')

    def error_cell(t: list[list[Any]]) -> None:
        t[2][col("a6_cme")] = RawCell(' t="e"', "<v>#DIV/0!</v>")

    def likert(t: list[list[Any]]) -> None:
        t[c10_row - 1][col("c10_interest")] = 7

    def timestamp(t: list[list[Any]]) -> None:
        t[5][0] = "le 3 du mois"

    def drop_a6(t: list[list[Any]]) -> None:
        c = col("a6_cme")
        for r in t:
            del r[c]

    def duplicate_a4(t: list[list[Any]]) -> None:
        c = col("a4_area")
        t[0].append("quelle est votre zone d'activité ?")
        for r in t[1:]:
            r.append(r[c])

    def bomb() -> bytes:
        wb = workbook(table)
        sheet = wb.parts["xl/worksheets/sheet1.xml"]
        head, tail = sheet.split(b"<sheetData>")
        head += b"<sheetData>"
        data, size, crc = deflate_repeat(head, ord(" "), 60_000_000, tail)
        names = list(wb.parts)
        return zip_bytes(
            [
                Entry(n, data, 8, size, crc) if n == "xl/worksheets/sheet1.xml" else stored(n, wb.parts[n])
                for n in names
            ]
        )

    def unlisted_part() -> bytes:
        wb = workbook(table, sheet_part="xl/worksheets/sheet1.dat")
        part = "xl/worksheets/sheet1.dat"
        wb.parts[part] = after_decl(wb.parts[part], LOL).replace(b"<v>", b"<v>&lol9;", 1)
        return wb.zip()

    def utf16_strings(text: bytes) -> bytes:
        s = text.decode("utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"')
        s = s.replace("?>\n", "?>\n" + LOL, 1).replace('preserve">', 'preserve">&lol9;', 1)
        return codecs.BOM_UTF16_LE + s.encode("utf-16-le")  # a byte-order mark, as XML wants

    def crc_error() -> bytes:
        data = bytearray(xlsx())
        sheet = data.index(b"<sheetData>", data.index(b"xl/worksheets/sheet1.xml"))
        at = data.index(b"<v>1</v>", sheet) + 3
        data[at] ^= 0x01  # "1" becomes "0": well-formed XML, but the CRC no longer matches
        return bytes(data)

    def bad_shared_string(t: list[list[Any]]) -> None:
        t[4][col("a3_practice")] = RawCell(' t="s"', "<v>9999</v>")

    def ods() -> bytes:
        return zip_bytes(
            [
                stored("mimetype", "application/vnd.oasis.opendocument.spreadsheet"),
                stored(
                    "META-INF/manifest.xml",
                    f'{XML_DECL}<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:'
                    'manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" '
                    'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
                    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                    "</manifest:manifest>",
                ),
                stored(
                    "content.xml",
                    f'{XML_DECL}<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:'
                    'xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
                    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
                    f"<office:body><office:spreadsheet><table:table table:name={quoteattr(SHEET)}>"
                    + "".join(
                        "<table:table-row>"
                        + "".join(
                            f"<table:table-cell><text:p>{escape(cell_text(v))}</text:p></table:table-cell>"
                            if v is not None
                            else "<table:table-cell/>"
                            for v in r
                        )
                        + "</table:table-row>"
                        for r in table[:3]
                    )
                    + "</table:table></office:spreadsheet></office:body></office:document-content>",
                ),
            ]
        )

    def xlsb() -> bytes:
        ct = "application/vnd.ms-excel"
        return zip_bytes(
            [
                stored(
                    "[Content_Types].xml",
                    f'{XML_DECL}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                    '<Default Extension="bin" ContentType="application/vnd.ms-excel.sheet.binary.macroEnabled'
                    '.main"/><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
                    f'relationships+xml"/><Override PartName="/xl/worksheets/sheet1.bin" ContentType="{ct}'
                    '.worksheet"/></Types>',
                ),
                stored(
                    "_rels/.rels",
                    f'{XML_DECL}<Relationships xmlns="{PKG_REL_NS}"><Relationship Id="rId1" '
                    f'Type="{REL_NS}/officeDocument" Target="xl/workbook.bin"/></Relationships>',
                ),
                # BIFF12 records: BrtBeginBook (0x83 0x01), BrtEndBook (0x84 0x01).
                stored("xl/workbook.bin", b"\x83\x01\x00\x84\x01\x00"),
                stored("xl/worksheets/sheet1.bin", b"\x81\x01\x00\x82\x01\x00"),
            ]
        )

    def zipped_csv() -> bytes:
        return zip_bytes([stored("reponses.csv", csv_bytes(table))])

    def garbage() -> bytes:
        data = pseudo_random_bytes(4096, "garbage")
        assert b"\x00" in data[:4096]
        return data

    def corrupt_parquet() -> bytes:
        # Magic at both ends, a footer length pointing nowhere sensible.
        return b"PAR1" + pseudo_random_bytes(1000, "parquet") + struct.pack("<I", 600) + b"PAR1"

    def truncated() -> bytes:
        data = xlsx()
        return data[: len(data) // 2]

    def malformed_sheet(text: bytes) -> bytes:
        cut = text.index(b"</row>", text.index(b'<row r="5"'))
        return text[:cut] + b"<c r=" + text[cut:]

    def cp850() -> bytes:
        return csv_bytes(table, encoding="cp850", sep=";")

    def mac_roman() -> bytes:
        data = csv_bytes(table, encoding="mac_roman", sep=";")
        assert b"\x8f" in data  # "è": a byte that Windows-1252 leaves undefined
        return data

    def utf16_csv() -> bytes:
        return b"\xff\xfe" + csv_bytes(table, encoding="utf-16-le", sep="\t")

    def unterminated_quote() -> bytes:
        lines = csv_bytes(table).split(b"\r\n")
        lines[-2] = lines[-2].replace(b",", b',"', 1)  # a quote opened on the last line, never closed
        return b"\r\n".join(lines)

    def too_many_fields() -> bytes:
        lines = csv_bytes(table).split(b"\r\n")
        lines[6] += b",en trop,encore"
        return b"\r\n".join(lines)

    where = f"sheet '{SHEET}'"
    return [
        # format and container
        Case("empty.xlsx", "empty.xlsx: file is empty", "a file of 0 bytes", lambda: b""),
        Case(
            "csv_named.xlsx",
            "the name says .xlsx but the content is a text/CSV file",
            "a CSV export renamed .xlsx",
            lambda: csv_bytes(table),
        ),
        Case(
            "workbook_named.csv",
            "the name says .csv but the content is an Excel workbook (.xlsx)",
            "an .xlsx workbook renamed .csv",
            xlsx,
        ),
        Case(
            "legacy.xls",
            "this is a legacy Excel 97-2003 (.xls) workbook; open it and save it as .xlsx",
            "a legacy .xls (OLE2 Compound File holding a BIFF8 Workbook stream)",
            legacy_xls,
        ),
        Case(
            "legacy_named.xlsx",
            "legacy Excel 97-2003 (.xls) workbook, not .xlsx",
            "the same legacy .xls renamed .xlsx",
            legacy_xls,
        ),
        Case(
            "encrypted.xlsx",
            "password-protected (encrypted)",
            "a password-protected workbook (OLE2 with EncryptionInfo and EncryptedPackage streams)",
            encrypted_xlsx,
        ),
        Case("spreadsheet.ods", "OpenDocument spreadsheet (.ods)", "an OpenDocument spreadsheet", ods),
        Case("binary.xlsb", "binary Excel workbook (.xlsb)", "an Excel binary workbook", xlsb),
        Case(
            "zipped_csv.xlsx",
            "ZIP archive that is not an Excel workbook",
            "a ZIP holding a CSV export, named .xlsx",
            zipped_csv,
        ),
        Case("garbage.csv", "binary file of unknown format", "pseudo-random bytes named .csv", garbage),
        Case(
            "truncated.xlsx",
            "truncated.xlsx: the file is damaged or truncated",
            "an .xlsx cut in half (interrupted download)",
            truncated,
        ),
        Case(
            "crc_error.xlsx",
            "the workbook is damaged (Bad CRC-32 for file 'xl/worksheets/sheet1.xml')",
            "an .xlsx whose sheet part has one flipped bit (CRC mismatch)",
            crc_error,
        ),
        Case(
            "malformed_sheet_xml.xlsx",
            "workbook XML is not well-formed",
            "an .xlsx whose sheet XML is broken in row 5",
            lambda: with_part("xl/worksheets/sheet1.xml", malformed_sheet),
        ),
        Case(
            "bad_shared_string.xlsx",
            "not a readable .xlsx workbook",
            "a cell pointing to shared string 9999 of 40-odd",
            lambda: xlsx(edited(bad_shared_string)),
        ),
        Case(
            "corrupt.parquet", "not a readable Parquet file", "Parquet magic around garbage", corrupt_parquet
        ),
        # hostile workbooks
        Case(
            "billion_laughs.xlsx",
            f"part 'xl/sharedStrings.xml' {DTD_REFUSED}",
            "nested entity expansion ('billion laughs') in sharedStrings.xml",
            lambda: with_part(
                "xl/sharedStrings.xml",
                lambda t: after_decl(t, LOL).replace(b'preserve">', b'preserve">&lol9;', 1),
            ),
        ),
        Case(
            "billion_laughs_padded.xlsx",
            f"part 'xl/worksheets/sheet1.xml' {DTD_REFUSED}",
            "the same in the sheet, its DTD after an 8 kB comment",
            lambda: with_part(
                "xl/worksheets/sheet1.xml",
                lambda t: after_decl(t, "<!--" + "x" * 8000 + "-->" + LOL).replace(b"<v>", b"<v>&lol9;", 1),
            ),
        ),
        Case(
            "billion_laughs_utf16.xlsx",
            f"part 'xl/sharedStrings.xml' {DTD_REFUSED}",
            "the same in a UTF-16 sharedStrings.xml",
            lambda: with_part("xl/sharedStrings.xml", utf16_strings),
        ),
        Case(
            "billion_laughs_unlisted_part.xlsx",
            f"part 'xl/worksheets/sheet1.dat' {DTD_REFUSED}",
            "the same in a sheet part whose name does not end in .xml",
            unlisted_part,
        ),
        Case(
            "xxe.xlsx",
            f"part 'xl/sharedStrings.xml' {DTD_REFUSED}",
            "an external entity (file:///etc/passwd) in sharedStrings.xml",
            lambda: with_part(
                "xl/sharedStrings.xml",
                lambda t: after_decl(t, XXE).replace(b'preserve">', b'preserve">&x;', 1),
            ),
        ),
        Case(
            "xxe_workbook.xlsx",
            f"part 'xl/workbook.xml' {DTD_REFUSED}",
            "an external entity in workbook.xml (the sheet name)",
            lambda: with_part(
                "xl/workbook.xml",
                lambda t: after_decl(t, XXE.replace("sst", "workbook")).replace(b'name="R', b'name="&x;R', 1),
            ),
        ),
        Case(
            "huge_dimension.xlsx",
            "declares 1,048,576 rows × 16,384 columns",
            "a sheet declaring <dimension ref='A1:XFD1048576'>",
            lambda: workbook(table, dimension="A1:XFD1048576").zip(),
        ),
        Case(
            "zip_bomb.xlsx",
            "part 'xl/worksheets/sheet1.xml' expands",
            "a sheet part of 60 MB of spaces deflated to ~380 kB",
            bomb,
        ),
        # text files
        Case(
            "mac_roman.csv",
            "mac_roman.csv: text is neither UTF-8 nor Windows-1252 (cp1252)",
            "a CSV in Mac OS Roman (bytes that Windows-1252 leaves undefined)",
            mac_roman,
        ),
        Case(
            "cp850.csv",
            "required question A1 missing: no column headed 'Quel âge avez-vous ?'; "
            "closest header: 'Quel ƒge avez-vous ?'",
            "a CSV in DOS Latin-1 (cp850): every byte is valid Windows-1252, so the encoding cannot be "
            "told; the garbled header is shown",
            cp850,
        ),
        Case(
            "utf16.csv",
            "utf16.csv: the text is UTF-16",
            "a tab-separated UTF-16 export (Excel's 'Unicode text')",
            utf16_csv,
        ),
        Case(
            "unterminated_quote.csv",
            "malformed CSV: a quoted field is never closed",
            "a quote opened on the last line and never closed",
            unterminated_quote,
        ),
        Case(
            "too_many_fields.csv",
            "row 7: malformed CSV: wrong number of fields",
            "a CSV line with two fields too many",
            too_many_fields,
        ),
        # content
        Case(
            "no_header.xlsx",
            f"{where}, row 1: no header row",
            "answers from row 1, no header row",
            lambda: xlsx(table[1:]),
        ),
        Case(
            "header_only.xlsx",
            f"{where}, row 2: no answers",
            "a header row and no respondent",
            lambda: xlsx(table[:1]),
        ),
        Case(
            "missing_question.xlsx",
            "required question A6 missing: no column headed 'Participez-vous à des FMC ?'",
            "the column of question A6 removed",
            lambda: xlsx(edited(drop_a6)),
        ),
        Case(
            "unknown_label.xlsx",
            f"row {label_row}, column 'Vous êtes :': unknown answer 'Un homem'",
            "a misspelt answer label",
            lambda: xlsx(edited(unknown_label)),
        ),
        Case(
            "duplicated_header.xlsx",
            f"{where}, row 1, column 'quelle est votre zone d'activité ?': duplicated header",
            "question A4 twice (in another case)",
            lambda: xlsx(edited(duplicate_a4)),
        ),
        Case(
            "c9_without_c8.xlsx",
            f"row {c8_no}, column '{codebook['c9_solution'].text}': answer to C9 although it is asked "
            "only when C8 = 'Oui'",
            "an answer to C9 while C8 is Non",
            lambda: xlsx(edited(c9_without_c8)),
        ),
        Case(
            "number_for_label.xlsx",
            "row 4, column 'Quel âge avez-vous ?': a number (42) where an answer label is expected",
            "a number in an age-class column",
            lambda: xlsx(edited(number)),
        ),
        Case(
            "formula.xlsx",
            "row 2, column 'Êtes-vous informatisé ?': formula cell",
            "a formula cell with a cached valid answer",
            lambda: xlsx(edited(formula)),
        ),
        Case(
            "error_cell.xlsx",
            "row 3, column 'Participez-vous à des FMC ?': error cell #DIV/0!",
            "an Excel error value in an answer cell",
            lambda: xlsx(edited(error_cell)),
        ),
        Case(
            "likert_out_of_scale.xlsx",
            f"row {c10_row}, column '{codebook['c10_interest'].text}': 7 is outside the scale",
            "7 on the 1-5 scale of C10",
            lambda: xlsx(edited(likert)),
        ),
        Case(
            "bad_timestamp.xlsx",
            "row 6, column 'Horodateur': 'le 3 du mois' is not a date and time",
            "an unparsable timestamp",
            lambda: xlsx(edited(timestamp)),
        ),
    ]


def valid_workbook(codebook: Codebook) -> bytes:
    """The workbook every xlsx case starts from, without a defect (the tests
    check that it validates)."""
    headers, rows, _ = form_export(codebook, n=N_RESPONDENTS, seed=SEED)
    return workbook([list(headers), *[list(r) for r in rows]]).zip()


def generate(out: Path, codebook: Codebook | None = None) -> list[Path]:
    """Write every case and ``expected.csv`` into ``out``; return the paths."""
    codebook = codebook or load_codebook(DEFAULT_CODEBOOK)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["file", "fragment", "what"])
    for case in cases(codebook):
        path = out / case.file
        path.write_bytes(case.make())
        written.append(path)
        writer.writerow([case.file, case.fragment, case.what])
    expected = out / "expected.csv"
    expected.write_bytes(buffer.getvalue().encode("utf-8"))
    written.append(expected)
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "bad"
    for p in generate(target):
        print(f"{p.stat().st_size:>9}  {p.name}")
