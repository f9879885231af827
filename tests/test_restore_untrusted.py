"""Restore treats its source as untrusted (issue 14, finding 3).

Crafted sources: a trigger that deletes every order on restore's own log insert, a
trigger that copies phones and e-mails into notes, masked phones written with
CHECKs switched off (a read-only integrity_check passes them), a customers table
redefined without its CHECKs, a view, a foreign table, a trigger refusing the log
insert, rows pointing nowhere. And SIGKILLs while restore swaps the file in.
"""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from crmcli import backup, db, records, restore
from crmcli.errors import CrmError
from tests.dbdump import dump

SRC = str(Path(__file__).resolve().parents[1] / "src")


def good_backup(conn: sqlite3.Connection, db_path: Path, tmp_path: Path, name: str = "src.db") -> Path:
    cid = records.add(conn, "customers", {"name": "甲公司", "phone": "13812345678", "email": "jia@example.com"})
    records.add(conn, "orders", {"customer_id": cid, "date": "2024-05-01", "amount": 1000})
    records.add(conn, "orders", {"customer_id": cid, "date": "2024-06-01", "amount": 2000})
    return backup.backup(conn, db_path, tmp_path / name).path


def craft(path: Path, *statements: str, checks_off: bool = False) -> None:
    c = sqlite3.connect(path, isolation_level=None)
    if checks_off:
        c.execute("PRAGMA ignore_check_constraints = ON")
    for s in statements:
        c.execute(s)
    c.close()


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def live(conn: sqlite3.Connection, db_path: Path, tmp_path: Path) -> tuple[Path, Path]:
    """(a crafted-source starting point, the live database with different data)."""
    source = good_backup(conn, db_path, tmp_path)
    records.add(conn, "customers", {"name": "乙公司", "phone": "13912345678"})
    conn.close()
    return source, db_path


def refused(db_path: Path, source: Path, match: str) -> None:
    before, digest = dump(db_path), sha(source)
    with pytest.raises(CrmError, match=match):
        restore.restore(db_path, source)
    assert dump(db_path) == before
    assert sha(source) == digest
    assert not list(db_path.parent.glob(".*.partial")) and not Path(f"{source}-shm").exists()


def test_a_trigger_deleting_orders_on_the_log_insert_is_refused_and_stripped_with_force(live: tuple[Path, Path]) -> None:
    source, db_path = live
    craft(source, "CREATE TRIGGER wipe AFTER INSERT ON operations BEGIN DELETE FROM orders; END")
    refused(db_path, source, r"trigger wipe.*--force")
    res = restore.restore(db_path, source, force=True)
    assert res.stripped == ["trigger wipe"]
    after = db.connect(db_path)
    assert after.execute("SELECT count(*) FROM orders").fetchone()[0] == 2
    assert not after.execute("SELECT 1 FROM sqlite_master WHERE name = 'wipe'").fetchone()
    records.add(after, "customers", {"name": "丙公司", "phone": "13712345678"})  # later writes: orders stay
    assert after.execute("SELECT count(*) FROM orders").fetchone()[0] == 2
    assert after.execute("SELECT kind FROM operations WHERE op_id = ?", (res.op_id,)).fetchone()[0] == "restore"


def test_a_trigger_leaking_contacts_into_notes_is_refused(live: tuple[Path, Path]) -> None:
    source, db_path = live
    craft(source, "CREATE TRIGGER leak AFTER INSERT ON customers BEGIN "
                  "UPDATE customers SET notes = NEW.phone || ' ' || NEW.email WHERE customer_id = NEW.customer_id; END")
    refused(db_path, source, "trigger leak")
    restore.restore(db_path, source, force=True)
    after = db.connect(db_path)
    cid = records.add(after, "customers", {"name": "丁公司", "phone": "13612345678", "email": "d@example.com"})
    assert after.execute("SELECT notes FROM customers WHERE customer_id = ?", (cid,)).fetchone()[0] is None


def test_a_crm_trigger_redefined_is_refused(live: tuple[Path, Path]) -> None:
    source, db_path = live
    craft(source, "DROP TRIGGER customers_touch",
          "CREATE TRIGGER customers_touch AFTER UPDATE ON customers BEGIN DELETE FROM orders; END")
    refused(db_path, source, "customers_touch .not as schema.sql defines it")


def test_views_and_foreign_tables_are_refused(live: tuple[Path, Path]) -> None:
    source, db_path = live
    craft(source, "CREATE VIEW everyone AS SELECT phone FROM customers", "CREATE TABLE loot (x)")
    refused(db_path, source, "table loot, view everyone")
    res = restore.restore(db_path, source, force=True)
    assert sorted(res.stripped) == ["table loot", "view everyone"]
    names = {r[0] for r in sqlite3.connect(db_path).execute("SELECT name FROM sqlite_master")}
    assert "loot" not in names and "everyone" not in names


def test_masked_phones_written_with_checks_off_are_refused(live: tuple[Path, Path]) -> None:
    source, db_path = live
    craft(source, "INSERT INTO customers (customer_id, name, phone) VALUES ('C20240101901', '假公司', '138****5678')",
          checks_off=True)
    # What the old check saw: a read-only integrity_check skips CHECK constraints.
    ro = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    assert ro.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    ro.close()
    refused(db_path, source, r"1 customers rows break crm's schema .*C20240101901")
    refused_force = dump(db_path)
    with pytest.raises(CrmError, match="break crm's schema"):  # --force never lets bad rows in
        restore.restore(db_path, source, force=True)
    assert dump(db_path) == refused_force


