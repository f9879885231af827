"""`crm doctor`'s look at the file itself: page and record damage, and index entries against
their tables (crmcli.doctor). Rows breaking the schema's CHECK / NOT NULL rules are data, not
damage: crmcli.doctor_scan counts them in the one pass it makes over each table anyway, so
SQLite's checks here run with `PRAGMA ignore_check_constraints` (CHECKs were 0.9 s of
quick_check's 1.1 s at 100k customers) and their "NULL value in" lines are left out."""

from __future__ import annotations

import re
import sqlite3

from crmcli import db
from crmcli.findings import EXAMPLES, Finding, Joined, Msg
from crmcli.i18n import N_

_RULE = re.compile(r"(?:CHECK constraint failed in|NULL value in) \w+")


# SQLite's words for the commonest damage, as msgids (the English stays SQLite's own text).
_SQLITE_LINES = (
    (re.compile(r"Page (?P<page>\d+): btreeInitPage\(\) returns error code (?P<number>\d+)"), "integrity.page_unreadable",
     N_("Page {page}: btreeInitPage() returns error code {number}")),
    (re.compile(r"Page (?P<page>\d+) is never used"), "integrity.page_unused", N_("Page {page} is never used")),
    (re.compile(r"row (?P<row>\d+) missing from index (?P<name>\S+)"), "integrity.index_missing_row",
     N_("row {row} missing from index {name}")),
    (re.compile(r"database disk image is malformed"), "integrity.malformed", N_("database disk image is malformed")),
    (re.compile(r"file is not a database"), "integrity.not_a_database", N_("file is not a database")),
)


def _sqlite_line(line: str) -> str:
    """One line of integrity_check, kept with a code and shown in the reader's language when known."""
    for pattern, code, msgid in _SQLITE_LINES:
        if isinstance(line, str) and not isinstance(line, Msg) and (m := pattern.fullmatch(line)):
            return Msg(code, msgid, **m.groupdict())
    return line


def damage_finding(db_path: str, lines: list[str]) -> Finding:
    """Damage needs a person: the finding names the latest good backup to restore, or salvage."""
    from crmcli.salvage import way_forward

    lines = [_sqlite_line(line) for line in lines]
    return Finding("integrity", None, len(lines), Msg("integrity.damaged", N_("the database file is damaged: {lines} — {way}"),
                   lines=Joined(lines[:3], "; ", "；"), way=way_forward(db_path)), None, lines[:EXAMPLES])


def read_only_look(db_path: str) -> tuple[list[Finding], bool]:
    """(damage seen on a read-only connection, whether that look could be taken).

    Looked at before a writable connection could checkpoint a stale -wal into the file and make
    it worse (crmcli.salvage.damage). Its quick_check covers every page and record, so a doctor
    run right after needs only the index counts (`diagnose(..., pages_checked=True)`)."""
    from crmcli.salvage import damage

    lines = damage(db.check_file(db_path))
    return ([damage_finding(db_path, lines)] if lines else []), lines is not None


def damage_before_opening(db_path: str) -> list[Finding]:
    """Damage seen on a read-only connection (read_only_look)."""
    return read_only_look(db_path)[0]


def integrity_lines(conn: sqlite3.Connection, *, quick: bool) -> list[str]:
    """What quick_check (pages and records) or integrity_check (also every index key against its
    row) reports as damage; [] when intact."""
    conn.execute("PRAGMA ignore_check_constraints = ON")
    try:
        rows = [r[0] for r in conn.execute("PRAGMA quick_check" if quick else "PRAGMA integrity_check")]
    except sqlite3.OperationalError:
        raise
    except sqlite3.DatabaseError as e:  # SQLite gave up on a page mid-check
        rows = [str(e)]
    finally:
        conn.execute("PRAGMA ignore_check_constraints = OFF")
    return [r for r in rows if r != "ok" and not _RULE.match(r)]


def indexed_tables(conn: sqlite3.Connection) -> list[str]:
    return [r[0] for r in conn.execute("SELECT DISTINCT tbl_name FROM sqlite_master WHERE type = 'index' "
                                       "ORDER BY tbl_name")]


def index_count_lines(conn: sqlite3.Connection, table: str) -> list[str]:
    """integrity_check's "wrong # of entries in index X" line for each index of TABLE whose entry
    count differs from the table's row count (partial indexes: rows meeting its WHERE). At 100k
    customers this is 0.15 s against integrity_check's 4.6 s of looking every row up in every index,
    and it finds the commonest index damage, an index missing rows or holding extra ones."""
    out: list[str] = []
    totals: dict[str, int] = {}
    try:
        for name, sql in conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
                                      "ORDER BY name", (table,)).fetchall():
            part = re.search(r"\bWHERE\b(.*)$", sql or "", re.IGNORECASE | re.DOTALL)
            where = f" WHERE {part.group(1)}" if part else ""
            if where not in totals:
                totals[where] = conn.execute(f'SELECT count(*) FROM "{table}" NOT INDEXED{where}').fetchone()[0]
            # sum(1), not count(*): SQLite counts along the smallest index whatever INDEXED BY says.
            n = conn.execute(f'SELECT coalesce(sum(1), 0) FROM "{table}" INDEXED BY "{name}"{where}').fetchone()[0]
            if n != totals[where]:
                out.append(Msg("integrity.index_count", N_("wrong # of entries in index {name}"), name=name))
    except sqlite3.OperationalError:
        raise
    except sqlite3.DatabaseError as e:  # a damaged page on the way
        out.append(str(e))
    return out


def as_findings(conn: sqlite3.Connection, lines: list[str]) -> list[Finding]:
    if not lines:
        return []
    path = next((r[2] for r in conn.execute("PRAGMA database_list") if r[1] == "main"), "") or "the database"
    return [damage_finding(path, lines)]


def check_integrity(conn: sqlite3.Connection, *, quick: bool = False) -> list[Finding]:
    """integrity_check, or (quick) quick_check plus a count of every index's entries: [] or the damage."""
    lines = integrity_lines(conn, quick=quick)
    if quick:
        lines += [line for t in indexed_tables(conn) for line in index_count_lines(conn, t)]
    return as_findings(conn, lines)
