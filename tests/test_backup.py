"""Backup and restore: consistent while others write, verified, rotated, restorable only when sound."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crmcli import backup, db, records, restore
from crmcli.errors import CrmError, NotFound

SRC = str(Path(__file__).resolve().parents[1] / "src")


def add(conn: sqlite3.Connection, name: str, phone: str) -> str:
    return records.add(conn, "customers", {"name": name, "phone": phone})


def test_backup_goes_next_to_the_db_verified_and_private(conn: sqlite3.Connection, db_path: Path) -> None:
    add(conn, "甲公司", "13812345678")
    res = backup.backup(conn, db_path)
    assert res.path.parent == db_path.parent / "backups"
    assert res.path.name.startswith("crm-") and res.path.suffix == ".db"
    assert stat.S_IMODE(os.stat(res.path).st_mode) == 0o600
    assert res.counts["customers"] == 1
    copy = sqlite3.connect(res.path)
    assert copy.execute("SELECT name FROM customers").fetchone()[0] == "甲公司"
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert not list(res.path.parent.glob(".*partial"))


def test_backup_refuses_to_overwrite_and_accepts_a_directory(conn: sqlite3.Connection, db_path: Path,
                                                             tmp_path: Path) -> None:
    target = tmp_path / "mine.db"
    assert backup.backup(conn, db_path, target).path == target
    with pytest.raises(CrmError, match="never overwrites"):
        backup.backup(conn, db_path, target)
    d = tmp_path / "usb"
    d.mkdir()
    assert backup.backup(conn, db_path, d).path.parent == d
    with pytest.raises(CrmError, match="never overwrites"):
        backup.backup(conn, db_path, db_path)


def test_rotation_keeps_the_newest_n_and_spares_other_files(conn: sqlite3.Connection, db_path: Path) -> None:
    d = backup.default_dir(db_path)
    d.mkdir()
    (d / "crm-before-restore-20200101-000000.db").write_bytes(b"x")
    (d / "notes.txt").write_text("keep me")
    for stamp in ("20240101-020000", "20240201-020000", "20240301-020000"):
        (d / f"crm-{stamp}.db").write_bytes(b"old")
    res = backup.backup(conn, db_path, keep=2)
    left = sorted(p.name for p in d.iterdir())
    assert [p.name for p in res.removed] == ["crm-20240101-020000.db", "crm-20240201-020000.db"]
    assert left == sorted(["crm-20240301-020000.db", res.path.name, "crm-before-restore-20200101-000000.db", "notes.txt"])


def test_many_backups_in_one_second_keep_their_order_through_rotation(conn: sqlite3.Connection, db_path: Path) -> None:
    made = [backup.backup(conn, db_path, keep=2).path for _ in range(4)]
    left = set(backup.default_dir(db_path).iterdir())
    assert left == set(made[-2:])  # the two newest, whatever their names sort like


def test_backup_is_consistent_while_another_process_writes(db_path: Path) -> None:
    # A writer adds customers one logged operation at a time, as fast as it can.
    script = (
        "import sys; from crmcli import db, records\n"
        "c = db.connect(sys.argv[1])\n"
        "for i in range(100000):\n"
        "    records.add(c, 'customers', {'name': f'并发公司{i}', 'phone': f'138{i:08d}'})\n"
    )
    env = {**os.environ, "PYTHONPATH": SRC}
    proc = subprocess.Popen([sys.executable, "-c", script, str(db_path)], env=env)
    try:
        conn = db.connect(db_path)
        deadline = time.time() + 10
        while conn.execute("SELECT count(*) FROM customers").fetchone()[0] < 20 and time.time() < deadline:
            time.sleep(0.05)
        results = [backup.backup(conn, db_path) for _ in range(3)]
    finally:
        proc.kill()
        proc.wait()
    counts = []
    for res in results:
        copy = sqlite3.connect(res.path)
        customers = copy.execute("SELECT count(*) FROM customers").fetchone()[0]
        # one snapshot: every customer has its logged insert and no logged insert lacks its customer
        logged = copy.execute("SELECT count(*) FROM changes WHERE table_name = 'customers'").fetchone()[0]
        ops = copy.execute("SELECT count(*) FROM operations").fetchone()[0]
        assert customers == logged == ops
        counts.append(customers)
    assert counts[0] >= 20 and counts == sorted(counts)


def test_restore_keeps_a_safety_copy_and_logs_itself(conn: sqlite3.Connection, db_path: Path) -> None:
    add(conn, "甲公司", "13812345678")
    saved = backup.backup(conn, db_path).path
    add(conn, "乙公司", "13912345678")
    conn.close()
    res = restore.restore(db_path, saved)
    assert res.safety_copy is not None and "before-restore" in res.safety_copy.name
    after = db.connect(db_path)
    assert [r[0] for r in after.execute("SELECT name FROM customers")] == ["甲公司"]
    assert after.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    op = after.execute("SELECT kind, details FROM operations ORDER BY op_id DESC LIMIT 1").fetchone()
    assert op["kind"] == "restore" and str(res.safety_copy) in op["details"]
    safety = sqlite3.connect(res.safety_copy)
    assert sorted(r[0] for r in safety.execute("SELECT name FROM customers")) == ["乙公司", "甲公司"]


def test_restore_refuses_damaged_foreign_and_newer_files(conn: sqlite3.Connection, db_path: Path, tmp_path: Path) -> None:
    add(conn, "甲公司", "13812345678")
    before = list(conn.iterdump())
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    with pytest.raises(CrmError, match="not a SQLite database"):
        restore.restore(db_path, junk)
    other = tmp_path / "other.db"
    o = sqlite3.connect(other)
    o.execute("CREATE TABLE things (x)")
    o.commit()
    o.close()
    with pytest.raises(CrmError, match="not a crm database"):
        restore.restore(db_path, other)
    newer = backup.backup(conn, db_path, tmp_path / "newer.db").path
    n = sqlite3.connect(newer)
    n.execute(f"PRAGMA user_version = {db.SCHEMA_VERSION + 1}")
    n.commit()
    n.close()
    with pytest.raises(CrmError, match="newer crmcli"):
        restore.restore(db_path, newer)
    damaged = backup.backup(conn, db_path, tmp_path / "damaged.db").path
    data = bytearray(damaged.read_bytes())
    page = 4096
    for i in range(2 * page + 100, min(len(data), 6 * page), 7):  # scribble over b-tree pages
        data[i] = 0xFF
    damaged.write_bytes(bytes(data))
    with pytest.raises(CrmError, match="damaged"):
        restore.restore(db_path, damaged)
    with pytest.raises(NotFound):
        restore.restore(db_path, tmp_path / "missing.db")
    assert list(conn.iterdump()) == before
    assert not backup.default_dir(db_path).exists()  # no safety copy made for a refused restore


def test_restore_recreates_a_lost_database(conn: sqlite3.Connection, db_path: Path) -> None:
    add(conn, "甲公司", "13812345678")
    saved = backup.backup(conn, db_path).path
    conn.close()
    for p in db_path.parent.glob("crm.db*"):
        p.unlink()
    res = restore.restore(db_path, saved)
    assert res.safety_copy is None
    assert stat.S_IMODE(os.stat(db_path).st_mode) == 0o600
    assert db.connect(db_path).execute("SELECT count(*) FROM customers").fetchone()[0] == 1


# ---------------------------------------------------------------------------- CLI

def test_cli_backup_prints_the_path_and_restore_asks(cli, db_path: Path) -> None:  # type: ignore[no-untyped-def]
    cli("add", "customer", "--name", "甲公司", "--phone", "13812345678")
    r = cli("backup", "--keep", "3")
    assert r.exit_code == 0, r.stderr
    path = Path(r.stdout.strip())
    assert path.exists() and "integrity ok" in r.stderr
    cli("add", "customer", "--name", "乙公司", "--phone", "13912345678")
    r = cli("restore", str(path))
    assert r.exit_code == 1 and "--yes" in r.stderr
    r = cli("restore", str(path), "--yes")
    assert r.exit_code == 0, r.stderr
    assert "kept at" in r.stderr
    r = cli("query", "--columns", "name", "--format", "csv")
    assert r.stdout.splitlines() == ["name", "甲公司"]
    r = cli("log", "--kind", "restore", "--format", "csv", "--limit", "1")
    assert r.stdout.splitlines()[1].split(",")[3] == "restore"


def test_cli_backup_refuses_stdout_and_bad_keep(cli) -> None:  # type: ignore[no-untyped-def]
    assert cli("backup", "-o", "-").exit_code == 1
    r = cli("backup", "--keep", "0")
    assert r.exit_code == 1 and "at least 1" in r.stderr


def test_cli_backup_to_an_impossible_place_is_one_clear_line(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    r = cli("backup", "-o", str(blocker / "sub" / "b.db"))
    assert r.exit_code == 1 and r.stderr.startswith("Error: cannot write a backup in") and r.exception is not None
    assert isinstance(r.exception, SystemExit)


def test_restore_of_an_older_backup_upgrades_it(conn: sqlite3.Connection, db_path: Path, tmp_path: Path) -> None:
    add(conn, "甲公司", "13812345678")
    old = backup.backup(conn, db_path, tmp_path / "old.db").path
    o = sqlite3.connect(old)  # as an earlier crm wrote it: no version, no tags table
    o.execute("DROP TABLE tags")
    o.execute("PRAGMA user_version = 0")
    o.commit()
    o.close()
    conn.close()
    res = restore.restore(db_path, old)
    assert res.schema_version == 0
    after = db.connect(db_path)
    assert after.execute("PRAGMA user_version").fetchone()[0] == db.SCHEMA_VERSION
    assert after.execute("SELECT count(*) FROM tags").fetchone()[0] == 0
    assert after.execute("SELECT name FROM customers").fetchone()[0] == "甲公司"


def test_two_backups_at_once_both_succeed(db_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": SRC}
    cmd = [sys.executable, "-m", "crmcli", "--db", str(db_path), "backup"]
    procs = [subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(3)]
    outs = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], outs
    paths = {Path(o.strip()) for o, _ in outs}
    assert all(p.exists() for p in paths)
    assert not list(backup.default_dir(db_path).glob(".*partial"))


def test_restore_while_another_session_is_connected(conn: sqlite3.Connection, db_path: Path) -> None:
    add(conn, "甲公司", "13812345678")
    saved = backup.backup(conn, db_path).path
    add(conn, "乙公司", "13912345678")
    session = db.connect(db_path)  # a salesperson's open session
    assert session.execute("SELECT count(*) FROM customers").fetchone()[0] == 2
    restore.restore(db_path, saved)  # one transaction through the backup API: no file swapped underneath
    assert session.execute("SELECT count(*) FROM customers").fetchone()[0] == 1
    assert session.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
