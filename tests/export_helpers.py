"""Small hand-made data for the export tests: every expected value in them is written by hand from this."""

from __future__ import annotations

import sqlite3

CUSTOMERS = [
    # customer_id, kind, name, contact_name, phone, email, source, customer_type, status, level,
    # first_contact_date, satisfaction, notes
    ("C001", "enterprise", "南京星河软件有限公司", "张三", "13812345678", "zhang.san@example.com", "exhibition",
     "returning", "active", "vip", "2024-01-15", 4, '=HYPERLINK("http://x","点我")'),
    ("C002", "individual", "李四", "李四", "010-62345678", "li@example.org", "referral",
     "new", "potential", None, None, None, "-折扣20%"),
]
ORDERS = [
    ("DD001", "C001", "2024-05-20", "CRM 年度订阅", 120000.5, 1, "completed"),
    ("DD002", "C002", "2024-06-01", "培训", 500.0, 0, "pending_payment"),
]


def fill(conn: sqlite3.Connection) -> None:
    """Two customers, two orders, one follow-up with a time, one tag; fixed timestamps."""
    stamp = "2024-01-15 09:00:00"
    conn.executemany(
        "INSERT INTO customers (customer_id, kind, name, contact_name, phone, email, source, customer_type, status,"
        " level, first_contact_date, satisfaction, notes, created_at, updated_at)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", [(*c, stamp, stamp) for c in CUSTOMERS])
    conn.executemany(
        "INSERT INTO orders (order_id, customer_id, date, product, amount, tax_included, status, created_at, updated_at)"
        " VALUES (?,?,?,?,?,?,?,?,?)", [(*o, stamp, stamp) for o in ORDERS])
    conn.execute(
        "INSERT INTO followups (followup_id, customer_id, date, method, type, followed_by, summary, done,"
        " created_at, updated_at) VALUES ('F001', 'C001', '2024-05-21 14:30:00', 'visit', 'need_followup',"
        " '王经理', '+1 需求确认', 1, ?, ?)", (stamp, stamp))
    conn.execute("INSERT INTO tags (customer_id, tag, tag_group, updated_at) VALUES ('C001', '重点维护', 'behaviour', ?)",
                 (stamp,))
