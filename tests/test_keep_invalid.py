"""crm import --keep-invalid: one bad cell costs one cell, kept aside visibly (show, doctor, query),
fixed by update, logged and undoable; the default stays all or nothing."""

from __future__ import annotations

import csv
import json
import sqlite3
from pathlib import Path

import pytest

from crmcli import db, doctor, filters, invalid, records, undo
from crmcli.importer import ImportFailed, import_file

ROWS = [
    ["客户全称", "联系电话", "联系邮箱", "首次接触时间"],
    ["甲公司", "0755-123456789", "a@jia.cn", "2024-01-01"],  # a landline with a digit too many
    ["乙公司", "13812345678", "bad@", "2024-13-45"],           # an e-mail without a domain, no such date
    ["丙公司", "0755-123456789", "", ""],                      # its only contact is the bad phone
    ["丁公司", "13900000000", "d@ding.cn", "2024-02-02"],
]


def write(path: Path, rows: list[list[str]]) -> str:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return str(path)


def ids(conn: sqlite3.Connection, args: list[str], table: str = "customers") -> list[str]:
    return [r[0] for r in filters.select(conn, table, args, columns=["name"])[1]]


@pytest.fixture
def kept(conn: sqlite3.Connection, tmp_path: Path) -> sqlite3.Connection:
    res = import_file(conn, write(tmp_path / "c.csv", ROWS), keep_invalid=True)
    assert (res.total("inserted"), res.total("rejected"), res.total("kept_invalid")) == (4, 0, 4)
    return conn


def test_default_is_all_or_nothing_and_names_the_ways_forward(conn: sqlite3.Connection, tmp_path: Path) -> None:
    before = list(conn.iterdump())
    with pytest.raises(ImportFailed) as e:
        import_file(conn, write(tmp_path / "c.csv", ROWS))
    msg = str(e.value)
    assert msg.startswith("3 row(s) cannot be imported, so nothing was: c line 2: invalid phone")
    assert "fix the file" in msg and "--rejects FILE" in msg and "--keep-invalid" in msg
    assert list(conn.iterdump()) == before


def test_bad_cells_are_kept_aside_and_the_rows_go_in(kept: sqlite3.Connection) -> None:
    got = {r[0]: tuple(r[1:]) for r in kept.execute("SELECT name, phone, email, first_contact_date FROM customers")}
    assert got == {"甲公司": (None, "a@jia.cn", "2024-01-01"), "乙公司": ("13812345678", None, None),
                   "丙公司": (None, None, None), "丁公司": ("13900000000", "d@ding.cn", "2024-02-02")}
    rows = sorted((r["field"], r["raw"]) for r in invalid.listing(kept))
    assert rows == [("email", "bad@"), ("first_contact_date", "2024-13-45"), ("phone", "0755-123456789"),
                    ("phone", "0755-123456789")]
    # the reason quotes the cell masked, like every other place a contact detail is shown
    reasons = [r["reason"] for r in invalid.listing(kept, "phone")]
    assert all("123456789" not in r and "invalid phone" in r for r in reasons)


def test_query_finds_them(kept: sqlite3.Connection) -> None:
    assert ids(kept, ["invalid=phone"]) == ["甲公司", "丙公司"]
    assert ids(kept, ["invalid=联系电话|email"]) == ["甲公司", "乙公司", "丙公司"]
    assert ids(kept, ["invalid!="]) == ["甲公司", "乙公司", "丙公司"]
    assert ids(kept, ["invalid="]) == ["丁公司"]
    assert ids(kept, ["invalid!=phone"]) == ["乙公司", "丁公司"]
    assert ids(kept, ["无效值=首次接触时间"]) == ["乙公司"]
    with pytest.raises(Exception, match=r"unknown field 'phnoe'.*did you mean phone"):
        ids(kept, ["invalid=phnoe"])
    with pytest.raises(Exception, match="invalid takes = or !="):
        ids(kept, ["invalid~phone"])


