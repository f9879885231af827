"""`crm doctor`: find what is wrong in a database, and fix what can be fixed safely.

Checks, each yielding Findings (the row checks share one read of each table: crmcli.doctor_scan):
- integrity      quick_check + index entry counts, or (--full) integrity_check: damage, only a
                 backup helps (crmcli.doctor_integrity)
- constraints    rows breaking a CHECK / NOT NULL rule of the file's own table definitions
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

import re
import sqlite3
from dataclasses import dataclass
from typing import Any

from crmcli import audit, db, doctor_scan, fields
from crmcli import doctor_integrity as integrity
from crmcli.doctor_ids import check_duplicate_ids, check_ids
from crmcli.doctor_integrity import check_integrity, damage_before_opening, damage_finding, read_only_look
from crmcli.doctor_scan import Hits, key_expr
from crmcli.errors import CrmError, InvalidValue
from crmcli.findings import EXAMPLES, FieldName, Finding, Joined, LabelName, Msg, Stored, TableName, Word, shown
from crmcli.i18n import N_

__all__ = ["Finding", "FixResult", "check_integrity", "damage_before_opening", "damage_finding", "diagnose", "fix",
           "read_only_look", "summary"]


@dataclass
class FixResult:
    op_id: int | None
    fixed: list[str]
    remaining: list[Finding]


def diagnose(conn: sqlite3.Connection, *, quick: bool = False, pages_checked: bool = False) -> list[Finding]:
    """Every problem found, in check order; an empty list is a healthy database.

    quick: quick_check and index entry counts instead of integrity_check (crmcli.doctor_integrity);
    pages_checked: the caller has just had a read-only quick_check of the file pass
    (doctor_integrity.read_only_look, as `crm doctor` and `crm maintain` do before opening it),
    so a quick run only counts index entries. The checks run as jobs on two connections at once
    (doctor_scan.in_parallel): each table's row scan, each table's index counts, orphans."""
    have = doctor_scan.tables(conn)
    invalid_table = any(name == "invalid_values" for name, _sql in have)
    # Longest first, small ones last, so that neither connection is left with a big one at the end.
    full = [] if quick and pages_checked else [lambda c: integrity.integrity_lines(c, quick=quick)]
    scans = [lambda c, n=n, s=s: doctor_scan.scan_table(c, n, s, invalid_table=invalid_table) for n, s in have]
    counts = [lambda c, t=t: integrity.index_count_lines(c, t) for t in integrity.indexed_tables(conn)] if quick else []
    done = doctor_scan.in_parallel(conn, [*full, *scans, check_orphans, check_duplicate_ids, *counts])
    for r in done:
        if isinstance(r, sqlite3.OperationalError):  # busy or locked: no answer, not damage
            raise r
    damaged = done[:len(full)] + done[len(done) - len(counts):]
    damage = [line for r in damaged for line in (r if isinstance(r, list) else [str(r)])]
    if damage:  # a damaged file gives unreliable answers to the rest
        return integrity.as_findings(conn, damage)
    error = next((r for r in done if isinstance(r, sqlite3.DatabaseError)), None)
    if error:
        raise error
    *scanned, orphans, duplicate_ids = done[len(full):len(done) - len(counts)]
    hits: Hits = {k: v for part in scanned for k, v in part.items()}
    out: list[Finding] = check_constraints(hits)
    out += check_schema(conn)
    out += orphans
    out += check_labels(conn, hits)
    out += check_formats(conn, hits)
    out += check_masked(conn, hits)
    out += check_invalid(conn)
    out += check_ids(conn, hits)
    out += duplicate_ids
    out += check_unreachable(conn, hits)
    return out


def check_constraints(hits: Hits) -> list[Finding]:
    """Rows breaking a CHECK or NOT NULL rule of their table's own definition (counted by the row
    scan: SQLite's integrity checks here skip them)."""
    return [Finding("constraints", t, len(rows), Msg("constraints.broken", N_(
                    "{n} {table} rows break a rule of the schema (CHECK / NOT NULL); the findings below name the ones "
                    "crm recognises"), n=len(rows), table=TableName(t)), None)
            for (check, t, _f), rows in hits.items() if check == "constraints"]


