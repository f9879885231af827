"""Bulk update as a library: plan (what would change) then apply (one logged transaction)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import Any

from crmcli import audit, fields, filters, records
from crmcli.errors import InvalidValue


@dataclass
class Plan:
    table: str
    values: dict[str, Any]
    matched: int = 0
    changes: list[tuple[str, dict[str, tuple[Any, Any]]]] = field(default_factory=list)


def plan(conn: sqlite3.Connection, table: str, args: list[str], raw: dict[str, Any]) -> Plan:
    t = fields.table(table)
    if not [a for a in args if a.strip()]:
        raise InvalidValue("a bulk update needs at least one filter")
    values = records.prepare(t.name, raw)
    if not values:
        raise InvalidValue("nothing to change: give --set field=value")
    if t.key in values:
        raise InvalidValue(f"{t.key} cannot be set on many records at once")
    cols = list(dict.fromkeys([t.key, *values]))
    _, rows = filters.select(conn, t.name, args, columns=cols)
    p = Plan(t.name, values)
    for row in rows:
        p.matched += 1
        diff = {k: (row[k], v) for k, v in values.items() if row[k] != v}
        if diff:
            p.changes.append((str(row[t.key]), diff))
    return p


def apply(conn: sqlite3.Connection, p: Plan, args: list[str]) -> int:
    """Write a plan in one logged operation; returns the operation id."""
    with audit.operation(conn, "bulk-update", f"update {len(p.changes)} {p.table}",
                         details={"filters": args, "set": p.values}) as op:
        for key, _diff in p.changes:
            records.update(conn, key, p.values, table=p.table, op=op)
        return op.op_id
