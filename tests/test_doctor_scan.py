"""crm doctor's shortcuts find what the one-check-at-a-time doctor found: one read per table for
every row check (crmcli.doctor_scan), CHECK / NOT NULL counted there instead of by quick_check,
probes a CHECK implies left to it, foreign keys by distinct value, checks spread over two connections."""

from __future__ import annotations

import sqlite3
from collections import Counter
from pathlib import Path

from crmcli import db, doctor, doctor_scan
from tests.doctor_data import add_problems
from tests.test_doctor import _stale_index

MORE = (  # on top of doctor_data's one of each kind: rules crm has no finding of its own for
    "INSERT INTO orders (order_id, customer_id, date, amount) VALUES ('DD20240101002', 'C20240101001', '2024-01-02', -5)",
    "INSERT INTO tickets (ticket_id, customer_id, date, urgency, satisfaction) "
    "VALUES ('SR20240101001', 'C20240101001', '2024-01-01', 'huge', 9)",
    "INSERT INTO tags (customer_id, tag, tag_group) VALUES ('C_GONE2', 'x', 'nope')",
    "INSERT INTO contacts (customer_id, name, phone) VALUES ('C20240101001', '李', '139****0000')",
    "INSERT INTO customers (customer_id, name, phone) VALUES ('C20240101008', '  ', '13812345679')",
    "INSERT INTO customers (customer_id, name) VALUES ('C20240101010', '壬')",
)

# What doctor found on this database before the shortcuts (one query per check and field,
# CHECKs and NOT NULL counted by SQLite's integrity_check), as (check, table, count).
BEFORE = Counter({
    ("constraints", "customers", 6): 1, ("constraints", "contacts", 1): 1, ("constraints", "orders", 1): 1,
    ("constraints", "tickets", 1): 1, ("constraints", "tags", 1): 1,
    ("schema", "idx_customers_phone", 1): 1, ("schema", "customers_touch", 1): 1, ("schema", "my_notes", 1): 1,
    ("schema", None, 1): 1,
    ("orphans", "orders", 1): 1, ("orphans", "followups", 1): 1, ("orphans", "tags", 1): 1,
    ("orphans", "merged_ids", 1): 1,
    ("labels", "customers", 1): 2, ("labels", "tickets", 1): 1, ("labels", "tags", 1): 1,
    ("formats", "customers", 1): 5, ("masked", "customers", 1): 1, ("masked", "contacts", 1): 1,
    ("invalid", "customers", 1): 1, ("ids", "customers", 4): 1, ("duplicate_ids", "customers", 1): 2,
    ("unreachable", "customers", 1): 1,
})


def _null_name(path: Path, customer_id: str) -> None:
    """A customer whose name is NULL though the column is NOT NULL (written with the rule hidden)."""
    c = sqlite3.connect(path)
    sql = c.execute("SELECT sql FROM sqlite_master WHERE name = 'customers'").fetchone()[0]
    c.execute("PRAGMA writable_schema = ON")
    c.execute("UPDATE sqlite_master SET sql = ? WHERE name = 'customers'",
              (sql.replace("name               TEXT NOT NULL", "name TEXT"),))
    c.commit()
    c.close()
    c = sqlite3.connect(path)
    c.execute("INSERT INTO customers (customer_id, name, phone) VALUES (?, NULL, '13800000000')", (customer_id,))
    c.commit()
    c.execute("PRAGMA writable_schema = ON")
    c.execute("UPDATE sqlite_master SET sql = ? WHERE name = 'customers'", (sql,))
    c.commit()
    c.close()


def _bad(db_path: Path) -> None:
    c = db.connect(db_path)
    add_problems(c)
    c.execute("PRAGMA ignore_check_constraints = ON")
    c.execute("PRAGMA foreign_keys = OFF")
    for s in MORE:
        c.execute(s)
    c.commit()
    c.close()
    _null_name(db_path, "C20240101009")


def _found(findings: list[doctor.Finding]) -> Counter[tuple[str, str | None, int]]:
    return Counter((f.check, f.table, f.count) for f in findings)


