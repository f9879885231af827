"""Why a customer is in its segment: every rule, line and filter evaluated for that customer,
next to the figure each filter reads.

The figures are computed for the one customer as of the given day (default
today) into a TEMP customer_metrics table, so explain never writes to the
database and works before the first run; the stored segment of the current run
is reported beside the verdict, so "the data moved since the last run" is visible.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from crmcli import filters, records
from crmcli.segments import metrics
from crmcli.segments.rules import RuleSet
from crmcli.segments.runs import current_run

COLUMNS = ["rule", "label", "line", "filter", "figure", "holds", "line_holds", "rule_holds"]


@dataclass
class Explanation:
    customer_id: str
    name: str
    as_of: str
    segment: str | None  # first matching rule now
    stored: str | None  # customers.segment (the current run's verdict)
    stored_run_date: str | None
    figures: dict[str, Any]
    rows: list[dict[str, Any]] = field(default_factory=list)


def _holds(conn: sqlite3.Connection, args: list[str], customer_id: str, as_of: date) -> bool:
    c = filters.compile_filters("customers", args, today=as_of)
    row = conn.execute(f"SELECT ({c.where}) FROM customers WHERE customers.customer_id = ?",
                       [*c.params, customer_id]).fetchone()
    return bool(row and row[0])


def _figure(term: filters.Term, figures: dict[str, Any], card: dict[str, Any]) -> Any:
    """The value a filter compares, when it is one the customer has (a metric or a card field)."""
    if term.field is None or term.agg:
        return None
    if term.module == "customer_metrics":
        v = figures.get(term.field.name)
        return round(v, 4) if isinstance(v, float) else v
    if term.module is None:
        return card.get(term.field.name)
    return None


def explain(conn: sqlite3.Connection, customer_id: str, rules: RuleSet, as_of: date | None = None) -> Explanation:
    as_of = as_of or date.today()
    cid = records.resolve_customer(conn, customer_id)
    card = dict(conn.execute("SELECT * FROM customers WHERE customer_id = ?", (cid,)).fetchone())
    try:
        metrics.build(conn, as_of, temp=True, customer_id=cid)
        row = conn.execute("SELECT * FROM temp.customer_metrics WHERE customer_id = ?", (cid,)).fetchone()
        figures = dict(row) if row else {}
        cur = current_run(conn)
        out = Explanation(cid, card["name"], as_of.isoformat(), None, card.get("segment"),
                          cur["run_date"] if cur else None, figures)
        for rule in rules.rules:
            if rule.catch_all:
                hit = True
                out.rows.append({"rule": rule.name, "label": rule.zh, "line": None, "filter": "(everyone)",
                                 "figure": None, "holds": True, "line_holds": True, "rule_holds": True})
            else:
                hit = False
                for n, line in enumerate(rule.lines, 1):
                    args = rule.filters(line)
                    line_hit = _holds(conn, args, cid, as_of)
                    hit = hit or line_hit
                    for arg in args:
                        term = filters.parse(arg, "customers")
                        out.rows.append({"rule": rule.name, "label": rule.zh, "line": n, "filter": arg,
                                         "figure": _figure(term, figures, card),
                                         "holds": _holds(conn, [arg], cid, as_of), "line_holds": line_hit,
                                         "rule_holds": None})
                for r in out.rows:
                    if r["rule"] == rule.name:
                        r["rule_holds"] = hit
            if hit and out.segment is None:
                out.segment = rule.name
    finally:
        metrics.drop_temp(conn)
    return out
