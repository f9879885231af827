"""A hand-made database for the segment tests: one customer per case, at and around every
threshold of the default rules, as of D = 2024-06-30.

Month slices (repurchase rate): day k*365/12 + 5 before D falls in slice k, so
`_months(n)` gives orders in exactly n different slices of the year.
"""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta

from crmcli import db

D = date(2024, 6, 30)


def ago(days: int) -> str:
    return (D - timedelta(days=days)).isoformat()


def _months(n: int) -> list[int]:
    return [round(k * 365 / 12) + 5 for k in range(n)]


class Maker:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.n = 0

    def customer(self, cid: str, *, status: str = "active", first_contact: str | None = "2020-01-01",
                 satisfaction: int | None = None) -> str:
        self.conn.execute(
            "INSERT INTO customers (customer_id, name, phone, status, first_contact_date, satisfaction, "
            "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, '2020-01-01 09:00:00', '2020-01-01 09:00:00')",
            (cid, f"测试客户{cid}有限公司", f"138{len(cid):04d}{self.n:04d}", status, first_contact, satisfaction))
        self.n += 1
        return cid

    def order(self, cid: str, day: str, amount: float, status: str = "completed") -> None:
        self.n += 1
        self.conn.execute("INSERT INTO orders (order_id, customer_id, date, amount, status) VALUES (?, ?, ?, ?, ?)",
                          (f"DD{self.n:06d}", cid, day, amount, status))

    def spread(self, cid: str, months: int, total_cents: int, status: str = "completed") -> None:
        """Orders in MONTHS different month slices adding up to exactly TOTAL_CENTS."""
        days = _months(months)
        each = total_cents // months - 3  # cents that do not add up exactly in binary floating point
        for i, d in enumerate(days):
            cents = each + (total_cents - each * months if i == 0 else 0)
            self.order(cid, ago(d), cents / 100, status)

    def followup(self, cid: str, day: str) -> None:
        self.n += 1
        self.conn.execute("INSERT INTO followups (followup_id, customer_id, date) VALUES (?, ?, ?)",
                          (f"F{self.n:06d}", cid, day + " 10:30:00"))

    def ticket(self, cid: str, day: str, satisfaction: int | None) -> None:
        self.n += 1
        self.conn.execute("INSERT INTO tickets (ticket_id, customer_id, date, satisfaction) VALUES (?, ?, ?, ?)",
                          (f"SR{self.n:06d}", cid, day + " 14:00:00", satisfaction))

    def need(self, cid: str, stage: str | None) -> None:
        self.n += 1
        self.conn.execute("INSERT INTO needs (need_id, customer_id, stage) VALUES (?, ?, ?)", (f"D{self.n:06d}", cid, stage))


# customer id -> segment under the default rules as of D (worked out by hand from the definitions)
EXPECTED = {
    "HV_EXACT": "normal",        # yearly exactly 500,000.00, 10 months: not OVER 500,000
    "HV_CENT": "high_value",     # 500,000.01 over 10 months
    "REP_9": "normal",           # 600,000 over 9 months: rate 0.75 < 0.8
    "REP_10": "high_value",      # 600,000 over 10 months: rate 10/12
    "STATUSES": "high_value",    # 300,000 completed + 200,000.01 partial refund; cancelled / pending ignored
    "YEAR_EDGE_IN": "high_value",  # 499,000 in 10 months + 1,000.01 on day D-364 (inside the year)
    "YEAR_EDGE_OUT": "potential",  # same, but the 1,000.01 on day D-365 falls in the year before:
                                   # 499,000 this year, so not high value, and growth 498x: small but growing fast
    "IDLE_89": "normal",
    "IDLE_90": "normal",         # 90 days is not MORE than 90
    "IDLE_91": "churn_risk",
    "IDLE_PROSPECT": "normal",   # 200 days idle but never bought: a cold lead, not churn
    "IDLE_BUT_TICKET": "normal",  # 200 days since the order, a ticket 10 days ago
    "SAT_3": "normal",           # tickets 2 and 4: average exactly 3
    "SAT_25": "churn_risk",      # tickets 2 and 3: 2.5
    "SAT_OLD": "normal",         # a 1 rating 400 days ago is outside the year; card says 4
    "SAT_CARD": "churn_risk",    # no tickets, card satisfaction 2
    "SAT_CARD_TICKET": "normal",  # card 2, but a ticket of the year rated 5
    "HV_UNHAPPY": "churn_risk",  # high-value figures and a 1 rating: churn risk comes first
    "LOST": "lost",              # high-value figures, status lost
    "AT_RISK": "churn_risk",     # status 潜在流失
    "NEED_OPEN": "potential",    # need at quotation, no deal
    "NEED_WON": "normal",        # need won: not open
    "NEED_BUT_DEAL": "normal",   # open need, but an order was completed (and a follow-up 10 days ago)
    "INTENT": "potential",       # status 意向, no deal
    "GROW_50": "potential",      # 100,000 the year before, 150,000 this year: growth exactly 0.5
    "GROW_49": "normal",         # 149,999.99 this year
    "GROW_NEW": "normal",        # nothing the year before: growth undefined
    "EMPTY": "normal",           # no data at all, first contact a week ago
}


