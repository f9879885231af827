"""How filters.py chooses the SQL form of a module condition: which conditions an
index answers, and whether the candidate customers are few enough to probe.

A module condition can be asked two ways:
  IN      customer_id IN (SELECT customer_id FROM orders WHERE ...)  - the child
          table (or its index range) is read once and each customer is probed;
  EXISTS  EXISTS (SELECT 1 FROM orders WHERE customer_id = c.customer_id AND ...)
          - the child rows of each candidate customer are read through the
          (customer_id, ...) index.
IN wins when the condition itself is the most selective one (orders.date>=-3m
reads a range of idx_orders_date_customer_amount once), or when every customer is
a candidate. EXISTS wins when another condition leaves far fewer candidates: the
condition has no index (followups.by~经理 would scan two million follow-ups; with
tag=重点维护 as the driver, 0.6 s against 1.9 s on a million customers — the other
way round EXISTS takes 24 s), or it holds for many rows (tickets.satisfaction>=4:
building a 600,000-entry lookup costs more than probing 70,000 candidates).

So each condition an index narrows is counted with LIMIT CAP+1 (a bounded cost:
at most CAP index entries each); the smallest bounds the candidates; a module
condition is probed per candidate when it has no index or counts more rows than
the candidates (RATIO). Aggregates are then computed per candidate too; one
that a covering index answers (orders.count, orders.sum(amount)) is computed per
candidate up to INDEX_CAP candidates (status=流失 orders.count=0: 0.7 s against
2.0 s for grouping three million orders), counted again only in that case.

Index knowledge is read from schema.sql, so new indexes are used without edits here.
"""

from __future__ import annotations

import functools
import re
import sqlite3
from typing import Any

from crmcli import fields

CAP = 100_000  # conditions are counted up to this many rows (a bounded cost per query)
INDEX_CAP = 400_000  # the same for an aggregate a covering index answers: a seek per candidate, no row reads
RATIO = 1  # probe a condition per candidate when it holds for RATIO times more rows than the candidates
RANGE_OPS = ("=", ">", ">=", "<", "<=")
_INDEX_RE = re.compile(r"CREATE\s+(?:UNIQUE\s+)?INDEX\s+IF\s+NOT\s+EXISTS\s+\w+\s+ON\s+(\w+)\s*\(([^)]*)\)", re.I)


@functools.cache
def indexes() -> dict[str, list[tuple[str, ...]]]:
    """table -> the column lists of its indexes in schema.sql, primary keys included."""
    from crmcli.db import schema_sql

    out: dict[str, list[tuple[str, ...]]] = {}
    for m in _INDEX_RE.finditer(schema_sql()):
        cols = tuple(c.strip().split()[0] for c in m.group(2).split(",") if c.strip())
        out.setdefault(m.group(1), []).append(cols)
    for t in fields.TABLES.values():
        out.setdefault(t.name, []).append((t.key,) if t.name != "tags" else ("customer_id", "tag"))
    return out


def leads_index(table: str, column: str) -> bool:
    return any(cols[0] == column for cols in indexes().get(table, []))


def covered(table: str, columns: set[str]) -> bool:
    """Can a (customer_id, ...) index of TABLE answer a query over COLUMNS without reading the table?"""
    return any(cols[0] == "customer_id" and columns <= set(cols) for cols in indexes().get(table, []))


def indexable(table: str, field: fields.Field | None, op: str, value: str) -> bool:
    """Does an index narrow `field OP value` (a range or equality on an index's first column)?"""
    return field is not None and op in RANGE_OPS and value != "" and leads_index(table, field.name)


def capped_count(conn: sqlite3.Connection, sql: str, params: list[Any], cap: int = CAP) -> int:
    """Rows of SQL, counted up to CAP + 1: reads at most that many index entries, whatever the table size."""
    return int(conn.execute(f"SELECT count(*) FROM ({sql} LIMIT {int(cap) + 1})", params).fetchone()[0])
