"""What counts as revenue is written once (crmcli/revenue.py) and the schema's index agrees with it."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from crmcli import db, revenue

SRC = Path(__file__).resolve().parents[1] / "src" / "crmcli"


def test_the_schema_index_has_the_revenue_condition_and_queries_of_it_use_the_index(conn: sqlite3.Connection) -> None:
    sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'idx_orders_counted'").fetchone()[0]
    assert re.sub(r"\s+", " ", sql).endswith(f"WHERE {revenue.condition()}")
    plan = " ".join(r[3] for r in conn.execute(
        f"EXPLAIN QUERY PLAN SELECT customer_id, sum(amount) FROM orders WHERE {revenue.condition()} "
        "AND date <= '2024-06-30' GROUP BY customer_id"))
    assert "idx_orders_counted" in plan


def test_no_other_module_spells_the_revenue_statuses() -> None:
    """The statuses appear as data only in the field registry's labels and the demo generator."""
    allowed = {"revenue.py", "fields.py", "demo_data.py"}
    spelled = [str(p.relative_to(SRC)) for p in SRC.rglob("*.py")
               if p.name not in allowed and re.search(r"""['"]partial_refund['"]""", p.read_text(encoding="utf-8"))]
    assert spelled == []


def test_revenue_figures_count_completed_and_partly_refunded_orders_only(db_path: Path) -> None:
    from crmcli import reports, segments

    conn = db.connect(db_path)
    cid = conn.execute("INSERT INTO customers (customer_id, name, phone) VALUES ('C1', '甲', '13812345678') "
                       "RETURNING customer_id").fetchone()[0]
    for i, status in enumerate(("completed", "partial_refund", "cancelled", "pending_payment")):
        conn.execute("INSERT INTO orders (order_id, customer_id, date, amount, status) VALUES (?, ?, '2024-06-01', ?, ?)",
                     (f"DD{i}", cid, 10 ** i, status))
    conn.commit()
    from datetime import date

    figures = segments.explain(conn, cid, segments.load(), date(2024, 6, 30)).figures
    assert figures["yearly_amount"] == 11 and figures["deals"] == 2
    report = reports.run(conn, "revenue", since="2024-06-01", until="2024-06-30")
    summary = next(s for s in report.sections if s.key == "summary")
    assert dict(map(tuple, summary.rows))["revenue"] == 11 and dict(map(tuple, summary.rows))["orders"] == 2
    conn.close()
