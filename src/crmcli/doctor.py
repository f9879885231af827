"""`crm doctor`: find what is wrong in a database, and fix what can be fixed safely.

Checks, each yielding Findings:
- integrity      PRAGMA integrity_check (page-level damage: only a backup helps)
- orphans        PRAGMA foreign_key_check plus merged_ids pointing nowhere
- labels         fixed-label columns holding a value outside the schema's list
                 (older data, other tools, or CHECKs missing from an old file)
- formats        dates, phones, emails not in stored form (2024/5/20, +86 138-...)
- masked         phones/emails stored masked (138****5678): the number is lost
- unreachable    customers with neither phone nor e-mail (crmcli.rules: every write refuses that)
- invalid        values kept aside by `crm import --keep-invalid` (seed 003's quarterly clean-up)
- ids            malformed record ids (spaces, wrong prefix, impossible date)
- duplicate_ids  ids equal but for case/spaces, or a live id also listed as merged away
- schema         drift from schema.sql: missing tables/columns/indexes/triggers,
                 definitions that differ, journal mode not WAL

`fix()` repairs the safe ones in one logged operation (`crm log show OP_ID` lists
every row before and after; undo refuses where the old value breaks the schema,
which is why it was a problem): creates what the schema lacks, maps recognisable labels to their
canonical value, moves masked phones out of the phone field into notes, and
re-points records of merged-away customers to the survivor. Damage, unknown
orphans, odd ids and unrecognisable labels need a person; the finding says so.
"""

from __future__ import annotations

import concurrent.futures
import re
import sqlite3
from dataclasses import dataclass
from typing import Any

from crmcli import audit, db, fields
from crmcli.doctor_ids import check_duplicate_ids, check_ids
from crmcli.errors import CrmError, InvalidValue
from crmcli.findings import EXAMPLES, FieldName, Finding, Joined, LabelName, Msg, Stored, TableName, Word
from crmcli.i18n import N_


@dataclass
class FixResult:
    op_id: int | None
    fixed: list[str]
    remaining: list[Finding]


def diagnose(conn: sqlite3.Connection, *, quick: bool = False) -> list[Finding]:
    """Every problem found, in check order; an empty list is a healthy database.

    The integrity check runs on a second connection in a thread while the other checks run
    here (SQLite lets go of the GIL): on two cores the wait is the longer of the two, not the
    sum. A connection with uncommitted changes is checked in turn (another one would not see them)."""
    path = next((r[2] for r in conn.execute("PRAGMA database_list") if r[1] == "main"), "")
    if not path or conn.in_transaction:
        out = check_integrity(conn, quick=quick)
        if any(f.check == "integrity" for f in out):  # a damaged file gives unreliable answers to the rest
            return out
        return out + _data_checks(conn)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        integrity = pool.submit(_integrity_of, path, quick)
        try:
            rest, error = _data_checks(conn), None
        except sqlite3.DatabaseError as e:
            rest, error = [], e
        out = integrity.result()
    if any(f.check == "integrity" for f in out):
        return out
    if error:
        raise error
    return out + rest


def _integrity_of(path: str, quick: bool) -> list[Finding]:
    own = sqlite3.connect(path, timeout=db.BUSY_TIMEOUT_MS / 1000)
    try:
        return check_integrity(own, quick=quick)
    finally:
        own.close()


def _data_checks(conn: sqlite3.Connection) -> list[Finding]:
    out: list[Finding] = []
    out += check_schema(conn)
    out += check_orphans(conn)
    out += check_labels(conn)
    out += check_formats(conn)
    out += check_masked(conn)
    out += check_invalid(conn)
    out += check_ids(conn)
    out += check_duplicate_ids(conn)
    out += check_unreachable(conn)
    return out


