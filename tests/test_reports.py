"""Every report's numbers on the hand-made database of reports_data.py, worked out by hand."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest

from crmcli import reports
from crmcli.errors import InvalidValue
from tests.reports_data import NOW, TODAY, build


@pytest.fixture
def data(conn: sqlite3.Connection) -> sqlite3.Connection:
    build(conn)
    return conn


def run(conn: sqlite3.Connection, name: str, *filters: str, **kw: Any) -> reports.Report:
    return reports.run(conn, name, list(filters), today=TODAY, now=NOW, **kw)


def rows(rep: reports.Report, key: str) -> list[list[Any]]:
    return rep.section(key).rows


def metrics(rep: reports.Report, key: str) -> dict[str, Any]:
    return {r[0]: r[1] for r in rep.section(key).rows}


def test_registry_lists_every_report_with_a_line() -> None:
    names = [r.name for r in reports.available()]
    assert names == ["overview", "structure", "funnel", "revenue", "satisfaction", "service", "followups"]
    assert all(r.summary and "\n" not in r.summary for r in reports.available())


def test_overview_this_month(data: sqlite3.Connection) -> None:
    rep = run(data, "overview")
    assert (rep.since, rep.until) == ("2024-06-01", None)  # default period: this month
    assert metrics(rep, "summary") == {
        "customers": 6,
        "new_customers": 3,          # C2 (06-03), C3 (06-10), C6 (no first contact; created 06-12)
        "lost_customers": 1,         # C4 lost on 06-05
        "revenue": 15000.0,          # O1 10000 completed + O3 5000 partial refund; O4 cancelled, O5 pending
        "orders": 2,
        "open_tickets": 3,           # T4, T5, T6
        "overdue_tickets": 2,        # T4 (due 13th), T5 (due 15th 09:00)
        "followups_due": 2,          # F1 (06-10), F2 (06-20); F3 done
        "overdue_next_steps": 2,     # F1, F4
    }
    assert rows(rep, "by_status") == [["potential", 1, 0.1667], ["intent", 1, 0.1667], ["active", 2, 0.3333],
                                      ["at_risk", 1, 0.1667], ["lost", 1, 0.1667]]
    assert rows(rep, "by_segment") == [[None, 3, 0.5], ["high_value", 2, 0.3333], ["potential", 1, 0.1667]]


def test_overview_with_a_filter_and_period(data: sqlite3.Connection) -> None:
    rep = run(data, "overview", "industry~制造", since="2024-05-01", until="2024-05-31")
    assert metrics(rep, "summary") == {
        "customers": 2, "new_customers": 0, "lost_customers": 0,
        "revenue": 20000.0, "orders": 1,      # O2 on 05-20
        "open_tickets": 1, "overdue_tickets": 1,   # T5 (C2): open and overdue is a state of now, not of the period
        "followups_due": 0, "overdue_next_steps": 1,  # F1 (C1); F4 belongs to C5
    }
    assert rows(rep, "by_status") == [["intent", 1, 0.5], ["active", 1, 0.5]]


def test_overview_default_month_follows_until(data: sqlite3.Connection) -> None:
    rep = run(data, "overview", until="2024-05-31")
    assert (rep.since, rep.until) == ("2024-05-01", "2024-05-31")
    assert metrics(rep, "summary")["revenue"] == 20000.0  # O2 only


def test_structure(data: sqlite3.Connection) -> None:
    rep = run(data, "structure")
    assert rows(rep, "by_industry") == [["制造业", 2, 0.3333], ["软件业", 2, 0.3333], ["批发和零售业", 1, 0.1667],
                                        [None, 1, 0.1667]]
    assert rows(rep, "by_level") == [["vip", 2, 0.3333], ["normal", 2, 0.3333], ["promising", 1, 0.1667],
                                     ["low", 1, 0.1667]]
    assert rows(rep, "by_source") == [["exhibition", 2, 0.3333], ["referral", 2, 0.3333], ["online_ads", 1, 0.1667],
                                      ["website", 1, 0.1667]]
    assert rows(rep, "by_customer_type") == [["new", 2, 0.3333], ["returning", 1, 0.1667], ["high_value", 1, 0.1667],
                                             ["potential", 1, 0.1667], ["lost", 1, 0.1667]]
    assert rows(rep, "by_kind") == [["enterprise", 5, 0.8333], ["individual", 1, 0.1667]]
    assert rep.section("by_source").chart.kind == "pie"


def test_structure_filtered_and_by_first_contact_period(data: sqlite3.Connection) -> None:
    assert rows(run(data, "structure", "industry~制造"), "by_level") == [["vip", 1, 0.5], ["normal", 1, 0.5]]
    # first contact in June: C2, C3, and C6 by its creation day
    rep = run(data, "structure", since="2024-06-01", until="2024-06-30")
    assert rows(rep, "by_industry") == [["软件业", 2, 0.6667], ["制造业", 1, 0.3333]]


def test_funnel(data: sqlite3.Connection) -> None:
    rep = run(data, "funnel")
    # intent reached: C1 (deal), C2, C4 (history), C5, C6 (at risk); active: C1, C4, C5, C6
    assert rows(rep, "stages") == [["potential", 6, 1.0, None], ["intent", 5, 0.8333, 0.8333],
                                   ["active", 4, 0.6667, 0.8]]
    assert rows(rep, "by_source") == [["exhibition", 2, 1, 1, 0.5, 0.5], ["referral", 2, 2, 1, 1.0, 0.5],
                                      ["online_ads", 1, 1, 1, 1.0, 1.0], ["website", 1, 1, 1, 1.0, 1.0]]
    by_owner = {r[0]: r[1:] for r in rows(rep, "by_owner")}
    assert by_owner == {"张伟": [2, 2, 1, 1.0, 0.5], "李娜": [2, 1, 1, 0.5, 0.5], "王强": [2, 2, 2, 1.0, 1.0]}
    # C4: potential 30 d (from first contact), intent 30 d, active 138 d; C2: potential 10 d 10 h
    assert rows(rep, "stage_days") == [["potential", 2, 20.2, 30.0], ["intent", 1, 30.0, 30.0],
                                       ["active", 1, 138.0, 138.0]]
    new_lost = rows(rep, "new_lost")
    assert len(new_lost) == 14  # 2023-05 .. 2024-06, empty months filled
    assert new_lost[0] == ["2023-05", 1, 0]
    assert new_lost[6] == ["2023-11", 1, 0]
    assert new_lost[-1] == ["2024-06", 3, 1]
    assert sum(r[1] for r in new_lost) == 6


def test_funnel_filtered(data: sqlite3.Connection) -> None:
    rep = run(data, "funnel", "owner=李娜")
    assert rows(rep, "stages") == [["potential", 2, 1.0, None], ["intent", 1, 0.5, 0.5], ["active", 1, 0.5, 1.0]]
    assert [r[0] for r in rows(rep, "stage_days")] == ["potential", "intent", "active"]  # C4 only


def test_revenue(data: sqlite3.Connection) -> None:
    rep = run(data, "revenue")
    assert metrics(rep, "summary") == {"revenue": 686000.0, "orders": 6, "buying_customers": 2}
    assert rows(rep, "by_period") == [
        ["2023-12", 1000.0, 1, 1000.0], ["2024-01", 0.0, 0, None], ["2024-02", 0.0, 0, None],
        ["2024-03", 50000.0, 1, 50000.0], ["2024-04", 600000.0, 1, 600000.0], ["2024-05", 20000.0, 1, 20000.0],
        ["2024-06", 15000.0, 2, 7500.0]]
    assert rows(rep, "by_product") == [["C", 650000.0, 2, 0.9475], ["B", 20000.0, 1, 0.0292], ["A", 16000.0, 3, 0.0233]]
    assert rows(rep, "by_owner") == [["张伟", 630000.0, 3, 0.9184], ["王强", 56000.0, 3, 0.0816]]
    assert metrics(rep, "frequency") == {
        "buying_customers": 2, "orders": 6, "orders_per_customer": 3.0,
        "period_years": 0.54,                     # 2023-12-01 .. 2024-06-15: 198 days
        "orders_per_customer_per_year": 5.53,
        "repeat_purchase_rate": 1.0, "average_order_value": 114333.33}
    assert rows(rep, "orders_per_customer")[2] == ["3", 2, 1.0]
    assert metrics(rep, "clv") == {"buying_customers": 2, "lifetime_revenue": 686000.0, "average_clv": 343000.0,
                                   "highest_clv": 630000.0}
    assert rows(rep, "clv_bands") == [["< 10k", 0, 0.0, 0.0], ["10k-50k", 0, 0.0, 0.0], ["50k-100k", 1, 0.5, 56000.0],
                                      ["100k-500k", 0, 0.0, 0.0], [">= 500k", 1, 0.5, 630000.0]]
    assert rows(rep, "top_customers") == [["C1", "甲制造有限公司", 630000.0, 3, "2024-04-15", "2024-06-02"],
                                          ["C5", "戊贸易有限公司", 56000.0, 3, "2023-12-01", "2024-06-10"]]


def test_revenue_by_quarter_filtered_and_since(data: sqlite3.Connection) -> None:
    rep = run(data, "revenue", by="quarter")
    assert rows(rep, "by_period") == [["2023-Q4", 1000.0, 1, 1000.0], ["2024-Q1", 50000.0, 1, 50000.0],
                                      ["2024-Q2", 635000.0, 4, 158750.0]]
    rep = run(data, "revenue", "industry~制造")
    assert metrics(rep, "summary") == {"revenue": 630000.0, "orders": 3, "buying_customers": 1}
    rep = run(data, "revenue", since="2024-06-01")
    assert metrics(rep, "summary") == {"revenue": 15000.0, "orders": 2, "buying_customers": 2}
    assert metrics(rep, "clv")["average_clv"] == 343000.0  # lifetime value ignores --since


def test_satisfaction(data: sqlite3.Connection) -> None:
    rep = run(data, "satisfaction")
    assert metrics(rep, "summary") == {"rated_tickets": 5, "average": 3.0, "satisfied_share": 0.4,
                                       "dissatisfied_share": 0.4}
    assert rows(rep, "distribution") == [[1, 1, 0.2], [2, 1, 0.2], [3, 1, 0.2], [4, 1, 0.2], [5, 1, 0.2]]
    assert rows(rep, "by_type") == [["tech_support", 2, 3.0, 0.5, 0.5], ["repair", 2, 3.0, 0.5, 0.5],
                                    ["inquiry", 1, 3.0, 0.0, 0.0]]
    assert rows(rep, "by_handler") == [["赵敏", 3, 3.33, 0.6667, 0.3333], ["孙丽", 2, 2.5, 0.0, 0.5]]


def test_service(data: sqlite3.Connection) -> None:
    rep = run(data, "service")
    assert rows(rep, "by_type") == [["tech_support", 2, 0.25], ["repair", 2, 0.25], ["complaint", 2, 0.25],
                                    ["inquiry", 2, 0.25]]
    assert rows(rep, "by_channel") == [["phone", 4, 0.5], ["email", 2, 0.25], ["survey", 1, 0.125],
                                       ["online_chat", 1, 0.125]]
    # tickets, on time, late, overdue, open in time, rate = on time / (on time + late + overdue)
    assert rows(rep, "on_time") == [["normal", 5, 2, 1, 1, 1, 0.5], ["urgent", 2, 1, 0, 1, 0, 0.5],
                                    ["critical", 1, 0, 1, 0, 0, 0.0], ["all", 8, 3, 2, 2, 1, 0.4286]]
    assert {r[0]: r[1:] for r in rows(rep, "by_handler")} == {"赵敏": [4, 2, 1, 0, 1, 0.6667],
                                                             "孙丽": [4, 1, 1, 2, 0, 0.25]}
    assert rows(rep, "overdue") == [
        ["T4", "C5", "戊贸易有限公司", "normal", "complaint", "孙丽", "2024-06-08 10:00:00", "2024-06-13 00:00:00", 2.5],
        ["T5", "C2", "乙制造有限公司", "urgent", "complaint", "孙丽", "2024-06-14 09:00:00", "2024-06-15 09:00:00", 0.1]]


def test_service_counts_without_packing_give_the_same_numbers(data: sqlite3.Connection,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Groups too big for the packed counts fall back to grouping by state: same numbers."""
    from crmcli.reports import service

    packed = run(data, "service")
    monkeypatch.setattr(service, "PACK_LIMIT", 1)  # every group counts as too big
    plain = run(data, "service")
    assert [s.rows for s in plain.sections] == [s.rows for s in packed.sections]
    assert rows(plain, "on_time")[-1] == ["all", 8, 3, 2, 2, 1, 0.4286]


