"""Importing tags (标签管理 / 客户分类与标签): by customer id or name, groups, comma lists,
rejects, conflicts, dry run, the operation log and the export-all round trip."""

from __future__ import annotations

import csv
import json
import sqlite3
from pathlib import Path

import pytest
from openpyxl import Workbook

from crmcli import db, records
from crmcli.importer import ImportFailed, import_file


def write_csv(path: Path, rows: list[list[object]]) -> str:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return str(path)


def tags(conn: sqlite3.Connection) -> list[tuple[str, str, str]]:
    return [tuple(r) for r in conn.execute("SELECT customer_id, tag, tag_group FROM tags ORDER BY customer_id, tag")]


@pytest.fixture
def two(conn: sqlite3.Connection) -> sqlite3.Connection:
    records.add(conn, "customers", {"customer_id": "C001", "name": "北京华信科技有限公司", "phone": "13812345678"})
    records.add(conn, "customers", {"customer_id": "C002", "name": "上海云帆", "phone": "13912345678"})
    return conn


def test_tags_csv_by_id_and_by_name_with_groups(two: sqlite3.Connection, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "标签.csv", [
        ["客户编号", "客户名称", "标签", "标签分类"],
        ["C001", "", "价格敏感", "行为标签"],
        ["", "上海云帆", "制造业", "行业"],
        ["", " 北京华信科技有限公司 ", "ERP", "need"],
        ["C002", "", "老客户推荐", ""],
    ])
    res = import_file(two, path)
    assert res.sheets[0].table == "tags"
    assert (res.total("read"), res.total("inserted"), res.total("rejected")) == (4, 4, 0)
    assert tags(two) == [("C001", "ERP", "need"), ("C001", "价格敏感", "behaviour"),
                         ("C002", "制造业", "industry"), ("C002", "老客户推荐", "other")]


def test_comma_list_and_group_prefix_in_a_tag_cell(two: sqlite3.Connection, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "tags.csv", [
        ["客户编号", "标签"],
        ["C001", "重点跟进,合同到期2024-12"],
        ["C002", "VIP，行为标签:价格敏感、 续约 "],
    ])
    import_file(two, path)
    assert tags(two) == [("C001", "合同到期2024-12", "other"), ("C001", "重点跟进", "other"),
                         ("C002", "VIP", "other"), ("C002", "价格敏感", "behaviour"), ("C002", "续约", "other")]