def build(conn: sqlite3.Connection) -> None:
    m = Maker(conn)
    with db.transaction(conn):
        m.customer("HV_EXACT")
        m.spread("HV_EXACT", 10, 50_000_000)
        m.customer("HV_CENT")
        m.spread("HV_CENT", 10, 50_000_001)
        m.customer("REP_9")
        m.spread("REP_9", 9, 60_000_000)
        m.customer("REP_10")
        m.spread("REP_10", 10, 60_000_000)
        m.customer("STATUSES")
        m.spread("STATUSES", 10, 30_000_000)
        m.order("STATUSES", ago(20), 200_000.01, "partial_refund")
        m.order("STATUSES", ago(21), 900_000, "cancelled")
        m.order("STATUSES", ago(22), 900_000, "pending_payment")
        for cid, day in (("YEAR_EDGE_IN", 364), ("YEAR_EDGE_OUT", 365)):
            m.customer(cid)
            m.spread(cid, 10, 49_900_000)
            m.order(cid, ago(day), 1_000.01)
        for cid, idle in (("IDLE_89", 89), ("IDLE_90", 90), ("IDLE_91", 91)):
            m.customer(cid)
            m.order(cid, ago(400), 5_000)
            m.followup(cid, ago(idle))
        m.customer("IDLE_PROSPECT", status="potential", first_contact=ago(200))
        m.customer("IDLE_BUT_TICKET")
        m.order("IDLE_BUT_TICKET", ago(200), 5_000)
        m.ticket("IDLE_BUT_TICKET", ago(10), None)
        for cid, ratings in (("SAT_3", (2, 4)), ("SAT_25", (2, 3))):
            m.customer(cid)
            for r in ratings:
                m.ticket(cid, ago(30), r)
        m.customer("SAT_OLD", satisfaction=4)
        m.ticket("SAT_OLD", ago(400), 1)
        m.followup("SAT_OLD", ago(5))
        m.customer("SAT_CARD", satisfaction=2)
        m.customer("SAT_CARD_TICKET", satisfaction=2)
        m.ticket("SAT_CARD_TICKET", ago(3), 5)
        m.customer("HV_UNHAPPY")
        m.spread("HV_UNHAPPY", 12, 90_000_000)
        m.ticket("HV_UNHAPPY", ago(2), 1)
        m.customer("LOST", status="lost")
        m.spread("LOST", 12, 90_000_000)
        m.customer("AT_RISK", status="at_risk")
        m.followup("AT_RISK", ago(1))
        m.customer("NEED_OPEN", status="potential")
        m.need("NEED_OPEN", "quotation")
        m.customer("NEED_WON", status="potential")
        m.need("NEED_WON", "won")
        m.customer("NEED_BUT_DEAL")
        m.need("NEED_BUT_DEAL", "proposal")
        m.order("NEED_BUT_DEAL", ago(700), 1_000)
        m.followup("NEED_BUT_DEAL", ago(10))
        m.customer("INTENT", status="intent")
        for cid, cents in (("GROW_50", 15_000_000), ("GROW_49", 14_999_999)):
            m.customer(cid)
            m.order(cid, ago(400), 100_000)
            m.order(cid, ago(30), cents / 100)
        m.customer("GROW_NEW")
        m.order("GROW_NEW", ago(30), 100_000)
        m.customer("EMPTY", status="potential", first_contact=ago(7))
