"""The figures segment rules read (table customer_metrics, module `metrics`), in one SQL statement.

Definitions, for a run on day D (README "Segments" says the same for users):

- Counted orders: status 已完成 (completed) or 部分退款 (partial_refund), dated on or
  before D. 已取消 and 待付款 never count. A partial refund counts at its recorded
  amount (the template records no refunded part).
- The year: the last 365 days, D-364 … D inclusive. The year before: D-729 … D-365.
- yearly_amount: sum of counted orders in the year, rounded to the fen (0.01 yuan)
  so that orders adding up to exactly 500,000 are exactly 500,000.
- repurchase_rate: the share of the year's twelve months (365/12-day slices counted
  back from D) in which the customer placed a counted order. 0.8 needs orders in 10
  of the 12 months: a customer that keeps coming back, not one big order.
- growth: yearly_amount / previous year's amount - 1; NULL without a previous year.
- deals: counted orders ever, up to D.
- last_interaction: the latest follow-up, order (any status) or ticket on or before
  D; a customer nobody has talked to yet is measured from its first contact date,
  else the day it was entered. days_since_interaction = D - that day.
- avg_satisfaction: mean 1-5 rating of the tickets of the year; without rated
  tickets, the customer card's 满意度评分; otherwise NULL (no rating is not a low one).

The order figures are one GROUP BY over a partial covering index of the counted
orders; the latest follow-up / order / ticket and the year's average rating are
correlated subqueries that SQLite answers with one index seek per customer (the
min/max optimisation) — cheaper than grouping and joining three more tables.
No Python loop: a million customers take seconds.
"""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta

from crmcli import revenue

COLUMNS = ("customer_id", "as_of", "yearly_amount", "orders_365d", "active_months", "repurchase_rate",
           "prev_year_amount", "growth", "deals", "last_order", "last_followup", "last_ticket", "last_interaction",
           "days_since_followup", "days_since_interaction", "avg_satisfaction")

# The figures stored with every customer's segment in each run (customer_segments.figures).
FIGURES = ("yearly_amount", "repurchase_rate", "orders_365d", "days_since_interaction", "days_since_followup",
           "avg_satisfaction", "growth")

_SQL = """
INSERT INTO {target} ({columns})
WITH
o AS (
    SELECT customer_id,
           round(total(CASE WHEN date > :y1 THEN amount END), 2) AS yearly,
           count(CASE WHEN date > :y1 THEN 1 END) AS n365,
           count(DISTINCT CASE {slices} END) AS months,
           round(total(CASE WHEN date > :y2 AND date <= :y1 THEN amount END), 2) AS prev,
           count(*) AS deals
    FROM orders WHERE {counted} AND date <= :d {only}
    GROUP BY customer_id),
j AS MATERIALIZED (  -- each correlated subquery runs once per customer, not once per use below
    SELECT c.customer_id, c.satisfaction AS card_sat, c.first_contact_date AS first_contact, c.created_at,
           coalesce(o.yearly, 0) AS yearly, coalesce(o.n365, 0) AS n365, coalesce(o.months, 0) AS months,
           coalesce(o.prev, 0) AS prev, coalesce(o.deals, 0) AS deals,
           (SELECT max(r.date) FROM orders r WHERE r.customer_id = c.customer_id AND r.date <= :d) AS last_order,
           (SELECT max(r.date) FROM followups r WHERE r.customer_id = c.customer_id AND r.date < :next) AS followup_at,
           (SELECT max(r.date) FROM tickets r WHERE r.customer_id = c.customer_id AND r.date < :next) AS ticket_at,
           (SELECT avg(r.satisfaction) FROM tickets r
            WHERE r.customer_id = c.customer_id AND r.date >= :y1next AND r.date < :next) AS sat
    FROM customers c LEFT JOIN o ON o.customer_id = c.customer_id
    {only_c}),
k AS (
    SELECT *, substr(followup_at, 1, 10) AS last_followup, substr(ticket_at, 1, 10) AS last_ticket,
           coalesce(nullif(max(coalesce(last_order, ''), coalesce(substr(followup_at, 1, 10), ''),
                               coalesce(substr(ticket_at, 1, 10), '')), ''),
                    CASE WHEN first_contact <= :d THEN first_contact END,
                    substr(created_at, 1, 10)) AS last_interaction
    FROM j)
SELECT customer_id, :d, yearly, n365, months, months / 12.0, prev,
       CASE WHEN prev > 0 THEN yearly / prev - 1 END, deals,
       last_order, last_followup, last_ticket, last_interaction,
       CAST(julianday(:d) - julianday(last_followup) AS INTEGER),
       CAST(julianday(:d) - julianday(last_interaction) AS INTEGER),
       coalesce(sat, card_sat)
FROM k
"""


