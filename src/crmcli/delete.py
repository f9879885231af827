"""`crm delete ID…`: remove records of any module as one logged operation that `crm undo`
reverses exactly.

An id may name a customer (an id in any case, or a name: lookup.customer), a follow-up,
order, ticket or need (their template ids), or a contact person (`contact:12`, or the
bare number `crm show` lists). Deleting a customer takes everything that hangs on it —
every row of every table with a foreign key to customers (contacts, follow-ups, orders,
tickets, needs, tags, status history, segment history and figures), found in the schema
so a new module is covered too.

The log holds every deleted row in full, children before their customer, so undo (which
walks an operation backwards) puts the customer back first and then each row with its
own key and values: the database afterwards dumps equal to the one before. Ids of
customers merged into a deleted customer keep pointing at it (merged_ids), so they
resolve again after an undo.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import Any

from crmcli import audit, fields, records
from crmcli.errors import InvalidValue, NotFound
from crmcli.i18n import _


@dataclass
class Target:
    table: str
    key: str
    label: str  # what a person reads: "customer C2024… 北京华信科技有限公司"
    customer_id: str | None
    hanging: dict[str, int] = field(default_factory=dict)  # customers: table -> rows that go with it


@dataclass
class DeleteResult:
    op_id: int
    targets: list[Target]
    rows: int  # every row deleted, children included


def _child_tables(conn: sqlite3.Connection) -> list[str]:
    from crmcli.dedupe.merge import child_tables

    return child_tables(conn)


def _pk(conn: sqlite3.Connection, table: str) -> list[str]:
    cols = sorted((r[5], r[1]) for r in conn.execute(f"PRAGMA table_info({table})") if r[5])
    if not cols:
        raise InvalidValue(_("{table} has no primary key; its rows cannot be deleted exactly").format(table=table))
    return [c for _, c in cols]


def target(conn: sqlite3.Connection, text: str) -> Target:
    """What TEXT names: one record of some module."""
    raw = str(text).strip()
    if raw.lower().startswith("contact:") or raw.isdigit():
        number = raw.split(":", 1)[-1].strip()
        row = conn.execute("SELECT contact_id, customer_id, name FROM contacts WHERE contact_id = ?",
                           (int(number) if number.isdigit() else -1,)).fetchone()
        if row is None:
            raise NotFound(_("no contact {id}").format(id=number))
        return Target("contacts", str(row[0]), _("contact {id} {name} (of {customer})").format(
            id=row[0], name=row[2], customer=row[1]), row[1])
    table = records.table_of(conn, raw)
    key = records.record_key(conn, table, raw)
    if table == "customers":
        name = conn.execute("SELECT name FROM customers WHERE customer_id = ?", (key,)).fetchone()[0]
        t = Target("customers", key, _("customer {id} {name}").format(id=key, name=name), key)
        for child in _child_tables(conn):
            n = conn.execute(f"SELECT count(*) FROM {child} WHERE customer_id = ?", (key,)).fetchone()[0]
            if n:
                t.hanging[child] = int(n)
        return t
    tdef = fields.TABLES[table]
    row = conn.execute(f"SELECT customer_id FROM {table} WHERE {tdef.key} = ?", (key,)).fetchone()
    return Target(table, key, _("{record} {id} (of {customer})").format(record=table[:-1], id=key, customer=row[0]),
                  row[0])


def plan(conn: sqlite3.Connection, ids: list[str]) -> list[Target]:
    """The records IDS name, each once; a record whose customer is deleted too goes with it."""
    if not ids:
        raise InvalidValue(_("give the ids (or customer names) to delete"))
    out: dict[tuple[str, str], Target] = {}
    for text in ids:
        t = target(conn, text)
        out.setdefault((t.table, t.key), t)
    gone = {t.key for t in out.values() if t.table == "customers"}
    return [t for t in out.values() if t.table == "customers" or t.customer_id not in gone]


def _keeps_rowid(conn: sqlite3.Connection, table: str, pk: list[str]) -> bool:
    """Does TABLE have a rowid apart from its key? Then the log keeps it: a row re-inserted by undo
    gets its old rowid back, so the table reads (and dumps) in the same order as before."""
    sql = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).fetchone()[0]
    if "WITHOUT ROWID" in sql.upper():
        return False
    types = {r[1]: str(r[2]).upper() for r in conn.execute(f"PRAGMA table_info({table})")}
    return not (len(pk) == 1 and types.get(pk[0]) == "INTEGER")


def _delete_rows(conn: sqlite3.Connection, op: audit.Operation, table: str, where: str, params: list[Any],
                 customer_id: str | None) -> int:
    pk = _pk(conn, table)
    sel = "rowid AS rowid, *" if _keeps_rowid(conn, table, pk) else "*"
    rows = conn.execute(f"SELECT {sel} FROM {table} WHERE {where}", params).fetchall()
    for row in rows:
        key = row[pk[0]] if len(pk) == 1 else [row[c] for c in pk]
        op.change(table, str(key) if len(pk) == 1 else key, "delete", old=row, customer_id=customer_id)
    conn.execute(f"DELETE FROM {table} WHERE {where}", params)
    return len(rows)


def delete(conn: sqlite3.Connection, ids: list[str]) -> DeleteResult:
    """Delete the records IDS name (see plan) in one logged operation (kind "delete")."""
    with audit.operation(conn, "delete", "delete") as op:
        targets = plan(conn, ids)  # inside the write transaction: what is deleted is what was read
        n = 0
        for t in targets:
            if t.table == "customers":
                for child in _child_tables(conn):
                    n += _delete_rows(conn, op, child, "customer_id = ?", [t.key], t.key)
            pk = _pk(conn, t.table)
            n += _delete_rows(conn, op, t.table, f"{pk[0]} = ?", [t.key], t.customer_id)
        op.set_summary(_("delete {records}").format(records=", ".join(t.label for t in targets)),
                       {"deleted": [[t.table, t.key] for t in targets], "rows": n})
    return DeleteResult(op.op_id, targets, n)