def test_show_doctor_and_query_on_the_command_line(cli, kept: sqlite3.Connection) -> None:  # type: ignore[no-untyped-def]
    yi = kept.execute("SELECT customer_id FROM customers WHERE name = '乙公司'").fetchone()[0]
    card = json.loads(cli("show", yi, "--format", "json").stdout)
    assert [(r["field"], r["raw"]) for r in card["invalid_values"]] == [("email", "b***@"),
                                                                         ("first_contact_date", "2024-13-45")]
    full = json.loads(cli("show", yi, "--format", "json", "--unmask").stdout)
    assert full["invalid_values"][0]["raw"] == "bad@"
    table = cli("show", yi, "--format", "table")
    assert "Kept aside as invalid" in table.stdout and "b***@" in table.stdout
    found = {(f.table, f.message.split(" ")[1]): f for f in doctor.diagnose(kept) if f.check == "invalid"}
    assert sorted(found) == [("customers", "customers.email"), ("customers", "customers.first_contact_date"),
                             ("customers", "customers.phone")]
    assert "crm query invalid=phone" in found[("customers", "customers.phone")].message
    assert found[("customers", "customers.phone")].count == 2
    doc = cli("doctor")
    assert doc.exit_code == 3 and "123456789" not in doc.output
    q = cli("query", "invalid=phone", "--columns", "name", "--format", "csv")
    assert q.stdout.splitlines() == ["name", "甲公司", "丙公司"]


def test_update_fixes_clears_logs_and_undo_brings_it_back(cli, kept: sqlite3.Connection) -> None:  # type: ignore[no-untyped-def]
    jia = kept.execute("SELECT customer_id FROM customers WHERE name = '甲公司'").fetchone()[0]
    res = cli("update", jia, "--set", "phone=0755-12345678")
    assert res.exit_code == 0, res.output
    assert ids(kept, ["invalid=phone"]) == ["丙公司"]
    op = kept.execute("SELECT max(op_id) FROM operations").fetchone()[0]
    logged = [(r[0], r[1]) for r in kept.execute("SELECT table_name, action FROM changes WHERE op_id = ?", (op,))]
    assert ("invalid_values", "delete") in logged and ("customers", "update") in logged
    undo.undo(kept)
    assert ids(kept, ["invalid=phone"]) == ["甲公司", "丙公司"]
    assert kept.execute("SELECT phone FROM customers WHERE customer_id = ?", (jia,)).fetchone()[0] is None


def test_a_kept_aside_contact_counts_for_the_contact_rule(kept: sqlite3.Connection) -> None:
    bing = kept.execute("SELECT customer_id FROM customers WHERE name = '丙公司'").fetchone()[0]
    records.update(kept, bing, {"owner": "张伟"})  # its phone is known, only not usable: other edits go on
    with pytest.raises(Exception, match="needs a phone or an email"):
        records.update(kept, bing, {"phone": ""})  # settling the phone as "none" leaves no contact at all
    assert ids(kept, ["invalid=phone"]) == ["甲公司", "丙公司"]


def test_import_undo_removes_rows_and_entries(kept: sqlite3.Connection) -> None:
    undo.undo(kept)
    assert kept.execute("SELECT count(*) FROM customers").fetchone()[0] == 0
    assert kept.execute("SELECT count(*) FROM invalid_values").fetchone()[0] == 0


def test_what_cannot_be_kept_aside_is_still_rejected(conn: sqlite3.Connection, tmp_path: Path) -> None:
    rows = [*ROWS, ["戊公司", "", "", ""]]  # no contact at all: not a bad cell, a record the rules refuse
    with pytest.raises(ImportFailed, match="line 6: a customer needs a phone or an email"):
        import_file(conn, write(tmp_path / "c.csv", rows), keep_invalid=True)
    rejects = tmp_path / "r.csv"
    res = import_file(conn, write(tmp_path / "c.csv", rows), keep_invalid=True, rejects=str(rejects))
    assert (res.total("inserted"), res.total("rejected"), res.total("kept_invalid")) == (4, 1, 4)
    assert "戊公司" in rejects.read_text(encoding="utf-8-sig")
    # a required field is not a cell to keep aside: a follow-up without a readable date is rejected
    f = write(tmp_path / "f.csv", [["客户名称", "跟进时间", "沟通要点", "预计完成时间"],
                                   ["甲公司", "someday", "电话", "2024-01-01"], ["甲公司", "2024-03-01", "拜访", "明年"]])
    res = import_file(conn, f, keep_invalid=True, rejects=str(tmp_path / "r2.csv"))
    assert (res.total("inserted"), res.total("rejected"), res.total("kept_invalid")) == (1, 1, 1)
    fid = conn.execute("SELECT followup_id FROM followups").fetchone()[0]
    assert [(r["table_name"], r["row_id"], r["field"]) for r in invalid.listing(conn, "due_date")] == [
        ("followups", fid, "due_date")]
    assert ids(conn, ["followups.invalid=due_date"]) == ["甲公司"]