def test_a_table_redefined_without_its_checks_is_judged_by_crms_schema(live: tuple[Path, Path]) -> None:
    source, db_path = live
    craft(source, "PRAGMA foreign_keys = OFF", "ALTER TABLE customers RENAME TO old_customers",
          "CREATE TABLE customers AS SELECT * FROM old_customers", "DROP TABLE old_customers",
          "INSERT INTO customers (customer_id, name, phone, status) VALUES ('C20240101902', 'x', '13812345670', 'bogus')")
    refused(db_path, source, r"customers rows break crm's schema .*C20240101902")


def test_rows_pointing_nowhere_need_force(live: tuple[Path, Path]) -> None:
    source, db_path = live
    craft(source, "PRAGMA foreign_keys = OFF",
          "INSERT INTO orders (order_id, customer_id, date, amount) VALUES ('DD20240101901', 'C20990101001', '2024-01-01', 5)")
    refused(db_path, source, "1 orders rows point to a record that does not exist.*--force")
    restore.restore(db_path, source, force=True)
    assert sqlite3.connect(db_path).execute("SELECT count(*) FROM orders").fetchone()[0] == 3


def test_a_trigger_refusing_the_log_insert_cannot_block_later_writes(live: tuple[Path, Path]) -> None:
    source, db_path = live
    craft(source, "CREATE TRIGGER jam BEFORE INSERT ON operations BEGIN SELECT RAISE(ABORT, 'no'); END")
    refused(db_path, source, "trigger jam")
    restore.restore(db_path, source, force=True)
    after = db.connect(db_path)
    records.add(after, "customers", {"name": "戊公司", "phone": "13512345678"})
    assert after.execute("SELECT count(*) FROM operations WHERE kind = 'restore'").fetchone()[0] == 1


def test_cli_refusal_is_one_line_and_force_is_offered(cli, live: tuple[Path, Path]) -> None:  # type: ignore[no-untyped-def]
    source, db_path = live
    craft(source, "CREATE TRIGGER wipe AFTER INSERT ON operations BEGIN DELETE FROM orders; END")
    before = dump(db_path)
    r = cli("restore", str(source), "--yes")
    assert r.exit_code == 1 and len(r.stderr.strip().splitlines()) == 1 and "--force" in r.stderr
    assert dump(db_path) == before
    r = cli("restore", str(source), "--yes", "--force")
    assert r.exit_code == 0, r.stderr
    assert "left behind (--force): trigger wipe" in r.stderr


def test_restore_reads_a_fifo_once(cli, live: tuple[Path, Path], tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    source, db_path = live
    fifo = tmp_path / "pipe.db"
    os.mkfifo(fifo)
    writer = subprocess.Popen(["sh", "-c", f"cat '{source}' > '{fifo}'"])
    try:
        r = cli("restore", str(fifo), "--yes")
    finally:
        writer.wait(10)
    assert r.exit_code == 0, r.stderr
    assert sqlite3.connect(db_path).execute("SELECT count(*) FROM orders").fetchone()[0] == 2


# ------------------------------------------------------------------------ kills during the swap

def _state(db_path: Path, old: list[str]) -> str:
    """old: exactly as before; restored: the source's rows plus its restore entry."""
    if dump(db_path) == old:
        return "old"
    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        names = sorted(r[0] for r in conn.execute("SELECT name FROM customers"))
        logged = conn.execute("SELECT count(*) FROM operations WHERE kind = 'restore'").fetchone()[0]
    finally:
        conn.close()
    assert names == ["甲公司"] and logged == 1, (names, logged)
    return "restored"


def _old_database(db_path: Path) -> list[str]:
    for p in [*db_path.parent.glob("crm.db*"), *db_path.parent.glob(".crm.db.*")]:
        p.unlink()
    conn = db.create(db_path)
    with db.transaction(conn):
        conn.executemany("INSERT INTO customers (customer_id, name) VALUES (?, ?)",
                         [(f"C20240102{i:04d}", f"其他{i}") for i in range(3000)])
    conn.close()
    return dump(db_path)


def _kill_when(cmd: list[str], env: dict[str, str], seen: Callable[[], bool], extra: float) -> None:
    """Start CMD, SIGKILL it EXTRA seconds after SEEN() first holds (or as soon as it is over)."""
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 30
    while not seen() and proc.poll() is None and time.time() < deadline:
        time.sleep(0.0005)
    time.sleep(extra)
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)


@pytest.mark.slow
def test_sigkill_at_every_step_leaves_the_old_database_or_the_restored_one_with_its_log(
        conn: sqlite3.Connection, db_path: Path, tmp_path: Path) -> None:
    source = good_backup(conn, db_path, tmp_path)
    conn.close()
    env = {**os.environ, "PYTHONPATH": SRC}
    cmd = [sys.executable, "-m", "crmcli", "--db", str(db_path), "restore", str(source), "--yes"]
    folder, backups = db_path.parent, backup.default_dir(db_path)

    def copying() -> bool:
        return any(folder.glob(".crm.db.restore-source.*"))

    def rebuilding() -> bool:
        return any(folder.glob(".crm.db.restore-rebuilt.*"))

    def safety_copy() -> bool:
        return backups.is_dir() and any(backups.glob("crm-before-restore-*"))

    # From reading the source to just past the swap (the log and the swap follow the safety copy).
    moments = [(copying, 0.0), (rebuilding, 0.0), (safety_copy, 0.0), (safety_copy, 0.005), (safety_copy, 0.01),
               (safety_copy, 0.02), (safety_copy, 0.05), (safety_copy, 0.1), (safety_copy, 0.2)]
    outcomes = []
    for seen, extra in moments:
        old = _old_database(db_path)
        if backups.is_dir():
            for p in backups.iterdir():
                p.unlink()
        _kill_when(cmd, env, seen, extra)
        outcomes.append(_state(db_path, old))
    assert "old" in outcomes and "restored" in outcomes, outcomes
