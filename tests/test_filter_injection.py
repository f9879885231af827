"""Nothing a user types is interpolated into SQL: hostile values match literally and
hostile names are refused, and the database is byte-for-byte the same afterwards."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from crmcli import db as crm_db
from crmcli import filters
from crmcli.errors import InvalidValue
from tests.query_data import EVIL_NAME, TODAY, fill, snapshot

EVIL = "'); DROP TABLE customers;--"


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sqlite3.Connection]:
    conn = crm_db.create(tmp_path_factory.mktemp("inject") / "crm.db")
    fill(conn)
    yield conn
    conn.close()


@pytest.fixture(scope="module")
def before(db: sqlite3.Connection) -> list[str]:
    return snapshot(db)


def ids(conn: sqlite3.Connection, *args: str, table: str = "customers") -> list[str]:
    _, cur = filters.select(conn, table, list(args), columns=[filters.fields.table(table).key], today=TODAY)
    return [str(r[0]) for r in cur]


@pytest.mark.parametrize(("arg", "expected"), [
    (f"name~{EVIL}", ["C006"]),  # the literal text is in C006's name
    (f"name={EVIL_NAME}", ["C006"]),
    (f"name={EVIL}", []),
    ("name='; DROP TABLE customers;--", []),
    ("name=x' OR '1'='1", []),
    ('name~" OR 1=1 --', []),
    ("name~' OR 1=1 --", []),
    (f"name!={EVIL}", ["C001", "C002", "C003", "C004", "C005", "C006"]),
    ("name~%", []),  # % and _ are characters, not LIKE wildcards
    ("name~_", []),
    ("industry~%", ["C006"]),
    ("industry~_", ["C006"]),
    ("industry=IT_%", ["C006"]),
    ("industry=IT__", []),
    ("industry!~%", ["C001", "C002", "C003", "C004", "C005"]),
    ("notes~%_", ["C003"]),
    ("notes~'quoted'; DROP", ["C003"]),
    ("industry=NULL", []),
    ("industry~SELECT * FROM customers", []),
    ("owner=1; DELETE FROM orders", []),
    ("owner=张伟|'); DROP TABLE orders;--", ["C001", "C003"]),
    (f"orders.product~{EVIL}", []),
    (f"!orders.product~{EVIL}", ["C001", "C002", "C003", "C004", "C005", "C006"]),
    ("tag=100%", ["C006"]),
    ("tag~%", ["C006"]),
    ("tag~_", []),
    (f"+{EVIL}", []),
    (f"tag={EVIL}|重点维护", ["C001", "C003"]),
    ("followups.by~%' OR '1'='1", []),
])
def test_hostile_values_match_literally(db: sqlite3.Connection, before: list[str], arg: str, expected: list[str]) -> None:
    assert ids(db, arg) == expected
    compiled = filters.compile_filters("customers", [arg], today=TODAY)
    assert "DROP" not in compiled.where and "OR 1" not in compiled.where and "%" not in compiled.where
    assert snapshot(db) == before


@pytest.mark.parametrize("arg", [
    f"{EVIL}=1",
    "name; DROP TABLE customers=1",
    "name) OR (1=1",
    "orders.amount) OR 1=1 --=1",
    "x; DROP TABLE customers.name=1",
    f"orders{EVIL}.amount>=1",
    "orders.sum(amount); DROP TABLE orders)>=1",
    "orders.sum(amount) FROM orders; --)>=1",
    "orders.count; DROP TABLE orders>=1",
    f"status={EVIL}",  # a label value that is no label
    f"orders.date>={EVIL}",
    f"satisfaction>={EVIL}",
    f"orders.count>={EVIL}",
])
def test_hostile_names_and_typed_values_are_refused(db: sqlite3.Connection, before: list[str], arg: str) -> None:
    with pytest.raises(InvalidValue, match=r"^filter '"):
        ids(db, arg)
    assert snapshot(db) == before


@pytest.mark.parametrize(("kw", "value"), [
    ("sort", f"name{EVIL}"), ("sort", "name; DROP TABLE customers"), ("sort", "-(SELECT 1)"),
    ("columns", f"name,{EVIL}"), ("columns", "name, (SELECT phone FROM customers)"),
])
def test_hostile_sort_and_columns_are_refused(db: sqlite3.Connection, before: list[str], kw: str, value: str) -> None:
    with pytest.raises(InvalidValue, match="unknown field"):
        filters.select(db, "customers", [], **{kw: value})
    assert snapshot(db) == before


def test_hostile_input_through_the_cli(cli, db_path: Path) -> None:  # type: ignore[no-untyped-def]
    conn = crm_db.connect(db_path)
    fill(conn)
    before = snapshot(conn)
    res = cli("query", f"name~{EVIL}", "-f", "csv", "-c", "customer_id,name")
    assert res.exit_code == 0, res.output
    assert res.stdout.splitlines() == ["customer_id,name", f"C006,{EVIL_NAME}"]
    res = cli("query", f"{EVIL}=1")
    assert res.exit_code == 1 and "unknown field" in res.stderr
    res = cli("update", f"name~{EVIL}", "--set", f"notes={EVIL}", "--yes")
    assert res.exit_code == 0, res.output
    assert conn.execute("SELECT notes FROM customers WHERE customer_id = 'C006'").fetchone()[0] == EVIL
    assert conn.execute("SELECT count(*) FROM customers").fetchone()[0] == 6
    assert [line for line in snapshot(conn) if line not in before and "INSERT INTO \"customers\"" in line]
    conn.close()