def test_contacts_get_their_number_and_entries(conn: sqlite3.Connection, tmp_path: Path) -> None:
    records.add(conn, "customers", {"name": "甲公司", "phone": "13812345678"})
    f = write(tmp_path / "contacts.csv", [["客户名称", "姓名", "电话", "邮箱"], ["甲公司", "王芳", "12345", "w@x.cn"],
                                          ["甲公司", "李雷", "13900001111", "li@"]])
    res = import_file(conn, f, table="contacts", keep_invalid=True)
    assert res.total("kept_invalid") == 2
    got = {(r["row_id"], r["field"]) for r in invalid.listing(conn)}
    numbers = {str(r[0]) for r in conn.execute("SELECT contact_id FROM contacts")}
    assert {k for k, _ in got} == numbers
    assert [r[0] for r in filters.select(conn, "contacts", ["invalid=phone"], columns=["name"])[1]] == ["王芳"]
    assert ids(conn, ["contacts.invalid=email"]) == ["甲公司"]


def test_an_update_row_does_not_shadow_a_stored_value(conn: sqlite3.Connection, tmp_path: Path) -> None:
    cid = records.add(conn, "customers", {"name": "甲公司", "phone": "13812345678"})
    f = write(tmp_path / "c.csv", [["客户编号", "客户全称", "联系电话", "联系邮箱"], [cid, "甲公司", "12345", "bad@"]])
    res = import_file(conn, f, on_conflict="update", keep_invalid=True)
    assert res.total("kept_invalid") == 1  # the e-mail: the stored phone stays and no bad one hides behind it
    assert [r["field"] for r in invalid.listing(conn)] == ["email"]
    # ... and the bad cell is not an emptied one: the stored phone is not cleared
    assert conn.execute("SELECT phone FROM customers").fetchone()[0] == "13812345678"


def test_dry_run_keeps_nothing(conn: sqlite3.Connection, tmp_path: Path) -> None:
    before = list(conn.iterdump())
    res = import_file(conn, write(tmp_path / "c.csv", ROWS), keep_invalid=True, dry_run=True)
    assert res.total("kept_invalid") == 4
    assert list(conn.iterdump()) == before


def test_cli_summary_names_the_clean_up(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    res = cli("import", write(tmp_path / "c.csv", ROWS), "--keep-invalid")
    assert res.exit_code == 0, res.output
    assert "4 invalid value(s) kept aside" in res.stderr and "crm query invalid!=" in res.stderr
    assert cli("log", "--format", "json").stdout.count("4 invalid values kept aside") == 1


def test_a_version_3_database_gets_the_table(tmp_path: Path) -> None:
    path = tmp_path / "v3.db"
    db.create(path).close()
    raw = sqlite3.connect(path)
    raw.execute("DROP TABLE invalid_values")
    raw.execute("PRAGMA user_version = 3")
    raw.commit()
    raw.close()
    conn = db.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == db.SCHEMA_VERSION >= 4
    assert conn.execute("SELECT count(*) FROM invalid_values").fetchone()[0] == 0


def test_cli_default_lists_every_bad_row_then_one_error(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rows = [ROWS[0]] + [[f"公司{i}", "12345", "", ""] for i in range(6)] + [["好公司", "13800000000", "", ""]]
    res = cli("import", write(tmp_path / "c.csv", rows))
    assert res.exit_code == 1 and "Traceback" not in res.output
    lines = res.stderr.splitlines()
    assert [ln.split(":")[0].strip() for ln in lines[:-1]] == [f"c line {n}" for n in range(2, 8)]
    assert lines[-1].startswith("Error: 6 row(s) cannot be imported, so nothing was:") and "--keep-invalid" in lines[-1]
