"""Limits that keep a crafted file from taking the machine down (issue 14, finding 5).

python-calamine reads a whole sheet into one rectangle sized by its farthest cells:
one cell at XFD1048576 beside A1 asks for 16,384 x 1,048,576 cells (549 GB) and the
process aborts in Rust (exit 134) — no Python exception to catch. A zip part may also
unpack to far more than it occupies (a 2 MB file holding a 2 GB shared string reached
10.5 GB of memory). So before calamine sees a workbook, every part is inflated once
here, as a stream, and checked:

- the size it declares and the size it really unpacks to (a part that lies about its
  size is refused), each part and all together, against MAX_PART / MAX_TOTAL;
- no text run longer than MAX_TEXT (a cell holds at most MAX_CELL characters anyway);
- for worksheets: the declared <dimension> and the real extent of the cell
  references (rows x columns) against MAX_CELLS (calamine takes rows in any order).

The scan costs a zlib pass and a few regular-expression passes over the sheet XML
(~0.1 s for 100,000 rows x 15 columns); nothing is held in memory but one chunk.

CSV text has its own limits, applied while reading (`bounded_lines`): one physical
line at most MAX_LINE characters, one record (a quoted cell may span lines) at most
MAX_RECORD characters.

A file over a limit is refused with one line naming the part and the limit.
"""

from __future__ import annotations

import copy
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from crmcli.errors import CrmError
from crmcli.i18n import _
from crmcli.importer.formulas import mentions_formula

# Bytes one zip part may unpack to. A real ledger at Excel's last row (1,048,576 rows x 22 columns, with
# addresses and notes: benchmarks/ledger.py) is ~1.1 GB of sheet XML, which 1 GB refused; what calamine
# allocates stays bounded by MAX_CELLS and the text itself.
MAX_PART = 2 << 30
MAX_TOTAL = 3 << 30  # bytes all parts together
MAX_TEXT = 1 << 20  # bytes of one text run between tags (a cell is at most 5,000 characters)
MAX_CELLS = 30_000_000  # rows x columns calamine allocates (32 bytes each: ~1 GB); 1,048,576 x 28 fits
MAX_LINE = 1 << 20  # characters of one CSV line
MAX_RECORD = 8 << 20  # characters of one CSV record (a quoted cell may span lines)
_CHUNK = 1 << 20

_REF = re.compile(rb' r="[A-Z]{1,3}[0-9]')  # a cell reference (rows have digits only)
_WIDE_COL = re.compile(rb' r="([A-Z]{2,3})[0-9]')  # columns past Z
_ROW_OF_CELL = re.compile(rb' r="[A-Z]{1,3}([0-9]{1,10})"')
_FAR_ROW = re.compile(rb' r="[A-Z]{1,3}([0-9]{7,10})"')  # rows from 1,000,000
_ROOT = re.compile(rb"<([A-Za-z_][\w.-]*:)?worksheet[\s>]")
_DIMENSION = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?dimension\s+ref="([A-Z]{0,3})([0-9]*)(?::([A-Z]{0,3})([0-9]*))?"')
_SHEET_PART = re.compile(r"(?:^|/)worksheets/[^/]+\.xml$", re.IGNORECASE)


class CraftedFile(CrmError):
    """A file over one of the limits above: refused before it is read."""


def _mb(n: int) -> str:
    return f"{n / (1 << 20):,.0f} MB"


def column_number(letters: bytes | str) -> int:
    """A1-style column letters -> 1-based number (A=1, Z=26, AA=27, XFD=16384)."""
    n = 0
    for ch in letters.decode() if isinstance(letters, bytes) else letters:
        n = n * 26 + ord(ch) - 64
    return n


