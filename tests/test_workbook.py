"""The xlsx layout (export and the blank template), re-opened with openpyxl and checked."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from crmcli import exporter, fields, workbook
from tests.export_helpers import fill


@pytest.fixture
def shop(conn: sqlite3.Connection) -> sqlite3.Connection:
    fill(conn)
    return conn


def validations(ws: Worksheet) -> dict[str, tuple[str, str | None]]:
    """column letter -> (type, formula1) of each data validation."""
    out = {}
    for dv in ws.data_validations.dataValidation:
        ref = str(dv.sqref)
        col = ref.split(":")[0].rstrip("0123456789")
        assert ref == f"{col}2:{col}1048576"  # the whole column below the header
        out[col] = (dv.type, dv.formula1)
    return out


def header(ws: Worksheet) -> list[str]:
    return [c.value for c in ws[1]]


def test_export_all_layout(shop: sqlite3.Connection, tmp_path: Path) -> None:
    path = tmp_path / "全部.xlsx"
    result = exporter.export(shop, "all", (), output_path=str(path))
    assert result.rows["customers"] == 2 and result.rows["orders"] == 2
    wb = load_workbook(path)
    assert wb.sheetnames == ["客户基本信息", "联系人", "跟进记录", "交易信息", "服务信息", "客户需求", "标签管理"]

    ws = wb["客户基本信息"]
    assert header(ws)[:7] == ["客户编号", "客户性质", "客户全称", "联系人姓名", "联系人职位", "联系电话", "联系邮箱"]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:Z3"
    assert validations(ws) == {
        "B": ("list", '"企业,个人"'),
        "K": ("list", '"展会,转介绍,线上推广,主动开发,主动咨询,官网推荐,第三方数据平台,其他"'),
        "L": ("list", '"新客户,老客户,高价值客户,潜在客户,流失客户"'),
        "M": ("list", '"潜在,意向,合作中,潜在流失,流失"'),
        "O": ("list", '"VIP,普通,潜力,流失,高,中,低"'),
        "V": ("whole", "1"),
    }
    row = {h: c for h, c in zip(header(ws), ws[2], strict=True)}
    assert row["客户来源"].value == "展会" and row["合作状态"].value == "合作中" and row["客户等级"].value == "VIP"
    assert row["联系电话"].value == "138****5678"  # masked by default
    assert row["首次接触时间"].value == datetime(2024, 1, 15)
    assert row["首次接触时间"].number_format == "yyyy-mm-dd"
    assert row["创建时间"].value == datetime(2024, 1, 15, 9, 0)
    assert row["创建时间"].number_format == "yyyy-mm-dd hh:mm:ss"
    assert row["满意度评分"].value == 4
    assert row["备注"].value == '\'=HYPERLINK("http://x","点我")'
    assert row["备注"].data_type == "s"  # text, never a formula
    assert ws["C1"].font.color.rgb.endswith("C00000")  # 客户全称 is required: red header
    assert ws["C1"].font.b and ws["A1"].font.b
    assert ws.column_dimensions["C"].width >= 22  # fitted: 南京星河软件有限公司 is 20 columns wide
    assert ws.column_dimensions["P"].number_format == "yyyy-mm-dd"

    orders = wb["交易信息"]
    assert validations(orders) == {"F": ("list", '"是,否"'), "G": ("list", '"待付款,已完成,已取消,部分退款"')}
    first = orders[2]
    assert [c.value for c in first[:7]] == ["DD001", "C001", datetime(2024, 5, 20), "CRM 年度订阅", 120000.5, "是", "已完成"]
    assert first[4].number_format == "#,##0.00"
    assert orders["E3"].value == 500

    follow = wb["跟进记录"]
    assert follow["C2"].value == datetime(2024, 5, 21, 14, 30)
    assert follow["I2"].value == "'+1 需求确认"
    assert follow.auto_filter.ref == "A1:P2"
    assert wb["服务信息"].auto_filter.ref == "A1:P1"  # empty module: header only


def test_export_one_sheet_in_english_with_filter_and_columns(shop: sqlite3.Connection, tmp_path: Path) -> None:
    path = tmp_path / "orders.xlsx"
    exporter.export(shop, "orders", ("status=已完成",), output_path=str(path), lang="en",
                    columns="order_id,amount,status")
    wb = load_workbook(path)
    assert wb.sheetnames == ["Orders"]
    ws = wb["Orders"]
    assert [[c.value for c in r] for r in ws.iter_rows()] == [["Order ID", "Amount", "Status"],
                                                              ["DD001", 120000.5, "Completed"]]
    assert validations(ws) == {"C": ("list", '"Pending payment,Completed,Cancelled,Partial refund"')}


def test_xlsx_unmasked_is_logged(shop: sqlite3.Connection, tmp_path: Path) -> None:
    path = tmp_path / "full.xlsx"
    result = exporter.export(shop, "customers", (), output_path=str(path), unmask=True)
    assert load_workbook(path)["客户基本信息"]["F2"].value == "13812345678"
    kind, details = shop.execute("SELECT kind, details FROM operations WHERE op_id = ?", (result.op_id,)).fetchone()
    assert kind == "export" and f'"file": "{path}"' in details


def test_control_characters_are_dropped_with_a_warning(shop: sqlite3.Connection, tmp_path: Path) -> None:
    shop.execute("UPDATE customers SET notes = 'bell\x07 here' WHERE customer_id = 'C002'")
    result = exporter.export(shop, "customers", (), output_path=str(tmp_path / "x.xlsx"), columns="customer_id,notes")
    assert load_workbook(tmp_path / "x.xlsx").active["B3"].value == "bell here"
    assert result.warnings == ["control characters that xlsx cannot hold were removed from some cells"]


def test_every_header_resolves_back_to_its_field() -> None:
    # The importer maps headers with fields.find_field: each label must lead back to its own column.
    for t in fields.TABLES.values():
        for lang in ("zh", "en"):
            assert fields.table(workbook.sheet_title(t, lang)) is t
            for f in t.fields:
                assert fields.find_field(t, f.label(lang)) is f, (t.name, lang, f.name)


def test_template_zh(tmp_path: Path) -> None:
    path = tmp_path / "模板.xlsx"
    sheets = workbook.write_template(path, "zh")
    wb = load_workbook(path)
    assert wb.sheetnames == sheets == ["客户基本信息", "联系人", "跟进记录", "交易信息", "服务信息", "客户需求", "标签管理", "说明"]
    ws = wb["客户基本信息"]
    assert header(ws) == ["客户编号", "客户性质", "客户全称", "联系人姓名", "联系人职位", "联系电话", "联系邮箱", "所属行业",
                          "企业规模", "公司地址", "客户来源", "客户类型", "合作状态", "流失原因", "客户等级", "首次接触时间",
                          "初始合作时间", "负责人", "需求背景", "预算范围", "决策周期", "满意度评分", "备注"]
    assert ws.max_row == 1 and ws.freeze_panes == "A2"
    assert validations(ws)["K"] == ("list", '"展会,转介绍,线上推广,主动开发,主动咨询,官网推荐,第三方数据平台,其他"')
    assert len(validations(ws)) == 6
    assert ws.column_dimensions["F"].number_format == "@"  # phones stay text: no 1.38E+10, no lost leading 0
    assert ws.column_dimensions["P"].number_format == "yyyy-mm-dd"
    # Every fixed label of every module has its dropdown.
    for name in fields.MODULES:
        t = fields.TABLES[name]
        sheet = wb[t.zh]
        cols = workbook.template_columns(t)
        found = validations(sheet)
        for i, col in enumerate(cols):
            f = t.by_name[col]
            letter = sheet.cell(1, i + 1).column_letter
            if f.labels:
                assert found[letter] == ("list", '"' + ",".join(lab.zh for lab in f.labels) + '"'), (name, col)
    follow = wb["跟进记录"]
    assert follow.column_dimensions["C"].number_format == "yyyy-mm-dd hh:mm:ss"
    assert "followup_id" not in header(follow) and "创建时间" not in header(follow)
    notes = [r[0] for r in wb["说明"].iter_rows(values_only=True) if r[0]]
    assert notes[0] == "客户信息模板 填写说明"
    assert any(str(n).startswith("6. 日期格式为 YYYY-MM-DD") for n in notes)
    fields_table = [r for r in wb["说明"].iter_rows(values_only=True) if r[0] == "交易信息"]
    assert ("交易信息", "金额", "amount", "是", "金额（元）", None) in fields_table


def test_template_en(tmp_path: Path) -> None:
    path = tmp_path / "template.xlsx"
    workbook.write_template(path, "en")
    wb = load_workbook(path)
    assert wb.sheetnames == ["Customers", "Contacts", "Follow-ups", "Orders", "Tickets", "Needs", "Tags", "Instructions"]
    assert header(wb["Orders"]) == ["Order ID", "Customer ID", "Date", "Product", "Amount", "Tax included", "Status",
                                    "Owner", "Notes"]
    assert validations(wb["Orders"]) == {"F": ("list", '"yes,no"'),
                                         "G": ("list", '"Pending payment,Completed,Cancelled,Partial refund"')}


def test_text_that_looks_like_an_error_code_stays_text(shop: sqlite3.Connection, tmp_path: Path) -> None:
    shop.execute("UPDATE customers SET notes = '#N/A' WHERE customer_id = 'C002'")
    exporter.export(shop, "customers", (), output_path=str(tmp_path / "x.xlsx"), columns="customer_id,notes")
    cell = load_workbook(tmp_path / "x.xlsx").active["B3"]
    assert (cell.value, cell.data_type) == ("#N/A", "s")
