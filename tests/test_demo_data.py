"""Tests for crmcli.demo_data (the demo data set) and benchmarks/generate.py."""

from __future__ import annotations

import csv
import importlib.util
import re
import sqlite3
import sys
from datetime import date
from pathlib import Path

import pytest

from crmcli import db, demo_data, fields, ids
from crmcli.normalize import normalize_phone

TODAY = date(2025, 3, 15)
TABLES = ("customers", "contacts", "followups", "orders", "tickets", "needs", "tags", "status_history")
ID_SHAPES = {"customers": ("customer_id", "C"), "followups": ("followup_id", "F"), "orders": ("order_id", "DD"),
             "tickets": ("ticket_id", "SR"), "needs": ("need_id", "D")}


def _build(tmp_path: Path, name: str = "t.db", **kw: object) -> tuple[sqlite3.Connection, dict[str, int]]:
    conn = db.create(tmp_path / name)
    kw.setdefault("today", TODAY)
    counts = demo_data.build(conn, **kw)  # type: ignore[arg-type]
    return conn, counts


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[sqlite3.Connection, dict[str, int]]:
    return _build(tmp_path_factory.mktemp("demo"))


@pytest.fixture
def conn(demo: tuple[sqlite3.Connection, dict[str, int]]) -> sqlite3.Connection:
    return demo[0]


def _one(conn: sqlite3.Connection, sql: str, *args: object) -> object:
    return conn.execute(sql, args).fetchone()[0]


def test_counts_match_tables(demo: tuple[sqlite3.Connection, dict[str, int]]) -> None:
    conn, counts = demo
    assert counts["customers"] == 300
    for t in TABLES:
        assert counts[t] == _one(conn, f"SELECT count(*) FROM {t}"), t
    assert counts["orders"] > 600 and counts["followups"] > 500 and counts["tickets"] > 150
    assert counts["contacts"] >= 300 and counts["needs"] > 20 and counts["tags"] > 150
    op = conn.execute("SELECT kind, summary FROM operations").fetchall()
    assert len(op) == 1 and op[0][0] == "demo"
    assert _one(conn, "SELECT count(*) FROM changes") == 0


