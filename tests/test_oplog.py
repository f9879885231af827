"""The operation log: every write recorded with time, user, command line and old/new
rows; `crm log`, `crm log show` and `crm show --history` read it, masked."""

from __future__ import annotations

import json
import sqlite3

import pytest

from crmcli import audit, bulk, records
from crmcli.errors import InvalidValue


def test_every_write_is_logged_with_user_command_and_rows(conn: sqlite3.Connection, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("sys.argv", ["/usr/bin/crm", "add", "customer", "--name", "甲公司"])
    audit.set_user("张伟")
    try:
        cid = records.add(conn, "customers", {"name": "甲公司", "phone": "13812345678"})
    finally:
        audit.set_user(None)
    op = conn.execute("SELECT user, command, kind, summary FROM operations").fetchone()
    assert tuple(op) == ("张伟", "crm add customer --name 甲公司", "add", f"add customer {cid}")
    records.update(conn, cid, {"owner": "李娜"})
    records.tag(conn, cid, ["重点维护"], [])
    ch = audit.operation_changes(conn, 2)
    assert [(c["table_name"], c["row_id"], c["action"]) for c in ch] == [("customers", cid, "update")]
    assert ch[0]["old"]["owner"] is None and ch[0]["new"]["owner"] == "李娜"
    assert audit.field_diff("update", ch[0]["old"], ch[0]["new"]) == [("owner", None, "李娜")]
    tag = audit.operation_changes(conn, 3)[0]
    assert json.loads(tag["row_id"]) == [cid, "重点维护"] and tag["customer_id"] == cid


def test_a_failed_write_leaves_no_log_entry(conn: sqlite3.Connection) -> None:
    with pytest.raises(InvalidValue):
        records.add(conn, "customers", {"name": "甲公司", "phone": "12345"})
    with pytest.raises(RuntimeError), audit.operation(conn, "update", "half") as op:
        conn.execute("INSERT INTO customers (customer_id, name, phone) VALUES ('C1', 'x', '13812345678')")
        op.change("customers", "C1", "insert")
        raise RuntimeError("crash in the middle")
    assert conn.execute("SELECT count(*) FROM operations").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM customers").fetchone()[0] == 0


def test_operations_filter_by_customer_kind_and_since(conn: sqlite3.Connection) -> None:
    a = records.add(conn, "customers", {"name": "甲公司", "phone": "13812345678"})
    b = records.add(conn, "customers", {"name": "乙公司", "phone": "13912345678", "industry": "制造业"})
    records.add(conn, "followups", {"customer_id": a, "summary": "电话"})
    p = bulk.plan(conn, "customers", ["industry~制造"], {"owner": "王"})
    bulk.apply(conn, p, ["industry~制造"])
    conn.execute("UPDATE operations SET ts = '2020-01-01 09:00:00' WHERE op_id = 1")
    assert [o["op_id"] for o in audit.operations(conn)] == [4, 3, 2, 1]
    assert [o["op_id"] for o in audit.operations(conn, customer=a)] == [3, 1]
    assert [o["op_id"] for o in audit.operations(conn, customer=b)] == [4, 2]
    assert [o["op_id"] for o in audit.operations(conn, kind="bulk-update")] == [4]
    assert [o["op_id"] for o in audit.operations(conn, since="2024-01-01")] == [4, 3, 2]
    assert [o["op_id"] for o in audit.operations(conn, since="-7d")] == [4, 3, 2]
    assert audit.operations(conn, limit=1)[0]["changes"] == 1
    with pytest.raises(InvalidValue, match="--since takes a date"):
        audit.operations(conn, since="someday")


def test_cli_log_and_log_show_mask_phones(cli) -> None:  # type: ignore[no-untyped-def]
    cid = cli("add", "customer", "--name", "甲公司", "--phone", "13812345678").stdout.strip()
    cli("update", cid, "--set", "phone=13900001111")
    r = cli("log", "--format", "csv")
    lines = r.stdout.splitlines()
    assert lines[0] == "op_id,ts,user,kind,summary,changes,undone_by,command"
    assert [line.split(",")[3] for line in lines[1:]] == ["update", "add"]
    r = cli("log", "show", "2", "--format", "csv")
    assert r.stdout.splitlines()[1].endswith("update,phone: 138****5678 -> 139****1111")
    assert "13812345678" not in r.stdout and "operation 2" in r.stderr
    r = cli("log", "show", "2", "--format", "csv", "--unmask")
    assert r.stdout.splitlines()[1].endswith("phone: 13812345678 -> 13900001111")
    r = cli("log", "show", "2", "--format", "json")
    data = json.loads(r.stdout)
    assert data[0]["old"]["phone"] == "138****5678" and data[0]["new"]["phone"] == "139****1111"
    r = cli("log", "show", "99")
    assert r.exit_code == 1 and "no operation 99" in r.stderr
    r = cli("log", "--customer", cid, "--kind", "add", "--format", "json")
    assert [o["op_id"] for o in json.loads(r.stdout)] == [1]


def test_show_history_is_readable_and_masked(cli) -> None:  # type: ignore[no-untyped-def]
    cid = cli("add", "customer", "--name", "甲公司", "--phone", "13812345678").stdout.strip()
    cli("update", cid, "--set", "phone=13900001111", "--set", "level=VIP")
    r = cli("show", cid, "--history", "--format", "json")
    hist = json.loads(r.stdout)["history"]
    assert [h["diff"] for h in hist] == [
        f"added customer_id={cid}, name=甲公司, phone=138****5678, status=potential",
        "phone: 138****5678 -> 139****1111; level: ∅ -> vip"]
    assert "13812345678" not in r.stdout and "13900001111" not in r.stdout
    r = cli("show", cid, "--history", "--format", "table")
    assert "138****5678 -> 139****1111" in r.stdout
    assert "13812345678" not in r.stdout


def _has(module: str) -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


@pytest.mark.skipif(not all(_has(m) for m in ("crmcli.importer", "crmcli.dedupe.merge", "crmcli.segments.runs",
                                              "crmcli.exporter")), reason="needs import, dedupe, segments and export")
def test_every_kind_of_write_is_in_the_log(cli, tmp_path, db_path) -> None:  # type: ignore[no-untyped-def]
    csv = tmp_path / "in.csv"
    csv.write_text("客户名称,联系电话\n北京华信科技有限公司,13812345678\n北京华信科技,13812345678\n", encoding="utf-8")
    steps = [("import", str(csv), "--table", "customers"), ("query", "--format", "csv", "--columns", "customer_id")]
    for s in steps:
        r = cli(*s)
        assert r.exit_code == 0, r.stderr
    a, b = r.stdout.splitlines()[1:3]
    for s in [("add", "followup", "--customer", a, "--summary", "电话沟通"), ("update", a, "--set", "level=VIP"),
              ("tag", a, "+重点维护"), ("update", "level=VIP", "--set", "owner=张伟", "--yes"),
              ("merge", a, b, "--yes"), ("unmerge", "1"), ("segment", "run"),
              ("export", "customers", "--unmask", "-o", str(tmp_path / "out.csv")), ("backup", "-o", str(tmp_path / "b.db")),
              ("restore", str(tmp_path / "b.db"), "--yes"), ("undo", "--yes")]:
        r = cli(*s)
        assert r.exit_code == 0, (s, r.stderr)
    kinds = [line.split(",")[3] for line in cli("log", "--format", "csv").stdout.splitlines()[1:]][::-1]
    # the last `undo` reversed the segment run (the newest undoable write) through the segment module's revert
    assert kinds == ["import", "add", "update", "tag", "bulk-update", "merge", "unmerge", "segment", "export",
                     "restore", "segment"]
    last = cli("log", "--format", "json", "--limit", "1").stdout
    assert "revert segment run 1" in last
    users = {line.split(",")[2] for line in cli("log", "--format", "csv").stdout.splitlines()[1:]}
    assert len(users) == 1 and "" not in users
    # the import's rows are in the log too (key only), so `crm log show` and undo can find them
    assert sqlite3.connect(db_path).execute(
        "SELECT count(*) FROM changes WHERE op_id = 1 AND table_name = 'customers'").fetchone()[0] == 2