def check_unreachable(conn: sqlite3.Connection, hits: Hits | None = None) -> list[Finding]:
    """Customers with neither phone nor email (the template requires one): nobody can reach them,
    unless the value was kept aside by import (listed under invalid)."""
    hits = doctor_scan.scan(conn) if hits is None else hits
    rows = [k for k, _v in hits.get(("unreachable", "customers", None), [])]
    if not rows:
        return []
    return [Finding("unreachable", "customers", len(rows),
                    Msg("unreachable.no_contact", N_("{n} customers have neither phone nor email (联系方式 is required)"),
                        n=len(rows)), None,
                    rows[:EXAMPLES])]


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
    for table, rowid, parent, _fkid in doctor_scan.foreign_key_violations(conn):
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

def _label_problems(conn: sqlite3.Connection, hits: Hits | None = None,
                    ) -> list[tuple[fields.Table, fields.Field, list[tuple[Any, str, str | None]]]]:
    """(table, field, [(key, bad value, canonical or None)])."""
    hits = doctor_scan.scan(conn) if hits is None else hits
    out = []
    for t in fields.TABLES.values():
        for f in t.fields:
            rows = hits.get(("labels", t.name, f.name))
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


def check_labels(conn: sqlite3.Connection, hits: Hits | None = None) -> list[Finding]:
    out = []
    for t, f, bad in _label_problems(conn, hits):
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

def _format_problems(conn: sqlite3.Connection, hits: Hits | None = None,
                     ) -> list[tuple[fields.Table, fields.Field, list[tuple[Any, str, Any]]]]:
    """(table, field, [(key, stored value, proper form or None when unreadable)]), among the
    values crmcli.doctor_scan's SQL prefilter (SUSPECT) did not find in stored form."""
    from crmcli.values import coerce

    hits = doctor_scan.scan(conn) if hits is None else hits
    out = []
    for t in fields.TABLES.values():
        for f in t.fields:
            rows = hits.get(("formats", t.name, f.name))
            if not rows:
                continue
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


def check_formats(conn: sqlite3.Connection, hits: Hits | None = None) -> list[Finding]:
    out = []
    for t, f, bad in _format_problems(conn, hits):
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


def _fix_formats(conn: sqlite3.Connection, op: audit.Operation, hits: Hits) -> int:
    n = 0
    for t, f, bad in _format_problems(conn, hits):
        key = key_expr(t)
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

def _masked_rows(conn: sqlite3.Connection, hits: Hits | None = None) -> list[tuple[str, str, str, Any, str]]:
    """(table, key column, column, key, value) of phones/emails stored masked."""
    hits = doctor_scan.scan(conn) if hits is None else hits
    return [(table, fields.TABLES[table].key, col, k, v)
            for table, cols in doctor_scan.MASKABLE.items() for col in cols
            for k, v in hits.get(("masked", table, col), [])]


def check_masked(conn: sqlite3.Connection, hits: Hits | None = None) -> list[Finding]:
    out = []
    groups: dict[tuple[str, str], list[tuple[Any, str]]] = {}
    for table, _key, col, k, v in _masked_rows(conn, hits):
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

def fix(conn: sqlite3.Connection, *, quick: bool = False, pages_checked: bool = False) -> FixResult:
    """Repair what can be repaired safely, in one logged operation (quick, pages_checked: as in diagnose)."""
    fixed: list[str] = []
    before = diagnose(conn, quick=quick, pages_checked=pages_checked)
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
        # One scan after the schema fixes serves the three below: each changes only its own
        # columns (labels; dates, phones, emails in stored form; masked ones), never a key.
        hits = doctor_scan.scan(conn)
        n = _fix_labels(conn, op, hits)
        if n:
            fixed.append(Msg("fixed.labels", N_("labels: {n} values stored canonically"), n=n))
        n = _fix_formats(conn, op, hits)
        if n:
            fixed.append(Msg("fixed.formats", N_("formats: {n} values stored normalised"), n=n))
        n = _fix_masked(conn, op, hits)
        if n:
            fixed.append(Msg("fixed.masked", N_("masked: {n} masked phones/emails moved into notes"), n=n))
        n = _fix_orphans(conn, op)
        if n:
            fixed.append(Msg("fixed.orphans", N_("orphans: {n} records moved to the surviving customer"), n=n))
        # the summary in the writer's language, as every log summary; the details keep the English
        op.set_summary("crm doctor --fix: " + "; ".join(shown(x) for x in fixed), {"fixed": [str(x) for x in fixed]})
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


def _fix_labels(conn: sqlite3.Connection, op: audit.Operation, hits: Hits) -> int:
    n = 0
    for t, f, bad in _label_problems(conn, hits):
        key = key_expr(t)
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


def _fix_masked(conn: sqlite3.Connection, op: audit.Operation, hits: Hits) -> int:
    n = 0
    for table, key, col, k, v in _masked_rows(conn, hits):
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