def check_workbook(path: Path, display: str) -> dict[str, bool]:
    """Refuse a zip-based workbook (xlsx, xlsm, ods) over the limits; other files pass untouched.

    Returns {worksheet part: whether it holds a formula tag}, found in the same pass, so that
    importer.formulas does not inflate those sheets again (~0.5 s CPU for a 100k-row sheet)."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError):
        return {}  # .xls (OLE) or damage: the reader reports damage itself
    with zf:
        infos = zf.infolist()
        total = 0
        for info in infos:
            if info.file_size > MAX_PART:
                raise CraftedFile(_("{file}: part {part} would unpack to {size} (limit {limit}); not a workbook crm reads")
                                  .format(file=display, part=info.filename, size=_mb(info.file_size), limit=_mb(MAX_PART)))
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise CraftedFile(_("{file}: part {part} uses an unusual compression (method {method}); save the file "
                                    "again in Excel or WPS").format(file=display, part=info.filename,
                                                                    method=info.compress_type))
            total += info.file_size
        if total > MAX_TOTAL:
            raise CraftedFile(_("{file} would unpack to {size} (limit {limit}); not a workbook crm reads").format(
                file=display, size=_mb(total), limit=_mb(MAX_TOTAL)))
        found = {info.filename: _scan_part(zf, info, display) for info in infos if not info.is_dir()}
        return {part: formula for part, formula in found.items() if formula is not None}


def _scan_part(zf: zipfile.ZipFile, info: zipfile.ZipInfo, display: str) -> bool | None:
    """Check one part; for a worksheet, whether it holds a formula tag (None for other parts)."""
    sheet = _SheetExtent(display, info.filename) if _SHEET_PART.search(info.filename) else None
    # Read with a larger size allowance than the part declares, so a part that inflates
    # past its declared size shows it (zipfile would otherwise stop at the declared size).
    probe = copy.copy(info)
    probe.file_size = MAX_PART + 1
    size, run, tail, edge, formula = 0, 0, b"", b"", False
    try:
        with zf.open(probe) as fh:
            while chunk := fh.read(_CHUNK):
                size += len(chunk)
                if size > MAX_PART:
                    raise CraftedFile(_("{file}: part {part} unpacks to more than {limit}; not a workbook crm reads")
                                      .format(file=display, part=info.filename, limit=_mb(MAX_PART)))
                run = _text_run(chunk, run, display, info.filename)
                if sheet is not None:
                    formula = formula or mentions_formula(edge + chunk)
                    edge = chunk[-16:]
                    tail = sheet.feed(tail + chunk)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as e:
        raise CraftedFile(_("{file} is not a readable Excel workbook (part {part}: {reason})").format(
            file=display, part=info.filename, reason=e)) from None
    if size != info.file_size:
        raise CraftedFile(_("{file}: part {part} declares {declared} bytes but unpacks to {size}; a damaged or "
                            "crafted file").format(file=display, part=info.filename, declared=f"{info.file_size:,}",
                                                   size=f"{size:,}"))
    if sheet is None:
        return None
    sheet.feed(tail, final=True)
    return formula


def _text_run(chunk: bytes, run: int, display: str, part: str) -> int:
    """The length of the text run open at the end of CHUNK; refuse one longer than MAX_TEXT.

    A run inside one chunk is shorter than the chunk (= MAX_TEXT), so only runs that cross
    a chunk boundary need counting.
    """
    first = chunk.find(b"<")
    if first < 0:
        run += len(chunk)
    else:
        run += first
    if run > MAX_TEXT:
        raise CraftedFile(_("{file}: part {part} holds a text of more than {limit} (a cell holds at most 5,000 "
                            "characters); not a workbook crm reads").format(file=display, part=part,
                                                                             limit=_mb(MAX_TEXT)))
    return run if first < 0 else len(chunk) - chunk.rfind(b"<") - 1


class _SheetExtent:
    """Rows x columns a worksheet's cells span, as calamine will allocate them.

    Cheap in the usual case: a sheet whose references all have one-letter columns and
    rows below 1,000,000 spans at most 999,999 x 26 cells, within the limit, so the scan
    only searches for wide columns, far rows and cells without a reference (three
    regular-expression passes that rarely match). Only then does it collect numbers.
    """

    def __init__(self, display: str, part: str) -> None:
        self.display, self.part = display, part
        self.max_row = self.max_col = 0  # bounds; 0 = nothing seen yet
        self.prefix: bytes | None = None  # the namespace prefix of the sheet's elements ("x:" or "")
        self.dimension_checked = False

    def feed(self, data: bytes, final: bool = False) -> bytes:
        """Scan DATA up to its last tag (all of it when FINAL); return the rest for the next chunk."""
        cut = len(data) if final else data.rfind(b"<")
        if cut <= 0:
            return data
        head, rest = data[:cut], data[cut:]
        if self.prefix is None:
            m = _ROOT.search(head)
            if m is None:
                if len(data) < 65536 and not final:
                    return data
                raise CraftedFile(_("{file}: part {part} is not a worksheet; not a workbook crm reads").format(
                    file=self.display, part=self.part))
            self.prefix = m.group(1) or b""
        if not self.dimension_checked:
            self._dimension(head)
        wide = _WIDE_COL.findall(head)
        cols = max(map(column_number, set(wide))) if wide else 26 if _REF.search(head) else 0
        self.max_col = max(self.max_col, cols)
        far = _FAR_ROW.findall(head)
        self.max_row = max(self.max_row, max(map(int, far)) if far else 999_999 if cols else 0)
        if self.max_row * self.max_col > MAX_CELLS and not far:
            rows = _ROW_OF_CELL.findall(head)  # a wide sheet: the real rows decide
            self.max_row = max(self.max_row if self.max_row != 999_999 else 0, max(map(int, rows), default=0))
        p = re.escape(self.prefix)
        if re.search(b"<" + p + rb'c(?:>|/>|\s(?!r="))', head):
            self._unreferenced(head, p)
        self._check()
        return rest

    def _unreferenced(self, head: bytes, p: bytes) -> None:
        """Cells without a reference take the next column of their row; rows without one, the next row."""
        segments = re.split(b"<" + p + rb"row\b", head)
        widest = max(len(re.findall(b"<" + p + rb"c[\s/>]", seg)) for seg in segments)
        numbered = [int(n) for n in re.findall(b"<" + p + rb'row\s[^>]*?\br="([0-9]{1,10})"', head)]
        self.max_col = min(16384, self.max_col + widest)
        self.max_row = max(self.max_row, *numbered, 0) + (len(segments) - 1 - len(numbered))

    def _dimension(self, head: bytes) -> None:
        m = _DIMENSION.search(head)
        if m is None and b"sheetData" not in head and len(head) < 65536:
            return  # not there yet
        self.dimension_checked = True
        if m is None:
            return
        c1, r1, c2, r2 = (g.decode() if g else "" for g in m.groups())
        cols = abs(column_number(c2 or c1) - column_number(c1)) + 1 if c1 else 1
        rows = abs(int(r2 or r1 or 1) - int(r1 or 1)) + 1
        if cols * rows > MAX_CELLS:
            ref = f"{c1}{r1}:{c2}{r2}" if c2 or r2 else f"{c1}{r1}"
            raise CraftedFile(_("{file}: a sheet declares {rows} rows x {cols} columns ({ref}), more than the {limit} "
                                "cells crm reads; delete the far cells or save the data as CSV").format(
                file=self.display, rows=f"{rows:,}", cols=f"{cols:,}", ref=ref, limit=f"{MAX_CELLS:,}"))

    def _check(self) -> None:
        if self.max_row * self.max_col > MAX_CELLS:
            raise CraftedFile(_("{file}: a sheet's cells reach row {row} and column {col} ({cells} cells, limit "
                                "{limit}); delete the far cells or save the data as CSV").format(
                file=self.display, row=f"{self.max_row:,}", col=f"{self.max_col:,}",
                cells=f"{self.max_row * self.max_col:,}", limit=f"{MAX_CELLS:,}"))


def bounded_lines(text: IO[str], display: str, pending: list[int]) -> Iterator[str]:
    """Physical lines of TEXT for csv.reader, refusing a line over MAX_LINE characters and a record over
    MAX_RECORD (pending[0]: characters since the last complete record; the reader resets it)."""
    while line := text.readline(MAX_LINE + 1):
        pending[0] += len(line)
        if len(line) > MAX_LINE:
            raise CraftedFile(_("{file}: a line longer than {limit} characters; not a CSV file crm reads").format(
                file=display, limit=f"{MAX_LINE:,}"))
        if pending[0] > MAX_RECORD:
            raise CraftedFile(_("{file}: a record longer than {limit} characters (an unclosed quote?); not a CSV file "
                                "crm reads").format(file=display, limit=f"{MAX_RECORD:,}"))
        yield line
