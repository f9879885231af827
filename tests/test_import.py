"""crm import as a library: values, rejects, dry run, conflicts, idempotence, child links,
multi-sheet workbooks, and the operation log."""

from __future__ import annotations

import csv
import datetime as dt
import json
import sqlite3
from pathlib import Path

import pytest
from openpyxl import Workbook

from crmcli import records
from crmcli.importer import ImportFailed, import_file


def write_csv(path: Path, rows: list[list[object]], encoding: str = "utf-8") -> str:
    with open(path, "w", encoding=encoding, newline="") as fh:
        csv.writer(fh).writerows(rows)
    return str(path)


def dump(conn: sqlite3.Connection) -> dict[str, list[tuple]]:
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
    return {t: [tuple(r) for r in conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2")] for t in tables}


def test_values_go_through_the_add_conversion(conn, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "c.csv", [
        ["客户编号", "客户名称", "联系电话", "客户来源", "客户类型", "合作状态", "首次接触时间", "满意度评分"],
        ["C20240101001", " 北京华信  科技 ", "+86 138-1234-5678", "展会", "老客户", "合作中", "2024年5月20日", "★★★★☆"],
        ["C20240101002", "上海云帆", "1062345678", "转介绍", "新客户", "潜在", "2024/5/21", "4分"],
        ["C20240101003", "深圳星辰", "1.3912345678E+10", "官网", "", "", "45432", ""],
    ])
    import_file(conn, path)
    rows = [tuple(r) for r in conn.execute(
        "SELECT customer_id, name, phone, source, customer_type, status, first_contact_date, satisfaction "
        "FROM customers ORDER BY customer_id")]
    assert rows == [
        ("C20240101001", "北京华信 科技", "13812345678", "exhibition", "returning", "active", "2024-05-20", 4),
        ("C20240101002", "上海云帆", "010-62345678", "referral", "new", "potential", "2024-05-21", 4),
        ("C20240101003", "深圳星辰", "13912345678", "website", None, "potential", "2024-05-20", None),
    ]


def test_customer_type_column_with_enterprise_individual_fills_kind(conn, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "c.csv", [["客户名称", "联系电话", "客户类型"],
                                          ["甲公司", "13800000001", "企业"], ["张三", "13800000002", "个人"],
                                          ["乙公司", "13800000003", "老客户"]])
    import_file(conn, path)
    assert [tuple(r) for r in conn.execute("SELECT name, kind, customer_type FROM customers ORDER BY rowid")] == [
        ("甲公司", "enterprise", None), ("张三", "individual", None), ("乙公司", None, "returning")]


def test_generated_ids_follow_the_template(conn, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "c.csv", [["客户名称", "联系电话"], ["甲", "13800000001"], ["乙", "13800000002"]])
    import_file(conn, path)
    today = dt.date.today().strftime("%Y%m%d")
    assert [r[0] for r in conn.execute("SELECT customer_id FROM customers ORDER BY rowid")] == [
        f"C{today}001", f"C{today}002"]
    # the counter moved on: the next `crm add` draws 003
    assert records.add(conn, "customers", {"name": "丙", "phone": "13800000003"}) == f"C{today}003"


BAD = [
    ["客户名称", "联系电话", "邮箱"],
    ["好公司一", "13800000001", ""],
    ["坏电话", "12345", ""],
    ["", "13800000003", ""],
    ["没有联系方式", "", ""],
    ["好公司二", "", "a@b.com"],
]


def test_one_bad_row_fails_the_whole_file(conn, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "c.csv", BAD)
    before = dump(conn)
    with pytest.raises(ImportFailed) as e:
        import_file(conn, path)
    assert str(e.value).startswith("3 row(s) cannot be imported, so nothing was: c line 3: invalid phone '*2345'")
    assert "c line 4: a customer needs a name" in str(e.value)
    assert dump(conn) == before


def test_rejects_file_gets_line_and_reason_and_valid_rows_go_in(conn, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "c.csv", BAD)
    rejects = tmp_path / "rejects.csv"
    result = import_file(conn, path, rejects=str(rejects))
    assert (result.total("inserted"), result.total("rejected")) == (2, 3)
    assert [r[0] for r in conn.execute("SELECT name FROM customers ORDER BY rowid")] == ["好公司一", "好公司二"]
    with open(rejects, encoding="utf-8-sig", newline="") as fh:
        got = list(csv.reader(fh))
    assert got[0] == ["sheet", "line", "reason", "客户名称", "联系电话", "邮箱"]
    assert [row[:2] + row[3:] for row in got[1:]] == [
        ["c", "3", "坏电话", "12345", ""], ["c", "4", "", "13800000003", ""], ["c", "5", "没有联系方式", "", ""]]
    assert got[3][2] == "a customer needs a phone or an email (联系方式)"


def test_dry_run_writes_nothing_and_counts_exactly(conn, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "c.csv", BAD)
    before = dump(conn)
    result = import_file(conn, path, dry_run=True, rejects=str(tmp_path / "r.csv"))
    assert result.summary()["inserted"] == 2
    assert result.summary()["rejected"] == 3
    assert result.op_id is None
    assert dump(conn) == before


def _existing(conn: sqlite3.Connection) -> None:
    records.add(conn, "customers", {"customer_id": "C20240101001", "name": "北京华信", "phone": "13812345678",
                                    "industry": "制造业"})


CONFLICT = [["客户编号", "客户名称", "联系电话", "所属行业", "客户等级"],
            ["C20240101001", "北京华信", "138****5678", "", "VIP"],
            ["C20240101002", "上海云帆", "13900000002", "", ""]]


def test_conflict_fail_names_the_ids(conn, tmp_path: Path) -> None:
    _existing(conn)
    before = dump(conn)
    with pytest.raises(ImportFailed, match=r"1 row\(s\) differ from records already in the database \(C20240101001\)"):
        import_file(conn, write_csv(tmp_path / "c.csv", CONFLICT))
    assert dump(conn) == before


def test_conflict_skip(conn, tmp_path: Path) -> None:
    _existing(conn)
    result = import_file(conn, write_csv(tmp_path / "c.csv", CONFLICT), on_conflict="skip")
    assert (result.total("inserted"), result.total("skipped")) == (1, 1)
    assert conn.execute("SELECT level FROM customers WHERE customer_id='C20240101001'").fetchone()[0] is None


def test_conflict_update_keeps_real_phone_and_applies_the_files_cells(conn, tmp_path: Path) -> None:
    _existing(conn)
    result = import_file(conn, write_csv(tmp_path / "c.csv", CONFLICT), on_conflict="update")
    assert (result.total("inserted"), result.total("updated"), result.total("masked")) == (1, 1, 1)
    assert (result.total("masked_kept"), result.total("masked_empty")) == (1, 0)
    row = conn.execute("SELECT phone, industry, level FROM customers WHERE customer_id='C20240101001'").fetchone()
    assert tuple(row) == ("13812345678", None, "vip")  # masked phone kept, the emptied industry cleared
    change = conn.execute("SELECT action, old, new FROM changes WHERE op_id=? AND action='update'",
                          (result.op_id,)).fetchone()
    assert json.loads(change["old"])["level"] is None
    assert json.loads(change["new"])["level"] == "vip"


def test_masked_phone_is_never_stored(conn, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "c.csv", [["客户名称", "联系电话", "邮箱"], ["甲", "138****5678", "a@b.com"],
                                          ["乙", "139****0000", ""]])
    result = import_file(conn, path, rejects=str(tmp_path / "r.csv"))
    assert result.total("masked") == 2
    assert [tuple(r) for r in conn.execute("SELECT name, phone FROM customers")] == [("甲", None)]
    assert result.total("rejected") == 1  # 乙 has nothing left to reach it by


def test_same_file_twice_with_skip_adds_nothing(conn, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "c.csv", [["客户名称", "联系电话"], ["甲公司", "13800000001"], ["乙公司", "13800000002"]])
    fu = write_csv(tmp_path / "跟进记录.csv", [["客户名称", "跟进时间", "跟进方式", "沟通要点"],
                                              ["甲公司", "2024-05-01 10:00", "电话", "确认需求"],
                                              ["乙公司", "2024-05-02", "拜访", "送样品"]])
    import_file(conn, path)
    import_file(conn, fu)
    before = dump(conn)
    second = import_file(conn, path, on_conflict="skip")
    assert (second.total("inserted"), second.total("skipped"), second.total("unchanged")) == (0, 0, 2)
    again = import_file(conn, fu, on_conflict="skip")
    assert (again.total("inserted"), again.total("skipped"), again.total("unchanged")) == (0, 0, 2)
    after = dump(conn)
    for table in ("customers", "followups", "orders"):
        assert after[table] == before[table]


def test_child_rows_link_by_id_or_exact_normalised_name(conn, tmp_path: Path) -> None:
    records.add(conn, "customers", {"customer_id": "C20240101001", "name": "北京华信科技有限公司", "phone": "13812345678"})
    records.add(conn, "customers", {"customer_id": "C20240101002", "name": "上海云帆", "phone": "13812345679"})
    path = write_csv(tmp_path / "orders.csv", [
        ["客户编号", "客户名称", "下单日期", "金额", "订单状态"],
        ["C20240101002", "", "2024/6/1", "¥12,000.00", "已完成"],
        ["", "北京华信科技有限公司 ", "2024-06-02", "3万", "待付款"],
        ["", "ＢＥＩＪＩＮＧ", "2024-06-03", "1", ""],
        ["", "北京华信", "2024-06-03", "1", ""],
    ])
    result = import_file(conn, path, rejects=str(tmp_path / "r.csv"))
    assert result.sheets[0].table == "orders"
    assert [tuple(r) for r in conn.execute("SELECT customer_id, date, amount, status FROM orders ORDER BY rowid")] == [
        ("C20240101002", "2024-06-01", 12000.0, "completed"), ("C20240101001", "2024-06-02", 30000.0, "pending_payment")]
    with open(tmp_path / "r.csv", encoding="utf-8-sig") as fh:
        text = fh.read()
    assert "no customer 'ＢＥＩＪＩＮＧ'" in text and "no customer '北京华信'" in text


def test_operation_log_has_one_change_row_per_record(conn, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "c.csv", [["客户名称", "联系电话"], ["甲", "13800000001"], ["乙", "13800000002"]])
    result = import_file(conn, path)
    op = conn.execute("SELECT kind, details FROM operations WHERE op_id=?", (result.op_id,)).fetchone()
    assert op["kind"] == "import"
    details = json.loads(op["details"])
    assert (details["file"], details["inserted"], details["read"]) == (path, 2, 2)
    changes = [tuple(r) for r in conn.execute(
        "SELECT table_name, row_id = customer_id, action FROM changes WHERE op_id=?", (result.op_id,))]
    assert changes == [("customers", 1, "insert"), ("customers", 1, "insert")]


def _workbook(path: Path) -> str:
    wb = Workbook()
    ws = wb.active
    ws.title = "客户基本信息"
    ws.append(["客户信息表（2024）"])
    ws.merge_cells("A1:E1")
    ws.append(["客户编号", "客户名称", "联系电话", "首次接触时间", "客户类型"])
    ws.append(["C20240101001", "北京华信", 13812345678, dt.date(2024, 5, 20), "企业"])
    ws.append(["C20240101002", "上海云帆", 1062345678, "2024/5/21", "个人"])
    fu = wb.create_sheet("跟进记录")
    fu.append(["客户名称", "跟进时间", "跟进方式", "沟通要点"])
    fu.append(["北京华信", dt.datetime(2024, 6, 1, 14, 30), "电话", "确认需求"])
    fu.append(["上海云帆", 45444, "拜访", "送样品"])
    od = wb.create_sheet("交易信息")
    od.append(["客户编号", "订单编号", "下单日期", "金额"])
    od.append(["C20240101001", "DD20240601001", dt.datetime(2024, 6, 1), 120000])
    wb.create_sheet("说明").append(["本表仅供演示"])
    wb.save(path)
    return str(path)


def test_workbook_with_several_sheets_loads_in_one_call(conn, tmp_path: Path) -> None:
    result = import_file(conn, _workbook(tmp_path / "book.xlsx"))
    assert [(s.sheet, s.table, s.header_line, s.inserted) for s in result.sheets] == [
        ("客户基本信息", "customers", 2, 2), ("跟进记录", "followups", 1, 2), ("交易信息", "orders", 1, 1)]
    assert result.skipped_sheets == ["说明"]
    assert [tuple(r) for r in conn.execute("SELECT name, phone, first_contact_date, kind FROM customers ORDER BY 1")] == [
        ("上海云帆", "010-62345678", "2024-05-21", "individual"), ("北京华信", "13812345678", "2024-05-20", "enterprise")]
    assert [tuple(r) for r in conn.execute("SELECT customer_id, date, method FROM followups ORDER BY date")] == [
        ("C20240101002", "2024-06-01", "visit"), ("C20240101001", "2024-06-01 14:30:00", "phone")]
    assert [tuple(r) for r in conn.execute("SELECT order_id, date, amount FROM orders")] == [
        ("DD20240601001", "2024-06-01", 120000.0)]


def test_one_sheet_of_a_workbook(conn, tmp_path: Path) -> None:
    result = import_file(conn, _workbook(tmp_path / "book.xlsx"), sheet="客户基本信息")
    assert [s.table for s in result.sheets] == ["customers"]


def test_map_overrides_and_table(conn, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "x.csv", [["公司", "电话号码", "微信"], ["甲", "13800000001", "wx1"]])
    result = import_file(conn, path, table="customers", mapping=["公司=name", "电话号码=phone", "微信=notes"])
    assert result.sheets[0].unmapped == []
    assert tuple(conn.execute("SELECT name, phone, notes FROM customers").fetchone()) == ("甲", "13800000001", "wx1")


def test_unmapped_column_is_reported(conn, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "x.csv", [["客户名称", "联系电话", "微信号"], ["甲", "13800000001", "wx1"]])
    result = import_file(conn, path)
    assert result.sheets[0].unmapped == ["微信号"]


def test_spreadsheet_mangled_phones_restored_or_rejected(conn, tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["客户名称", "联系电话"])
    ws.append(["整数手机", 13812345678])
    ws.append(["浮点手机", 13912345678.0])
    ws.append(["丢了0的座机", 2162345678])
    ws.append(["文本科学计数", "1.3812345679E+10"])
    ws.append(["丢了位数", "1.38E+10"])
    path = tmp_path / "p.xlsx"
    wb.save(path)
    result = import_file(conn, str(path), rejects=str(tmp_path / "r.csv"))
    assert [tuple(r) for r in conn.execute("SELECT name, phone FROM customers ORDER BY rowid")] == [
        ("整数手机", "13812345678"), ("浮点手机", "13912345678"), ("丢了0的座机", "021-62345678"),
        ("文本科学计数", "13812345679")]
    assert result.total("rejected") == 1
    assert "scientific notation lost digits" in (tmp_path / "r.csv").read_text(encoding="utf-8-sig")


def test_progress_reports_to_the_end(conn, tmp_path: Path) -> None:
    rows = [["客户名称", "联系电话"]] + [[f"客户{i}", f"138{i:08d}"] for i in range(6_000)]
    path = write_csv(tmp_path / "c.csv", rows)
    seen: list[tuple[str, int, int]] = []
    result = import_file(conn, path, progress=lambda sheet, done, total: seen.append((sheet, done, total)))
    assert result.total("inserted") == 6_000
    size = Path(path).stat().st_size
    assert seen[-1] == ("c", size, size)


def test_database_refusal_rejects_only_that_row(conn, tmp_path: Path) -> None:
    # two rows with the same id in one file: the second is a conflict, reported, nothing half-written
    path = write_csv(tmp_path / "c.csv", [["客户编号", "客户名称", "联系电话", "首次接触时间"],
                                          ["C1", "甲", "13800000001", "2024-01-01"],
                                          ["C2", "乙", "13800000002", "3024-01-01"],
                                          ["C1", "甲二", "13800000003", ""]])
    result = import_file(conn, path, on_conflict="skip", rejects=str(tmp_path / "r.csv"))
    assert (result.total("inserted"), result.total("skipped"), result.total("rejected")) == (1, 1, 1)
    assert [tuple(r) for r in conn.execute("SELECT customer_id, name FROM customers")] == [("C1", "甲")]
    assert "year 3024 is out of range" in (tmp_path / "r.csv").read_text(encoding="utf-8-sig")


def test_a_row_the_database_refuses_is_rejected_alone(conn, tmp_path: Path) -> None:
    from crmcli.importer import load

    # bypass the converters' own checks to reach the database's: the savepoint keeps the good rows once
    rows = [(2, ["C1", "甲", "13800000001"]), (3, ["C2", None, "13800000002"]), (4, ["C3", "丙", "13800000003"])]
    from crmcli import audit, fields

    rejected: list[tuple[int, str]] = []
    with audit.operation(conn, "import") as op:
        lo = load.Loader(conn, fields.TABLES["customers"], ["customer_id", "name", "phone"], "fail", op,
                         lambda line, why: rejected.append((line, why)))
        lo.write(rows)
        lo.finish()
    assert [r[0] for r in conn.execute("SELECT customer_id FROM customers ORDER BY 1")] == ["C1", "C3"]
    assert rejected[0][0] == 3 and "NOT NULL" in rejected[0][1]


def test_workbook_from_stdin(conn, tmp_path: Path) -> None:
    import io

    data = Path(_workbook(tmp_path / "book.xlsx")).read_bytes()
    result = import_file(conn, "-", stdin=io.BytesIO(data))
    assert (result.file, result.detected["format"], result.total("inserted")) == ("stdin", "xlsx", 5)


def test_update_with_empty_cells_keeps_defaults_from_overwriting(conn, tmp_path: Path) -> None:
    records.add(conn, "customers", {"customer_id": "C1", "name": "甲", "phone": "13800000001", "status": "合作中"})
    path = write_csv(tmp_path / "c.csv", [["客户编号", "客户名称", "合作状态", "客户等级"], ["C1", "甲", "", "VIP"],
                                          ["C2", "乙", "", ""]])
    import_file(conn, path, on_conflict="update", rejects=str(tmp_path / "r.csv"))
    assert tuple(conn.execute("SELECT status, level FROM customers WHERE customer_id='C1'").fetchone()) == ("active", "vip")
    # a new row's empty status gets the schema default, as `crm add` would
    path = write_csv(tmp_path / "d.csv", [["客户编号", "客户名称", "联系电话", "合作状态"], ["C3", "丙", "13800000003", ""]])
    import_file(conn, path)
    assert conn.execute("SELECT status FROM customers WHERE customer_id='C3'").fetchone()[0] == "potential"


def test_child_rows_without_ids_are_idempotent_with_defaults(conn, tmp_path: Path) -> None:
    records.add(conn, "customers", {"customer_id": "C1", "name": "甲", "phone": "13800000001"})
    path = write_csv(tmp_path / "orders.csv", [["客户编号", "下单日期", "金额", "订单状态"], ["C1", "2024-01-02", "100", ""]])
    assert import_file(conn, path).total("inserted") == 1
    again = import_file(conn, path, on_conflict="skip")
    assert (again.total("inserted"), again.total("skipped"), again.total("unchanged")) == (0, 0, 1)
    assert [r[0] for r in conn.execute("SELECT status FROM orders")] == ["completed"]
