"""`crm doctor`'s record-id checks: malformed ids and ids equal but for case or spaces (crmcli.doctor)."""

from __future__ import annotations

import re
import sqlite3
from datetime import date, timedelta
from typing import Any

from crmcli import fields
from crmcli.findings import EXAMPLES, Finding, Msg, TableName
from crmcli.i18n import N_

_TEMPLATE_ID = re.compile(r"^(DD|SR|C|F|D|S)(\d{8})(\d{3,})$")
_PREFIXES = {"customers": ("C",), "followups": ("F",), "orders": ("DD",), "tickets": ("SR", "S"), "needs": ("D",)}
# Every month-and-day of a year that is not a leap year, as MMDD: '0101' … '1231'.
_MMDD = ", ".join(f"'{(date(2001, 1, 1) + timedelta(days=d)).strftime('%m%d')}'" for d in range(365))


def _tables(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def _id_problem(table: str, rid: Any) -> Msg | None:
    if rid is None:
        return Msg("ids.empty", N_("empty id"))
    s = str(rid)
    if not s.strip():
        return Msg("ids.empty", N_("empty id"))
    if s != s.strip():
        return Msg("ids.spaces_around", N_("spaces around the id"))
    if re.search(r"[\s\x00-\x1f\x7f]", s):
        return Msg("ids.spaces_inside", N_("spaces or control characters inside the id"))
    m = _TEMPLATE_ID.match(s.upper())
    if m:
        if s != s.upper():
            return Msg("ids.lower_case", N_("lower-case prefix"))
        if m.group(1) not in _PREFIXES[table]:
            return Msg("ids.wrong_prefix", N_("prefix {prefix} belongs to another module"), prefix=m.group(1))
        try:
            date(int(m.group(2)[:4]), int(m.group(2)[4:6]), int(m.group(2)[6:]))
        except ValueError:
            return Msg("ids.impossible_date", N_("impossible date {date} in the id"), date=m.group(2))
    return None


def id_tables(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    """(table, key column) of every present table whose ids have a template shape."""
    have = _tables(conn)
    return [(table, fields.TABLES[table].key) for table in _PREFIXES if table in have]


def id_column(table: str) -> str | None:
    """The key column of TABLE when its ids have a template shape (C/F/DD/SR/D + date + number)."""
    return fields.TABLES[table].key if table in _PREFIXES else None


def well_formed(table: str, key: str) -> str:
    """SQL true for ids _id_problem passes without looking: the table's upper-case prefix, a year
    from 1000 to 2999, a month and day that exist in every year (29 February goes to Python, which
    knows leap years), 3+ more digits. Only the rest (odd ids, free-form ids, 29 February) reach
    Python. One GLOB for the usual 3-digit serial and one look-up of MMDD in the 365 real ones:
    0.41 CPU s for 700k ids against 0.58 for testing month and day with substr and BETWEEN."""
    shapes = []
    for p in _PREFIXES[table]:
        n = len(p)
        glob = f"{p}[12][0-9][0-9][0-9][01][0-9][0-3][0-9][0-9][0-9][0-9]"
        shapes.append(f"(({key} GLOB '{glob}' OR ({key} GLOB '{glob}*' AND substr({key}, {n + 12}) NOT GLOB '*[^0-9]*')) "
                      f"AND substr({key}, {n + 5}, 4) IN ({_MMDD}))")
    return " OR ".join(shapes)


def check_ids(conn: sqlite3.Connection, hits: dict[tuple[str, str, str | None], list[tuple[Any, Any]]]) -> list[Finding]:
    """Malformed ids among the rows crmcli.doctor_scan found not well formed (HITS)."""
    out = []
    for table, key in id_tables(conn):
        bad = [(rid, why) for rid, _v in hits.get(("ids", table, key), []) if (why := _id_problem(table, rid))]
        if bad:
            out.append(Finding("ids", table, len(bad), Msg("ids.malformed", N_("{n} {table} ids are malformed"),
                               n=len(bad), table=TableName(table)), None,
                               [Msg(why.code, N_("{id}: {why}"), id=repr(rid), why=why) for rid, why in bad[:EXAMPLES]]))
    return out


def unique(conn: sqlite3.Connection, table: str, key: str) -> bool:
    """A UNIQUE index (the primary key's) on exactly KEY."""
    return any(unique and [r[2] for r in conn.execute(f'PRAGMA index_info("{name}")')] == [key]
               for _seq, name, unique, *_ in conn.execute(f'PRAGMA index_list("{table}")').fetchall())


def check_duplicate_ids(conn: sqlite3.Connection) -> list[Finding]:
    out = []
    have = _tables(conn)
    for table, key in id_tables(conn):
        # Keys all in canonical form (the usual case): equal after upper/trim means equal, which
        # GROUP BY the key itself finds along its index instead of sorting every row.
        odd = conn.execute(f"SELECT 1 FROM {table} WHERE {key} IS NULL OR {key} != upper(trim({key})) "
                           "LIMIT 1").fetchone()
        if not odd and unique(conn, table, key):
            continue  # every key canonical and the key unique: no two can be equal
        group = f"upper(trim({key}))" if odd else key
        rows = conn.execute(f"SELECT {group} AS k, group_concat({key}, ' | ') FROM {table} "
                            f"GROUP BY k HAVING count(*) > 1").fetchall()
        if rows:
            out.append(Finding("duplicate_ids", table, len(rows), Msg("duplicate_ids.case_or_spaces", N_(
                               "{n} {table} ids appear more than once (differing only in case or spaces)"),
                               n=len(rows), table=TableName(table)), None, [r[1] for r in rows[:EXAMPLES]]))
    if "merged_ids" in have:
        rows = conn.execute("SELECT m.old_id FROM merged_ids m JOIN customers c ON c.customer_id = m.old_id").fetchall()
        if rows:
            out.append(Finding("duplicate_ids", "customers", len(rows), Msg("duplicate_ids.live_and_merged", N_(
                               "{n} customer ids are live and also recorded as merged away"), n=len(rows)), None,
                               [r[0] for r in rows[:EXAMPLES]]))
    return out
