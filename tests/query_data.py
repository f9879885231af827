"""A small hand-made database for the filter tests. Every expected answer in
test_filters.py / test_query_cli.py / test_bulk.py was worked out by hand from these
rows; TODAY pins the relative dates (-90d = 2024-03-17, -3m = 2024-03-15)."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import date
from pathlib import Path

TODAY = date(2024, 6, 15)
EVIL_NAME = "Robert'); DROP TABLE customers;-- 有限公司"

CUSTOMERS = [
    # customer_id, name, customer_type, status, level, industry, phone, email, owner, source, satisfaction, notes
    ("C001", "北京华信科技有限公司", "returning", "active", "vip", "制造业", "13812345678", "zhang@huaxin.com",
     "张伟", "exhibition", 5, None),
    ("C002", "上海云帆贸易有限公司", "returning", "active", "normal", "批发和零售业", "010-62345678", None,
     "李娜", "referral", 3, None),
    ("C003", "深圳鹏程电子有限公司", "new", "intent", "promising", "制造业", "13900001111", None,
     "张伟", "online_ads", None, "100%_好评 'quoted'; DROP"),
    ("C004", "杭州恒通物流有限公司", "potential", "potential", None, "交通运输", None, "li@hengtong.cn",
     "", None, None, None),
    ("C005", "广州天成咨询有限公司", "lost", "lost", "churned", "租赁和商务服务业", "13700002222", None,
     "王强", "website", 2, None),
    ("C006", EVIL_NAME, "high_value", "active", "vip", "IT_%", "13600003333", None,
     "赵六", "referral", None, None),
]
ORDERS = [  # order_id, customer_id, date, amount, status
    ("DD1", "C001", "2024-05-01", 80000, "completed"),
    ("DD2", "C001", "2023-12-01", 20000, "completed"),
    ("DD3", "C002", "2024-04-10", 30000, "completed"),
    ("DD4", "C002", "2023-06-01", 90000, "completed"),
    ("DD5", "C003", "2024-06-01", 60000, "cancelled"),
    ("DD6", "C005", "2022-01-01", 5000, "completed"),
    ("DD7", "C006", "2024-06-10", 120000, "completed"),
]
FOLLOWUPS = [  # followup_id, customer_id, date, followed_by, method, done
    ("F1", "C001", "2024-06-10 10:00:00", "张经理", "phone", 1),
    ("F2", "C002", "2024-01-05 09:00:00", "李娜", "visit", 0),
    ("F3", "C003", "2024-05-20 14:30:00", "王经理", "online_meeting", 0),
    ("F4", "C005", "2023-10-01 08:00:00", "王强", "phone", 0),
    ("F5", "C006", "2024-03-17", "赵六", "email", 0),
]
TICKETS = [  # ticket_id, customer_id, date, satisfaction, status, type
    ("S1", "C001", "2024-05-02 11:00:00", 5, "done", "tech_support"),
    ("S2", "C002", "2024-04-11", 4, "closed", "product_inquiry"),
    ("S3", "C003", "2024-06-02", 2, "pending", "complaint"),
    ("S4", "C006", "2024-06-11", None, "pending", "inquiry"),
]
TAGS = [("C001", "重点维护"), ("C001", "价格敏感"), ("C003", "重点维护"), ("C005", "高风险"), ("C006", "100%")]


def fill(conn: sqlite3.Connection) -> None:
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO customers (customer_id, name, customer_type, status, level, industry, phone, email, owner,"
        " source, satisfaction, notes, first_contact_date) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,'2023-01-10')",
        CUSTOMERS)
    conn.executemany("INSERT INTO orders (order_id, customer_id, date, amount, status) VALUES (?,?,?,?,?)", ORDERS)
    conn.executemany("INSERT INTO followups (followup_id, customer_id, date, followed_by, method, done)"
                     " VALUES (?,?,?,?,?,?)", FOLLOWUPS)
    conn.executemany("INSERT INTO tickets (ticket_id, customer_id, date, satisfaction, status, type)"
                     " VALUES (?,?,?,?,?,?)", TICKETS)
    conn.executemany("INSERT INTO tags (customer_id, tag) VALUES (?,?)", TAGS)
    conn.execute("INSERT INTO contacts (customer_id, name, role, phone) VALUES ('C001', '王芳', 'main', '13911112222')")
    conn.execute("INSERT INTO needs (need_id, customer_id, type, stage) VALUES ('D1', 'C003', 'customization', 'proposal')")
    conn.execute("COMMIT")


def snapshot(conn: sqlite3.Connection) -> list[str]:
    """Every statement that would rebuild the database: equal snapshots, unchanged database."""
    return list(conn.iterdump())


def make_template(directory: Path) -> Path:
    """A filled database file to copy per test: copying is ~10x faster than create + fill."""
    from crmcli import db

    path = directory / "template.db"
    conn = db.create(path)
    fill(conn)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return path


def copy_of(template: Path, directory: Path) -> Path:
    path = directory / "crm.db"
    shutil.copyfile(template, path)
    return path
