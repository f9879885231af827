"""Crash safety for real: a process SIGKILLed in the middle of a big write leaves the
database exactly as it was before that write (compared as a full SQL dump).

"In the middle" is established, not guessed: the test probes the database with
`BEGIN IMMEDIATE` and a zero timeout; once the probe is refused the victim holds
the write lock (its transaction is open and writing), and the kill comes while it
still does.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from crmcli import db, doctor
from tests.dbdump import dump

SRC = str(Path(__file__).resolve().parents[1] / "src")
ENV = {**os.environ, "PYTHONPATH": SRC}


def seed(path: Path, n: int) -> None:
    conn = db.connect(path)
    with db.transaction(conn):
        conn.executemany(
            "INSERT INTO customers (customer_id, name, phone, industry) VALUES (?, ?, ?, ?)",
            [(f"C20240101{i:05d}", f"公司{i}", f"138{i:08d}", "制造业" if i % 2 == 0 else "软件") for i in range(n)])
    conn.close()


def writer_holds_lock(path: Path) -> bool:
    probe = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError as e:
        assert "locked" in str(e) or "busy" in str(e)
        return True
    finally:
        probe.close()


def kill_mid_write(cmd: list[str], path: Path, *, settle: float = 0.3, timeout: float = 60) -> None:
    """Start CMD, wait until it is inside its write transaction, let it write a little, SIGKILL it."""
    proc = subprocess.Popen(cmd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.time() + timeout
        while not writer_holds_lock(path):
            assert proc.poll() is None, f"finished before it could be killed: {proc.stderr.read() if proc.stderr else ''}"
            assert time.time() < deadline, "never started writing"
            time.sleep(0.01)
        time.sleep(settle)
        assert writer_holds_lock(path), "the write finished before the kill: make the operation bigger"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        assert proc.returncode == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def assert_untouched(path: Path, before: list[str]) -> None:
    assert dump(path) == before
    conn = db.connect(path)  # reopening recovers the WAL; the torn transaction is discarded
    try:
        assert doctor.diagnose(conn) == []
    finally:
        conn.close()


def test_sigkill_during_a_bulk_update_from_the_cli(db_path: Path) -> None:
    seed(db_path, 30000)  # ~15,000 updates: long enough to be caught mid-write on a quiet machine
    before = dump(db_path)
    kill_mid_write([sys.executable, "-m", "crmcli", "--db", str(db_path), "update", "industry~制造",
                    "--set", "owner=李娜", "--set", "level=VIP", "--yes"], db_path)
    assert_untouched(db_path, before)


def test_sigkill_during_a_long_library_operation(db_path: Path) -> None:
    seed(db_path, 200)
    before = dump(db_path)
    script = (
        "import sys\n"
        "from crmcli import audit, db, records\n"
        "c = db.connect(sys.argv[1])\n"
        "with audit.operation(c, 'import', 'a long import') as op:\n"
        "    for i in range(1000000):\n"
        "        records.add(c, 'customers', {'name': f'导入{i}', 'phone': f'139{i:08d}'}, op=op)\n"
    )
    kill_mid_write([sys.executable, "-c", script, str(db_path)], db_path)
    assert_untouched(db_path, before)


def test_a_kill_between_operations_keeps_every_committed_one(db_path: Path) -> None:
    """The other half of the promise: what was committed before the kill stays."""
    script = (
        "import sys\n"
        "from crmcli import db, records\n"
        "c = db.connect(sys.argv[1])\n"
        "for i in range(1000000):\n"
        "    records.add(c, 'customers', {'name': f'公司{i}', 'phone': f'139{i:08d}'})\n"
        "    print(i, flush=True)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", script, str(db_path)], env=ENV, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    done = -1
    while done < 50:
        done = int(proc.stdout.readline())
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    conn = db.connect(db_path)
    n = conn.execute("SELECT count(*) FROM customers").fetchone()[0]
    assert n >= done + 1  # every add that reported success is there
    assert conn.execute("SELECT count(*) FROM operations").fetchone()[0] == n  # and logged, no half ones
    assert doctor.diagnose(conn) == []
