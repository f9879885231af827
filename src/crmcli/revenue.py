"""What counts as revenue, defined once.

An order counts when its status is 已完成 (completed) or 部分退款 (partial_refund): the reports'
revenue and lifetime value, the segment figures (yearly amount, repurchase rate, deals) and the
schema's partial index idx_orders_counted, which SQLite uses only when a query's condition is this
one. schema.sql cannot import Python, so tests/test_revenue.py checks its index says the same.
"""

from __future__ import annotations

STATUSES = ("completed", "partial_refund")  # orders.status values (fields.py labels them)


def condition(column: str = "status") -> str:
    """The SQL condition on COLUMN (e.g. `o.status`): `status IN ('completed', 'partial_refund')`."""
    return f"{column} IN ({', '.join(repr(s) for s in STATUSES)})"