def _dump(conn: sqlite3.Connection) -> list[object]:
    out: list[object] = []
    for t in (*TABLES, "id_counters"):
        out.append(conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2, 3").fetchall())
    return out


def test_deterministic(tmp_path: Path, conn: sqlite3.Connection) -> None:
    again, _ = _build(tmp_path, "a.db")
    assert _dump(again) == _dump(conn)


def test_every_fixed_label_value_occurs(conn: sqlite3.Connection) -> None:
    missing = []
    for t in fields.TABLES.values():
        for f in t.fields:
            for lab in (() if f.open else f.labels):  # open labels (segment) come from `crm segment run`
                if not conn.execute(f"SELECT 1 FROM {t.name} WHERE {f.name} = ? LIMIT 1", (lab.value,)).fetchone():
                    missing.append(f"{t.name}.{f.name}={lab.value}")
    assert missing == []


def test_values_are_canonical(conn: sqlite3.Connection) -> None:
    phones = [r[0] for r in conn.execute("SELECT phone FROM customers UNION SELECT phone FROM contacts")]
    assert all(p is None or normalize_phone(p) == p for p in phones)
    for t, col in (("orders", "date"), ("customers", "first_contact_date"), ("followups", "due_date")):
        assert _one(conn, f"SELECT count(*) FROM {t} WHERE {col} IS NOT NULL AND date({col}) IS NOT {col}") == 0
    for t, col in (("followups", "date"), ("tickets", "date"), ("tickets", "closed_at"), ("customers", "created_at")):
        assert _one(conn, f"SELECT count(*) FROM {t} WHERE {col} IS NOT NULL AND datetime({col}) IS NOT {col}") == 0
    assert _one(conn, "SELECT count(*) FROM customers WHERE status = 'lost' AND lost_reason IS NULL") == 0
    assert _one(conn, "SELECT count(*) FROM customers WHERE kind = 'individual'") >= 15
    assert _one(conn, "SELECT count(*) FROM contacts c1 WHERE role = 'main'") == 300
    assert _one(conn, "SELECT max(date) FROM orders") <= TODAY.isoformat()
    # ticket times are consistent: request <= response <= close
    assert _one(conn, "SELECT count(*) FROM tickets WHERE responded_at < date OR closed_at < responded_at") == 0


def test_ticket_sla_mostly_met_some_breached(conn: sqlite3.Connection) -> None:
    hours = "(julianday(closed_at) - julianday(date)) * 24"
    urgent = conn.execute(f"SELECT {hours} <= 24 FROM tickets WHERE urgency != 'normal' AND closed_at IS NOT NULL")
    flags = [r[0] for r in urgent]
    assert flags and 0 < flags.count(0) < flags.count(1)
    resp = [r[0] for r in conn.execute(
        "SELECT (julianday(responded_at) - julianday(date)) * 24 <= 2 FROM tickets "
        "WHERE urgency = 'urgent' AND responded_at IS NOT NULL")]
    assert 0 < resp.count(0) < resp.count(1)


def test_all_ids_template_shaped(conn: sqlite3.Connection) -> None:
    for t, (col, prefix) in ID_SHAPES.items():
        for (rid,) in conn.execute(f"SELECT {col} FROM {t}"):
            assert re.fullmatch(rf"{prefix}20\d{{6}}\d{{3}}", rid), rid
            assert ids.parse(rid) is not None and ids.table_for(rid) == t


def test_foreign_keys_and_next_id(tmp_path: Path) -> None:
    conn, _ = _build(tmp_path)
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    busiest = _one(conn, "SELECT substr(customer_id, 2, 8) FROM customers GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
    day = date(int(busiest[:4]), int(busiest[4:6]), int(busiest[6:]))
    with db.transaction(conn):
        for t in ID_SHAPES:
            new = ids.next_id(conn, t, day)
            key = ID_SHAPES[t][0]
            assert conn.execute(f"SELECT 1 FROM {t} WHERE {key} = ?", (new,)).fetchone() is None
        fresh = ids.next_id(conn, "customers")
        assert conn.execute("SELECT 1 FROM customers WHERE customer_id = ?", (fresh,)).fetchone() is None


def test_a_returning_recent_big_order_satisfied(conn: sqlite3.Connection) -> None:
    today = TODAY.isoformat()
    n = _one(conn, """
        SELECT count(*) FROM customers c WHERE c.customer_type = 'returning'
          AND EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.customer_id
                      AND o.date >= date(?, '-3 months') AND o.amount >= 50000)
          AND EXISTS (SELECT 1 FROM tickets t WHERE t.customer_id = c.customer_id AND t.satisfaction >= 4)
    """, today)
    assert n >= 5


def test_b_manager_followup_and_key_tag(conn: sqlite3.Connection) -> None:
    n = _one(conn, """
        SELECT count(*) FROM customers c
        WHERE EXISTS (SELECT 1 FROM followups f WHERE f.customer_id = c.customer_id AND f.followed_by LIKE '%经理%')
          AND EXISTS (SELECT 1 FROM tags g WHERE g.customer_id = c.customer_id AND g.tag = '重点维护')
    """)
    assert n >= 5
    assert _one(conn, "SELECT count(*) FROM followups WHERE due_date < ? AND done = 0", TODAY.isoformat()) >= 10


def test_c_churn_high_value_and_clear_needs(conn: sqlite3.Connection) -> None:
    today = TODAY.isoformat()
    churn = _one(conn, """
        SELECT count(*) FROM customers c
        WHERE EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.customer_id)
          AND NOT EXISTS (SELECT 1 FROM followups f WHERE f.customer_id = c.customer_id
                          AND f.date >= date(?, '-90 days'))
    """, today)
    assert churn >= 10
    high = _one(conn, """
        SELECT count(*) FROM (
          SELECT customer_id FROM orders
          WHERE status = 'completed' AND date >= date(?, '-365 days')
          GROUP BY customer_id
          HAVING sum(amount) > 500000 AND count(DISTINCT substr(date, 1, 7)) >= 9)
    """, today)
    assert high >= 3
    needs = _one(conn, """
        SELECT count(*) FROM customers c
        WHERE EXISTS (SELECT 1 FROM needs n WHERE n.customer_id = c.customer_id AND n.budget IS NOT NULL)
          AND c.needs IS NOT NULL AND c.budget IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.customer_id)
    """)
    assert needs >= 5


def test_d_duplicate_clusters_and_hard_negatives(conn: sqlite3.Connection) -> None:
    clusters = demo_data.duplicate_clusters(conn)
    assert len(clusters) == len(demo_data.DUPLICATE_CLUSTERS) == 6
    in_clusters = [cid for c in clusters for cid in c]
    assert len(in_clusters) == len(set(in_clusters)) == 14
    for c in clusters:  # every cluster is linked by a shared phone or email (or is a pure name variant)
        rows = conn.execute(f"SELECT phone, email FROM customers WHERE customer_id IN ({','.join('?' * len(c))})",
                            c).fetchall()
        phones = [r[0] for r in rows]
        emails = [r[1] for r in rows if r[1]]
        assert len(set(phones)) < len(phones) or len(set(emails)) < len(emails)
    names = {r[0] for r in conn.execute("SELECT name FROM customers")}
    assert {"ABC（中国）有限公司", "ABC(中国)有限公司", "北京華信科技有限責任公司"} <= names
    shanghai, boyuan_qiming = demo_data.hard_negatives(conn)
    sh_phone = _one(conn, "SELECT phone FROM customers WHERE name = '上海华信科技有限公司'")
    assert sh_phone not in {r[0] for r in conn.execute("SELECT phone FROM customers WHERE name LIKE '%华信%' "
                                                        "AND name != '上海华信科技有限公司'")}
    assert len(shanghai) == 4 and not set(shanghai[:1]) & set(in_clusters)
    assert len(boyuan_qiming) == 2
    p1, p2 = (_one(conn, "SELECT phone FROM customers WHERE customer_id = ?", c) for c in boyuan_qiming)
    assert p1 == p2
    # no accidental duplicates outside the planted ones: names and phones are otherwise unique
    dup_names = conn.execute("SELECT name FROM customers GROUP BY name HAVING count(*) > 1").fetchall()
    assert [r[0] for r in dup_names] == ["陈思远"]
    planted = set(in_clusters) | set(boyuan_qiming)
    shared = conn.execute("SELECT phone, group_concat(customer_id) FROM customers GROUP BY phone "
                          "HAVING count(*) > 1").fetchall()
    assert all(set(r[1].split(",")) <= planted for r in shared)


def test_default_today_and_too_small(tmp_path: Path) -> None:
    conn = db.create(tmp_path / "s.db")
    with pytest.raises(ValueError):
        demo_data.build(conn, customers=10)
    counts = demo_data.build(conn, customers=80)
    assert counts["customers"] == 80
    assert _one(conn, "SELECT max(date) FROM orders") <= date.today().isoformat()
    with pytest.raises(ValueError):
        demo_data.build(conn)


def _generator() -> object:
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "generate.py"
    spec = importlib.util.spec_from_file_location("crm_bench_generate", path)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


def test_benchmark_generator(tmp_path: Path) -> None:
    gen = _generator()
    counts = gen.generate(tmp_path / "b.db", 500, seed=3)  # type: ignore[attr-defined]
    conn = db.connect(tmp_path / "b.db")
    assert counts["customers"] == 500 == _one(conn, "SELECT count(*) FROM customers")
    for t in ("orders", "followups", "tickets", "tags"):
        assert counts[t] == _one(conn, f"SELECT count(*) FROM {t}") > 0
    assert 1000 <= counts["orders"] <= 2000 and 300 <= counts["tickets"] <= 700
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    index_names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert "idx_orders_date_customer_amount" in index_names
    for (cid,) in conn.execute("SELECT customer_id FROM customers LIMIT 50"):
        assert ids.table_for(cid) == "customers" and ids.parse(cid)
    with db.transaction(conn):
        new = ids.next_id(conn, "customers")
    assert conn.execute("SELECT 1 FROM customers WHERE customer_id = ?", (new,)).fetchone() is None
    csv_path = tmp_path / "c.csv"
    gen.write_customers_csv(csv_path, 50, seed=3)  # type: ignore[attr-defined]
    with open(csv_path, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][:3] == ["customer_id", "kind", "name"] and len(rows) == 51