def check_unreachable(conn: sqlite3.Connection) -> list[Finding]:
    """Customers with neither phone nor email (the template requires one): nobody can reach them."""
    rows = [r[0] for r in conn.execute(
        "SELECT customer_id FROM customers WHERE coalesce(phone, '') = '' AND coalesce(email, '') = '' "
        "AND customer_id NOT IN (SELECT customer_id FROM invalid_values WHERE table_name = 'customers' "
        "AND field IN ('phone', 'email') AND customer_id IS NOT NULL) "  # kept aside: listed under invalid
        "ORDER BY customer_id")]
    if not rows:
        return []
    return [Finding("unreachable", "customers", len(rows),
                    Msg("unreachable.no_contact", N_("{n} customers have neither phone nor email (联系方式 is required)"),
                        n=len(rows)), None,
                    rows[:EXAMPLES])]


def damage_finding(db_path: str, lines: list[str]) -> Finding:
    """Damage needs a person: the finding names the latest good backup to restore, or salvage."""
    from crmcli.salvage import way_forward

    return Finding("integrity", None, len(lines), Msg("integrity.damaged", N_("the database file is damaged: {lines} — {way}"),
                   lines=Joined(lines[:3], "; ", "；"), way=way_forward(db_path)), None, lines[:EXAMPLES])


def damage_before_opening(db_path: str) -> list[Finding]:
    """Damage seen on a read-only connection, before a writable one could checkpoint a stale
    -wal into the file and make it worse (crmcli.salvage.damage)."""
    from crmcli.salvage import damage

    lines = damage(db.check_file(db_path))
    return [damage_finding(db_path, lines)] if lines else []


def check_integrity(conn: sqlite3.Connection, *, quick: bool = False) -> list[Finding]:
    """integrity_check, or (quick) quick_check plus a count of every index's entries.

    At 100k customers integrity_check costs 4.6 s of CPU, most of it looking every row up in
    every index; quick_check checks pages, records and CHECKs in 1 s, and counting each
    index against its table (0.06 s) still finds the commonest index damage, an index
    missing rows or holding extra ones. Only a stale key inside an index needs the full check."""
    try:
        rows = [r[0] for r in conn.execute("PRAGMA quick_check" if quick else "PRAGMA integrity_check")]
        if quick:
            rows = [r for r in rows if r != "ok"] + _index_counts(conn)
            rows = rows or ["ok"]
    except sqlite3.OperationalError:
        raise
    except sqlite3.DatabaseError as e:  # SQLite gave up on a page mid-check
        rows = [str(e)]
    if rows == ["ok"]:
        return []
    # integrity_check also reports rows breaking CHECK / NOT NULL rules: data, not damage.
    rules: dict[str, int] = {}
    damage = []
    for line in rows:
        m = re.match(r"(?:CHECK constraint failed in|NULL value in) (\w+)", line)
        if m:
            rules[m.group(1)] = rules.get(m.group(1), 0) + 1
        else:
            damage.append(line)
    out = [Finding("constraints", t, n, Msg("constraints.broken", N_("{n} {table} rows break a rule of the schema "
                   "(CHECK / NOT NULL); the findings below name the ones crm recognises"), n=n, table=TableName(t)),
                   None) for t, n in rules.items()]
    if damage:
        path = next((r[2] for r in conn.execute("PRAGMA database_list") if r[1] == "main"), "") or "the database"
        out.insert(0, damage_finding(path, damage))
    return out


def _index_counts(conn: sqlite3.Connection) -> list[str]:
    """integrity_check's "wrong # of entries in index X" line for each index whose entry count
    differs from its table's row count (partial indexes: rows meeting its WHERE)."""
    out: list[str] = []
    totals: dict[tuple[str, str], int] = {}
    for name, table, sql in conn.execute("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' "
                                         "ORDER BY tbl_name, name").fetchall():
        part = re.search(r"\bWHERE\b(.*)$", sql or "", re.IGNORECASE | re.DOTALL)
        where = f" WHERE {part.group(1)}" if part else ""
        if (table, where) not in totals:
            totals[(table, where)] = conn.execute(f'SELECT count(*) FROM "{table}" NOT INDEXED{where}').fetchone()[0]
        # sum(1), not count(*): SQLite counts along the smallest index whatever INDEXED BY says.
        n = conn.execute(f'SELECT coalesce(sum(1), 0) FROM "{table}" INDEXED BY "{name}"{where}').fetchone()[0]
        if n != totals[(table, where)]:
            out.append(Msg("integrity.index_count", N_("wrong # of entries in index {name}"), name=name))
    return out


