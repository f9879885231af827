"""crm doctor: each kind of problem found on hand-made bad data, fixed where safe, exit codes."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from crmcli import doctor, records, undo


def add(conn: sqlite3.Connection, name: str, phone: str) -> str:
    return records.add(conn, "customers", {"name": name, "phone": phone})


def raw(conn: sqlite3.Connection, *statements: str) -> None:
    """Write as an older version or another tool could have: no CHECKs, no foreign keys."""
    conn.execute("PRAGMA ignore_check_constraints = ON")
    conn.execute("PRAGMA foreign_keys = OFF")
    for s in statements:
        conn.execute(s)
    conn.execute("PRAGMA ignore_check_constraints = OFF")
    conn.execute("PRAGMA foreign_keys = ON")


def checks(findings: list[doctor.Finding]) -> list[tuple[str, str | None, int, bool]]:
    return [(f.check, f.table, f.count, f.fix is not None) for f in findings]


def test_a_fresh_and_a_used_database_are_healthy(conn: sqlite3.Connection) -> None:
    assert doctor.diagnose(conn) == []
    cid = add(conn, "甲公司", "13812345678")
    records.tag(conn, cid, ["行为标签:价格敏感"], [])
    records.add(conn, "orders", {"customer_id": cid, "amount": "12万", "date": "2024-05-01"})
    assert doctor.diagnose(conn) == []


def test_labels_outside_the_list(conn: sqlite3.Connection) -> None:
    raw(conn, "INSERT INTO customers (customer_id, name, phone, status, customer_type) "
              "VALUES ('C20240101001', '甲', '13812345678', '意向', 'bogus')")
    found = [f for f in doctor.diagnose(conn) if f.check == "labels"]
    assert checks(found) == [("labels", "customers", 1, False), ("labels", "customers", 1, True)]
    assert found[0].examples == ["C20240101001: bogus"] and "customer_type" in found[0].message
    assert "意向->intent" in (found[1].fix or "")


def test_masked_phones_and_orphans_and_merged_orphans(conn: sqlite3.Connection) -> None:
    a = add(conn, "甲公司", "13812345678")
    raw(conn,
        "INSERT INTO customers (customer_id, name, phone) VALUES ('C20240101002', '乙', '139****5678')",
        "INSERT INTO orders (order_id, customer_id, date, amount) VALUES ('DD20240101001', 'C_GONE', '2024-01-01', 5)",
        "INSERT INTO merges (merge_id, survivor_id, merged_ids, snapshot) VALUES (1, '" + a + "', '[]', '{}')",
        "INSERT INTO merged_ids (old_id, survivor_id, merge_id) VALUES ('C20230101009', '" + a + "', 1)",
        "INSERT INTO followups (followup_id, customer_id, date) VALUES ('F20240101001', 'C20230101009', '2024-01-01')")
    found = {(f.check, f.table, f.fix is not None): f for f in doctor.diagnose(conn)}
    assert found[("masked", "customers", True)].examples == ["C20240101002: 139****5678"]
    assert found[("orphans", "orders", False)].examples == ["C_GONE"]
    assert found[("orphans", "followups", True)].examples == [f"C20230101009 -> {a}"]


def test_malformed_and_duplicate_ids(conn: sqlite3.Connection) -> None:
    raw(conn,
        "INSERT INTO customers (customer_id, name, phone) VALUES (' C20240101001', '甲', '13812345678')",
        "INSERT INTO customers (customer_id, name, phone) VALUES ('C20240101001', '甲2', '13812345679')",
        "INSERT INTO customers (customer_id, name, phone) VALUES ('C20241399001', '丙', '13812345670')",
        "INSERT INTO customers (customer_id, name, phone) VALUES ('DD20240101001', '丁', '13812345671')",
        "INSERT INTO customers (customer_id, name, phone) VALUES ('KH-0001', '旧系统', '13812345672')")
    found = {f.check: f for f in doctor.diagnose(conn)}
    assert found["ids"].count == 3
    assert found["ids"].examples == ["' C20240101001': spaces around the id",
                                     "'C20241399001': impossible date 20241399 in the id",
                                     "'DD20240101001': prefix DD belongs to another module"]
    assert found["duplicate_ids"].examples == [" C20240101001 | C20240101001"]


def test_schema_drift_missing_index_trigger_column_and_extras(conn: sqlite3.Connection) -> None:
    conn.execute("DROP INDEX idx_customers_phone")
    conn.execute("DROP TRIGGER customers_touch")
    conn.execute("CREATE TABLE my_notes (x)")
    conn.execute("PRAGMA journal_mode = DELETE")
    found = [(f.message, f.fix is not None) for f in doctor.diagnose(conn) if f.check == "schema"]
    assert found == [("index idx_customers_phone is missing", True), ("trigger customers_touch is missing", True),
                     ("table my_notes is not in schema.sql", False),
                     ("journal mode is delete, not wal (concurrent use may see 'database is locked')", True)]


def test_fix_repairs_what_is_safe_in_one_undoable_operation(conn: sqlite3.Connection) -> None:
    a = add(conn, "甲公司", "13812345678")
    raw(conn,
        "INSERT INTO customers (customer_id, name, phone, status, notes) VALUES ('C20240101002', '乙', '139****5678', '合作中', '老客户')",
        "INSERT INTO merges (merge_id, survivor_id, merged_ids, snapshot) VALUES (1, '" + a + "', '[]', '{}')",
        "INSERT INTO merged_ids (old_id, survivor_id, merge_id) VALUES ('C20230101009', '" + a + "', 1)",
        "INSERT INTO followups (followup_id, customer_id, date) VALUES ('F20240101001', 'C20230101009', '2024-01-01')",
        "INSERT INTO orders (order_id, customer_id, date, amount) VALUES ('DD20240101001', 'C_GONE', '2024-01-01', 5)")
    conn.execute("DROP INDEX idx_customers_phone")
    res = doctor.fix(conn)
    assert res.fixed == ["schema: creates index idx_customers_phone", "labels: 1 values stored canonically",
                         "masked: 1 masked phones/emails moved into notes",
                         "orphans: 1 records moved to the surviving customer"]
    row = conn.execute("SELECT status, phone, notes FROM customers WHERE customer_id = 'C20240101002'").fetchone()
    assert tuple(row) == ("active", None, "老客户\nmasked phone 139****5678 removed by crm doctor --fix")
    assert conn.execute("SELECT customer_id FROM followups").fetchone()[0] == a
    assert conn.execute("SELECT count(*) FROM status_history").fetchone()[0] == 0  # a spelling fix is no funnel move
    # what needs a person is still reported
    # (the masked phone was the customer's only contact: it needs a person now)
    assert checks(res.remaining) == [("orphans", "orders", 1, False), ("unreachable", "customers", 1, False)]
    # the row changes are one logged operation; undo cannot bring back what the schema refuses
    assert res.op_id is not None
    logged = conn.execute("SELECT table_name, row_id, action FROM changes WHERE op_id = ? ORDER BY change_id",
                          (res.op_id,)).fetchall()
    assert [tuple(r) for r in logged] == [("customers", "C20240101002", "update"), ("customers", "C20240101002", "update"),
                                          ("followups", "F20240101001", "update")]
    before = list(conn.iterdump())
    with pytest.raises(undo.UndoRefusedError, match="refuses to put followups F20240101001 back"):
        undo.undo(conn, res.op_id)
    assert list(conn.iterdump()) == before


def test_cli_doctor_exit_codes_and_json(cli, db_path: Path) -> None:  # type: ignore[no-untyped-def]
    r = cli("doctor")
    assert r.exit_code == 0 and "no problems" in r.stderr
    conn = sqlite3.connect(db_path)
    conn.execute("DROP INDEX idx_customers_phone")
    conn.commit()
    conn.close()
    r = cli("doctor", "--format", "json")
    assert r.exit_code == 3
    data = json.loads(r.stdout)
    assert data["ok"] is False and data["fixable"] == 1
    assert data["findings"][0]["fix"] == "creates index idx_customers_phone"
    r = cli("doctor", "--format", "table")
    assert "--fix creates index idx_customers_phone" in r.stdout and r.exit_code == 3
    r = cli("doctor", "--fix")
    assert r.exit_code == 0 and "fixed: schema: creates index idx_customers_phone" in r.stderr
    assert cli("doctor").exit_code == 0


def test_cli_doctor_speaks_zh_around_its_findings(cli, db_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert "未发现问题" in cli("--lang", "zh", "doctor").stderr
    conn = sqlite3.connect(db_path)
    conn.execute("DROP INDEX idx_customers_phone")
    conn.commit()
    conn.close()
    r = cli("--lang", "zh", "doctor", "--format", "table")
    assert r.exit_code == 3 and "1 个问题；1 个可用 --fix 修复" in r.stderr
    r = cli("--lang", "zh-Hant", "doctor", "--fix")
    assert r.exit_code == 0 and "已修復：" in r.stderr and "已記為操作" in r.stderr


def test_cli_doctor_refuses_a_non_database(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    junk = tmp_path / "junk.db"
    junk.write_text("hello")
    r = cli("doctor", db=junk)
    assert r.exit_code == 1 and "not a SQLite database" in r.stderr


def test_values_not_in_stored_form_are_found_and_normalised(conn: sqlite3.Connection) -> None:
    raw(conn,
        "INSERT INTO customers (customer_id, name, phone, email, first_contact_date) "
        "VALUES ('C20240101001', '甲', '+86 138-1234-5678', 'zhang@EXAMPLE.com', '2024/5/20')",
        "INSERT INTO customers (customer_id, name, phone, first_contact_date) VALUES ('C20240101002', '乙', '12345', 'someday')",
        "INSERT INTO orders (order_id, customer_id, date, amount) VALUES ('DD20240101001', 'C20240101001', '2024年5月1日', 5)")
    found = [(f.table, f.message, f.fix is not None, f.examples) for f in doctor.diagnose(conn) if f.check == "formats"]
    assert found == [
        ("customers", "1 customers.phone values are not in stored form (phone)", True,
         ["C20240101001: +86 138-1234-5678 -> 13812345678"]),
        ("customers", "1 customers.phone values are not a readable phone", False, ["C20240101002: 12345"]),
        ("customers", "1 customers.email values are not in stored form (email)", True,
         ["C20240101001: zhang@EXAMPLE.com -> zhang@example.com"]),
        ("customers", "1 customers.first_contact_date values are not in stored form (date)", True,
         ["C20240101001: 2024/5/20 -> 2024-05-20"]),
        ("customers", "1 customers.first_contact_date values are not a readable date", False, ["C20240101002: someday"]),
        ("orders", "1 orders.date values are not in stored form (date)", True, ["DD20240101001: 2024年5月1日 -> 2024-05-01"]),
    ]
    res = doctor.fix(conn)
    assert "formats: 4 values stored normalised" in res.fixed
    row = conn.execute("SELECT phone, email, first_contact_date FROM customers WHERE customer_id = 'C20240101001'").fetchone()
    assert tuple(row) == ("13812345678", "zhang@example.com", "2024-05-20")
    assert conn.execute("SELECT date FROM orders").fetchone()[0] == "2024-05-01"
    assert sorted(f.message for f in res.remaining if f.check == "formats") == [
        "1 customers.first_contact_date values are not a readable date", "1 customers.phone values are not a readable phone"]


def _stale_index(db_path: Path) -> None:
    """idx_customers_phone misses a row: hidden from the schema while a customer is added."""
    c = sqlite3.connect(db_path)
    row = c.execute("SELECT type, name, tbl_name, rootpage, sql FROM sqlite_master "
                    "WHERE name = 'idx_customers_phone'").fetchone()
    c.execute("PRAGMA writable_schema = ON")
    c.execute("DELETE FROM sqlite_master WHERE name = 'idx_customers_phone'")
    c.commit()
    c.close()
    c = sqlite3.connect(db_path)
    c.execute("INSERT INTO customers (customer_id, name, phone) VALUES ('C20240101002', '乙', '13812345679')")
    c.commit()
    c.execute("PRAGMA writable_schema = ON")
    c.execute("INSERT INTO sqlite_master (type, name, tbl_name, rootpage, sql) VALUES (?, ?, ?, ?, ?)", row)
    c.commit()
    c.close()


@pytest.mark.parametrize("quick", [False, True])
def test_an_index_missing_a_row_is_damage_in_both_modes(db_path: Path, quick: bool) -> None:
    from crmcli import db

    c = db.connect(db_path)
    add(c, "甲公司", "13812345678")
    c.close()
    _stale_index(db_path)
    c = sqlite3.connect(db_path)
    found = doctor.check_integrity(c, quick=quick)
    c.close()
    assert [f.check for f in found] == ["integrity"]
    assert "wrong # of entries in index idx_customers_phone" in found[0].examples


def test_quick_ids_prefilter_still_finds_impossible_late_dates(conn: sqlite3.Connection) -> None:
    """29 February, the 31st of a short month, the 30th of February and year 0000: the SQL shape test
    leaves them to Python, which knows calendars; the 31st of January is fine."""
    raw(conn,
        "INSERT INTO customers (customer_id, name, phone) VALUES ('C20230229001', '甲', '13812345678')",
        "INSERT INTO customers (customer_id, name, phone) VALUES ('C20240229001', '乙', '13812345679')",
        "INSERT INTO customers (customer_id, name, phone) VALUES ('C20240431001', '丙', '13812345670')",
        "INSERT INTO customers (customer_id, name, phone) VALUES ('C00000101001', '丁', '13812345671')",
        "INSERT INTO customers (customer_id, name, phone) VALUES ('C20240230001', '己', '13812345673')",
        "INSERT INTO customers (customer_id, name, phone) VALUES ('c20240101001', '戊', '13812345672')",
        "INSERT INTO orders (order_id, customer_id, amount, date) VALUES ('DD20240131001', 'C20240229001', 1, '2024-01-31')")
    found = {f.check: f for f in doctor.diagnose(conn, quick=True)}
    assert found["ids"].examples == ["'C00000101001': impossible date 00000101 in the id",
                                     "'C20230229001': impossible date 20230229 in the id",
                                     "'C20240230001': impossible date 20240230 in the id",
                                     "'C20240431001': impossible date 20240431 in the id",
                                     "'c20240101001': lower-case prefix"]
    assert "duplicate_ids" not in found
