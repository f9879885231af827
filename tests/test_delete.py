"""crm delete: any module, what hangs on a customer, one logged operation, undo dump-equal;
names wherever ids go (exact, fuzzy, ambiguous, case-insensitive ids); tag removal as a note."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import pytest

from crmcli import delete, lookup, records, segments, undo
from crmcli.errors import NotFound
from tests.conftest import Runner
from tests.dbdump import dump


def data_only(path: Path) -> list[str]:
    """The database minus the operation log and id counters (undo adds to the log by design)."""
    return [x for x in dump(path) if not x.startswith(('INSERT INTO "operations"', 'INSERT INTO "changes"'))]


@pytest.fixture
def full(conn: sqlite3.Connection) -> dict[str, str]:
    """A customer with something in every module, a status change, a segment run; and a second one."""
    a = records.add(conn, "customers", {"name": "北京华信科技有限公司", "phone": "13812345678", "owner": "张伟"})
    b = records.add(conn, "customers", {"name": "上海华信科技有限公司", "phone": "13900001111"})
    ids = {"a": a, "b": b}
    records.add(conn, "contacts", {"customer": a, "name": "王芳", "phone": "13700001111"})
    ids["f"] = records.add(conn, "followups", {"customer": a, "summary": "谈需求", "next_step": "发方案", "due": "2024-07-01"})
    ids["o"] = records.add(conn, "orders", {"customer": a, "amount": "12万", "date": "2024-05-20"})
    ids["t"] = records.add(conn, "tickets", {"customer": a, "type": "技术支持"})
    ids["n"] = records.add(conn, "needs", {"customer": a, "type": "服务定制"})
    ids["bf"] = records.add(conn, "followups", {"customer": b, "summary": "初次沟通"})
    records.tag(conn, a, ["重点维护", "行为标签:价格敏感"], [])
    records.update(conn, a, {"status": "合作中"})
    segments.run(conn, segments.load(), date(2024, 6, 1))
    return ids


def test_delete_customer_takes_everything_and_undo_puts_it_back_dump_equal(
        conn: sqlite3.Connection, db_path: Path, full: dict[str, str]) -> None:
    before = data_only(db_path)
    t = delete.target(conn, full["a"])
    assert t.hanging == {"contacts": 1, "customer_metrics": 1, "customer_segments": 1, "followups": 1, "needs": 1,
                         "orders": 1, "status_history": 1, "tags": 2, "tickets": 1}
    res = delete.delete(conn, [full["a"]])
    assert res.rows == 11
    for table in ("customers", "contacts", "followups", "orders", "tickets", "needs", "tags", "status_history",
                  "customer_segments", "customer_metrics"):
        assert conn.execute(f"SELECT count(*) FROM {table} WHERE customer_id = ?", (full["a"],)).fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM customers WHERE customer_id = ?", (full["b"],)).fetchone()[0] == 1
    op = conn.execute("SELECT kind, summary FROM operations WHERE op_id = ?", (res.op_id,)).fetchone()
    assert op["kind"] == "delete" and "北京华信科技有限公司" in op["summary"]
    undo.undo(conn)
    assert data_only(db_path) == before


def test_delete_single_records_of_every_module_and_undo(conn: sqlite3.Connection, db_path: Path,
                                                        full: dict[str, str]) -> None:
    contact = conn.execute("SELECT contact_id FROM contacts").fetchone()[0]
    before = data_only(db_path)
    res = delete.delete(conn, [full["f"].lower(), full["o"], full["t"], full["n"], f"contact:{contact}"])
    assert [t.table for t in res.targets] == ["followups", "orders", "tickets", "needs", "contacts"]
    assert conn.execute("SELECT count(*) FROM customers").fetchone()[0] == 2
    undo.undo(conn)
    assert data_only(db_path) == before


def test_a_record_of_a_deleted_customer_goes_with_it_once(conn: sqlite3.Connection, full: dict[str, str]) -> None:
    targets = delete.plan(conn, [full["f"], full["a"], full["a"].lower()])
    assert [(t.table, t.key) for t in targets] == [("customers", full["a"])]


def test_cli_shows_what_hangs_asks_and_prints_ids(cli: Runner, db_path: Path, full: dict[str, str]) -> None:
    before = dump(db_path)
    r = cli("delete", full["a"])
    assert r.exit_code == 1 and "--yes" in r.stderr and "1 orders" in r.stderr
    assert dump(db_path) == before
    r = cli("delete", full["a"], input="n\n", env={"CRM_INTERACTIVE": "1"})
    assert r.exit_code == 1 and dump(db_path) == before
    r = cli("delete", "北京华信科技有限公司", "--yes")
    assert r.exit_code == 0, r.output
    assert r.stdout.split() == [full["a"]]
    assert cli("delete", "C19990101001", "--yes").exit_code == 1
    assert cli("undo", "--yes").exit_code == 0
    assert cli("show", full["a"], "--format", "json").exit_code == 0


def test_names_and_case_wherever_ids_go(conn: sqlite3.Connection, full: dict[str, str]) -> None:
    a, b = full["a"], full["b"]
    assert lookup.customer(conn, a.lower()) == a
    assert lookup.customer(conn, "北京华信科技有限公司") == a
    assert lookup.customer(conn, "北京华信") == a  # a unique part of a name
    assert lookup.customer(conn, "北京华信科技有限工司") == a  # a typo: fuzzy, unique
    with pytest.raises(lookup.AmbiguousName) as e:
        lookup.customer(conn, "华信科技")
    assert a in str(e.value) and b in str(e.value) and "138****5678" in str(e.value)
    with pytest.raises(NotFound):
        lookup.customer(conn, "C19990101001")
    with pytest.raises(NotFound):
        lookup.customer(conn, "广州嘉禾")


def test_cli_commands_take_names(cli: Runner, full: dict[str, str]) -> None:
    r = cli("show", full["a"].lower(), "--format", "json")
    assert r.exit_code == 0 and full["a"] in r.stdout
    r = cli("show", "北京华信科技有限公司", "--format", "json")
    assert r.exit_code == 0 and '"merged_from"' not in r.stdout
    assert cli("update", "北京华信科技有限公司", "--set", "level=VIP").exit_code == 0
    r = cli("add", "followup", "--customer", "上海华信", "--summary", "回访")
    assert r.exit_code == 0, r.output
    r = cli("log", "--customer", "上海华信科技有限公司", "--format", "json")
    assert r.exit_code == 0 and "add followup" in r.stdout
    r = cli("segment", "explain", full["a"].lower())
    assert r.exit_code == 0, r.output
    r = cli("show", "华信", "--format", "json")
    assert r.exit_code == 1 and "fits 2 customers" in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_removing_a_tag_the_customer_does_not_have_is_a_note(cli: Runner, conn: sqlite3.Connection,
                                                             full: dict[str, str]) -> None:
    r = cli("tag", full["b"].lower(), "+重点维护", "+行为标签:价格敏感", "-高风险")
    assert r.exit_code == 0, r.output
    assert "no tag '高风险'" in r.stderr
    assert r.stdout.split() == ["价格敏感", "重点维护"]
    ops = conn.execute("SELECT count(*) FROM operations WHERE kind = 'tag'").fetchone()[0]
    r = cli("tag", full["b"], "-高风险")
    assert r.exit_code == 0 and "nothing to remove" in r.stderr
    assert conn.execute("SELECT count(*) FROM operations WHERE kind = 'tag'").fetchone()[0] == ops  # nothing logged


def test_no_write_leaves_a_customer_without_phone_and_email(conn: sqlite3.Connection, full: dict[str, str]) -> None:
    from crmcli.errors import InvalidValue

    with pytest.raises(InvalidValue, match="phone or an email"):
        records.update(conn, full["a"], {"phone": ""})
    records.update(conn, full["a"], {"email": "info@huaxin.com"})
    records.update(conn, full["a"], {"phone": ""})  # the email still reaches it


def test_doctor_lists_customers_nobody_can_reach(conn: sqlite3.Connection, full: dict[str, str]) -> None:
    from crmcli import doctor

    assert doctor.diagnose(conn) == []
    conn.execute("UPDATE customers SET phone = NULL WHERE customer_id = ?", (full["b"],))  # written around crm
    found = [f for f in doctor.diagnose(conn) if f.check == "unreachable"]
    assert [(f.count, f.examples, f.fix) for f in found] == [(1, [full["b"]], None)]
