"""`crm import` through the CLI: summary on stderr or JSON on stdout, and every bad
input the issue lists: exit 1, one line on stderr, no traceback, database unchanged."""

from __future__ import annotations

import csv
import json
import sqlite3
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from crmcli import db


def write_csv(path: Path, rows: list[list[object]], encoding: str = "utf-8") -> Path:
    with open(path, "w", encoding=encoding, newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


GOOD = [["客户名称", "联系电话", "邮箱"], ["北京华信", "13812345678", ""], ["上海云帆", "", "a@yunfan.com"]]


def dump(db_path: Path) -> dict[str, list[tuple]]:
    conn = sqlite3.connect(db_path)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        return {t: conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in tables}
    finally:
        conn.close()


def test_summary_on_stderr_nothing_on_stdout(cli, tmp_path: Path) -> None:
    r = cli("import", str(write_csv(tmp_path / "c.csv", GOOD, "gbk")))
    assert r.exit_code == 0, r.output
    assert r.stdout == ""
    assert "GBK, comma-separated" in r.stderr
    assert "2 read: 2 inserted, 0 updated, 0 skipped, 0 unchanged, 0 rejected (operation 1)" in r.stderr


def test_json_summary_for_cron(cli, tmp_path: Path) -> None:
    r = cli("import", str(write_csv(tmp_path / "c.csv", GOOD)), "--format", "json", "--dry-run")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert (data["read"], data["inserted"], data["rejected"], data["dry_run"]) == (2, 2, 0, True)
    assert data["sheets"][0]["columns"] == [{"column": "客户名称", "field": "name"},
                                            {"column": "联系电话", "field": "phone"}, {"column": "邮箱", "field": "email"}]


def test_stdin(cli, tmp_path: Path) -> None:
    data = (tmp_path / "x.csv")
    write_csv(data, GOOD)
    r = cli("import", "-", input=data.read_text(encoding="utf-8"))
    assert r.exit_code == 0, r.output
    assert "stdin" in r.stderr


def test_unmapped_column_is_reported(cli, tmp_path: Path) -> None:
    r = cli("import", str(write_csv(tmp_path / "c.csv", [["客户名称", "联系电话", "微信号"], ["甲", "13800000001", "wx"]])))
    assert r.exit_code == 0
    assert "not imported (no matching field): 微信号" in r.stderr


def test_rejects_option(cli, tmp_path: Path, db_path: Path) -> None:
    path = write_csv(tmp_path / "c.csv", [*GOOD, ["坏电话", "12345", ""]])
    r = cli("import", str(path), "--rejects", str(tmp_path / "bad.csv"))
    assert r.exit_code == 0, r.output
    assert "1 rejected" in r.stderr
    assert (tmp_path / "bad.csv").read_text(encoding="utf-8-sig").splitlines()[1].startswith("c,4,\"invalid phone '*2345'")


def _xlsx_formula(path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.append(["客户名称", "联系电话", "满意度评分"])
    ws.append(["甲", "13800000001", "=2+2"])
    wb.save(path)
    return path


def _truncated_xlsx(path: Path) -> Path:
    wb = Workbook()
    wb.active.append(["客户名称", "联系电话"])
    wb.save(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


BAD_INPUTS = {
    "empty file": (lambda p: _bytes(p / "e.csv", b""), [], "is empty"),
    "blank lines only": (lambda p: _bytes(p / "e.csv", b"\r\n \r\n"), [], "is empty"),
    "header only": (lambda p: write_csv(p / "h.csv", [["客户名称", "联系电话"]]), [], "no data rows"),
    "binary garbage": (lambda p: _bytes(p / "g.csv", bytes(range(256)) * 64), [],
                       "is not a CSV or Excel file"),
    "truncated xlsx": (lambda p: _truncated_xlsx(p / "t.xlsx"), [], "not a readable Excel workbook"),
    "wrong sheet name": (lambda p: _xlsx_formula(p / "s.xlsx"), ["--sheet", "不存在"], "no sheet '不存在'"),
    "unknown table": (lambda p: write_csv(p / "c.csv", GOOD), ["--table", "invoices"], "unknown table 'invoices'"),
    "column mapped twice": (lambda p: write_csv(p / "c.csv", GOOD), ["--map", "邮箱=phone"],
                            "both map to customers.phone"),
    "same column in --map twice": (lambda p: write_csv(p / "c.csv", GOOD), ["--map", "邮箱=email", "--map", "邮箱=notes"],
                                   "--map names column '邮箱' twice"),
    "10,000-character cell": (lambda p: write_csv(p / "c.csv", [*GOOD, ["甲" * 10_000, "13800000009", ""]]), [],
                              "a cell longer than 5,000 characters"),
    "10,000-character cell in xlsx": (lambda p: _long_xlsx(p / "l.xlsx"), [], "a cell longer than 5,000 characters"),
    "formula in csv": (lambda p: write_csv(p / "c.csv", [*GOOD, ["=HYPERLINK(\"http://x\")", "13800000009", ""]]), [],
                       "a formula (=HYPERLINK"),
    "uncalculated formula in xlsx": (lambda p: _xlsx_formula(p / "f.xlsx"), [], "holds a formula (=2+2)"),
    "no known header": (lambda p: write_csv(p / "c.csv", [["foo", "bar"], ["1", "2"]]), [], "no header row found"),
    "map to unknown field": (lambda p: write_csv(p / "c.csv", GOOD), ["--map", "邮箱=wechat"], "unknown field 'wechat'"),
    "map of a missing column": (lambda p: write_csv(p / "c.csv", GOOD), ["--map", "微信=notes"],
                                "--map names a column the file does not have"),
    "no such file": (lambda p: p / "missing.csv", [], "no file"),
    "bad encoding override": (lambda p: write_csv(p / "c.csv", GOOD, "gbk"), ["--encoding", "utf-8"], "is not utf-8 text"),
    "sheet option on a csv": (lambda p: write_csv(p / "c.csv", GOOD), ["--sheet", "x"], "--sheet is for Excel workbooks"),
    "child rows without a customer link": (
        lambda p: write_csv(p / "跟进记录.csv", [["跟进时间", "沟通要点"], ["2024-01-01", "x"]]), [],
        "no column links rows to a customer"),
}


def _bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _long_xlsx(path: Path) -> Path:
    wb = Workbook()
    wb.active.append(["客户名称", "联系电话", "备注"])
    wb.active.append(["甲", "13800000001", "长" * 10_000])
    wb.save(path)
    return path


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input(cli, tmp_path: Path, db_path: Path, case: str) -> None:
    make, extra, message = BAD_INPUTS[case]
    # something already in the database, to see it untouched
    assert cli("add", "customer", "--name", "已有客户", "--phone", "13900000000").exit_code == 0
    before = dump(db_path)
    path = make(tmp_path)
    r = cli("import", str(path), *extra)
    assert r.exit_code == 1, (r.output, r.exception)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("Error: ")
    assert message in lines[0]
    assert "Traceback" not in r.output
    assert dump(db_path) == before


def test_zip_that_is_not_a_workbook(cli, tmp_path: Path) -> None:
    path = tmp_path / "x.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("hello.txt", "hi")
    r = cli("import", str(path))
    assert r.exit_code == 1
    assert "not a readable Excel workbook" in r.stderr


def test_conflict_default_fails_naming_ids(cli, tmp_path: Path, db_path: Path) -> None:
    path = write_csv(tmp_path / "c.csv", [["客户编号", "客户名称", "联系电话"], ["C20240101001", "甲", "13800000001"]])
    assert cli("import", str(path)).exit_code == 0
    r = cli("import", str(path))  # the same file again: nothing changes, no conflict
    assert r.exit_code == 0, r.output
    assert "0 inserted, 0 updated, 0 skipped, 1 unchanged" in r.stderr
    before = dump(db_path)
    path = write_csv(tmp_path / "c.csv", [["客户编号", "客户名称", "联系电话"], ["C20240101001", "甲", "13800000002"]])
    r = cli("import", str(path))
    assert r.exit_code == 1
    assert "C20240101001" in r.stderr and "--on-conflict skip" in r.stderr
    assert dump(db_path) == before
    r = cli("import", str(path), "--on-conflict", "skip")
    assert r.exit_code == 0
    assert "0 inserted, 0 updated, 1 skipped" in r.stderr
    assert dump(db_path)["customers"] == before["customers"]


def test_bad_on_conflict_is_usage_error(cli, tmp_path: Path) -> None:
    r = cli("import", str(write_csv(tmp_path / "c.csv", GOOD)), "--on-conflict", "merge")
    assert r.exit_code == 2


def test_import_is_one_logged_operation(cli, tmp_path: Path, db_path: Path) -> None:
    assert cli("import", str(write_csv(tmp_path / "c.csv", GOOD))).exit_code == 0
    conn = db.connect(db_path)
    ops = conn.execute("SELECT kind, summary FROM operations").fetchall()
    assert [tuple(o) for o in ops] == [
        ("import", f"import {tmp_path / 'c.csv'}: 2 inserted, 0 updated, 0 skipped, 0 unchanged, 0 rejected")]
    assert conn.execute("SELECT count(*) FROM changes").fetchone()[0] == 2
    conn.close()


def test_a_refused_phone_is_shown_masked_with_the_mainland_hint(cli, db_path: Path, tmp_path: Path) -> None:
    """A mobile with one digit missing is nearly someone's number: the refusal hides all but its last four
    digits (mask_phone's rule for a bad value) and explains the mainland shapes, not Hong Kong's."""
    path = tmp_path / "bad.csv"
    path.write_text("客户名称,联系电话\n华信科技,1381234567\n", encoding="utf-8")
    r = cli("import", str(path))
    assert r.exit_code == 1
    assert "1381234567" not in r.stderr and "'******4567'" in r.stderr
    assert "a mobile has 11 digits" in r.stderr and "Hong Kong" not in r.stderr
    assert "010-6234 5678" in r.stderr  # the hint's example is not masked as if it were data