def test_service_in_a_period(data: sqlite3.Connection) -> None:
    rep = run(data, "service", since="2024-06-10")  # T5, T6, T7
    assert rows(rep, "on_time")[-1] == ["all", 3, 0, 1, 1, 1, 0.0]


def test_followups(data: sqlite3.Connection) -> None:
    rep = run(data, "followups")
    assert metrics(rep, "summary") == {
        "customers": 6, "followed_up_customers": 3, "followups": 6, "followups_per_customer": 1.0,
        "followups_per_followed_customer": 2.0,
        "period_months": 1.5,                       # 2024-05-01 .. 2024-06-15: 46 days
        "followups_per_customer_per_month": 0.662}
    assert rows(rep, "per_customer") == [["0", 3, 0.5], ["1", 1, 0.1667], ["2", 1, 0.1667], ["3-5", 1, 0.1667],
                                         ["6-10", 0, 0.0], ["11+", 0, 0.0]]
    assert rows(rep, "by_owner") == [["张伟", 4, 2, 2.0], ["王强", 1, 1, 1.0], ["王经理", 1, 1, 1.0]]
    assert rows(rep, "overdue_by_owner") == [["张伟", 1, "2024-06-10"], ["王强", 1, "2024-05-10"]]
    assert rows(rep, "overdue") == [["F4", "C5", "戊贸易有限公司", "王强", "续约沟通", "2024-05-10", 36],
                                    ["F1", "C1", "甲制造有限公司", "张伟", "发送报价", "2024-06-10", 5]]


