"""Crafted files at scale (hypothesis, issue 14 finding 5 and 7): workbooks with far cells, huge
shared strings, parts that lie about their size (zip bombs), CSV with over-long lines and control
characters. Every file is built by hand with zipfile, small on disk and in memory; what it
claims is never allocated.

Promises checked on every example: a crafted file is refused with exit 1 and exactly one line
on stderr, no traceback, the database unchanged; control characters never reach the database.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import typer
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmcli.cli import app
from crmcli.importer import limits
from tests.crafted import GOOD, HEADER, declare_size, write_xlsx
from tests.dbdump import dump

SETTINGS = settings(max_examples=12, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
_COMMAND = typer.main.get_command(app)


@pytest.fixture
def run(db_path: Path):  # type: ignore[no-untyped-def]
    def invoke(*args: str):  # type: ignore[no-untyped-def]
        return CliRunner().invoke(_COMMAND, ["--db", str(db_path), *map(str, args)], prog_name="crm")

    return invoke


def refused_cleanly(result, before: list[str], db_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == 1, (result.exit_code, result.output)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert "Traceback" not in result.stderr
    assert dump(db_path) == before


def column_letters(n: int) -> str:
    out = ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


far_cells = st.tuples(st.integers(1, 16384), st.integers(1, 1_048_576)).filter(
    lambda rc: rc[0] * rc[1] > limits.MAX_CELLS)


@SETTINGS
@given(cells=st.lists(far_cells, min_size=1, max_size=3), referenced=st.booleans(),
       dimension=st.sampled_from([None, "A1:B2", "A1:XFD1048576"]))
def test_far_cells_are_refused(run, db_path: Path, tmp_path: Path, cells: list[tuple[int, int]],  # type: ignore[no-untyped-def]
                               referenced: bool, dimension: str | None) -> None:
    rows = list(GOOD)
    for col, row in sorted(cells, key=lambda c: c[1]):
        if row <= 2:
            continue
        if referenced:
            rows.append((row, [(f"{column_letters(col)}{row}", "x")]))
        else:  # no references: the cell's column is its position in its (numbered) row
            rows.append((row, [(None, "")] * (col - 1) + [(None, "x")]))
    if len(rows) == len(GOOD) and dimension != "A1:XFD1048576":
        rows.append((1_048_576, [("XFD1048576", "x")]))
    path = write_xlsx(tmp_path / "far.xlsx", rows, dimension=dimension)
    before = dump(db_path)
    r = run("import", path)
    refused_cleanly(r, before, db_path)


@SETTINGS
@given(size=st.integers(limits.MAX_TEXT + 1, 6 << 20), where=st.sampled_from(["shared", "inline"]),
       char=st.sampled_from(["A", "甲", "&amp;", " "]))
def test_huge_strings_are_refused(run, db_path: Path, tmp_path: Path, size: int, where: str, char: str) -> None:  # type: ignore[no-untyped-def]
    text = char * (size // len(char.encode()) + 1)
    if where == "shared":
        path = write_xlsx(tmp_path / "big.xlsx", GOOD, shared=["客户名称", text])
    else:
        path = write_xlsx(tmp_path / "big.xlsx", [HEADER, (2, [("A2", text), ("B2", "13812345678")])])
    assert path.stat().st_size < 2 << 20  # small on disk: the shape of a zip bomb
    before = dump(db_path)
    r = run("import", path)
    refused_cleanly(r, before, db_path)
    assert "more than 1 MB" in r.stderr


@SETTINGS
@given(part=st.sampled_from(["xl/sharedStrings.xml", "xl/worksheets/sheet1.xml", "xl/workbook.xml",
                             "[Content_Types].xml"]),
       declared=st.one_of(st.integers(limits.MAX_PART + 1, (1 << 32) - 1), st.integers(0, 50)))
def test_parts_lying_about_their_size_are_refused(run, db_path: Path, tmp_path: Path, part: str,  # type: ignore[no-untyped-def]
                                                  declared: int) -> None:
    rows = [HEADER] + [(i, [(f"A{i}", f"公司{i}"), (f"B{i}", f"1380000{i:04d}")]) for i in range(2, 40)]
    path = write_xlsx(tmp_path / "bomb.xlsx", rows, shared=["x" * 100])
    declare_size(path, part, declared)
    before = dump(db_path)
    refused_cleanly(run("import", path), before, db_path)


@SETTINGS
@given(length=st.integers(limits.MAX_LINE + 1, limits.MAX_LINE + 5000), char=st.sampled_from(["a", "甲", ","]),
       encoding=st.sampled_from(["utf-8", "gb18030", "utf-16"]))
def test_csv_lines_over_the_limit_are_refused(run, db_path: Path, tmp_path: Path, length: int, char: str,  # type: ignore[no-untyped-def]
                                              encoding: str) -> None:
    path = tmp_path / "long.csv"
    path.write_bytes(("客户名称,联系电话\n甲公司,13800000001\n" + char * length + ",13800000002\n").encode(encoding))
    before = dump(db_path)
    r = run("import", path)
    refused_cleanly(r, before, db_path)
    assert "longer than" in r.stderr


controls = st.text(st.sampled_from([chr(c) for c in [*range(0x20), *range(0x7f, 0xa0)]]), min_size=1, max_size=3)
words = st.text(st.sampled_from("甲乙丙公司科技 abc"), min_size=1, max_size=6)


@SETTINGS
@given(cells=st.lists(st.tuples(words, controls, words), min_size=1, max_size=8))
def test_control_characters_never_reach_the_database(run, db_path: Path, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                     cells: list[tuple[str, str, str]]) -> None:
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["客户名称", "联系电话", "备注"])
    for i, (a, ctl, b) in enumerate(cells):
        w.writerow([f"{a}{i}", f"1380000{i:04d}", f"{a}{ctl}{b}"])
    path = tmp_path / "ctl.csv"
    path.write_text(buf.getvalue(), encoding="utf-8")
    before = dump(db_path)
    r = run("import", path, "--on-conflict", "skip")
    assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
    if r.exit_code != 0:
        refused_cleanly(r, before, db_path)
        return
    conn = sqlite3.connect(db_path)
    stored = [v for row in conn.execute("SELECT name, notes FROM customers") for v in row if v]
    conn.close()
    bad = [v for v in stored if any((c < " " and c not in "\n\t") or "\x7f" <= c <= "\x9f" for c in v)]
    assert not bad, bad
