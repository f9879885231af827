"""A fresh crm database made from schema.sql, filled with the rows of a file crm does not trust.

Restore and salvage both end here. Rows from a file crm did not just write itself
(a backup someone may have edited, a damaged database) are inserted into a new
file built from schema.sql, so every CHECK, NOT NULL and key of *crm's* schema
judges every row — whatever the other file's own schema says, and even when it was
written with CHECKs switched off (a read-only `integrity_check` skips CHECKs). Only
crm's tables, indexes and triggers exist in the result; rows the schema refuses
are counted and named by key, never copied.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crmcli import db
from crmcli.i18n import _

EXAMPLES = 3


@dataclass
class Copied:
    """One table's rows: how many were read from the source and how many the schema took."""

    table: str
    read: int = 0
    kept: int = 0
    refused: list[str] = field(default_factory=list)  # keys of refused rows (a few)

    @property
    def lost(self) -> int:
        return self.read - self.kept


def _reference() -> sqlite3.Connection:
    ref = sqlite3.connect(":memory:")
    ref.executescript(db.schema_sql())
    return ref


def crm_tables() -> list[str]:
    """crm's tables in schema.sql order (parents before children)."""
    ref = _reference()
    try:
        return [r[0] for r in ref.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY rowid")]
    finally:
        ref.close()


def _norm(sql: str | None) -> str:
    from crmcli.doctor import norm_sql

    return norm_sql(sql)


def foreign_objects(conn: sqlite3.Connection, schema: str = "main") -> list[str]:
    """Tables, views and triggers in CONN's SCHEMA that schema.sql does not define as they are.

    Indexes are left out: they hold no behaviour and the rebuild makes crm's own."""
    ref = _reference()
    try:
        want = {(r[0], r[1]): r[2] for r in ref.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE type IN ('table', 'view', 'trigger')")}
    finally:
        ref.close()
    out = []
    for kind, name, sql in conn.execute(
            f"SELECT type, name, sql FROM {schema}.sqlite_master WHERE type IN ('table', 'view', 'trigger') "
            "AND name NOT LIKE 'sqlite_%' ORDER BY type, name"):
        if (kind, name) not in want:
            out.append(f"{kind} {name}")
        elif kind == "trigger" and _norm(sql) != _norm(want[(kind, name)]):
            out.append(f"trigger {name} (not as schema.sql defines it)")
    return out


def new_database(path: Path) -> sqlite3.Connection:
    """Create PATH (0600, must not exist) from schema.sql at this crm's schema version.

    Foreign keys are off on the returned connection so rows can arrive in any order;
    `problems()` checks them afterwards."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)
    conn = sqlite3.connect(str(path), isolation_level=None)
    conn.execute("PRAGMA trusted_schema = OFF")  # the attached source's schema may call functions
    # A scratch file until it is complete: no fsync per statement (the caller syncs the result).
    conn.execute("PRAGMA synchronous = OFF")
    conn.executescript("BEGIN;\n" + db.schema_sql() + "\nCOMMIT;")
    conn.execute(f"PRAGMA user_version = {db.SCHEMA_VERSION}")
    conn.execute("PRAGMA foreign_keys = OFF")
    return conn


def _columns(conn: sqlite3.Connection, table: str, schema: str = "main") -> list[str]:
    return [r[1] for r in conn.execute(f'PRAGMA {schema}.table_info("{table}")')]


def _key(conn: sqlite3.Connection, table: str) -> list[str]:
    cols = sorted((r[5], r[1]) for r in conn.execute(f'PRAGMA main.table_info("{table}")') if r[5])
    return [c for _, c in cols]


def has_rowid(conn: sqlite3.Connection, table: str) -> bool:
    sql = conn.execute("SELECT sql FROM main.sqlite_master WHERE type = 'table' AND name = ?", (table,)).fetchone()[0]
    return "WITHOUT ROWID" not in sql.upper()


def shared_columns(dest: sqlite3.Connection, table: str, source_columns: Iterable[str]) -> list[str]:
    have = set(source_columns)
    return [c for c in _columns(dest, table) if c in have]


def copy_attached(dest: sqlite3.Connection, alias: str) -> list[Copied]:
    """Copy every crm table of the database attached to DEST as ALIAS into DEST's main."""
    present = {r[0] for r in dest.execute(f"SELECT name FROM {alias}.sqlite_master WHERE type = 'table'")}
    out = []
    with db.transaction(dest):
        for table in crm_tables():
            if table not in present:
                continue
            cols = shared_columns(dest, table, _columns(dest, table, alias))
            rowid = has_rowid(dest, table)
            names = ", ".join(f'"{c}"' for c in cols)
            pick = ("rowid, " if rowid else "") + names
            kept = dest.execute(f'INSERT OR IGNORE INTO main."{table}" ({pick}) SELECT {pick} FROM {alias}."{table}"'
                                ).rowcount
            read = dest.execute(f'SELECT count(*) FROM {alias}."{table}"').fetchone()[0]
            copied = Copied(table, read, kept)
            if copied.lost:
                copied.refused = _refused_keys(dest, alias, table, rowid)
            out.append(copied)
    return out


def _refused_keys(dest: sqlite3.Connection, alias: str, table: str, rowid: bool) -> list[str]:
    key = _key(dest, table) or ["rowid"]
    shown = " || ' ' || ".join(f'coalesce(s."{k}", \'\')' if k != "rowid" else "s.rowid" for k in key)
    if rowid:
        missing = f'NOT EXISTS (SELECT 1 FROM main."{table}" m WHERE m.rowid = s.rowid)'
    else:
        missing = f'NOT EXISTS (SELECT 1 FROM main."{table}" m WHERE ' + " AND ".join(
            f'm."{k}" IS s."{k}"' for k in key) + ")"
    return [str(r[0]) for r in dest.execute(
        f'SELECT {shown} FROM {alias}."{table}" s WHERE {missing} LIMIT {EXAMPLES}')]


def insert_rows(dest: sqlite3.Connection, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """INSERT OR IGNORE ROWS (values for COLUMNS, rowid allowed) into TABLE; the number the schema took."""
    names = ", ".join(f'"{c}"' if c != "rowid" else "rowid" for c in columns)
    before = dest.total_changes
    dest.executemany(f'INSERT OR IGNORE INTO main."{table}" ({names}) VALUES ({", ".join("?" * len(columns))})',
                     rows)
    return dest.total_changes - before


def problems(conn: sqlite3.Connection) -> tuple[list[str], list[str]]:
    """What is wrong with a rebuilt database: (page, record and CHECK problems; dangling references).

    quick_check, not integrity_check: the file and its indexes were just written by SQLite
    itself, so the index-against-table pass would only double the time (2 s of 8 for a
    restore of 100,000 customers and 200,000 orders)."""
    damage = [r[0] for r in conn.execute("PRAGMA main.quick_check") if r[0] != "ok"]
    fk: dict[str, int] = {}
    for table, *_rest in conn.execute("PRAGMA main.foreign_key_check"):
        fk[table] = fk.get(table, 0) + 1
    return damage, [_("{n} {table} rows point to a record that does not exist").format(n=n, table=t)
                    for t, n in fk.items()]


def remove(path: Path) -> None:
    for suffix in ("", "-journal", "-wal", "-shm"):
        with contextlib.suppress(OSError):
            Path(f"{path}{suffix}").unlink()
