"""A big import into a small table (importer.load.BIG_IMPORT): the secondary indexes are dropped
for the load and rebuilt at the end with a small sort budget; the connection's settings come back,
the indexes are the schema's, and a refused import leaves them as they were."""

from __future__ import annotations

import csv
import sqlite3
from pathlib import Path

import pytest

from crmcli.importer import ImportFailed, engine, import_file, load

ROWS = 240


@pytest.fixture(autouse=True)
def _small_bulk(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "BATCH", 40)
    monkeypatch.setattr(load, "BIG_IMPORT", 100)


def _ledger(path: Path, bad_row: int | None = None) -> str:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["客户编号", "客户名称", "联系电话", "联系邮箱", "合作状态", "创建时间"])
        for i in range(ROWS):
            phone = "12345" if i == bad_row else f"138{i:08d}"
            w.writerow([f"C20240101{i + 1:03d}", f"客户{i}号公司", phone, f"u{i}@example.com", "合作中",
                        f"2024-01-{i % 28 + 1:02d} 09:30:00"])
    return str(path)


def _indexes(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    return [tuple(r) for r in conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'customers' ORDER BY name")]


def _settings(conn: sqlite3.Connection) -> tuple[int, int]:
    return conn.execute("PRAGMA cache_size").fetchone()[0], conn.execute("PRAGMA temp_store").fetchone()[0]


def test_a_big_import_rebuilds_the_schema_indexes_and_restores_the_settings(conn, tmp_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    before, settings = _indexes(conn), _settings(conn)
    deferred: list[int] = []
    finish = load.Loader.finish

    def spy(self: load.Loader) -> None:
        deferred.append(len(self.deferred_indexes))
        finish(self)

    monkeypatch.setattr(load.Loader, "finish", spy)
    result = import_file(conn, _ledger(tmp_path / "big.csv"))
    assert result.total("inserted") == ROWS
    assert deferred == [len([i for i in before if i[1]])]  # every secondary index was dropped for the load
    assert _indexes(conn) == before
    assert _settings(conn) == settings
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    # the rebuilt indexes answer queries: a lookup by phone uses idx_customers_phone
    plan = " ".join(r[3] for r in conn.execute("EXPLAIN QUERY PLAN SELECT * FROM customers WHERE phone = ?",
                                               ("13800000007",)))
    assert "idx_customers_phone" in plan
    assert conn.execute("SELECT name FROM customers WHERE phone = '13800000007'").fetchone()[0] == "客户7号公司"


def test_a_refused_big_import_leaves_indexes_and_rows_as_they_were(conn, tmp_path: Path) -> None:
    before, settings = _indexes(conn), _settings(conn)
    with pytest.raises(ImportFailed):
        import_file(conn, _ledger(tmp_path / "bad.csv", bad_row=ROWS - 3))  # the last batch holds the bad row
    assert _indexes(conn) == before
    assert _settings(conn) == settings
    assert conn.execute("SELECT count(*) FROM customers").fetchone()[0] == 0