def window(as_of: date) -> dict[str, str]:
    """The dates the definitions above name, as SQL parameters.

    s0 … s11 bound the month slices: an order `days` days before D is in slice
    floor(days * 12 / 365), i.e. slice k holds the dates after D - ceil((k+1) * 365 / 12)
    not already in slice k-1 (s11 is D - 365, the start of the year). Comparing
    date strings with these is several times cheaper than julianday() per order.
    """
    out = {
        "d": as_of.isoformat(),
        "next": (as_of + timedelta(days=1)).isoformat(),
        "y1": (as_of - timedelta(days=365)).isoformat(),
        "y1next": (as_of - timedelta(days=364)).isoformat(),
        "y2": (as_of - timedelta(days=730)).isoformat(),
    }
    for k in range(12):
        out[f"s{k}"] = (as_of - timedelta(days=-(-(k + 1) * 365 // 12))).isoformat()
    return out


_SLICES = " ".join(f"WHEN date > :s{k} THEN {k}" for k in range(12))


def build(conn: sqlite3.Connection, as_of: date, *, temp: bool = False, customer_id: str | None = None) -> int:
    """Fill customer_metrics for AS_OF; returns the number of customers.

    temp=True writes a TEMP table of the same name instead: SQLite resolves the
    unqualified name `customer_metrics` to it first, so rules compiled for the real
    table read these figures (a past date's run, or `explain` for one customer)
    without touching the stored ones. customer_id limits it to one customer.
    """
    if temp:
        conn.execute("DROP TABLE IF EXISTS temp.customer_metrics")
        types = {r[1]: r[2] for r in conn.execute("PRAGMA main.table_info(customer_metrics)")}
        cols = ", ".join(f"{c} {types.get(c, '')}" for c in COLUMNS)
        conn.execute(f"CREATE TEMP TABLE customer_metrics ({cols}, PRIMARY KEY (customer_id)) WITHOUT ROWID")
        target = "temp.customer_metrics"
    else:
        conn.execute("DELETE FROM main.customer_metrics")
        target = "main.customer_metrics"
    params: dict[str, str] = window(as_of)
    only = only_c = ""
    if customer_id is not None:
        params["cid"] = customer_id
        only, only_c = "AND customer_id = :cid", "WHERE c.customer_id = :cid"
    return conn.execute(insert_sql(target, only, only_c), params).rowcount


def insert_sql(target: str, only: str = "", only_c: str = "") -> str:
    """The statement that fills TARGET with the figures (ONLY / ONLY_C: one customer's conditions)."""
    return _SQL.format(target=target, columns=", ".join(COLUMNS), only=only, only_c=only_c, slices=_SLICES,
                       counted=revenue.condition())


def drop_temp(conn: sqlite3.Connection) -> None:
    conn.execute("DROP TABLE IF EXISTS temp.customer_metrics")


def figures_json(alias: str = "m") -> str:
    """SQL for one customer's figures from a customer_metrics row aliased ALIAS: a JSON array in
    FIGURES order (a million rows per run: an array is a third of the size of an object)."""
    parts = []
    for name in FIGURES:
        col = f"{alias}.{name}"
        if name in ("repurchase_rate", "growth"):
            col = f"round({col}, 4)"
        elif name == "avg_satisfaction":
            col = f"round({col}, 2)"
        parts.append(col)
    return f"json_array({', '.join(parts)})"


def figure_path(name: str) -> str:
    """The json_extract path of figure NAME in a stored figures array."""
    return f"$[{FIGURES.index(name)}]"
