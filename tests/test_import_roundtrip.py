"""Nothing lost between crm's files and the database (issue 13): a masked value is never
data, re-importing matches instead of duplicating, duplicates inside a file go to dedupe."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from crmcli import db, records
from crmcli.importer import ImportFailed, import_file
from tests.roundtrip_helpers import copy_db, dump, export_files, import_files, small_demo


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_demo(tmp_path_factory.mktemp("demo") / "demo.db")


def write_csv(path: Path, rows: list[list[str]]) -> str:
    path.write_text("\n".join(",".join(r) for r in rows) + "\n", encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(("fmt", "lang", "unmask", "on_conflict"), [
    ("csv", None, False, "fail"), ("tsv", "zh", True, "skip"), ("json", "en", False, "update"),
    ("jsonl", None, True, "fail"), ("xlsx", None, False, "fail"), ("xlsx", "en", True, "update"),
    ("csv", "en", False, "skip"),
])
def test_unedited_export_imports_back_unchanged(cli, demo_db: Path, tmp_path: Path, fmt: str, lang: str | None,
                                                unmask: bool, on_conflict: str) -> None:  # type: ignore[no-untyped-def]
    dbp = copy_db(demo_db, tmp_path / "crm.db")
    before = dump(dbp)
    files = export_files(cli, dbp, tmp_path, fmt, lang, unmask)
    results = import_files(cli, dbp, files, on_conflict)
    assert dump(dbp) == before
    summaries = [json.loads(r.stdout) for r in results]
    rows = sum(len(v) for v in before.values())
    assert sum(s["unchanged"] for s in summaries) == rows
    assert sum(s["inserted"] + s["updated"] + s["skipped"] for s in summaries) == 0
    masked = sum(s["masked"] for s in summaries)
    assert (masked > 0) is (not unmask)
    assert sum(s["masked_kept"] for s in summaries) == masked


def _customer(conn: sqlite3.Connection) -> None:
    records.add(conn, "customers", {"customer_id": "C20240101001", "name": "北京华信科技有限公司",
                                    "phone": "13812345678", "email": "zhang.san@huaxin.com"})


def test_masked_cells_keep_stored_values_and_are_no_value_in_new_rows(conn, tmp_path: Path) -> None:
    _customer(conn)
    path = write_csv(tmp_path / "c.csv", [
        ["客户编号", "客户名称", "联系电话", "联系邮箱", "备注"],
        ["C20240101001", "北京华信科技有限公司", "138****5678", "z***@huaxin.com", "改过"],
        ["", "上海云帆", "139****0000", "li@yunfan.com", ""]])
    res = import_file(conn, path, on_conflict="update")
    assert (res.total("inserted"), res.total("updated"), res.total("masked")) == (1, 1, 3)
    assert (res.total("masked_kept"), res.total("masked_empty")) == (2, 1)
    rows = [tuple(r) for r in conn.execute("SELECT name, phone, email, notes FROM customers ORDER BY rowid")]
    assert rows == [("北京华信科技有限公司", "13812345678", "zhang.san@huaxin.com", "改过"),
                    ("上海云帆", None, "li@yunfan.com", None)]


def test_a_new_row_with_only_masked_contacts_is_refused_and_nothing_written(conn, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "c.csv", [["客户名称", "联系电话", "联系邮箱"], ["甲公司", "13800000001", ""],
                                          ["乙公司", "139****0000", "l***@yunfan.com"]])
    with pytest.raises(ImportFailed, match=r"line 3: a customer needs a phone or an email .*139\*\*\*\*0000 is masked"):
        import_file(conn, path)
    assert conn.execute("SELECT count(*) FROM customers").fetchone()[0] == 0


def test_masked_email_is_never_stored_by_add(conn) -> None:  # type: ignore[no-untyped-def]
    from crmcli.errors import InvalidValue

    with pytest.raises(InvalidValue, match="masked email"):
        records.add(conn, "customers", {"name": "甲公司", "email": "z***@example.com"})


def test_ledger_duplicates_each_become_a_customer_and_reimport_is_idempotent(cli, db_path: Path,
                                                                            tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rows = [["客户全称", "联系电话", "所属行业", "备注"],
            ["北京华信科技有限公司", "13812345678", "制造业", "一"],
            ["北京华信科技有限公司", "13812345678", "制造业", "一"],
            ["上海云帆贸易有限公司", "13900000001", "批发和零售业", ""],
            ["上海云帆贸易有限公司 ", "13900000001", "批发和零售业", "老客户"]]
    path = write_csv(tmp_path / "台账.csv", rows)
    r = cli("import", path)
    assert r.exit_code == 0, r.output
    conn = db.connect(db_path)
    ids = [r[0] for r in conn.execute("SELECT customer_id FROM customers ORDER BY rowid")]
    assert len(ids) == 4
    assert (f"4 row(s) look like duplicates (of each other: {ids[0]} ~ {ids[1]}; {ids[2]} ~ {ids[3]}) "
            "— run `crm dedupe`") in r.stderr
    before = dump(db_path)
    for on_conflict in ("fail", "skip", "update"):
        r = cli("import", path, "--on-conflict", on_conflict)
        assert r.exit_code == 0, r.output
        assert "4 read: 0 inserted, 0 updated, 0 skipped, 4 unchanged" in r.stderr
        assert "look like duplicates" not in r.stderr
    assert dump(db_path) == before
    rows[4][3] = "老客户 VIP"  # an edit of the second of two alike rows updates that customer
    r = cli("import", write_csv(tmp_path / "台账.csv", rows), "--on-conflict", "update")
    assert "0 inserted, 1 updated, 0 skipped, 3 unchanged" in r.stderr
    assert conn.execute("SELECT notes FROM customers WHERE customer_id = ?", (ids[3],)).fetchone()[0] == "老客户 VIP"
    conn.close()


def test_a_row_alike_a_stored_customer_is_new_and_reported(cli, conn, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _customer(conn)
    path = write_csv(tmp_path / "c.csv", [["客户名称", "联系电话"], ["北京华信科技有限公司", "13900000009"]])
    r = cli("import", path, "--on-conflict", "update")
    assert r.exit_code == 0, r.output
    new = conn.execute("SELECT customer_id FROM customers WHERE phone = '13900000009'").fetchone()[0]
    assert f"1 row(s) look like duplicates (of stored customers: {new} ~ C20240101001)" in r.stderr


def test_a_customer_row_without_id_matches_by_name_and_phone(conn, tmp_path: Path) -> None:
    _customer(conn)
    path = write_csv(tmp_path / "c.csv", [["客户名称", "联系电话", "备注"], ["北京华信科技有限公司", "13812345678", "新备注"]])
    with pytest.raises(ImportFailed, match=r"differ from records already in the database \(C20240101001\)"):
        import_file(conn, path)
    res = import_file(conn, path, on_conflict="update")
    assert (res.total("inserted"), res.total("updated")) == (0, 1)
    assert conn.execute("SELECT notes FROM customers").fetchone()[0] == "新备注"


def test_contacts_match_by_number_or_content(conn, tmp_path: Path) -> None:
    _customer(conn)
    records.add(conn, "customers", {"customer_id": "C20240101002", "name": "上海云帆", "phone": "13900000002"})
    path = write_csv(tmp_path / "contacts.csv", [["客户编号", "姓名", "电话"], ["C20240101001", "王五", "13700000001"],
                                                 ["C20240101001", "赵六", "13700000002"]])
    assert import_file(conn, path).total("inserted") == 2
    again = import_file(conn, path)  # no contact numbers in the file: matched by content
    assert (again.total("inserted"), again.total("unchanged")) == (0, 2)
    numbered = write_csv(tmp_path / "contacts2.csv", [["联系人编号", "客户编号", "姓名", "电话"],
                                                      ["1", "C20240101001", "王五", "137****0001"],
                                                      ["2", "C20240101002", "孙七", "13700000003"]])
    res = import_file(conn, numbered, on_conflict="update")
    # 1 is 王五 as stored (the masked phone keeps it); 2 belongs to another customer: a new contact
    assert (res.total("inserted"), res.total("updated"), res.total("unchanged")) == (1, 0, 1)
    rows = [tuple(r) for r in conn.execute("SELECT contact_id, customer_id, name, phone FROM contacts ORDER BY contact_id")]
    assert rows == [(1, "C20240101001", "王五", "13700000001"), (2, "C20240101001", "赵六", "13700000002"),
                    (3, "C20240101002", "孙七", "13700000003")]


def test_identical_child_rows_of_one_file_both_go_in_once(conn, tmp_path: Path) -> None:
    _customer(conn)
    row = ["C20240101001", "2024-05-01", "电话", "确认需求"]
    path = write_csv(tmp_path / "跟进记录.csv", [["客户编号", "跟进时间", "跟进方式", "沟通要点"], row, row])
    assert import_file(conn, path).total("inserted") == 2
    again = import_file(conn, path)
    assert (again.total("inserted"), again.total("unchanged")) == (0, 2)


def test_log_show_lists_old_and_new_values_of_an_import_update(cli, conn, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _customer(conn)
    path = write_csv(tmp_path / "c.csv", [["客户编号", "客户名称", "联系邮箱", "所属行业"],
                                          ["C20240101001", "北京华信科技有限公司", "zhang.san@huaxin.cn", "制造业"]])
    res = import_file(conn, path, on_conflict="update")
    r = cli("log", "show", str(res.op_id), "--format", "csv")
    assert r.exit_code == 0, r.output
    assert "email: z***@huaxin.com -> z***@huaxin.cn; industry: ∅ -> 制造业" in r.stdout
    r = cli("log", "show", str(res.op_id), "--format", "csv", "--unmask")
    assert "email: zhang.san@huaxin.com -> zhang.san@huaxin.cn" in r.stdout


def test_json_and_json_lines_import(conn, tmp_path: Path) -> None:
    (tmp_path / "c.json").write_text(json.dumps([{"name": "甲公司", "phone": "13800000001", "satisfaction": 4},
                                                 {"name": "乙公司", "phone": None, "satisfaction": None}],
                                                ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ImportFailed, match="a customer needs a phone"):
        import_file(conn, str(tmp_path / "c.json"))
    (tmp_path / "c.jsonl").write_text('{"name": "甲公司", "phone": "13800000001", "satisfaction": 4}\n\n'
                                      '{"name": "乙公司", "phone": "13800000002", "satisfaction": null}\n',
                                      encoding="utf-8")
    res = import_file(conn, str(tmp_path / "c.jsonl"))
    assert res.summary()["format"] == "json"
    rows = [tuple(r) for r in conn.execute("SELECT name, phone, satisfaction FROM customers ORDER BY rowid")]
    assert rows == [("甲公司", "13800000001", 4), ("乙公司", "13800000002", None)]


@pytest.mark.parametrize(("name", "text", "message"), [
    ("c.json", "客户名称,电话\n甲,1\n", "c.json is not JSON (it starts with '客户名称,电话')"),
    ("c.json", '[{"name": "甲", "phone": ["1"]}]', "c.json record 2: field 'phone' holds a nested list"),
    ("c.jsonl", '{"name": "甲"}\n{"name": "乙", "x": 1}\n', "c.jsonl record 2: field 'x' is not in the first record"),
    ("c.json", '[{"name": "甲",]', "c.json is not valid JSON"),
])
def test_a_file_that_is_not_what_it_claims(cli, tmp_path: Path, db_path: Path, name: str, text: str,
                                           message: str) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / name).write_text(text, encoding="utf-8")
    r = cli("import", str(tmp_path / name))
    assert r.exit_code == 1
    assert r.stderr.strip().splitlines() == [r.stderr.strip()] and message in r.stderr


def test_a_module_sheet_without_a_header_row_is_an_error(cli, tmp_path: Path, db_path: Path) -> None:  # type: ignore[no-untyped-def]
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.title = "客户基本信息"
    wb.active.append(["客户名称", "联系电话"])
    wb.active.append(["甲公司", "13800000001"])
    ws = wb.create_sheet("跟进记录")
    ws.append(["2024-05-01", "电话", "确认需求"])
    wb.save(tmp_path / "book.xlsx")
    r = cli("import", str(tmp_path / "book.xlsx"))
    assert r.exit_code == 1
    assert "sheet '跟进记录': no header row found" in r.stderr
    conn = db.connect(db_path)
    assert conn.execute("SELECT count(*) FROM customers").fetchone()[0] == 0
    conn.close()


def test_a_column_mapped_twice_is_an_error(cli, tmp_path: Path, db_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = write_csv(tmp_path / "c.csv", [["客户名称", "联系电话", "手机"], ["甲公司", "13800000001", "13800000002"]])
    r = cli("import", path)
    assert r.exit_code == 1
    assert "both map to customers.phone" in r.stderr
    r = cli("import", path, "--map", "手机=name")
    assert r.exit_code == 1
    assert "both map to customers.name" in r.stderr


def test_a_ledger_workbook_with_duplicates_links_its_records_and_reimports(cli, db_path: Path,
                                                                          tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.title = "客户基本信息"
    for row in (["客户全称", "联系电话", "备注"], ["北京华信科技有限公司", "13812345678", "一"],
                ["北京华信科技有限公司", "13812345678", "二"], ["上海云帆", "13900000001", ""]):
        wb.active.append(row)
    ws = wb.create_sheet("联系人")
    for row in (["客户名称", "姓名", "电话"], ["北京华信科技有限公司", "王五", "13700000001"],
                ["上海云帆", "赵六", "13700000002"]):
        ws.append(row)
    wb.save(tmp_path / "台账.xlsx")
    r = cli("import", str(tmp_path / "台账.xlsx"))
    assert r.exit_code == 0, r.output
    conn = db.connect(db_path)
    ids = [r[0] for r in conn.execute("SELECT customer_id FROM customers ORDER BY rowid")]
    assert f"1 row(s) name a customer the file holds more than once: linked to the first ({ids[0]})" in r.stderr
    contacts = [tuple(r) for r in conn.execute("SELECT customer_id, name FROM contacts ORDER BY contact_id")]
    assert contacts == [(ids[0], "王五"), (ids[2], "赵六")]
    before = dump(db_path)
    r = cli("import", str(tmp_path / "台账.xlsx"))
    assert r.exit_code == 0, r.output
    assert "5 read: 0 inserted, 0 updated, 0 skipped, 5 unchanged" in r.stderr
    assert dump(db_path) == before
    conn.close()
