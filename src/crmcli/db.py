"""Open and create the database: pragmas, the schema from schema.sql, upgrades.

One rule matters more than the rest: only `create()` makes a database file. Every
other path goes through `connect()`, which refuses a missing file (naming
`crm init`), a directory, a file that is not SQLite, and a database written by a
newer crmcli, so a typo in `--db` never leaves an empty database behind.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path

from crmcli.errors import CrmError, Damaged, NotFound
from crmcli.i18n import _

SCHEMA_VERSION = 4
BUSY_TIMEOUT_MS = 30_000


def schema_sql() -> str:
    """The text of schema.sql: package data when installed, the repository root in a checkout."""
    try:
        res = resources.files("crmcli").joinpath("schema.sql")
        if res.is_file():
            return res.read_text(encoding="utf-8")
    except (FileNotFoundError, ModuleNotFoundError):  # pragma: no cover - odd installs
        pass
    root = Path(__file__).resolve().parents[2] / "schema.sql"
    if root.is_file():
        return root.read_text(encoding="utf-8")
    raise CrmError(_("schema.sql is missing from this installation of crmcli; reinstall it"))


# Upgrades from older versions, applied in order by `connect()`. Each takes the
# connection inside a transaction. schema.sql is idempotent (IF NOT EXISTS), so a
# migration that only adds tables or indexes can simply re-run it.
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {}


def migration(version: int) -> Callable[[Callable[[sqlite3.Connection], None]], Callable[[sqlite3.Connection], None]]:
    def register(fn: Callable[[sqlite3.Connection], None]) -> Callable[[sqlite3.Connection], None]:
        MIGRATIONS[version] = fn
        return fn
    return register


@migration(1)
def _m001_base(conn: sqlite3.Connection) -> None:
    """Version 0 -> 1: a database made before versions were recorded gets the full schema."""
    reconcile(conn)


@migration(2)
def _m002_segments_reports(conn: sqlite3.Connection) -> None:
    """Version 1 -> 2: segments' customer_metrics table and counted-orders index, the
    reports' covering indexes; three indexes that are prefixes of those go."""
    conn.execute("DROP INDEX IF EXISTS idx_followups_customer_date")
    conn.execute("DROP INDEX IF EXISTS idx_tickets_customer_date")
    conn.execute("DROP INDEX IF EXISTS idx_followups_by")
    reconcile(conn)


@migration(3)
def _m003_dedupe_decisions(conn: sqlite3.Connection) -> None:
    """Version 2 -> 3: the dedupe_decisions table (pairs marked "not the same customer")."""
    reconcile(conn)


@migration(4)
def _m004_invalid_values(conn: sqlite3.Connection) -> None:
    """Version 3 -> 4: the invalid_values table of `crm import --keep-invalid`."""
    reconcile(conn)


def reconcile(conn: sqlite3.Connection) -> list[str]:
    """Bring an older database up to schema.sql: add missing columns, then missing
    tables, indexes and triggers. Returns what it added. Never drops anything."""
    added: list[str] = []
    ref = sqlite3.connect(":memory:")
    ref.executescript(schema_sql())
    existing = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    for (table,) in ref.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
        if table not in existing:
            continue
        have = {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}
        for _cid, name, ctype, _notnull, default, _pk in ref.execute(f"PRAGMA table_info({table})"):
            if name in have:
                continue
            # ALTER TABLE takes only constant defaults; a default like strftime(...) is left to new rows.
            const = default if default is not None and re.fullmatch(r"'[^']*'|-?\d+(\.\d+)?", str(default)) else None
            conn.execute(f"ALTER TABLE {table} ADD COLUMN {name} {ctype}" + (f" DEFAULT {const}" if const else ""))
            added.append(f"{table}.{name}")
    ref.close()
    _exec_script(conn, schema_sql())
    return added


def _exec_script(conn: sqlite3.Connection, sql: str) -> None:
    # executescript() would COMMIT the open transaction; run statement by statement.
    buf = ""
    for line in sql.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            stmt = buf.strip()
            buf = ""
            if stmt and not stmt.upper().startswith("PRAGMA"):
                conn.execute(stmt)


def _configure(conn: sqlite3.Connection) -> None:
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA cache_size = -65536")
    conn.execute("PRAGMA temp_store = MEMORY")


