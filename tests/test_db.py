"""Creating and opening databases: only `init` creates; everything else refuses clearly."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pytest

from crmcli import db
from crmcli.errors import CrmError, NotFound


def test_create_makes_owner_only_file_with_current_version(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    conn = db.create(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert conn.execute("PRAGMA user_version").fetchone()[0] == db.SCHEMA_VERSION
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_connect_refuses_missing_path_and_creates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "typo.db"
    with pytest.raises(NotFound, match="crm init"):
        db.connect(path)
    assert not path.exists()


def test_connect_refuses_a_directory_and_a_non_sqlite_file(tmp_path: Path) -> None:
    with pytest.raises(CrmError, match="directory"):
        db.connect(tmp_path)
    junk = tmp_path / "notes.txt"
    junk.write_text("客户名单\n")
    with pytest.raises(CrmError, match="not a SQLite database"):
        db.connect(junk)
    assert junk.read_text() == "客户名单\n"


def test_connect_refuses_a_newer_schema(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    db.create(path).close()
    raw = sqlite3.connect(path)
    raw.execute(f"PRAGMA user_version = {db.SCHEMA_VERSION + 1}")
    raw.close()
    with pytest.raises(CrmError, match="newer crmcli"):
        db.connect(path)


def test_connect_upgrades_an_older_database_in_place(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    raw = sqlite3.connect(path)  # a version-0 file: only a customers table
    raw.execute("CREATE TABLE customers (customer_id TEXT PRIMARY KEY NOT NULL, name TEXT NOT NULL)")
    raw.commit()
    raw.close()
    conn = db.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == db.SCHEMA_VERSION
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"orders", "followups", "operations"} <= names


def test_create_refuses_an_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    db.create(path).close()
    with pytest.raises(CrmError, match="already exists"):
        db.create(path)


def test_transaction_rolls_back_on_error(conn: sqlite3.Connection) -> None:
    with pytest.raises(RuntimeError), db.transaction(conn):
        conn.execute("INSERT INTO customers (customer_id, name) VALUES ('C1', 'x')")
        raise RuntimeError
    assert conn.execute("SELECT count(*) FROM customers").fetchone()[0] == 0


def test_timestamps_are_kept_by_the_database(conn: sqlite3.Connection) -> None:
    conn.execute("INSERT INTO customers (customer_id, name, updated_at) VALUES ('C1', 'x', '2000-01-01 00:00:00')")
    conn.execute("UPDATE customers SET name = 'y' WHERE customer_id = 'C1'")
    assert conn.execute("SELECT updated_at FROM customers").fetchone()[0] > "2000-01-01 00:00:00"
    # an exact restore sets updated_at itself, and keeps it
    conn.execute("UPDATE customers SET name = 'x', updated_at = '2001-01-01 00:00:00' WHERE customer_id = 'C1'")
    assert conn.execute("SELECT updated_at FROM customers").fetchone()[0] == "2001-01-01 00:00:00"


def test_status_changes_are_recorded(conn: sqlite3.Connection) -> None:
    conn.execute("INSERT INTO customers (customer_id, name) VALUES ('C1', 'x')")
    conn.execute("UPDATE customers SET status = 'intent' WHERE customer_id = 'C1'")
    rows = conn.execute("SELECT old_status, new_status FROM status_history").fetchall()
    assert [tuple(r) for r in rows] == [("potential", "intent")]


def test_masked_phone_cannot_be_stored(conn: sqlite3.Connection) -> None:
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("INSERT INTO customers (customer_id, name, phone) VALUES ('C1', 'x', '138****5678')")


def test_a_version_1_database_gets_the_segment_and_report_additions(tmp_path: Path) -> None:
    path = tmp_path / "v1.db"
    db.create(path).close()
    raw = sqlite3.connect(path)  # undo what version 2 added, as a file made by version 1 looked
    raw.execute("DROP TABLE customer_metrics")
    raw.execute("DROP INDEX idx_orders_counted")
    raw.execute("CREATE INDEX idx_tickets_customer_date ON tickets(customer_id, date, satisfaction)")
    raw.execute("INSERT INTO customers (customer_id, name) VALUES ('C1', '老数据公司')")
    raw.execute("PRAGMA user_version = 1")
    raw.commit()
    raw.close()
    conn = db.connect(path)
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    assert {"customer_metrics", "idx_orders_counted"} <= names and "idx_tickets_customer_date" not in names
    assert conn.execute("PRAGMA user_version").fetchone()[0] == db.SCHEMA_VERSION
    assert "dedupe_decisions" in names  # version 3
    assert conn.execute("SELECT name FROM customers").fetchone()[0] == "老数据公司"
