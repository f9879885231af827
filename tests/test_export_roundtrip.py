"""Export -> `crm import` gives back the same data; the blank template, filled in, imports.

These run against the importer through its CLI contract (`crm import FILE`).
"""

from __future__ import annotations

import sqlite3
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from crmcli import db, workbook
from tests.export_helpers import fill

SYSTEM = ("created_at", "updated_at")
RECORDS = ("customers", "contacts", "followups", "orders", "tickets", "needs")


def dump(path: Path, modules: tuple[str, ...] = RECORDS) -> dict[str, list[tuple[object, ...]]]:
    """Rows of MODULES without the system timestamps, in key order."""
    conn = sqlite3.connect(path)
    out = {}
    for name in modules:
        cols = [r[1] for r in conn.execute(f"PRAGMA table_info({name})") if r[1] not in SYSTEM
                and not (name == "contacts" and r[1] == "contact_id")]
        out[name] = conn.execute(f"SELECT {', '.join(cols)} FROM {name} ORDER BY {', '.join(cols[:2])}").fetchall()
    conn.close()
    return out


@pytest.fixture
def source(db_path: Path) -> Path:
    conn = db.connect(db_path)
    fill(conn)
    conn.close()
    return db_path


@pytest.mark.parametrize("name", ["all.xlsx", "customers.csv"])
def test_export_then_import_gives_back_the_same_data(cli, source: Path, tmp_path: Path, name: str) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / name
    table = "all" if name.endswith("xlsx") else "customers"
    r = cli("export", table, "--unmask", "-o", str(out))
    assert r.exit_code == 0, r.output
    target = tmp_path / "copy.db"
    db.create(target).close()
    r = cli("import", str(out), db=target)
    assert r.exit_code == 0, r.output
    before, after = dump(source), dump(target)
    if table == "customers":
        assert after["customers"] == before["customers"]
    else:
        assert after == before
    conn = sqlite3.connect(target)
    # The neutralised formula came back as the original text.
    assert conn.execute("SELECT notes FROM customers WHERE customer_id = 'C001'").fetchone()[0] == \
        '=HYPERLINK("http://x","点我")'
    assert conn.execute("SELECT notes FROM customers WHERE customer_id = 'C002'").fetchone()[0] == "-折扣20%"
    conn.close()


def test_tags_come_back(cli, source: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "all.xlsx"
    assert cli("export", "all", "--unmask", "-o", str(out)).exit_code == 0
    target = tmp_path / "copy.db"
    db.create(target).close()
    assert cli("import", str(out), db=target).exit_code == 0
    conn = sqlite3.connect(target)
    assert conn.execute("SELECT customer_id, tag, tag_group FROM tags").fetchall() == [("C001", "重点维护", "behaviour")]
    conn.close()


def test_filled_template_imports(cli, tmp_path: Path, db_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "模板.xlsx"
    workbook.write_template(path, "zh")
    wb = load_workbook(path)
    cust = wb["客户基本信息"]
    head = [c.value for c in cust[1]]
    row = {"客户编号": "C2024001", "客户性质": "企业", "客户全称": "杭州云帆网络科技有限公司", "联系人姓名": "王芳",
           "联系电话": "13912345678", "联系邮箱": "wang@yunfan.cn", "客户来源": "展会", "客户类型": "新客户",
           "合作状态": "意向", "需求背景": "ERP 升级", "预算范围": "50万", "首次接触时间": date(2024, 3, 5),
           "满意度评分": 5}
    cust.append([row.get(h) for h in head])
    orders = wb["交易信息"]
    ohead = [c.value for c in orders[1]]
    orders.append([{"订单编号": "DD20240310001", "客户编号": "C2024001", "下单日期": datetime(2024, 3, 10),
                    "产品/服务": "ERP 年度订阅", "金额": 86000, "是否含税": "是", "订单状态": "已完成"}.get(h) for h in ohead])
    wb.save(path)
    r = cli("import", str(path))
    assert r.exit_code == 0, r.output
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT customer_id, kind, name, phone, source, customer_type, status, first_contact_date,"
                        " satisfaction FROM customers").fetchall() == [
        ("C2024001", "enterprise", "杭州云帆网络科技有限公司", "13912345678", "exhibition", "new", "intent",
         "2024-03-05", 5)]
    assert conn.execute("SELECT order_id, customer_id, date, amount, tax_included, status FROM orders").fetchall() == [
        ("DD20240310001", "C2024001", "2024-03-10", 86000.0, 1, "completed")]
    conn.close()


def test_import_strips_only_the_export_quote(cli, tmp_path: Path, db_path: Path) -> None:  # type: ignore[no-untyped-def]
    src = tmp_path / "客户.csv"
    src.write_text("客户全称,联系电话,备注\n甲公司,13812345678,'=1+2\n乙公司,13912345678,'abc\n丙公司,13712345678,''-x\n",
                   encoding="utf-8")
    r = cli("import", str(src))
    assert r.exit_code == 0, r.output
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT name, notes FROM customers ORDER BY phone").fetchall() == [
        ("丙公司", "'-x"), ("甲公司", "=1+2"), ("乙公司", "'abc")]
    conn.close()
