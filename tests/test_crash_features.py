"""SIGKILL in the middle of the big feature operations: an import, a merge, a
segment run. Each must leave the database exactly as before (full SQL dump).
Uses the probe of test_crash.py: the kill comes while the victim holds the write lock.
Skipped where the feature is not installed."""

from __future__ import annotations

import importlib.util
import sqlite3
import sys
from pathlib import Path

import pytest

from crmcli import db
from tests.test_crash import assert_untouched, dump, kill_mid_write

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


def _has(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def crm(path: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "crmcli", "--db", str(path), *args]


@pytest.mark.slow
@pytest.mark.skipif(not _has("crmcli.importer"), reason="needs crmcli.importer")
def test_sigkill_during_a_large_import(db_path: Path, tmp_path: Path) -> None:
    sys.path.insert(0, str(BENCH))
    import generate

    csv = tmp_path / "customers.csv"
    generate.write_customers_csv(csv, 60_000, seed=3)
    before = dump(db_path)
    kill_mid_write(crm(db_path, "import", str(csv), "--table", "customers"), db_path, settle=0.05)
    assert_untouched(db_path, before)


@pytest.mark.slow
@pytest.mark.skipif(not _has("crmcli.dedupe.merge"), reason="needs crmcli.dedupe")
def test_sigkill_during_a_large_merge(db_path: Path) -> None:
    conn = db.connect(db_path)
    with db.transaction(conn):
        conn.execute("INSERT INTO customers (customer_id, name, phone) VALUES ('C20240101001', '北京华信', '13812345678')")
        conn.execute("INSERT INTO customers (customer_id, name, phone) VALUES ('C20240101002', '北京华信科技', '13812345678')")
        conn.executemany("INSERT INTO orders (order_id, customer_id, date, amount) VALUES (?, ?, '2024-01-01', 100)",
                         [(f"DD20240101{i:06d}", "C20240101002") for i in range(60_000)])
    conn.close()
    before = dump(db_path)
    kill_mid_write(crm(db_path, "merge", "C20240101001", "C20240101002", "--yes"), db_path, settle=0.05)
    assert_untouched(db_path, before)


@pytest.mark.slow
@pytest.mark.skipif(not _has("crmcli.segments.runs"), reason="needs crmcli.segments")
def test_sigkill_during_a_segment_run(db_path: Path, tmp_path: Path) -> None:
    sys.path.insert(0, str(BENCH))
    import generate

    big = tmp_path / "big.db"
    generate.generate(big, 8_000, seed=5)
    before = dump(big)
    kill_mid_write(crm(big, "segment", "run"), big, settle=0.05)
    assert_untouched(big, before)
    assert sqlite3.connect(big).execute("SELECT count(*) FROM segment_runs").fetchone()[0] == 0
