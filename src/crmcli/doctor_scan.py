"""One read of each table for `crm doctor`'s row checks (crmcli.doctor).

Each row check has an SQL condition (a probe) true for the rows it must look at: a label outside
the fixed list, a date or phone not in stored form, a masked phone, an id of an odd shape, a
customer nobody can reach, a row breaking one of the table's own CHECK constraints. Asked one
check and one field at a time, that read the customers table a dozen times; here each table is
read once, by one SELECT whose WHERE is the OR of all its probes and which returns one 0/1
column per probe, so only the few suspect rows reach Python and each goes to the checks that
asked for it. At 100k customers (750k rows in all) this is one pass instead of 25.

The CHECK constraints come from the table's own CREATE statement in the file (not schema.sql:
a file written by an older crm has older rules, and those are the ones its rows must meet);
SQLite's quick_check would evaluate them too, at three times the cost, so crmcli.doctor runs it
with `PRAGMA ignore_check_constraints` and counts the broken rules here.
"""

from __future__ import annotations

import collections
import concurrent.futures
import os
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from crmcli import fields
from crmcli.doctor_ids import id_column, well_formed

_DATE = "[12][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]"
# Values that are not obviously in stored form: only these reach Python's coerce().
SUSPECT = {
    "date": f"NOT {{c}} GLOB '{_DATE}'",
    "datetime": f"NOT {{c}} GLOB '{_DATE}' AND NOT {{c}} GLOB '{_DATE} [0-2][0-9]:[0-5][0-9]:[0-5][0-9]'",
    "phone": "instr({c}, '*') = 0 AND NOT {c} GLOB '1[3-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]' "
             "AND NOT {c} GLOB '0[1-9][0-9]-[2-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]' "
             "AND NOT {c} GLOB '0[1-9][0-9][0-9]-[2-9][0-9][0-9][0-9][0-9][0-9][0-9]*'",
    "email": "instr({c}, '*') = 0 AND ({c} GLOB '*[A-Z]*' OR {c} GLOB '*[ ]*' OR {c} != trim({c}))",
}
MASKABLE = {"customers": ("phone", "email"), "contacts": ("phone", "email")}


@dataclass(frozen=True)
class Probe:
    check: str  # labels | formats | masked | ids | unreachable | constraints
    field: str | None  # the column whose value the check needs (None: the row itself)
    where: str  # SQL: true for the rows the check must see
    implied: bool = False  # only rows breaking one of the table's CHECKs can meet WHERE


# (check, table, field) -> [(row key, value)], in key order
Hits = dict[tuple[str, str, str | None], list[tuple[Any, Any]]]
Job = Callable[[sqlite3.Connection], Any]


def in_parallel(conn: sqlite3.Connection, jobs: list[Job]) -> list[Any]:
    """Each job's result, or the sqlite3.DatabaseError it raised, in job order.

    The jobs run on CONN and on a second connection to the same file in a thread, each taking the
    next job as it finishes one: SQLite lets go of the GIL while it works, so on two cores the
    checks take about half their CPU time. A connection with uncommitted changes (another would
    not see them), an in-memory database or a single core runs them in turn on CONN."""
    path = next((r[2] for r in conn.execute("PRAGMA database_list") if r[1] == "main"), "")
    done: list[Any] = [None] * len(jobs)
    todo = collections.deque(range(len(jobs)))

    def work(c: sqlite3.Connection) -> None:
        while True:
            try:
                i = todo.popleft()
            except IndexError:
                return
            try:
                done[i] = jobs[i](c)
            except sqlite3.DatabaseError as e:
                done[i] = e

    def other() -> None:
        from crmcli import db

        c = sqlite3.connect(path, timeout=db.BUSY_TIMEOUT_MS / 1000)
        c.row_factory = conn.row_factory
        try:
            work(c)
        finally:
            c.close()

    if not path or conn.in_transaction or (os.cpu_count() or 1) < 2:
        work(conn)
        return done
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        helper = pool.submit(other)
        work(conn)
        helper.result()
    return done


def key_expr(t: fields.Table) -> str:
    """SQL naming one row of T: its key column; tags (WITHOUT ROWID, two-column key) as a JSON pair."""
    return "json_array(customer_id, tag)" if t.name == "tags" else t.key


