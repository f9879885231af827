"""Damaged databases (issue 14, finding 8): four kinds of damage — a data page overwritten,
the file truncated, an index page zeroed, a stale -wal put back after the file moved on —
and what each command does about them: doctor reports damage as a problem (exit 3) with
the way out, `doctor --salvage` copies every readable row into a new checked file,
`restore good.db` over the damaged file works and keeps it as it was, maintain stops
before writing anything (no backup blamed), other commands fail with one line.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from crmcli import backup, db, rebuild, salvage

CUSTOMERS = 400
KINDS = ["pages", "truncated", "index", "stale_wal"]


def build(path: Path) -> None:
    conn = db.create(path)
    with db.transaction(conn):
        conn.executemany("INSERT INTO customers (customer_id, name, phone, notes) VALUES (?, ?, ?, ?)",
                         [(f"C20240101{i:04d}", f"公司{i}", f"138{i:08d}", f"MARK-{i:04d} " + "备注" * 20)
                          for i in range(CUSTOMERS)])
        conn.executemany("INSERT INTO orders (order_id, customer_id, date, amount) VALUES (?, ?, ?, ?)",
                         [(f"DD20240101{i:04d}", f"C20240101{i % CUSTOMERS:04d}", "2024-01-01", i) for i in range(800)])
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def _page_size(path: Path) -> int:
    return int.from_bytes(path.read_bytes()[16:18], "big")


def _overwrite_page(path: Path, page: int, fill: bytes) -> None:
    size = _page_size(path)
    with open(path, "r+b") as fh:
        fh.seek((page - 1) * size)
        fh.write((fill * size)[:size])


def damage(path: Path, kind: str) -> None:
    """Damage the database at PATH (closed, checkpointed) the KIND way."""
    if kind == "pages":  # the customers leaf page holding customer 200, mid-table
        offset = path.read_bytes().index(b"MARK-0200")
        _overwrite_page(path, offset // _page_size(path) + 1, b"\xde\xad\xbe\xef")
    elif kind == "truncated":
        size, page = path.stat().st_size, _page_size(path)
        os.truncate(path, size * 2 // 3 // page * page)
    elif kind == "index":
        root = sqlite3.connect(path).execute(
            "SELECT rootpage FROM sqlite_master WHERE name = 'idx_customers_phone'").fetchone()[0]
        _overwrite_page(path, root, b"\x00")
    elif kind == "stale_wal":  # a -wal from an earlier moment put back next to the file
        conn = db.connect(path)
        conn.execute("PRAGMA wal_autocheckpoint = 0")
        conn.execute("UPDATE customers SET notes = notes || hex(randomblob(200))")
        shutil.copy(f"{path}-wal", f"{path}.old-wal")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("DELETE FROM orders WHERE rowid % 2 = 0")
        conn.execute("VACUUM")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
        os.replace(f"{path}.old-wal", f"{path}-wal")
    else:  # pragma: no cover
        raise AssertionError(kind)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(params=KINDS)
def damaged(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Path, str, Path]:
    """(damaged database, kind, a good backup of it made before the damage)."""
    path = tmp_path / "shop.db"
    build(path)
    conn = db.connect(path)
    good = backup.backup(conn, path).path
    conn.close()
    damage(path, request.param)
    return path, request.param, good


def test_the_four_kinds_really_are_damage(damaged: tuple[Path, str, Path]) -> None:
    path, _kind, _good = damaged
    assert salvage.damage(path)


def test_doctor_reports_damage_as_a_problem_naming_the_backup_and_salvage(cli, damaged) -> None:  # type: ignore[no-untyped-def]
    path, _kind, good = damaged
    r = cli("doctor", "--format", "json", db=path)
    assert r.exit_code == 3, r.stderr
    out = json.loads(r.stdout)
    assert out["findings"][0]["check"] == "integrity" and out["findings"][0]["fix"] is None
    message = out["findings"][0]["message"]
    assert f"crm restore {good} --yes" in message and "crm doctor --salvage" in message
    r = cli("doctor", "--format", "table", db=path)
    assert r.exit_code == 3 and "damaged" in r.stdout and "Traceback" not in r.output


def test_doctor_names_no_damaged_backup(cli, damaged) -> None:  # type: ignore[no-untyped-def]
    path, _kind, good = damaged
    good.write_bytes(good.read_bytes()[:8192])  # the only backup is itself broken
    r = cli("doctor", "--format", "json", db=path)
    assert r.exit_code == 3
    assert "no good backup found" in json.loads(r.stdout)["findings"][0]["message"]


def test_salvage_copies_every_readable_row_into_a_checked_file(cli, damaged) -> None:  # type: ignore[no-untyped-def]
    path, kind, _good = damaged
    before = sha(path)
    r = cli("doctor", "--salvage", db=path)
    assert r.exit_code == 0, r.stderr
    out = Path(r.stdout.strip())
    assert out.is_file() and out.parent == path.parent and "salvaged" in out.name
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    assert sha(path) == before  # the damaged file is only ever read
    conn = sqlite3.connect(out)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    customers = conn.execute("SELECT count(*) FROM customers").fetchone()[0]
    orders = conn.execute("SELECT count(*) FROM orders").fetchone()[0]
    assert conn.execute("SELECT count(*) FROM operations WHERE kind = 'salvage'").fetchone()[0] == 1
    if kind == "pages":  # one leaf of customers is lost, the rest is there; every order survives
        assert CUSTOMERS - 40 < customers < CUSTOMERS and orders == 800
        assert not conn.execute("SELECT 1 FROM customers WHERE customer_id = 'C202401010200'").fetchone()
        assert "point to a record that does not exist" in r.stderr  # their orders, kept, said
    elif kind == "index":  # an index holds no data: everything comes back
        assert (customers, orders) == (CUSTOMERS, 800)
    elif kind == "stale_wal":  # the main file alone is intact: its state after the delete
        assert (customers, orders) == (CUSTOMERS, 400) and "without its -wal" in r.stderr
    else:
        assert customers > 0
    r2 = cli("doctor", "--salvage", "-o", str(out), db=path)
    assert r2.exit_code == 1 and "already exists" in r2.stderr  # never overwrites


def test_salvaged_file_restores_over_the_damaged_one(cli, damaged) -> None:  # type: ignore[no-untyped-def]
    path, kind, _good = damaged
    out = Path(cli("doctor", "--salvage", db=path).stdout.strip())
    r = cli("restore", str(out), "--yes", *(["--force"] if kind in ("pages", "truncated") else []), db=path)
    assert r.exit_code == 0, r.stderr
    assert salvage.damage(path) == []


def test_restore_good_backup_over_a_damaged_database_keeps_it_as_it_was(cli, damaged) -> None:  # type: ignore[no-untyped-def]
    path, _kind, good = damaged
    wal = Path(f"{path}-wal")
    before = sha(path), (sha(wal) if wal.exists() and wal.stat().st_size else None)
    r = cli("restore", str(good), "--yes", db=path)
    assert r.exit_code == 0, r.stderr
    assert "is damaged: it is kept as it is" in r.stderr
    kept = next(backup.default_dir(path).glob("shop-damaged-*.db"))
    assert sha(kept) == before[0]
    if before[1]:
        assert sha(Path(f"{kept}-wal")) == before[1]
    assert salvage.damage(path) == []
    conn = db.connect(path)
    assert conn.execute("SELECT count(*) FROM customers").fetchone()[0] == CUSTOMERS
    op = conn.execute("SELECT details FROM operations WHERE kind = 'restore'").fetchone()[0]
    assert json.loads(op)["replaced"] == "damaged"


def test_maintain_stops_before_any_write_and_blames_the_database(cli, damaged) -> None:  # type: ignore[no-untyped-def]
    path, _kind, good = damaged
    before = sha(path)
    backups = sorted(backup.default_dir(path).iterdir())
    r = cli("maintain", "--yes", "--format", "json", db=path)
    assert r.exit_code == 5, r.stderr
    summary = json.loads(r.stdout)
    steps = {s["step"]: s for s in summary["steps"]}
    assert steps["doctor"]["status"] == "failed" and "database file is damaged" in steps["doctor"]["error"]
    assert all(steps[s]["status"] == "skipped" for s in ("backup", "dedupe", "segments", "report"))
    assert "backups" not in json.dumps(steps["doctor"]["error"]).replace(str(good), "")  # no backup blamed
    assert sorted(backup.default_dir(path).iterdir()) == backups
    assert sha(path) == before


def test_other_commands_fail_with_one_line_pointing_to_doctor(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "shop.db"
    build(path)
    damage(path, "truncated")
    for args in (["query"], ["show", "C202401010001"], ["log"], ["export"]):
        r = cli(*args, db=path)
        assert r.exit_code == 1, (args, r.output)
        assert r.stderr.count("\n") == 1 and "crm doctor" in r.stderr and "Traceback" not in r.output


def test_salvage_of_a_healthy_database_is_a_full_copy(db_path: Path) -> None:
    build(db_path.with_name("h.db"))
    res = salvage.salvage(db_path.with_name("h.db"))
    assert {c.table: c.kept for c in res.tables if c.kept} == {"customers": CUSTOMERS, "orders": 800}
    assert res.skipped == 0 and res.orphans == []
    conn = sqlite3.connect(res.path)
    assert rebuild.problems(conn) == ([], [])
