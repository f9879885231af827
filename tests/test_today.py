"""crm today: every section checked against hand-made data, owner filters, JSON, --check, and the
calendar file parsed back with icalendar (stable UIDs across writes, 0600)."""

from __future__ import annotations

import json
import sqlite3
import stat
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from crmcli import calendar_ics, records, segments, today
from tests.conftest import Runner

DAY = date(2024, 6, 12)  # a Wednesday
NOW = datetime(2024, 6, 12, 10, 0)


def d(days: int) -> str:
    return (DAY + timedelta(days=days)).isoformat()


def cust(conn: sqlite3.Connection, name: str, owner: str, **more: str) -> str:
    return records.add(conn, "customers", {"name": name, "phone": more.pop("phone", "13812345678"), "owner": owner,
                                           "contact_name": "王芳", **more})


def followup(conn: sqlite3.Connection, cid: str, due: str, step: str, by: str | None = None, done: str = "否") -> str:
    raw = {"customer": cid, "date": d(-30), "next_step": step, "due": due, "done": done, "summary": "谈需求"}
    if by:
        raw["followed_by"] = by
    return records.add(conn, "followups", raw)


@pytest.fixture
def data(conn: sqlite3.Connection) -> dict[str, str]:
    a = cust(conn, "北京华信科技有限公司", "张伟")
    b = cust(conn, "上海德盛贸易有限公司", "李娜", phone="13900001111")
    ids = {"a": a, "b": b}
    ids["late_old"] = followup(conn, a, d(-10), "发送正式报价单")
    ids["late_new"] = followup(conn, b, d(-1), "提交合同草稿")
    ids["late_other"] = followup(conn, a, d(-3), "上门拜访", by="王强")  # 王强 follows up 张伟's customer
    ids["late_done"] = followup(conn, a, d(-5), "已完成的事", done="是")
    ids["due_today"] = followup(conn, b, d(0), "电话确认")
    ids["due_in_3"] = followup(conn, a, d(3), "安排技术演示")
    ids["due_in_9"] = followup(conn, a, d(9), "组织用户培训")
    t = {"customer": a, "type": "技术支持"}
    ids["t_overdue"] = records.add(conn, "tickets", {**t, "urgency": "紧急", "date": "2024-06-11 08:00:00"})
    ids["t_noreply"] = records.add(conn, "tickets", {**t, "urgency": "重大", "date": "2024-06-12 07:00:00",
                                                     "handler": "赵六"})
    ids["t_soon"] = records.add(conn, "tickets", {**t, "customer": b, "urgency": "普通", "date": "2024-06-07 15:00:00"})
    ids["t_later"] = records.add(conn, "tickets", {**t, "urgency": "普通", "date": "2024-06-11 09:00:00"})
    ids["t_closed"] = records.add(conn, "tickets", {**t, "urgency": "紧急", "date": "2024-06-01 08:00:00",
                                                    "status": "已关闭", "closed_at": "2024-06-03 08:00:00"})
    return ids


def keys(section: object, column: str) -> list[str]:
    return [r[column] for r in section.records()]  # type: ignore[attr-defined]


def test_overdue_lists_open_next_steps_due_before_the_day_oldest_first(conn: sqlite3.Connection, data: dict[str, str]) -> None:
    ag = today.agenda(conn, day=DAY, now=NOW)
    s = ag.section("overdue")
    assert keys(s, "followup_id") == [data["late_old"], data["late_other"], data["late_new"]]
    first = s.records()[0]
    assert first == {"followup_id": data["late_old"], "customer_id": data["a"], "customer": "北京华信科技有限公司",
                     "owner": "张伟", "todo": "发送正式报价单", "due_date": d(-10), "days_overdue": 10, "contact": "王芳"}
    assert s.records()[1]["owner"] == "王强"  # the follower, not the customer's owner


def test_due_today_and_the_next_days(conn: sqlite3.Connection, data: dict[str, str]) -> None:
    assert keys(today.agenda(conn, day=DAY, now=NOW).section("due"), "followup_id") == [data["due_today"]]
    week = today.agenda(conn, day=DAY, days=7, now=NOW).section("due")
    assert keys(week, "followup_id") == [data["due_today"], data["due_in_3"]]
    assert week.records()[1]["todo"] == "安排技术演示"


