"""A small hand-made database for the report tests; every expected number in
test_reports*.py is worked out by hand from these rows (see the comments).

Clock: today 2024-06-15 (a Saturday), now 12:00.
"""

from __future__ import annotations

import sqlite3
from datetime import date, datetime

TODAY = date(2024, 6, 15)
NOW = datetime(2024, 6, 15, 12, 0, 0)

CUSTOMERS = [
    # id, name, industry, level, source, customer_type, kind, status, first_contact, first_deal, owner, segment, created_at
    ("C1", "甲制造有限公司", "制造业", "vip", "exhibition", "returning", "enterprise", "active", "2024-01-10", "2024-02-01",
     "张伟", "high_value", "2024-01-10 09:00:00"),
    ("C2", "乙制造有限公司", "制造业", "normal", "referral", "new", "enterprise", "intent", "2024-06-03", None,
     "张伟", "potential", "2024-06-03 09:00:00"),
    ("C3", "丙软件有限公司", "软件业", "normal", "exhibition", "potential", "enterprise", "potential", "2024-06-10", None,
     "李娜", None, "2024-06-10 09:00:00"),
    ("C4", "丁一", None, "low", "website", "lost", "individual", "lost", "2023-11-20", None,
     "李娜", None, "2023-11-20 09:00:00"),
    ("C5", "戊贸易有限公司", "批发和零售业", "vip", "referral", "high_value", "enterprise", "active", "2023-05-01", "2023-06-01",
     "王强", "high_value", "2023-05-01 09:00:00"),
    ("C6", "己软件有限公司", "软件业", "promising", "online_ads", "new", "enterprise", "at_risk", None, None,
     "王强", None, "2024-06-12 09:00:00"),
]

STATUS_HISTORY = [
    ("C4", "potential", "intent", "2023-12-20 00:00:00"),
    ("C4", "intent", "active", "2024-01-19 00:00:00"),
    ("C4", "active", "lost", "2024-06-05 00:00:00"),
    ("C2", "potential", "intent", "2024-06-13 10:00:00"),
]

ORDERS = [
    # id, customer, date, product, amount, status, owner
    ("O1", "C1", "2024-06-02", "A", 10000, "completed", "张伟"),
    ("O2", "C1", "2024-05-20", "B", 20000, "completed", "张伟"),
    ("O3", "C5", "2024-06-10", "A", 5000, "partial_refund", "王强"),
    ("O4", "C5", "2024-06-11", "A", 7000, "cancelled", "王强"),
    ("O5", "C2", "2024-06-12", "B", 3000, "pending_payment", "张伟"),
    ("O6", "C5", "2024-03-05", "C", 50000, "completed", "王强"),
    ("O7", "C5", "2023-12-01", "A", 1000, "completed", "王强"),
    ("O8", "C1", "2024-04-15", "C", 600000, "completed", "张伟"),
]

TICKETS = [
    # id, customer, date, type, channel, urgency, status, handler, satisfaction, responded_at, closed_at
    ("T1", "C1", "2024-06-03 09:00:00", "tech_support", "phone", "urgent", "closed", "赵敏", 5,
     "2024-06-03 10:30:00", "2024-06-03 20:00:00"),                       # on time
    ("T2", "C1", "2024-06-07 15:00:00", "repair", "email", "normal", "done", "赵敏", 4,
     None, "2024-06-12 14:00:00"),                                       # due Wed 12th 15:00: on time
    ("T3", "C5", "2024-06-07 15:00:00", "repair", "email", "normal", "closed", "孙丽", 2,
     None, "2024-06-12 16:00:00"),                                       # late
    ("T4", "C5", "2024-06-08 10:00:00", "complaint", "phone", "normal", "in_progress", "孙丽", None,
     "2024-06-10 09:00:00", None),                                       # Saturday: due Thu 13th 00:00: overdue
    ("T5", "C2", "2024-06-14 09:00:00", "complaint", "online_chat", "urgent", "pending", "孙丽", None,
     None, None),                                                        # due 15th 09:00: overdue
    ("T6", "C3", "2024-06-14 16:00:00", "inquiry", "phone", "normal", "pending", "赵敏", None,
     None, None),                                                        # due Wed 19th: pending
    ("T7", "C6", "2024-06-13 09:00:00", "tech_support", "phone", "critical", "closed", "赵敏", 1,
     "2024-06-13 12:00:00", "2024-06-13 18:00:00"),                       # answered after 3 h: late
    ("T8", "C4", "2024-05-10 10:00:00", "inquiry", "survey", "normal", "closed", "孙丽", 3,
     None, "2024-05-13 09:00:00"),                                       # on time
]

FOLLOWUPS = [
    # id, customer, date, followed_by, method, next_step, due_date, done
    ("F1", "C1", "2024-06-01 10:00:00", "张伟", "phone", "发送报价", "2024-06-10", 0),  # overdue
    ("F2", "C1", "2024-06-05 10:00:00", "张伟", "visit", "上门演示", "2024-06-20", 0),  # due in June
    ("F3", "C2", "2024-06-06 10:00:00", "张伟", "wechat", "确认预算", "2024-06-08", 1),  # done
    ("F4", "C5", "2024-05-01 10:00:00", "王强", "email", "续约沟通", "2024-05-10", 0),  # overdue
    ("F5", "C5", "2024-06-10 10:00:00", "王经理", "visit", None, None, 0),
    ("F6", "C1", "2024-06-12 10:00:00", "张伟", "phone", None, None, 0),
]


def build(conn: sqlite3.Connection) -> None:
    conn.executemany(
        "INSERT INTO customers (customer_id, name, industry, level, source, customer_type, kind, status, "
        "first_contact_date, first_deal_date, owner, segment, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [(*c, c[-1]) for c in CUSTOMERS])
    conn.executemany("INSERT INTO status_history (customer_id, old_status, new_status, changed_at) VALUES (?, ?, ?, ?)",
                     STATUS_HISTORY)
    conn.executemany("INSERT INTO orders (order_id, customer_id, date, product, amount, status, owner) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?)", ORDERS)
    conn.executemany("INSERT INTO tickets (ticket_id, customer_id, date, type, channel, urgency, status, handler, "
                     "satisfaction, responded_at, closed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", TICKETS)
    conn.executemany("INSERT INTO followups (followup_id, customer_id, date, followed_by, method, next_step, due_date, done) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", FOLLOWUPS)
    conn.commit()

# revenue with a fixed period does not depend on today's date
REVENUE = ("report", "revenue", "--since", "2023-01-01", "--until", "2024-06-15")