def test_followups_filtered(data: sqlite3.Connection) -> None:
    rep = run(data, "followups", "customer_id=C5", since="2024-06-01")
    assert metrics(rep, "summary")["followups"] == 1  # F5
    assert rows(rep, "overdue_by_owner") == [["王强", 1, "2024-05-10"]]  # overdue steps ignore the period


def test_empty_database_gives_zeroes_not_errors(conn: sqlite3.Connection) -> None:
    for spec in reports.available():
        rep = reports.run(conn, spec.name, today=TODAY, now=NOW)
        assert rep.sections
    assert metrics(reports.run(conn, "revenue", today=TODAY, now=NOW), "summary") == {
        "revenue": 0.0, "orders": 0, "buying_customers": 0}


def test_bad_input(data: sqlite3.Connection) -> None:
    with pytest.raises(InvalidValue, match=r"unknown report 'revenu'.*did you mean revenue"):
        run(data, "revenu")
    with pytest.raises(InvalidValue, match="--by"):
        run(data, "revenue", by="week")
    with pytest.raises(InvalidValue, match="after --until"):
        run(data, "revenue", since="2024-06-01", until="2024-05-01")
    with pytest.raises(InvalidValue, match="--since"):
        run(data, "revenue", since="yesterday-ish")
    with pytest.raises(InvalidValue, match="unknown field"):
        run(data, "revenue", "industri~制造")
    with pytest.raises(InvalidValue, match="no section"):
        run(data, "revenue").section("nope")


def test_relative_since(data: sqlite3.Connection) -> None:
    rep = run(data, "revenue", since="-1m")  # 2024-05-15 onwards: O2, O1, O3
    assert rep.since == "2024-05-15"
    assert metrics(rep, "summary")["revenue"] == 35000.0


def test_temp_tables_are_dropped(data: sqlite3.Connection) -> None:
    run(data, "revenue", "industry~制造")
    left = data.execute("SELECT name FROM sqlite_temp_master WHERE type = 'table'").fetchall()
    assert left == []


@pytest.mark.parametrize("name", ["overview", "structure", "funnel", "revenue", "satisfaction", "service", "followups"])
def test_large_filter_scope_plan_gives_the_same_numbers(data: sqlite3.Connection, name: str,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Few or many filtered customers pick different child-table plans; the numbers must not change."""
    from crmcli.reports import base

    monkeypatch.setattr(base, "SCAN_FRACTION", 1.0)  # always seek per customer
    sought = run(data, name, "industry~制造")
    monkeypatch.setattr(base, "SCAN_FRACTION", 0.0)  # always scan and probe
    scanned = run(data, name, "industry~制造")
    assert [s.rows for s in scanned.sections] == [s.rows for s in sought.sections]