def check_constraints(sql: str | None) -> list[str]:
    """The CHECK expressions of a CREATE TABLE statement, strings and comments skipped."""
    text, out, i = sql or "", [], 0
    n = len(text)
    while i < n:
        c = text[i]
        if c in "'\"`[":
            j = text.find("]" if c == "[" else c, i + 1)
            i = n if j < 0 else j + 1
        elif text.startswith("--", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
        elif text[i:i + 5].upper() == "CHECK" and not _word(text, i - 1) and not _word(text, i + 5):
            start = text.find("(", i + 5)
            end = _closing(text, start)
            if start < 0 or end < 0:
                raise ValueError("unbalanced CHECK")
            out.append(text[start + 1:end])
            i = end + 1
        else:
            i += 1
    return out


def _word(text: str, i: int) -> bool:
    return 0 <= i < len(text) and (text[i].isalnum() or text[i] == "_")


def _closing(text: str, start: int) -> int:
    """Index of the parenthesis closing the one at START (quoted text skipped); -1 if none."""
    depth, i = 0, start
    while 0 <= i < len(text):
        c = text[i]
        if c in "'\"`":
            i = text.find(c, i + 1)
            if i < 0:
                return -1
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


def _probes(t: fields.Table | None, cols: set[str], checks: list[str], *, ids: str | None,
            invalid_table: bool) -> list[Probe]:
    out = [Probe("constraints", None, " OR ".join(f"NOT ({c})" for c in checks))] if checks else []
    if t is None:
        return out
    rules = {_norm(c) for c in checks}
    for f in t.fields:
        if f.name not in cols:
            continue
        if f.labels:
            allowed = [lab.value for lab in f.labels]
            listed = ", ".join("'" + v.replace("'", "''") + "'" for v in allowed)
            out.append(Probe("labels", f.name, f"{f.name} IS NOT NULL AND {f.name} NOT IN ({listed})",
                             any(_within(c, f.name, set(allowed)) for c in checks)))
        if f.type in SUSPECT and not f.system:
            out.append(Probe("formats", f.name, f"{f.name} IS NOT NULL AND {SUSPECT[f.type].format(c=f.name)}",
                             f.type in ("date", "datetime") and _either(f.name, f"{f.name} glob '{_DATE}'", rules)))
        if f.name in MASKABLE.get(t.name, ()):
            out.append(Probe("masked", f.name, f"instr({f.name}, '*') > 0",
                             _either(f.name, f"instr({f.name},'*')=0", rules)))
    if ids:
        out.append(Probe("ids", t.key, f"NOT coalesce({ids}, 0)"))
    if t.name == "customers" and {"phone", "email"} <= cols:
        kept = ("customer_id NOT IN (SELECT customer_id FROM invalid_values WHERE table_name = 'customers' "
                "AND field IN ('phone', 'email') AND customer_id IS NOT NULL)")  # listed under invalid instead
        out.append(Probe("unreachable", None, "coalesce(phone, '') = '' AND coalesce(email, '') = ''"
                         + (f" AND {kept}" if invalid_table else "")))
    return out


def _norm(sql: str) -> str:
    return re.sub(r"\s*([(),=])\s*", r"\1", re.sub(r"\s+", " ", sql)).strip().lower()


def _either(column: str, rule: str, rules: set[str]) -> bool:
    """RULE, or "COLUMN IS NULL OR RULE", is one of the table's CHECKs (normalised)."""
    return rule in rules or f"{column} is null or {rule}" in rules


def _within(check: str, column: str, allowed: set[str]) -> bool:
    """CHECK is "COLUMN IN ('a', 'b', ...)" listing only ALLOWED values: a value outside ALLOWED breaks it."""
    m = re.fullmatch(r"\s*" + column + r"\s+IN\s*\((.*)\)\s*", check, re.IGNORECASE | re.DOTALL)
    if not m:
        return False
    literal = r"'((?:[^']|'')*)'"
    if re.sub(literal, "", m.group(1)).replace(",", "").strip():
        return False  # not a plain list of strings
    return {v.replace("''", "'") for v in re.findall(literal, m.group(1))} <= allowed


def tables(conn: sqlite3.Connection) -> list[tuple[str, str | None]]:
    """(name, CREATE statement) of every table, in the order they were made."""
    return [(r[0], r[1]) for r in conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY rowid")]


def scan(conn: sqlite3.Connection) -> Hits:
    """Every probe's rows, each table read once."""
    have = tables(conn)
    invalid_table = any(name == "invalid_values" for name, _sql in have)
    hits: Hits = {}
    for name, sql in have:
        hits.update(scan_table(conn, name, sql, invalid_table=invalid_table))
    return hits


def scan_table(conn: sqlite3.Connection, name: str, sql: str | None, *, invalid_table: bool) -> Hits:
    """The probes' rows of table NAME (made by SQL); INVALID_TABLE: the file has invalid_values."""
    t = fields.TABLES.get(name)
    info = conn.execute(f'PRAGMA table_info("{name}")').fetchall()
    hits: Hits = {}
    try:
        # with NOT NULL, which the integrity checks are not asked for. Not `col IS NOT NULL`:
        # SQLite takes that as true for a column declared NOT NULL without reading it.
        checks = check_constraints(sql) + [f'coalesce("{r[1]}", NULL) IS NOT NULL' for r in info if r[3]]
    except ValueError:  # a definition this reader cannot take apart: SQLite's own check counts its rows
        checks = []
        broken = [(None, None) for (line,) in conn.execute(f'PRAGMA quick_check("{name}")')
                  if line.startswith(("CHECK constraint failed", "NULL value in"))]
        if broken:
            hits[("constraints", name, None)] = broken
    key = id_column(name)
    probes = _probes(t, {r[1] for r in info}, checks, ids=well_formed(name, key) if key else None,
                     invalid_table=invalid_table)
    if probes:
        _read(conn, name, key_expr(t) if t else "NULL", probes, hits)
    for rows in hits.values():
        rows.sort(key=lambda r: _order(r[0]))
    return hits


def _order(value: Any) -> tuple[int, Any]:
    """SQLite's ORDER BY: NULL, numbers, text, blobs."""
    if value is None:
        return (0, 0)
    if isinstance(value, int | float):
        return (1, value)
    return (2, value) if isinstance(value, str) else (3, bytes(value))


def _read(conn: sqlite3.Connection, table: str, key: str, probes: list[Probe], hits: Hits) -> None:
    """Run TABLE's probes in one SELECT. A probe implied by a CHECK stays out of the WHERE (the
    constraints probe brings its rows) and is evaluated only on the rows returned."""
    values = list(dict.fromkeys(p.field for p in probes if p.field))
    flags = ", ".join(f"({p.where})" for p in probes)
    query = (f'SELECT {", ".join([key, *values])}, {flags} FROM "{table}" WHERE '
             + " OR ".join(f"({p.where})" for p in probes if not p.implied))
    rows = conn.execute(query).fetchall()
    at = {v: i + 1 for i, v in enumerate(values)}
    for row in rows:
        for i, p in enumerate(probes):
            if row[1 + len(values) + i]:
                hits.setdefault((p.check, table, p.field), []).append((row[0], row[at[p.field]] if p.field else None))


def foreign_key_violations(conn: sqlite3.Connection) -> list[tuple[str, int | None, str, int]]:
    """PRAGMA foreign_key_check's rows (table, rowid, parent, foreign key id), found a cheaper way
    where it can be.

    The pragma looks every child row's parent up: 650k look-ups at 100k customers, 0.4 s. A table
    with a rowid whose foreign keys are single columns into a unique parent key has only its
    distinct values looked up (along its index when it has one: 100k), and only rows holding a
    missing value are read. Any other table is left to the pragma."""
    out: list[tuple[str, int | None, str, int]] = []
    for table, sql in conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table' "
                                   "AND name NOT LIKE 'sqlite_%' ORDER BY rowid").fetchall():
        keys = conn.execute(f'PRAGMA foreign_key_list("{table}")').fetchall()
        if not keys:
            continue
        if not _distinct_will_do(conn, sql, keys):
            out += [(r[0], r[1], r[2], r[3]) for r in conn.execute(f'PRAGMA foreign_key_check("{table}")')]
            continue
        found = []
        for fkid, _seq, parent, col, to, *_ in keys:
            missing = [r[0] for r in conn.execute(
                f'SELECT d.v FROM (SELECT DISTINCT "{col}" AS v FROM "{table}" WHERE "{col}" IS NOT NULL) d '
                f'WHERE NOT EXISTS (SELECT 1 FROM "{parent}" p WHERE p."{to}" = d.v)')]
            for i in range(0, len(missing), 500):
                chunk = missing[i:i + 500]
                found += [(rowid, fkid, parent) for (rowid,) in conn.execute(
                    f'SELECT rowid FROM "{table}" WHERE "{col}" IN ({",".join("?" * len(chunk))})', chunk)]
        out += [(table, rowid, parent, fkid) for rowid, fkid, parent in sorted(found)]
    return out


def _distinct_will_do(conn: sqlite3.Connection, sql: str | None, keys: list[Any]) -> bool:
    """Each foreign key one column, into a parent column with a UNIQUE index; the table has a rowid."""
    from crmcli.doctor_ids import unique

    if "WITHOUT ROWID" in (sql or "").upper():
        return False
    ids = [k[0] for k in keys]
    return len(ids) == len(set(ids)) and all(
        to is not None and conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                                        (parent,)).fetchone() and unique(conn, parent, to)
        for _fkid, _seq, parent, _col, to, *_ in keys)