# ------------------------------------------------------------------------------------ schema

def norm_sql(sql: str | None) -> str:
    text = re.sub(r"--[^\n]*", " ", sql or "")
    text = re.sub(r"\s+", " ", text).strip()
    return re.sub(r"\s*([(),=])\s*", r"\1", text).lower()


def expected_schema() -> sqlite3.Connection:
    ref = sqlite3.connect(":memory:")
    ref.executescript(db.schema_sql())
    return ref


def _objects(conn: sqlite3.Connection) -> dict[tuple[str, str], str]:
    return {(r[0], r[1]): r[2] for r in conn.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' AND sql IS NOT NULL")}


def _schema_problems(conn: sqlite3.Connection) -> list[tuple[str, str, str, str | None, list[str]]]:
    """(kind, name, message, fix, fix_sql) for each difference from schema.sql."""
    ref = expected_schema()
    try:
        want, have = _objects(ref), _objects(conn)
        out: list[tuple[str, str, str, str | None, list[str]]] = []
        for (kind, name), sql in want.items():
            if (kind, name) not in have:
                out.append((kind, name, Msg("schema.missing", N_("{kind} {name} is missing"), kind=_kind(kind), name=name),
                            Msg("schema.create", N_("creates {kind} {name}"), kind=_kind(kind), name=name), [sql]))
            elif norm_sql(have[(kind, name)]) != norm_sql(sql):
                if kind == "table":
                    want_cols = [r[1] for r in ref.execute(f"PRAGMA table_info({name})")]
                    have_cols = {r[1] for r in conn.execute(f"PRAGMA table_info({name})")}
                    missing = [c for c in want_cols if c not in have_cols]
                    for col in missing:
                        decl = next(r for r in ref.execute(f"PRAGMA table_info({name})") if r[1] == col)
                        out.append(("column", f"{name}.{col}", Msg("schema.missing_column", N_(
                                    "table {table} lacks column {column}"), table=name, column=col), Msg(
                                    "schema.add_column", N_("adds column {table}.{column} ({type}, without its "
                                    "constraints)"), table=name, column=col, type=decl[2] or Word(N_("no type"))),
                                    [f'ALTER TABLE {name} ADD COLUMN "{col}" {decl[2]}']))
                    if not missing:
                        out.append((kind, name, Msg("schema.table_differs", N_("table {name} is defined differently "
                                    "from schema.sql (columns or constraints)"), name=name), None, []))
                else:
                    out.append((kind, name, Msg("schema.differs", N_("{kind} {name} is defined differently from "
                                "schema.sql"), kind=_kind(kind), name=name), Msg("schema.recreate", N_(
                                "recreates {kind} {name}"), kind=_kind(kind), name=name), [f"DROP {kind.upper()} {name}", sql]))
        for (kind, name) in have:
            if (kind, name) not in want:
                out.append((kind, name, Msg("schema.extra", N_("{kind} {name} is not in schema.sql"), kind=_kind(kind),
                                                name=name), None, []))
        return out
    finally:
        ref.close()


def _kind(kind: str) -> Word:
    """table / index / trigger / view, translated when shown."""
    return Word(kind, "schema object")


def check_schema(conn: sqlite3.Connection) -> list[Finding]:
    out = [Finding("schema", name.split(".")[0], 1, msg, fix, [name]) for _, name, msg, fix, _ in _schema_problems(conn)]
    mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
    if mode.lower() != "wal":
        out.append(Finding("schema", None, 1, Msg("schema.journal_mode", N_("journal mode is {mode}, not wal "
                           "(concurrent use may see 'database is locked')"), mode=mode),
                           Msg("schema.wal", N_("switches the journal mode to wal"))))
    return out


# ----------------------------------------------------------------------------------- orphans

def _tables(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def _orphans(conn: sqlite3.Connection) -> dict[str, list[tuple[int, str | None, str | None]]]:
    """table -> [(rowid, customer_id, survivor or None)] for rows whose customer is gone."""
    out: dict[str, list[tuple[int, str | None, str | None]]] = {}
    have = _tables(conn)
    for table, rowid, parent, _fkid in conn.execute("PRAGMA foreign_key_check").fetchall():
        cid = None
        if parent == "customers" and "customer_id" in db.columns(conn, table):
            r = conn.execute(f"SELECT customer_id FROM {table} WHERE rowid = ?", (rowid,)).fetchone() \
                if rowid is not None else None
            cid = r[0] if r else None
        survivor = None
        if cid is not None and "merged_ids" in have:
            from crmcli.records import resolve_customer

            try:
                survivor = resolve_customer(conn, cid, names=False)
            except CrmError:
                survivor = None
        out.setdefault(table, []).append((rowid, cid, survivor))
    return out


def check_orphans(conn: sqlite3.Connection) -> list[Finding]:
    out: list[Finding] = []
    for table, rows in _orphans(conn).items():
        movable = [r for r in rows if r[2]]
        lost = [r for r in rows if not r[2]]
        if movable:
            out.append(Finding("orphans", table, len(movable), Msg("orphans.merged_away", N_(
                               "{n} {table} belong to customers that were merged away"), n=len(movable),
                               table=TableName(table)), Msg("orphans.move", N_("moves them to the surviving customer")),
                               [f"{c} -> {s}" for _, c, s in movable[:EXAMPLES]]))
        if lost:
            out.append(Finding("orphans", table, len(lost), Msg("orphans.lost", N_(
                               "{n} {table} belong to no existing customer"), n=len(lost), table=TableName(table)),
                               None, [str(c if c is not None else f"rowid {rid}") for rid, c, _ in lost[:EXAMPLES]]))
    if "merged_ids" in _tables(conn):
        rows = conn.execute("SELECT old_id, survivor_id FROM merged_ids m WHERE NOT EXISTS "
                            "(SELECT 1 FROM customers c WHERE c.customer_id = m.survivor_id) AND NOT EXISTS "
                            "(SELECT 1 FROM merged_ids m2 WHERE m2.old_id = m.survivor_id)").fetchall()
        if rows:
            out.append(Finding("orphans", "merged_ids", len(rows), Msg("orphans.dangling_merge", N_(
                               "{n} merged-away ids point to a survivor that no longer exists"), n=len(rows)), None,
                               [f"{a} -> {b}" for a, b in rows[:EXAMPLES]]))
    return out


# ------------------------------------------------------------------------------------ labels

def _label_problems(conn: sqlite3.Connection) -> list[tuple[fields.Table, fields.Field, list[tuple[Any, str, str | None]]]]:
    """(table, field, [(key, bad value, canonical or None)])."""
    out = []
    have = _tables(conn)
    for t in fields.TABLES.values():
        if t.name not in have:
            continue
        key = _key_expr(t)
        cols = set(db.columns(conn, t.name))
        for f in t.fields:
            if not f.labels or f.name not in cols:
                continue
            allowed = [lab.value for lab in f.labels]
            rows = conn.execute(
                f"SELECT {key}, {f.name} FROM {t.name} WHERE {f.name} IS NOT NULL "
                f"AND {f.name} NOT IN ({','.join('?' * len(allowed))})", allowed).fetchall()
            if not rows:
                continue
            bad = []
            for k, v in rows:
                try:
                    canon: str | None = fields.canonical(f, str(v))
                except InvalidValue:
                    canon = None
                bad.append((k, str(v), canon))
            out.append((t, f, bad))
    return out


def _key_expr(t: fields.Table) -> str:
    # tags is WITHOUT ROWID with a two-column key: address a row by both, as JSON.
    return "json_array(customer_id, tag)" if t.name == "tags" else t.key


def check_labels(conn: sqlite3.Connection) -> list[Finding]:
    out = []
    for t, f, bad in _label_problems(conn):
        mappable = [b for b in bad if b[2]]
        unknown = [b for b in bad if not b[2]]
        if mappable:
            out.append(Finding("labels", t.name, len(mappable), Msg("labels.not_stored_value", N_(
                               "{n} {field} values are labels, not the stored value"), n=len(mappable),
                               field=FieldName(t.name, f.name)), Msg("labels.canonical", N_(
                               "stores the canonical value ({pairs})"),
                               pairs=Joined([Stored(v, c) for v, c in sorted({(v, c) for _, v, c in mappable})[:3]])),
                               [f"{k}: {v}" for k, v, _ in mappable[:EXAMPLES]]))
        if unknown:
            out.append(Finding("labels", t.name, len(unknown), Msg("labels.outside_list", N_(
                               "{n} {field} values are outside the fixed list ({values})"), n=len(unknown),
                               field=FieldName(t.name, f.name), values=Joined([LabelName(lab) for lab in f.labels])),
                               None, [f"{k}: {v}" for k, v, _ in unknown[:EXAMPLES]]))
    return out


# ----------------------------------------------------------------------------------- formats

_DATE = "[12][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]"
# SQL prefilters: only values that are not already in stored form reach Python.
_SUSPECT = {
    "date": f"NOT {{c}} GLOB '{_DATE}'",
    "datetime": f"NOT {{c}} GLOB '{_DATE}' AND NOT {{c}} GLOB '{_DATE} [0-2][0-9]:[0-5][0-9]:[0-5][0-9]'",
    "phone": "instr({c}, '*') = 0 AND NOT {c} GLOB '1[3-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]' "
             "AND NOT {c} GLOB '0[1-9][0-9]-[2-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]' "
             "AND NOT {c} GLOB '0[1-9][0-9][0-9]-[2-9][0-9][0-9][0-9][0-9][0-9][0-9]*'",
    "email": "instr({c}, '*') = 0 AND ({c} GLOB '*[A-Z]*' OR {c} GLOB '*[ ]*' OR {c} != trim({c}))",
}


def _format_problems(conn: sqlite3.Connection) -> list[tuple[fields.Table, fields.Field, list[tuple[Any, str, Any]]]]:
    """(table, field, [(key, stored value, proper form or None when unreadable)])."""
    from crmcli.values import coerce

    out = []
    have = _tables(conn)
    for t in fields.TABLES.values():
        if t.name not in have:
            continue
        cols = set(db.columns(conn, t.name))
        for f in t.fields:
            if f.type not in _SUSPECT or f.name not in cols or f.system:
                continue
            rows = conn.execute(f"SELECT {_key_expr(t)}, {f.name} FROM {t.name} WHERE {f.name} IS NOT NULL "
                                f"AND {_SUSPECT[f.type].format(c=f.name)}").fetchall()
            bad = []
            for k, v in rows:
                try:
                    proper = coerce(f, v)
                except InvalidValue:
                    proper = None
                if proper != v:
                    bad.append((k, str(v), proper))
            if bad:
                out.append((t, f, bad))
    return out


def check_formats(conn: sqlite3.Connection) -> list[Finding]:
    out = []
    for t, f, bad in _format_problems(conn):
        fixable = [b for b in bad if b[2] is not None]
        unreadable = [b for b in bad if b[2] is None]
        if fixable:
            out.append(Finding("formats", t.name, len(fixable), Msg("formats.not_stored_form", N_(
                               "{n} {field} values are not in stored form ({type})"), n=len(fixable),
                               field=FieldName(t.name, f.name), type=Word(f.type, "value type")),
                               Msg("formats.normalise", N_("stores them normalised")),
                               [f"{k}: {v} -> {p}" for k, v, p in fixable[:EXAMPLES]]))
        if unreadable:
            out.append(Finding("formats", t.name, len(unreadable), Msg("formats.unreadable", N_(
                               "{n} {field} values are not a readable {type}"), n=len(unreadable),
                               field=FieldName(t.name, f.name), type=Word(f.type, "value type")),
                               None, [f"{k}: {v}" for k, v, _ in unreadable[:EXAMPLES]]))
    return out


def _fix_formats(conn: sqlite3.Connection, op: audit.Operation) -> int:
    n = 0
    for t, f, bad in _format_problems(conn):
        key = _key_expr(t)
        for k, _v, proper in bad:
            if proper is None:
                continue
            old = _row(conn, t.name, key, k)
            conn.execute(f"UPDATE {t.name} SET {f.name} = ? WHERE {key} = ?", (proper, k))
            new = _row(conn, t.name, key, k)
            op.change(t.name, _log_key(t.name, new), "update", old=old, new=new)
            n += 1
    return n


# ------------------------------------------------------------------------------------ masked

def _masked_rows(conn: sqlite3.Connection) -> list[tuple[str, str, str, Any, str]]:
    """(table, key column, column, key, value) of phones/emails stored masked."""
    out = []
    have = _tables(conn)
    for table, key in (("customers", "customer_id"), ("contacts", "contact_id")):
        if table not in have:
            continue
        for col in ("phone", "email"):
            if col in db.columns(conn, table):
                out += [(table, key, col, k, v) for k, v in conn.execute(
                    f"SELECT {key}, {col} FROM {table} WHERE instr({col}, '*') > 0")]
    return out


def check_masked(conn: sqlite3.Connection) -> list[Finding]:
    out = []
    groups: dict[tuple[str, str], list[tuple[Any, str]]] = {}
    for table, _key, col, k, v in _masked_rows(conn):
        groups.setdefault((table, col), []).append((k, v))
    for (table, col), rows in groups.items():
        out.append(Finding("masked", table, len(rows), Msg("masked.stored_masked", N_(
                           "{n} {field} values are stored masked: the real value is lost"), n=len(rows),
                           field=FieldName(table, col)), Msg("masked.move_to_notes", N_(
                           "moves the masked {column} into notes and empties {column} (ask the customer again)"),
                           column=FieldName(table, col)), [f"{k}: {v}" for k, v in rows[:EXAMPLES]]))
    return out


def check_invalid(conn: sqlite3.Connection) -> list[Finding]:
    """Values `crm import --keep-invalid` kept aside, per table and field, with the query that lists them."""
    from crmcli import invalid

    if "invalid_values" not in _tables(conn):
        return []
    out = []
    for table, name, n in invalid.counts(conn):
        rows = conn.execute("SELECT row_id, raw, reason FROM invalid_values WHERE table_name = ? AND field = ? "
                            "ORDER BY invalid_id LIMIT ?", (table, name, EXAMPLES)).fetchall()
        query = f"crm query {'' if table == 'customers' else table + ' '}invalid={name}"
        out.append(Finding("invalid", table, n, Msg("invalid.kept_aside", N_(
                           "{n} {field} values were kept aside as invalid on import: list them with `{query}`, fix "
                           "each with `crm update ID --set {name}=…`"), n=n, field=FieldName(table, name), query=query,
                           name=name), None, [f"{k}: {invalid.mask(name, raw)} ({why})" for k, raw, why in rows]))
    return out


# ---------------------------------------------------------------------------------------- fix

def fix(conn: sqlite3.Connection, *, quick: bool = False) -> FixResult:
    """Repair what can be repaired safely, in one logged operation (quick: as in diagnose)."""
    fixed: list[str] = []
    before = diagnose(conn, quick=quick)
    if any(f.check == "integrity" for f in before):
        return FixResult(None, [], before)
    if not any(f.fix for f in before):
        return FixResult(None, [], before)
    with audit.operation(conn, "doctor", "crm doctor --fix") as op:
        for _kind, _name, _msg, fix_text, sql in _schema_problems(conn):
            if fix_text and sql:
                for stmt in sql:
                    conn.execute(stmt)
                fixed.append(Msg("fixed.schema", N_("schema: {what}"), what=fix_text))
        n = _fix_labels(conn, op)
        if n:
            fixed.append(Msg("fixed.labels", N_("labels: {n} values stored canonically"), n=n))
        n = _fix_formats(conn, op)
        if n:
            fixed.append(Msg("fixed.formats", N_("formats: {n} values stored normalised"), n=n))
        n = _fix_masked(conn, op)
        if n:
            fixed.append(Msg("fixed.masked", N_("masked: {n} masked phones/emails moved into notes"), n=n))
        n = _fix_orphans(conn, op)
        if n:
            fixed.append(Msg("fixed.orphans", N_("orphans: {n} records moved to the surviving customer"), n=n))
        op.set_summary("crm doctor --fix: " + "; ".join(fixed), {"fixed": fixed})
        op_id = op.op_id
    if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
        conn.execute("PRAGMA journal_mode = WAL")
        fixed.append(Msg("fixed.wal", N_("schema: journal mode set to wal")))
    return FixResult(op_id, fixed, diagnose(conn, quick=quick))


def _row(conn: sqlite3.Connection, table: str, key: str, value: Any) -> sqlite3.Row:
    return conn.execute(f"SELECT * FROM {table} WHERE {key} = ?", (value,)).fetchone()


def _log_key(table: str, row: sqlite3.Row) -> Any:
    if table == "tags":
        return [row["customer_id"], row["tag"]]
    return str(row[fields.TABLES[table].key])


def _fix_labels(conn: sqlite3.Connection, op: audit.Operation) -> int:
    n = 0
    for t, f, bad in _label_problems(conn):
        key = _key_expr(t)
        for k, _v, canon in bad:
            if canon is None:
                continue
            old = _row(conn, t.name, key, k)
            mark = conn.execute("SELECT coalesce(max(id), 0) FROM status_history").fetchone()[0]
            conn.execute(f"UPDATE {t.name} SET {f.name} = ? WHERE {key} = ?", (canon, k))
            # Spelling a status canonically is not a move in the funnel: drop the trigger's row.
            conn.execute("DELETE FROM status_history WHERE id > ?", (mark,))
            new = _row(conn, t.name, key, k)
            op.change(t.name, _log_key(t.name, new), "update", old=old, new=new)
            n += 1
    return n


def _fix_masked(conn: sqlite3.Connection, op: audit.Operation) -> int:
    n = 0
    for table, key, col, k, v in _masked_rows(conn):
        old = _row(conn, table, key, k)
        note = f"masked {col} {v} removed by crm doctor --fix"
        conn.execute(f"UPDATE {table} SET {col} = NULL, notes = trim(coalesce(notes || '\n', '') || ?) "
                     f"WHERE {key} = ?", (note, k))
        op.change(table, str(k), "update", old=old, new=_row(conn, table, key, k))
        n += 1
    return n


def _fix_orphans(conn: sqlite3.Connection, op: audit.Operation) -> int:
    n = 0
    for table, rows in _orphans(conn).items():
        if "customer_id" not in db.columns(conn, table) or table not in fields.TABLES:
            continue
        for rowid, _cid, survivor in rows:
            if not survivor:
                continue
            old = conn.execute(f"SELECT * FROM {table} WHERE rowid = ?", (rowid,)).fetchone()
            conn.execute(f"UPDATE {table} SET customer_id = ? WHERE rowid = ?", (survivor, rowid))
            new = conn.execute(f"SELECT * FROM {table} WHERE rowid = ?", (rowid,)).fetchone()
            op.change(table, _log_key(table, new), "update", old=old, new=new, customer_id=survivor)
            n += 1
    return n


def summary(findings: list[Finding]) -> dict[str, Any]:
    return {"ok": not findings, "problems": sum(1 for _ in findings),
            "fixable": sum(1 for f in findings if f.fix), "findings": [f.as_dict() for f in findings]}