def test_every_kind_is_still_found_when_the_checks_share_one_read(db_path: Path) -> None:
    _bad(db_path)
    conn = db.connect(db_path)
    for quick in (False, True):
        for pages_checked in (False, True):
            found = doctor.diagnose(conn, quick=quick, pages_checked=pages_checked)
            assert _found(found) == BEFORE
            assert [f.check for f in found[:5]] == ["constraints"] * 5  # rules first, as before
    # the NOT NULL row counts: SQLite reads `name IS NULL` as false for a NOT NULL column
    nulls = doctor_scan.scan(conn)[("constraints", "customers", None)]
    assert ("C20240101009", None) in nulls
    conn.close()


def test_two_connections_and_one_find_the_same(db_path: Path) -> None:
    _bad(db_path)
    conn = db.connect(db_path)
    together = doctor.diagnose(conn, quick=True)
    conn.execute("BEGIN")  # uncommitted changes: another connection would not see them, so one does it all
    in_turn = doctor.diagnose(conn, quick=True)
    conn.execute("ROLLBACK")
    assert [(f.check, f.table, f.count, f.message, f.examples) for f in together] == \
        [(f.check, f.table, f.count, f.message, f.examples) for f in in_turn]
    conn.close()


def test_probes_run_on_every_row_when_the_file_has_no_checks(db_path: Path) -> None:
    """A file from an older crm or another tool without the CHECKs: the label, date and masked
    probes cannot lean on them and still find their rows."""
    c = sqlite3.connect(db_path)
    sql = c.execute("SELECT sql FROM sqlite_master WHERE name = 'customers'").fetchone()[0]
    bare = sql
    for rule in doctor_scan.check_constraints(sql):
        bare = bare.replace(f"CHECK ({rule})", "")
    assert doctor_scan.check_constraints(bare) == []
    c.execute("PRAGMA writable_schema = ON")
    c.execute("UPDATE sqlite_master SET sql = ? WHERE name = 'customers'", (bare,))
    c.commit()
    c.close()
    conn = db.connect(db_path)
    conn.execute("INSERT INTO customers (customer_id, name, phone, status, first_contact_date) "
                 "VALUES ('C20240101001', '甲', '139****5678', '意向', '2024/5/20')")
    probes = {(p.check, p.field): p.implied for p in doctor_scan._probes(
        doctor_scan.fields.TABLES["customers"], set(db.columns(conn, "customers")), [], ids=None, invalid_table=True)}
    assert not any(probes.values())
    found = {(f.check, f.message) for f in doctor.diagnose(conn, quick=True)}
    assert ("labels", "1 customers.status values are labels, not the stored value") in found
    assert ("formats", "1 customers.first_contact_date values are not in stored form (date)") in found
    assert ("masked", "1 customers.phone values are stored masked: the real value is lost") in found
    assert not any(check == "constraints" for check, _ in found)
    conn.close()


def test_implied_probes_lean_only_on_checks_that_cover_them() -> None:
    from crmcli import fields

    t = fields.TABLES["customers"]
    status = "status IN ('potential', 'intent', 'active', 'at_risk', 'lost')"
    wider = "status IN ('potential', 'intent', 'active', 'at_risk', 'lost', '意向')"  # lets a label through
    for checks, implied in (([status], True), ([wider], False), (["status IN (1, 2)"], False), ([], False)):
        probe = next(p for p in doctor_scan._probes(t, {"status"}, checks, ids=None, invalid_table=False)
                     if p.check == "labels")
        assert probe.implied is implied, checks


