"""File safety beyond the basics in test_db.py: empty and foreign files, a real
older database with data upgraded in place, the pragmas that keep writers apart."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pytest

from crmcli import db, records
from crmcli.errors import CrmError


def test_an_empty_file_is_refused_and_init_may_use_it(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    p = tmp_path / "touched.db"
    p.touch(mode=0o644)
    with pytest.raises(CrmError, match=r"empty file.*crm --db .* init"):
        db.connect(p)
    assert p.read_bytes() == b""  # nothing written into it
    r = cli("init", db=p)
    assert r.exit_code == 0, r.stderr
    assert stat.S_IMODE(os.stat(p).st_mode) == 0o600
    assert db.connect(p).execute("PRAGMA user_version").fetchone()[0] == db.SCHEMA_VERSION


def test_another_programs_database_is_never_written_into(tmp_path: Path) -> None:
    p = tmp_path / "places.sqlite"
    other = sqlite3.connect(p)
    other.execute("CREATE TABLE moz_places (url TEXT)")
    other.execute("INSERT INTO moz_places VALUES ('https://example.com')")
    other.commit()
    other.close()
    before = p.read_bytes()
    with pytest.raises(CrmError, match="not a crm one"):
        db.connect(p)
    assert p.read_bytes() == before


def test_a_real_version_0_database_with_data_is_upgraded_keeping_every_row(tmp_path: Path) -> None:
    p = tmp_path / "v0.db"
    old = sqlite3.connect(p)  # what an early crmcli wrote: fewer columns, no log tables, no version
    old.executescript("""
        CREATE TABLE customers (customer_id TEXT PRIMARY KEY NOT NULL, name TEXT NOT NULL, phone TEXT,
                                status TEXT NOT NULL DEFAULT 'potential');
        CREATE TABLE orders (order_id TEXT PRIMARY KEY NOT NULL, customer_id TEXT NOT NULL, date TEXT NOT NULL,
                             amount REAL NOT NULL DEFAULT 0);
        INSERT INTO customers VALUES ('C20230101001', '北京华信科技有限公司', '13812345678', 'active');
        INSERT INTO orders VALUES ('DD20230105001', 'C20230101001', '2023-01-05', 120000);
    """)
    old.close()
    conn = db.connect(p)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == db.SCHEMA_VERSION
    row = conn.execute("SELECT customer_id, name, phone, status, level FROM customers").fetchone()
    assert tuple(row) == ("C20230101001", "北京华信科技有限公司", "13812345678", "active", None)
    assert conn.execute("SELECT amount FROM orders").fetchone()[0] == 120000
    # the upgraded file works like a new one: logged writes, ids, triggers
    records.update(conn, "C20230101001", {"level": "VIP"})
    assert conn.execute("SELECT count(*) FROM changes").fetchone()[0] == 1
    assert {"operations", "changes", "tags", "merges"} <= {r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table'")}


def test_pragmas_for_concurrent_use(conn: sqlite3.Connection) -> None:
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 30_000
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_transactions_take_the_write_lock_up_front(db_path: Path) -> None:
    a, b = db.connect(db_path), sqlite3.connect(db_path, timeout=0, isolation_level=None)
    with db.transaction(a):
        # BEGIN IMMEDIATE: a second writer is told at once (here, with no timeout) instead
        # of both reading and one failing later with "database is locked" mid-way.
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            b.execute("BEGIN IMMEDIATE")
        # readers are never blocked (WAL)
        assert b.execute("SELECT count(*) FROM customers").fetchone()[0] == 0


def test_cli_refuses_missing_directory_and_foreign_paths(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    r = cli("log", db=tmp_path / "typo.db")
    assert r.exit_code == 1 and "crm init" in r.stderr and not (tmp_path / "typo.db").exists()
    r = cli("log", db=tmp_path)
    assert r.exit_code == 1 and "is a directory" in r.stderr