def test_tickets_past_or_near_their_service_level(conn: sqlite3.Connection, data: dict[str, str]) -> None:
    s = today.agenda(conn, day=DAY, now=NOW).section("tickets")
    rows = {r["ticket_id"]: r for r in s.records()}
    assert list(rows) == [data["t_overdue"], data["t_noreply"], data["t_soon"]]
    assert rows[data["t_overdue"]]["state"] == "overdue"
    assert rows[data["t_overdue"]]["deadline"] == "2024-06-12 08:00:00"  # urgent: 24 hours
    assert rows[data["t_overdue"]]["todo"].startswith("resolve now: 2 h past")
    assert rows[data["t_noreply"]]["state"] == "no_response"  # 重大: answer within 2 hours
    assert rows[data["t_noreply"]]["owner"] == "赵六"  # the handler
    # normal, raised Friday 15:00: 3 working days -> Wednesday 15:00, later today
    assert rows[data["t_soon"]]["state"] == "due_soon"
    assert rows[data["t_soon"]]["deadline"] == "2024-06-12 15:00:00"
    assert rows[data["t_soon"]]["hours_left"] == 5.0
    # the ticket raised Tuesday is due Friday: it appears once the window reaches Friday
    week = today.agenda(conn, day=DAY, days=2, now=NOW).section("tickets")
    assert data["t_later"] in keys(week, "ticket_id")


def test_owner_narrows_every_section(conn: sqlite3.Connection, data: dict[str, str]) -> None:
    ag = today.agenda(conn, day=DAY, days=7, owner="李娜", now=NOW)
    assert keys(ag.section("overdue"), "followup_id") == [data["late_new"]]
    assert keys(ag.section("due"), "followup_id") == [data["due_today"]]
    assert keys(ag.section("tickets"), "ticket_id") == [data["t_soon"]]
    assert keys(today.agenda(conn, day=DAY, owner="王强", now=NOW).section("overdue"), "followup_id") == [data["late_other"]]


def _review_data(conn: sqlite3.Connection) -> dict[str, str]:
    """A: last contact 95 days before DAY (88 a week before): enters churn risk during the week.
    B: 12 monthly orders of 50,000: high value a week before; two cancelled since: leaves it."""
    a = cust(conn, "杭州星辰建设工程有限公司", "张伟", phone="13700000001")
    b = cust(conn, "深圳正元供应链管理有限公司", "李娜", phone="13700000002")
    c = cust(conn, "广州嘉禾汽车零部件有限公司", "李娜", phone="13700000003")
    records.add(conn, "orders", {"customer": a, "date": d(-95), "amount": "20000", "status": "已完成"})
    orders = [records.add(conn, "orders", {"customer": b, "date": d(-10 - 30 * m), "amount": "50000", "status": "已完成"})
              for m in range(12)]
    records.add(conn, "orders", {"customer": c, "date": d(-20), "amount": "1000", "status": "已完成"})
    rules = segments.load(today=DAY)
    segments.run(conn, rules, DAY - timedelta(days=7))
    for oid in orders[-2:]:
        records.update(conn, oid, {"status": "已取消"})
    segments.run(conn, rules, DAY)
    return {"a": a, "b": b, "c": c}


def test_review_lists_who_entered_churn_risk_or_left_high_value(conn: sqlite3.Connection) -> None:
    ids = _review_data(conn)
    s = today.agenda(conn, day=DAY, now=NOW).section("review")
    rows = {r["customer_id"]: r for r in s.records()}
    assert list(rows) == [ids["a"], ids["b"]]  # C did not move
    assert (rows[ids["a"]]["before"], rows[ids["a"]]["after"]) == ("normal", "churn_risk")
    assert rows[ids["a"]]["todo"] == "call: entered churn risk (no contact for 95 days)"
    assert rows[ids["a"]]["days_since_interaction"] == 95
    assert rows[ids["b"]]["before"] == "high_value" and rows[ids["b"]]["after"] != "high_value"
    assert rows[ids["b"]]["todo"].startswith("review: left high value")
    assert rows[ids["b"]]["owner"] == "李娜"
    assert keys(today.agenda(conn, day=DAY, owner="张伟", now=NOW).section("review"), "customer_id") == [ids["a"]]