def test_a_sheet_named_for_classification_is_tags(two: sqlite3.Connection, tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "客户分类与标签"
    ws.append(["客户名称", "标签", "标签分类"])
    ws.append(["上海云帆", "制造业", "行业标签"])
    path = tmp_path / "t.xlsx"
    wb.save(path)
    import_file(two, str(path))
    assert tags(two) == [("C002", "制造业", "industry")]


def test_unresolved_customer_is_rejected(two: sqlite3.Connection, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "tags.csv", [
        ["客户编号", "客户名称", "标签"],
        ["C001", "", "VIP"],
        ["", "不存在公司", "VIP"],
        ["C999", "", "VIP"],
        ["C002", "", ""],
    ])
    with pytest.raises(ImportFailed, match="3 row"):
        import_file(two, path)
    assert tags(two) == []
    rejects = tmp_path / "rejects.csv"
    res = import_file(two, path, rejects=str(rejects))
    assert (res.total("inserted"), res.total("rejected")) == (1, 3)
    assert tags(two) == [("C001", "VIP", "other")]
    with open(rejects, encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    assert [(r[1], r[2]) for r in rows[1:]] == [
        ("3", "no customer '不存在公司'"), ("4", "no customer 'C999'"), ("5", "a tag is required (标签)")]


def test_conflicts_fail_skip_update(two: sqlite3.Connection, tmp_path: Path) -> None:
    records.tag(two, "C001", ["VIP"], [])
    path = write_csv(tmp_path / "tags.csv", [["客户编号", "标签", "标签分类"], ["C001", "VIP", "行为标签"],
                                             ["C002", "VIP", ""]])
    with pytest.raises(ImportFailed, match="already in the database"):
        import_file(two, path)
    assert tags(two) == [("C001", "VIP", "other")]
    res = import_file(two, path, on_conflict="skip")
    assert (res.total("inserted"), res.total("skipped")) == (1, 1)
    assert tags(two) == [("C001", "VIP", "other"), ("C002", "VIP", "other")]
    again = import_file(two, path, on_conflict="skip")  # a second import adds nothing
    assert (again.total("inserted"), again.total("skipped"), again.total("unchanged")) == (0, 1, 1)
    assert tags(two) == [("C001", "VIP", "other"), ("C002", "VIP", "other")]
    upd = import_file(two, path, on_conflict="update")
    assert (upd.total("inserted"), upd.total("updated"), upd.total("unchanged")) == (0, 1, 1)
    assert tags(two) == [("C001", "VIP", "behaviour"), ("C002", "VIP", "other")]
    changes = two.execute("SELECT row_id, customer_id, action, json_extract(old, '$.tag_group'), "
                          "json_extract(new, '$.tag_group') FROM changes WHERE op_id = ?", (upd.op_id,)).fetchall()
    assert [tuple(c) for c in changes] == [('["C001", "VIP"]', "C001", "update", "other", "behaviour")]


def test_operation_log_has_one_change_per_inserted_tag(two: sqlite3.Connection, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "tags.csv", [["客户编号", "标签"], ["C001", "甲,乙"], ["C002", "丙"]])
    res = import_file(two, path)
    rows = two.execute("SELECT table_name, row_id, customer_id, action, json_extract(new, '$.tag') FROM changes "
                       "WHERE op_id = ? ORDER BY change_id", (res.op_id,)).fetchall()
    assert [tuple(r) for r in rows] == [("tags", '["C001", "甲"]', "C001", "insert", "甲"),
                                        ("tags", '["C001", "乙"]', "C001", "insert", "乙"),
                                        ("tags", '["C002", "丙"]', "C002", "insert", "丙")]
    summary = json.loads(two.execute("SELECT details FROM operations WHERE op_id = ?", (res.op_id,)).fetchone()[0])
    assert summary["inserted"] == 3


def test_dry_run_and_bad_input_leave_the_db_unchanged(two: sqlite3.Connection, tmp_path: Path) -> None:
    ops = two.execute("SELECT count(*) FROM operations").fetchone()[0]
    good = write_csv(tmp_path / "tags.csv", [["客户编号", "标签", "标签分类"], ["C001", "VIP", "行为标签"]])
    res = import_file(two, good, dry_run=True)
    assert res.total("inserted") == 1
    bad_group = write_csv(tmp_path / "bad.csv", [["客户编号", "标签", "标签分类"], ["C001", "VIP", "行为标签"],
                                                 ["C002", "续约", "不是分类"]])
    with pytest.raises(ImportFailed):
        import_file(two, bad_group)
    no_tag_col = write_csv(tmp_path / "nocol.csv", [["客户编号", "标签分类"], ["C001", "行为标签"]])
    with pytest.raises(ImportFailed):
        import_file(two, no_tag_col, table="tags")
    assert tags(two) == []
    assert two.execute("SELECT count(*) FROM operations").fetchone()[0] == ops


def test_cli_table_tags_and_round_trip(cli, conn: sqlite3.Connection, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    records.add(conn, "customers", {"customer_id": "C001", "name": "甲公司", "phone": "13812345678"})
    records.add(conn, "customers", {"customer_id": "C002", "name": "乙公司", "phone": "13912345678"})
    src = write_csv(tmp_path / "list.csv", [["customer", "tag", "group"], ["C001", "VIP", "behaviour"],
                                            ["乙公司", "制造业", "行业"]])
    r = cli("import", src, "--table", "tags")
    assert r.exit_code == 0, r.output
    out = tmp_path / "all.xlsx"
    assert cli("export", "all", "--unmask", "-o", str(out)).exit_code == 0
    target = tmp_path / "copy.db"
    db.create(target).close()
    r = cli("import", str(out), db=target)
    assert r.exit_code == 0, r.output
    copy = sqlite3.connect(target)
    assert tags(copy) == [("C001", "VIP", "behaviour"), ("C002", "制造业", "industry")]
    copy.close()
    r = cli("import", str(out), "--on-conflict", "skip", db=target)
    assert r.exit_code == 0, r.output
    copy = sqlite3.connect(target)
    assert copy.execute("SELECT count(*) FROM tags").fetchone()[0] == 2
    copy.close()


def test_customers_sheet_tag_column_adds_tags(conn: sqlite3.Connection, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "客户.csv", [
        ["客户编号", "客户名称", "联系电话", "标签"],
        ["C001", "甲公司", "13812345678", "重点跟进,合同到期2024-12"],
        ["C002", "乙公司", "13912345678", ""],
        ["C003", "丙公司", "", "VIP"],  # no contact: rejected, and so are its tags
    ])
    res = import_file(conn, path, rejects=str(tmp_path / "r.csv"))
    assert res.sheets[0].table == "customers"
    assert (res.total("inserted"), res.total("rejected"), res.sheets[0].tags_inserted) == (2, 1, 2)
    assert tags(conn) == [("C001", "合同到期2024-12", "other"), ("C001", "重点跟进", "other")]
    logged = conn.execute("SELECT row_id FROM changes WHERE op_id = ? AND table_name = 'tags' ORDER BY change_id",
                          (res.op_id,)).fetchall()
    assert [r[0] for r in logged] == ['["C001", "重点跟进"]', '["C001", "合同到期2024-12"]']
    # skip: the stored customer the row would change is kept as it is, its new tag is not added
    more = write_csv(tmp_path / "more.csv", [["客户编号", "客户名称", "联系电话", "标签"],
                                             ["C001", "甲公司", "13812345670", "重点跟进、新标签"]])
    again = import_file(conn, more, on_conflict="skip")
    assert (again.total("skipped"), again.sheets[0].tags_inserted) == (1, 0)
    # update: fills — the new tag is added, the stored one stays
    upd = import_file(conn, more, on_conflict="update")
    assert upd.sheets[0].tags_inserted == 1
    assert tags(conn) == [("C001", "合同到期2024-12", "other"), ("C001", "新标签", "other"),
                          ("C001", "重点跟进", "other")]
