"""Bulk update as a library: plan (what would change) then apply (one logged transaction).

    p = bulk.plan(conn, "customers", ["owner=张伟"], {"owner": "李娜"})
    p.matched, p.changes          # how many match; [(id, {field: (old, new)})]
    bulk.apply(conn, p, ["owner=张伟"])   # -> operation id; all or nothing
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from crmcli import audit, fields, filters, invalid, records, rules
from crmcli.errors import InvalidValue
from crmcli.i18n import _


@dataclass
class Plan:
    table: str
    values: dict[str, Any]
    matched: int = 0
    changes: list[tuple[str, dict[str, tuple[Any, Any]]]] = field(default_factory=list)


def plan(conn: sqlite3.Connection, table: str, args: Sequence[str], raw: dict[str, Any], *,
         today: date | None = None) -> Plan:
    """What setting RAW on every TABLE record matching ARGS would change; writes nothing."""
    t = fields.table(table)
    if not [a for a in args if a.strip()]:
        raise InvalidValue(_("a bulk update needs at least one filter (it would change every record)"))
    values = records.prepare(t.name, raw)
    if not values:
        raise InvalidValue(_("nothing to change: give --set field=value"))
    if t.key in values:
        raise InvalidValue(_("{field} cannot be set on many records at once").format(field=fields.shown_field(t.by_name[t.key])))
    checked = t.name == "customers"
    cols = list(dict.fromkeys([t.key, *values, *(rules.FIELDS if checked else ())]))
    _cols, rows = filters.select(conn, t.name, args, columns=cols, today=today)
    p = Plan(t.name, values)
    refused: dict[str, list[str]] = {}
    for row in rows:
        p.matched += 1
        diff = {k: (row[k], v) for k, v in values.items() if row[k] != v}
        if diff:
            p.changes.append((str(row[t.key]), diff))
            if checked:
                stored = dict(row)
                kept = invalid.kept_fields(conn, t.name, row[t.key]) - set(values)
                for msg in rules.problems({**stored, **values}, stored, kept=kept):
                    refused.setdefault(msg, []).append(str(row[t.key]))
    if refused:
        msg, keys = next(iter(refused.items()))
        raise InvalidValue(_("{problem}; refused for {n} of the {matched} matching {table} ({ids}); nothing changed").format(
            problem=msg, n=len(keys), matched=p.matched, table=fields.shown_table(t),
            ids=", ".join(keys[:5]) + (" …" if len(keys) > 5 else "")))
    return p


def apply(conn: sqlite3.Connection, p: Plan, args: Sequence[str]) -> int:
    """Write a plan in one logged operation (all or nothing); returns the operation id."""
    with audit.operation(conn, "bulk-update", _("update {n} {table} where {filters}").format(
            n=len(p.changes), table=fields.shown_table(p.table), filters=" ".join(args)),
                         details={"table": p.table, "filters": list(args), "set": p.values,
                                  "matched": p.matched}) as op:
        for key, _diff in p.changes:
            records.update(conn, key, p.values, table=p.table, op=op)
        return op.op_id