def _raw_connect(path: Path) -> sqlite3.Connection:
    # isolation_level=None: we issue BEGIN IMMEDIATE ourselves so writers queue on
    # busy_timeout instead of failing with "database is locked" on upgrade.
    conn = sqlite3.connect(str(path), isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
    _configure(conn)
    return conn


def create(path: str | os.PathLike[str], *, exist_ok: bool = False) -> sqlite3.Connection:
    """Create a new database at PATH (owner-only permissions) with the current schema."""
    p = Path(path).expanduser()
    if p.is_dir():
        raise CrmError(_("{path} is a directory, not a database file").format(path=p))
    empty = p.is_file() and p.stat().st_size == 0  # `touch crm.db` first: nothing to lose
    if p.exists() and not exist_ok and not empty:
        raise CrmError(_("{path} already exists; use it as it is, or choose another path").format(path=p))
    if p.exists() and not empty:
        return connect(p)
    if not p.parent.exists():
        p.parent.mkdir(parents=True, exist_ok=True)
    if empty:
        os.chmod(p, 0o600)
    else:
        # Create the empty file 0600 before SQLite opens it: customer data is private.
        fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)
    try:
        conn = _raw_connect(p)
        conn.execute("PRAGMA journal_mode = WAL")
        with transaction(conn):
            _exec_script(conn, schema_sql())
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    except BaseException:
        with contextlib.suppress(OSError):
            p.unlink()
        raise
    return conn


def check_file(path: str | os.PathLike[str]) -> Path:
    """PATH if it is a SQLite file; otherwise the one clear reason why not. Opens nothing with SQLite."""
    p = Path(path).expanduser()
    if not p.exists():
        raise NotFound(_("no database at {path}; create one with `crm init` (or `crm --db {path} init`)").format(path=p))
    if p.is_dir():
        raise CrmError(_("{path} is a directory, not a database file").format(path=p))
    with open(p, "rb") as fh:
        head = fh.read(16)
    if not head:
        raise CrmError(_("{path} is an empty file, not a crm database; create one there with `crm --db {path} init`").format(path=p))
    if head != b"SQLite format 3\x00":
        raise CrmError(_("{path} is not a SQLite database").format(path=p))
    return p


def connect(path: str | os.PathLike[str]) -> sqlite3.Connection:
    """Open an existing database, upgrading an older schema in place."""
    p = check_file(path)
    try:
        conn = _raw_connect(p)
    except sqlite3.OperationalError:
        raise
    except sqlite3.DatabaseError as e:
        raise damaged(p, e) from None
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version == 0 and not conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'customers'").fetchone():
            # Another program's database (or an empty one): never write our tables into it.
            raise CrmError(_("{path} is a SQLite database but not a crm one (no customers table)").format(path=p))
        if version > SCHEMA_VERSION:
            raise CrmError(_("{path} was written by a newer crmcli (schema {version}, this one knows {known}); "
                             "upgrade crmcli").format(path=p, version=version, known=SCHEMA_VERSION))
        if version < SCHEMA_VERSION:
            upgrade(conn)
    except sqlite3.OperationalError:
        conn.close()
        raise
    except sqlite3.DatabaseError as e:
        conn.close()
        raise damaged(p, e) from None
    except BaseException:
        conn.close()
        raise
    return conn


def damaged(path: str | os.PathLike[str], error: BaseException | str) -> Damaged:
    """The one message for a database SQLite cannot read, with the way forward."""
    return Damaged(_("{path} is damaged ({error}); `crm doctor` names the latest good backup to restore, "
                     "or `crm doctor --salvage` copies every readable row into a new file").format(path=path, error=error))


def upgrade(conn: sqlite3.Connection) -> int:
    """Apply pending migrations in one transaction; returns the new version."""
    with transaction(conn):
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        for v in sorted(MIGRATIONS):
            if v > version:
                MIGRATIONS[v](conn)
                conn.execute(f"PRAGMA user_version = {v}")
                version = v
    return version


@contextlib.contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE … COMMIT, rolled back on any error. Nests as a savepoint."""
    if conn.in_transaction:
        name = f"sp{id(conn) % 100000}_{os.getpid()}"
        conn.execute(f"SAVEPOINT {name}")
        try:
            yield conn
        except BaseException:
            conn.execute(f"ROLLBACK TO {name}")
            conn.execute(f"RELEASE {name}")
            raise
        conn.execute(f"RELEASE {name}")
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
