"""crm export / crm template through the CLI: usage errors, defaults, config, the real pipe."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from crmcli import config, db
from tests.export_helpers import fill


@pytest.fixture
def filled(db_path: Path) -> Path:
    conn = db.connect(db_path)
    fill(conn)
    conn.close()
    return db_path


def ops(path: Path) -> list[tuple[str, str]]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT kind, details FROM operations ORDER BY op_id").fetchall()
    finally:
        conn.close()


def test_default_is_csv_on_stdout_with_messages_on_stderr(cli, filled: Path) -> None:  # type: ignore[no-untyped-def]
    r = cli("export", "orders", "amount>=1000", "--columns", "order_id,amount")
    assert r.exit_code == 0, r.output
    assert r.stdout == "order_id,amount\nDD001,120000.5\n"
    assert r.stderr == ""


def test_file_output_reports_on_stderr(cli, filled: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "c.xlsx"
    r = cli("export", "客户", "-o", str(out))
    assert r.exit_code == 0, r.output
    assert r.stdout == ""
    assert r.stderr == f"exported 2 customers to {out} (xlsx)\n"
    assert load_workbook(out).sheetnames == ["客户基本信息"]


@pytest.mark.parametrize(("args", "code", "message"), [
    (("export", "--format", "table"), 2, "is not one of csv, tsv, json, jsonl, xlsx"),
    (("export", "--encoding", "latin-1"), 2, "is not one of utf-8, utf-8-sig, gbk, gb18030"),
    (("export", "--lang", "fr"), 2, "is not one of"),
    (("export", "orderz"), 1, "Error: 'orderz' is neither a filter (field=value, e.g. status=意向) nor a module: "
                              "unknown table 'orderz'"),
    (("export", "orders.amount"), 1, "quote the filter, 'orders.amount>=50000'"),  # the shell took >=50000
    (("export", "satisfaction"), 1, "filter 'satisfaction': needs field OP value"),
    (("export", "all"), 1, "give -o FOLDER"),
    (("export", "all", "--columns", "name", "-o", "x.xlsx"), 1, "--columns applies to one table"),
    (("export", "customers", "nosuch=1"), 1, "unknown field 'nosuch' in customers"),
    (("export", "-o", "/nonexistent/dir/x.csv"), 1, "folder /nonexistent/dir does not exist"),
    (("export", "orders", "-o", "/tmp"), 1, "/tmp is a folder: give a file name"),
    (("export", "orders", "-o", "o.xlsx", "--encoding", "gbk"), 1, "--encoding applies to text formats"),
])
def test_bad_input(cli, filled: Path, args: tuple[str, ...], code: int, message: str) -> None:  # type: ignore[no-untyped-def]
    r = cli(*args)
    assert r.exit_code == code
    assert message in r.stderr
    assert r.stdout == ""
    assert ops(filled) == []


def test_lang_zh_json(cli, filled: Path) -> None:  # type: ignore[no-untyped-def]
    r = cli("export", "orders", "--lang", "zh", "-f", "json", "--columns", "order_id,status,tax_included")
    assert json.loads(r.stdout) == [{"订单编号": "DD001", "订单状态": "已完成", "是否含税": "是"},
                                    {"订单编号": "DD002", "订单状态": "待付款", "是否含税": "否"}]


def test_unmask_is_logged_and_said(cli, filled: Path) -> None:  # type: ignore[no-untyped-def]
    r = cli("export", "customer_type=老客户", "--columns", "customer_id,phone", "--unmask")
    assert r.stdout == "customer_id,phone\nC001,13812345678\n"
    assert r.stderr == "phones and emails in full (--unmask): recorded as operation 1\n"
    [(kind, details)] = ops(filled)
    d = json.loads(details)
    assert (kind, d["table"], d["filter"], d["rows"], d["file"]) == ("export", "customers", ["customer_type=老客户"], 1,
                                                                     "stdout")


def test_config_mask_false_changes_the_default_and_still_logs(cli, filled: Path) -> None:  # type: ignore[no-untyped-def]
    config.set_value("mask", "false")
    r = cli("export", "--columns", "customer_id,email")
    assert r.stdout == "customer_id,email\nC001,zhang.san@example.com\nC002,li@example.org\n"
    assert "config mask=false" in r.stderr
    assert [k for k, _ in ops(filled)] == ["export"]


def test_xlsx_to_a_pipe(cli, filled: Path) -> None:  # type: ignore[no-untyped-def]
    r = cli("export", "orders", "-f", "xlsx")
    assert r.exit_code == 0, r.output
    assert r.stdout_bytes[:2] == b"PK"  # a zip: the xlsx itself


def test_template_command(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "模板.xlsx"
    r = cli("template", "-o", str(out), db=None)
    assert r.exit_code == 0, r.output
    assert r.stderr.startswith(f"wrote {out}: sheets 客户基本信息, 联系人")
    assert load_workbook(out).sheetnames[-1] == "说明"
    r = cli("template", "-o", str(tmp_path / "en.xlsx"), "--lang", "en", db=None)
    assert load_workbook(tmp_path / "en.xlsx").sheetnames[0] == "Customers"


def _many_customers(path: Path, n: int) -> None:
    conn = db.connect(path)
    conn.executemany("INSERT INTO customers (customer_id, name, phone, notes) VALUES (?, ?, ?, ?)",
                     ((f"C{i:07d}", f"客户{i}有限公司", f"138{i:08d}", "x" * 1000) for i in range(n)))
    conn.close()


@pytest.mark.slow
def test_broken_pipe_exits_quietly(db_path: Path, tmp_path: Path) -> None:
    _many_customers(db_path, 3000)  # ~3 MB: far more than a pipe buffer holds
    env = {**os.environ, "CRM_CONFIG": str(tmp_path / "config.toml")}
    for extra in ([], ["--unmask"]):
        proc = subprocess.Popen([sys.executable, "-m", "crmcli", "--db", str(db_path), "export", *extra],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        assert proc.stdout is not None and proc.stderr is not None
        first = proc.stdout.readline()
        proc.stdout.close()  # the reader leaves, like `| head -1`
        err = proc.stderr.read()
        assert proc.wait(timeout=60) == 0
        assert err == b"" if not extra else b"Traceback" not in err
        assert first.startswith(b"customer_id,kind,name")
    # The unmasked run was cut short, and its log entry says so.
    [(kind, details)] = ops(db_path)
    d = json.loads(details)
    assert kind == "export" and d["partial"] is True and 0 < d["rows"] < 3000


@pytest.mark.slow
def test_shell_pipeline_head(db_path: Path, tmp_path: Path) -> None:
    _many_customers(db_path, 3000)
    env = {**os.environ, "CRM_CONFIG": str(tmp_path / "config.toml")}
    cmd = f"{sys.executable} -m crmcli --db {db_path} export --columns customer_id | head -3"
    r = subprocess.run(["bash", "-o", "pipefail", "-c", cmd], capture_output=True, env=env, timeout=60)
    assert r.returncode == 0
    assert r.stdout == b"customer_id\nC0000000\nC0000001\n"
    assert r.stderr == b""
