"""Crafted files fail cleanly (issue 14, finding 5): far cells, declared dimensions, huge and lying
zip parts, long CSV lines — exit 1, one line, the database unchanged, and never a native abort."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from crmcli.importer import limits
from tests.crafted import GOOD, HEADER, declare_size, sheet_xml, write_xlsx
from tests.dbdump import dump


def refused(r, *words: str) -> str:  # type: ignore[no-untyped-def]
    assert r.exit_code == 1, r.output
    assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), r.stderr
    for w in words:
        assert w in lines[0], lines[0]
    return lines[0]


def test_a_good_hand_built_workbook_imports(cli, tmp_path: Path) -> None:
    r = cli("import", str(write_xlsx(tmp_path / "ok.xlsx")))
    assert r.exit_code == 0, r.output
    assert "1 inserted" in r.stderr


def test_a_far_cell_is_refused_in_a_real_process_not_aborted(db_path: Path, tmp_path: Path) -> None:
    # Before: python-calamine asked for 549,755,813,888 bytes and the process aborted (exit 134).
    path = write_xlsx(tmp_path / "far.xlsx", [*GOOD, (1048576, [("XFD1048576", "x")])])
    before = dump(db_path)
    p = subprocess.run([sys.executable, "-m", "crmcli", "--db", str(db_path), "import", str(path)],
                       capture_output=True, text=True, timeout=60, env={**os.environ, "CRM_LANG": "en"})
    assert p.returncode == 1, (p.returncode, p.stderr[-500:])
    assert p.stderr.count("\n") == 1 and "column 16,384" in p.stderr, p.stderr
    assert dump(db_path) == before


@pytest.mark.parametrize("rows,dimension,words", [
    (GOOD, "A1:XFD1048576", ("declares 1,048,576 rows x 16,384 columns",)),
    ([*GOOD, (40000, [("ZZZ40000", "x")])], None, ("column 18,278",)),
    ([*GOOD, (1048576, [("AF1048576", "x")])], None, ("row 1,048,576", "column 32")),
    # no references at all: a wide first row and a far row number still count
    ([HEADER, (None, [(None, "x")] * 40), (1048576, [(None, "y")])], None, ("row 1,048,5",)),
])
def test_far_and_wide_sheets_are_refused(cli, db_path: Path, tmp_path: Path, rows, dimension, words) -> None:  # type: ignore[no-untyped-def]
    before = dump(db_path)
    refused(cli("import", str(write_xlsx(tmp_path / "x.xlsx", rows, dimension=dimension))), *words)
    assert dump(db_path) == before


def test_a_huge_shared_string_is_refused_before_it_is_read(cli, db_path: Path, tmp_path: Path) -> None:
    # 20 MB of text deflates to ~20 KB: the shape of the 2 GB string that reached 10.5 GB of memory.
    path = write_xlsx(tmp_path / "big.xlsx", GOOD, shared=["客户名称", "A" * (20 << 20)])
    assert path.stat().st_size < 200_000
    before = dump(db_path)
    refused(cli("import", str(path)), "sharedStrings.xml", "text of more than 1 MB")
    assert dump(db_path) == before


def test_a_part_declaring_gigabytes_is_refused_at_once(cli, db_path: Path, tmp_path: Path) -> None:
    path = declare_size(write_xlsx(tmp_path / "bomb.xlsx"), "xl/sharedStrings.xml", 3_000_000_000)
    started = time.monotonic()
    refused(cli("import", str(path)), "sharedStrings.xml", "would unpack to 2,861 MB")
    assert time.monotonic() - started < 10


def test_a_part_lying_about_its_size_is_refused(cli, db_path: Path, tmp_path: Path) -> None:
    rows = [HEADER] + [(i, [(f"A{i}", f"公司{i}"), (f"B{i}", f"138{i:08d}")]) for i in range(2, 500)]
    path = declare_size(write_xlsx(tmp_path / "liar.xlsx", rows), "xl/worksheets/sheet1.xml", 1000)
    refused(cli("import", str(path)), "declares 1,000 bytes")


def test_many_parts_together_over_the_total_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "many.xlsx"
    write_xlsx(path)
    with zipfile.ZipFile(path, "a") as z:
        for i in range(4):
            z.writestr(f"xl/media/pad{i}.bin", b"x")
    for i in range(4):
        declare_size(path, f"xl/media/pad{i}.bin", 1_000_000_000)
    with pytest.raises(limits.CraftedFile, match="would unpack to 3,81"):
        limits.check_workbook(path, "many.xlsx")


def test_a_namespaced_sheet_is_scanned_too(tmp_path: Path) -> None:
    xml = sheet_xml([*GOOD, (1048576, [("XFD1048576", "x")])]).replace("<worksheet xmlns=", "<x:worksheet xmlns:x=")
    for tag in ("sheetData", "row", "c", "is", "t"):
        xml = xml.replace(f"<{tag}", f"<x:{tag}").replace(f"</{tag}>", f"</x:{tag}>")
    xml = xml.replace("</worksheet>", "</x:worksheet>")
    with pytest.raises(limits.CraftedFile, match="column 16,384"):
        limits.check_workbook(write_xlsx(tmp_path / "ns.xlsx", sheet=xml), "ns.xlsx")


def test_the_limits_leave_a_real_workbook_alone(tmp_path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["客户名称", "联系电话", *[f"c{i}" for i in range(40)]])
    for i in range(300):
        ws.append([f"公司{i}", "13812345678", *range(40)])
    wb.save(tmp_path / "real.xlsx")
    limits.check_workbook(tmp_path / "real.xlsx", "real.xlsx")  # 42 columns, 301 rows: fine


@pytest.mark.parametrize("body,words", [
    ("客户名称,联系电话\n" + "甲" * (limits.MAX_LINE + 10) + ",13800000001\n", ("a line longer than",)),
    ("客户名称,联系电话\n" + "".join('"a\nb",' for _ in range(limits.MAX_RECORD // 4)) + "\n",
     ("a record longer than",)),
], ids=["line", "record"])  # short ids: the bodies are megabytes, and pytest-xdist ships every id between processes
def test_csv_lines_and_records_over_the_limit_are_refused(cli, db_path: Path, tmp_path: Path, body: str,
                                                          words: tuple[str, ...]) -> None:
    path = tmp_path / "in.csv"
    path.write_text(body, encoding="utf-8")
    before = dump(db_path)
    refused(cli("import", str(path)), *words)
    assert dump(db_path) == before


def test_an_ods_repeating_a_cell_across_the_sheet_is_one_line(cli, db_path: Path, tmp_path: Path) -> None:
    # OpenDocument repeats cells by attribute: 1,048,576 rows x 16,384 columns in a few hundred bytes.
    ns = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')
    cell = '<table:table-cell office:value-type="string"><text:p>{}</text:p></table:table-cell>'
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns} office:version="1.2">'
               '<office:body><office:spreadsheet><table:table table:name="客户">'
               f'<table:table-row>{cell.format("客户名称")}{cell.format("联系电话")}</table:table-row>'
               '<table:table-row table:number-rows-repeated="1048575"><table:table-cell office:value-type="string" '
               'table:number-columns-repeated="16384"><text:p>x</text:p></table:table-cell></table:table-row>'
               '</table:table></office:spreadsheet></office:body></office:document-content>')
    path = tmp_path / "bomb.ods"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
    before = dump(db_path)
    refused(cli("import", str(path)), "bomb.ods")
    assert dump(db_path) == before