def test_foreign_keys_by_distinct_value_match_the_pragma(db_path: Path) -> None:
    _bad(db_path)
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.executescript("""
        CREATE TABLE pairs (a TEXT, b TEXT, PRIMARY KEY (a, b));  -- two-column key: the pragma's way
        CREATE TABLE kids (id INTEGER PRIMARY KEY, a TEXT, b TEXT, FOREIGN KEY (a, b) REFERENCES pairs (a, b));
        CREATE TABLE notes (id INTEGER PRIMARY KEY, who TEXT REFERENCES customers);  -- the parent's key, unnamed
        INSERT INTO pairs VALUES ('x', 'y');
        INSERT INTO kids (a, b) VALUES ('x', 'y'), ('x', 'z'), (NULL, 'z');
        INSERT INTO notes (who) VALUES ('C20240101001'), ('C_NOBODY');
        INSERT INTO orders (order_id, customer_id, date, amount) VALUES ('DD20240101003', 'C_GONE', '2024-01-03', 1);
    """)
    want = [tuple(r) for r in conn.execute("PRAGMA foreign_key_check").fetchall()]
    got = doctor_scan.foreign_key_violations(conn)
    assert sorted(got, key=str) == sorted(want, key=str)
    assert Counter(r[0] for r in got) == {"orders": 2, "followups": 1, "tags": 1, "kids": 1, "notes": 1}
    for table, fast in (("orders", True), ("tags", False), ("kids", False), ("notes", False)):
        sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
        keys = conn.execute(f"PRAGMA foreign_key_list({table})").fetchall()
        assert doctor_scan._distinct_will_do(conn, sql, keys) is fast, table
    conn.close()


def test_check_constraints_skip_strings_and_comments() -> None:
    sql = """CREATE TABLE t (
        a TEXT CHECK (a IN ('x)', 'CHECK (y)')),  -- a comment (with CHECK (z) in it
        b INTEGER /* CHECK (b > 0) */ CHECK(b BETWEEN 1 AND (2 + 3)),
        "check me" TEXT,
        CHECK (length(a) > (0))
    )"""
    assert doctor_scan.check_constraints(sql) == ["a IN ('x)', 'CHECK (y)')", "b BETWEEN 1 AND (2 + 3)",
                                                  "length(a) > (0)"]


def test_an_index_missing_a_row_is_found_when_pages_were_checked_read_only(db_path: Path) -> None:
    c = db.connect(db_path)
    c.execute("INSERT INTO customers (customer_id, name, phone) VALUES ('C20240101001', '甲', '13812345678')")
    c.close()
    _stale_index(db_path)
    assert doctor.read_only_look(str(db_path)) == ([], True)  # quick_check does not count index entries
    conn = db.connect(db_path)
    found = doctor.diagnose(conn, quick=True, pages_checked=True)
    assert [f.check for f in found] == ["integrity"]
    assert "wrong # of entries in index idx_customers_phone" in found[0].examples
    conn.close()


def test_the_sql_id_test_passes_only_ids_python_would_pass() -> None:
    """doctor_ids.well_formed lets an id skip Python only when _id_problem finds nothing wrong with it,
    and lets the common ones skip it."""
    from crmcli.doctor_ids import _id_problem, well_formed

    mem = sqlite3.connect(":memory:")
    odd = ["C20240229001", "C20230229001", "C20240230001", "C20240431001", "C20240001001", "C20241301001",
           "C20240100001", "C20240132001", "C09990101001", "C30000101001", "c20240101001", "C2024010100A",
           "C202401010011x", " C20240101001", "C20240101001 ", "C2024010100", "C２0240101001", "DD20240101001",
           "C20240101\x00001", "C-20240101001", ""]
    fine = ["C20240101001", "C20241231999", "C20240131001", "C202406300012345", "C10000101001", "C29991231001"]
    for table, ids in (("customers", odd + fine), ("tickets", ["SR20240101001", "S20240101001", "SR20240229001",
                                                               "SS20240101001", "S20240230001"]),
                       ("needs", ["D20240101001", "DD20240101001"]), ("orders", ["DD20241231001", "D20241231001"])):
        sql = well_formed(table, "k")
        for rid in ids:
            passed = mem.execute(f"SELECT coalesce({sql}, 0) FROM (SELECT ? AS k)", (rid,)).fetchone()[0]
            assert not passed or _id_problem(table, rid) is None, (table, rid)
            if rid in fine or rid in ("SR20240101001", "S20240101001", "D20240101001", "DD20241231001"):
                assert passed, (table, rid)