def test_review_without_runs_says_what_to_do(conn: sqlite3.Connection) -> None:
    s = today.agenda(conn, day=DAY, now=NOW).section("review")
    assert s.rows == [] and "crm segment run" in (s.note or "")


def test_cli_json_shape_and_check_exit_code(cli: Runner, db_path: Path, conn: sqlite3.Connection,
                                            data: dict[str, str]) -> None:
    r = cli("today", "--date", DAY.isoformat(), "--days", "3", "--format", "json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["date"] == "2024-06-12"
    assert set(out["sections"]) == {"overdue", "due", "tickets", "review"}
    assert [x["followup_id"] for x in out["sections"]["overdue"]["rows"]] == [data["late_old"], data["late_other"],
                                                                              data["late_new"]]
    r = cli("today", "--date", DAY.isoformat(), "--check", "-f", "json")
    assert r.exit_code == 3
    assert cli("today", "--date", "2024-05-01", "--check", "-f", "csv").exit_code == 0  # nothing due before May


def test_cli_mine_and_table(cli: Runner, data: dict[str, str]) -> None:
    r = cli("today", "--mine")
    assert r.exit_code == 1 and "crm config set user" in r.stderr
    assert cli("config", "set", "user", "李娜").exit_code == 0
    r = cli("today", "--mine", "--date", DAY.isoformat(), "-f", "table")
    assert r.exit_code == 0, r.output
    assert "Today for 李娜" in r.stdout and data["late_new"] in r.stdout and data["late_old"] not in r.stdout
    assert cli("today", "--days", "-1").exit_code == 1


def test_ics_parses_back_with_stable_uids(cli: Runner, tmp_path: Path, conn: sqlite3.Connection,
                                          data: dict[str, str]) -> None:
    from icalendar import Calendar

    path = tmp_path / "跟进.ics"
    r = cli("today", "--ics", str(path), "-f", "json")
    assert r.exit_code == 0, r.output
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    first = path.read_bytes()
    cal = Calendar.from_ical(first)
    events = {str(e["uid"]): e for e in cal.walk("VEVENT")}
    open_ids = [data[k] for k in ("late_old", "late_other", "late_new", "due_today", "due_in_3", "due_in_9")]
    assert set(events) == {calendar_ics.uid(f) for f in open_ids}  # not the done one
    ev = events[calendar_ics.uid(data["due_in_3"])]
    assert str(ev["summary"]) == "北京华信科技有限公司: 安排技术演示"
    assert ev.decoded("dtstart") == DAY + timedelta(days=3)
    assert "王芳 138****5678" in str(ev["description"])  # masked by default
    assert int(ev["sequence"]) == 0
    assert ev.decoded("dtstamp").utcoffset() == timedelta(0)  # RFC 5545: DTSTAMP in UTC
    # a second write of unchanged data is the same file; after an edit the UID stays, SEQUENCE grows
    assert cli("today", "--ics", str(path), "-f", "json").exit_code == 0
    assert path.read_bytes() == first
    records.update(conn, data["due_in_3"], {"due_date": d(4)})
    records.update(conn, data["late_old"], {"done": "是"})
    assert cli("today", "--ics", str(path), "--unmask", "-f", "json").exit_code == 0
    events = {str(e["uid"]): e for e in Calendar.from_ical(path.read_bytes()).walk("VEVENT")}
    ev = events[calendar_ics.uid(data["due_in_3"])]
    assert ev.decoded("dtstart") == DAY + timedelta(days=4) and int(ev["sequence"]) == 1
    assert calendar_ics.uid(data["late_old"]) not in events
    other = tmp_path / "notes.txt"
    other.write_text("mine")
    r = cli("today", "--ics", str(other), "-f", "json")
    assert r.exit_code == 1 and "--force" in r.stderr and other.read_text() == "mine"  # not crm's calendar
    assert "王芳 13812345678" in str(ev["description"])
    assert conn.execute("SELECT kind FROM operations ORDER BY op_id DESC LIMIT 1").fetchone()[0] == "export"
