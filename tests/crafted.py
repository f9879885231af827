"""Hand-built workbooks for the crafted-file tests: a minimal xlsx written with zipfile, so a test
can place a cell anywhere, declare any dimension, make a shared string of any length or make a
part lie about its size — without allocating what the file claims."""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

_CT = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
       'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships'
       '+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
       'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override '
       'PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
       'spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
       'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
         '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
         'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
_WB = ('<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
       '2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
       '<sheet name="客户" sheetId="1" r:id="rId1"/></sheets></workbook>')
_WB_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.'
            'openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
            '</Relationships>')
NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"

# A cell: (reference or None for a cell without one, text). Rows: (row number or None, cells).
Cell = tuple[str | None, str]
Row = tuple[int | None, list[Cell]]

HEADER: Row = (1, [("A1", "客户名称"), ("B1", "联系电话")])
GOOD: list[Row] = [HEADER, (2, [("A2", "甲公司"), ("B2", "13812345678")])]


def sheet_xml(rows: list[Row], dimension: str | None = None, shared: bool = False) -> str:
    out = []
    for number, cells in rows:
        body = []
        for k, (ref, text) in enumerate(cells):
            r = f' r="{ref}"' if ref else ""
            if shared:  # every cell points at shared string k of its row (all rows share the table)
                body.append(f'<c{r} t="s"><v>{k}</v></c>')
            else:
                body.append(f'<c{r} t="inlineStr"><is><t>{escape(text)}</t></is></c>')
        rn = f' r="{number}"' if number else ""
        out.append(f"<row{rn}>{''.join(body)}</row>")
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{NS}">{dim}<sheetData>{"".join(out)}</sheetData></worksheet>'


def shared_strings_xml(strings: list[str]) -> str:
    items = "".join(f"<si><t>{escape(s)}</t></si>" for s in strings)
    return f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{NS}" count="{len(strings)}" uniqueCount="{len(strings)}">{items}</sst>'


def write_xlsx(path: Path, rows: list[Row] = GOOD, *, dimension: str | None = None,
               shared: list[str] | None = None, sheet: str | None = None) -> Path:
    """A minimal workbook: one sheet 客户 with ROWS (or the raw SHEET xml), optional shared strings."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _CT)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("xl/workbook.xml", _WB)
        z.writestr("xl/_rels/workbook.xml.rels", _WB_RELS)
        z.writestr("xl/worksheets/sheet1.xml", sheet if sheet is not None else
                   sheet_xml(rows, dimension, shared=shared is not None))
        z.writestr("xl/sharedStrings.xml", shared_strings_xml(shared or []))
    return path


def declare_size(path: Path, part: str, size: int) -> Path:
    """Make PART claim SIZE uncompressed bytes in both its local and central headers (a lying zip)."""
    data = bytearray(path.read_bytes())
    name = part.encode()
    with zipfile.ZipFile(path) as z:
        info = z.getinfo(part)
    local = info.header_offset
    assert data[local:local + 4] == b"PK\x03\x04"
    struct.pack_into("<I", data, local + 22, size)
    central = data.find(b"PK\x01\x02")
    while central >= 0:
        n = struct.unpack_from("<H", data, central + 28)[0]
        if data[central + 46:central + 46 + n] == name:
            struct.pack_into("<I", data, central + 24, size)
            break
        central = data.find(b"PK\x01\x02", central + 4)
    path.write_bytes(bytes(data))
    return path
