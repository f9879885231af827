"""Service levels: urgent 2 h / 24 h, normal 3 working days with weekends excluded.

2024-06-03 is a Monday; 2024-06-07 a Friday; 2024-06-08/09 the weekend.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcli import sla


def dt(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.mark.parametrize(("start", "due"), [
    ("2024-06-03 10:00:00", "2024-06-06 10:00:00"),  # Monday -> Thursday
    ("2024-06-04 00:00:00", "2024-06-07 00:00:00"),  # Tuesday midnight -> Friday midnight
    ("2024-06-04 10:00:00", "2024-06-07 10:00:00"),  # Tuesday -> Friday
    ("2024-06-05 10:00:00", "2024-06-10 10:00:00"),  # Wednesday -> Monday, across the weekend
    ("2024-06-05 00:00:00", "2024-06-10 00:00:00"),  # Wednesday 00:00 -> end of Friday = Monday 00:00
    ("2024-06-06 09:30:00", "2024-06-11 09:30:00"),  # Thursday -> Tuesday
    ("2024-06-07 15:00:00", "2024-06-12 15:00:00"),  # Friday afternoon -> Wednesday afternoon
    ("2024-06-07 23:59:59", "2024-06-12 23:59:59"),
    ("2024-06-08 10:00:00", "2024-06-13 00:00:00"),  # Saturday: the clock starts Monday 00:00
    ("2024-06-09 23:00:00", "2024-06-13 00:00:00"),  # Sunday late: same
    ("2024-06-08", "2024-06-13 00:00:00"),           # a bare day is midnight
])
def test_normal_resolve_deadline_skips_weekends(start: str, due: str) -> None:
    assert sla.resolve_deadline(start, "normal") == dt(due)


@pytest.mark.parametrize("urgency", ["urgent", "critical"])
@pytest.mark.parametrize(("start", "respond", "resolve"), [
    ("2024-06-03 10:00:00", "2024-06-03 12:00:00", "2024-06-04 10:00:00"),
    ("2024-06-07 23:00:00", "2024-06-08 01:00:00", "2024-06-08 23:00:00"),  # urgent runs through the weekend
    ("2024-06-08 10:00:00", "2024-06-08 12:00:00", "2024-06-09 10:00:00"),
])
def test_urgent_and_critical_use_calendar_hours(urgency: str, start: str, respond: str, resolve: str) -> None:
    assert sla.respond_deadline(start, urgency) == dt(respond)
    assert sla.resolve_deadline(start, urgency) == dt(resolve)


def test_normal_has_no_response_target() -> None:
    assert sla.respond_deadline("2024-06-03 10:00:00", "normal") is None
    assert sla.respond_deadline("2024-06-03 10:00:00", None) is None
    assert sla.resolve_deadline("2024-06-03 10:00:00", None) == dt("2024-06-06 10:00:00")  # no urgency: normal


NOW = dt("2024-06-15 12:00:00")  # a Saturday


@pytest.mark.parametrize(("start", "urgency", "responded", "closed", "status", "expected"), [
    # normal, Friday 15:00 -> due Wednesday 15:00
    ("2024-06-07 15:00:00", "normal", None, "2024-06-12 15:00:00", "closed", "on_time"),  # at the deadline
    ("2024-06-07 15:00:00", "normal", None, "2024-06-12 15:00:01", "closed", "late"),
    ("2024-06-07 15:00:00", "normal", None, "2024-06-09 11:00:00", "done", "on_time"),  # closed on Sunday
    ("2024-06-08 10:00:00", "normal", None, "2024-06-12 23:59:00", "closed", "on_time"),  # Saturday start
    ("2024-06-08 10:00:00", "normal", None, None, "in_progress", "overdue"),  # due Thu 13th 00:00
    ("2024-06-14 16:00:00", "normal", None, None, "pending", "pending"),  # due Wed 19th
    # urgent: respond 2 h, resolve 24 h
    ("2024-06-03 09:00:00", "urgent", "2024-06-03 11:00:00", "2024-06-04 09:00:00", "closed", "on_time"),
    ("2024-06-03 09:00:00", "urgent", "2024-06-03 11:00:01", "2024-06-03 12:00:00", "closed", "late"),
    ("2024-06-03 09:00:00", "urgent", "2024-06-03 09:30:00", "2024-06-04 09:00:01", "closed", "late"),
    ("2024-06-03 09:00:00", "urgent", None, "2024-06-03 10:00:00", "closed", "late"),  # never answered, 2 h passed
    ("2024-06-15 11:00:00", "urgent", None, None, "pending", "pending"),  # 1 h old
    ("2024-06-15 09:00:00", "urgent", None, None, "pending", "late"),  # 3 h, no answer: response missed
    ("2024-06-15 09:00:00", "urgent", "2024-06-15 10:00:00", None, "in_progress", "pending"),
    ("2024-06-14 09:00:00", "urgent", "2024-06-14 09:05:00", None, "in_progress", "overdue"),
    ("2024-06-13 09:00:00", "critical", "2024-06-13 12:00:00", "2024-06-13 18:00:00", "closed", "late"),
    ("2024-06-13 09:00:00", "critical", "2024-06-13 10:00:00", "2024-06-13 18:00:00", "closed", "on_time"),
    # closed status without a close time: judged by the response only
    ("2024-06-03 09:00:00", "normal", None, None, "done", "on_time"),
    ("2024-06-03 09:00:00", "urgent", "2024-06-03 12:00:00", None, "closed", "late"),
])
def test_state(start: str, urgency: str, responded: str | None, closed: str | None, status: str, expected: str) -> None:
    assert sla.state(start, urgency, responded_at=responded, closed_at=closed, status=status, now=NOW) == expected
    assert _sql_state(start, urgency, responded, closed, status, NOW) == expected


def _sql_state(start: str, urgency: str, responded: str | None, closed: str | None, status: str, now: datetime) -> str:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE tickets (date TEXT, urgency TEXT, responded_at TEXT, closed_at TEXT, status TEXT)")
    conn.execute("INSERT INTO tickets VALUES (?, ?, ?, ?, ?)", (start, urgency, responded, closed, status))
    return conn.execute(f"SELECT {sla.state_sql('t')} FROM tickets t", sla.state_sql_params(now)).fetchone()[0]


def _sql_deadlines(start: str, urgency: str) -> tuple[str, str | None]:
    conn = sqlite3.connect(":memory:")
    row = conn.execute(f"SELECT datetime({sla.resolve_deadline_sql('?1', '?2')}), "
                       f"datetime({sla.respond_deadline_sql('?1', '?2')})", (start, urgency)).fetchone()
    return row[0], row[1]


starts = st.datetimes(min_value=datetime(2023, 12, 1), max_value=datetime(2025, 3, 1)).map(
    lambda d: d.replace(microsecond=0))


@settings(max_examples=400, deadline=None)
@given(start=starts, urgency=st.sampled_from(["normal", "urgent", "critical"]))
def test_sql_deadlines_match_the_reference(start: datetime, urgency: str) -> None:
    """The SQL arithmetic and the day-by-day reference agree on every start moment."""
    text = start.strftime("%Y-%m-%d %H:%M:%S")
    resolve, respond = _sql_deadlines(text, urgency)
    assert resolve == sla.resolve_deadline(text, urgency).strftime("%Y-%m-%d %H:%M:%S")
    ref = sla.respond_deadline(text, urgency)
    assert respond == (ref.strftime("%Y-%m-%d %H:%M:%S") if ref else None)


@settings(max_examples=300, deadline=None)
@given(start=starts, urgency=st.sampled_from(["normal", "urgent", "critical"]),
       respond_after=st.one_of(st.none(), st.integers(0, 6 * 3600)),
       close_after=st.one_of(st.none(), st.integers(0, 8 * 86400)),
       now_after=st.integers(0, 10 * 86400))
def test_sql_state_matches_the_reference(start: datetime, urgency: str, respond_after: int | None,
                                         close_after: int | None, now_after: int) -> None:
    fmt = "%Y-%m-%d %H:%M:%S"
    responded = (start + timedelta(seconds=respond_after)).strftime(fmt) if respond_after is not None else None
    closed = (start + timedelta(seconds=close_after)).strftime(fmt) if close_after is not None else None
    status = "closed" if closed else "in_progress"
    now = start + timedelta(seconds=now_after)
    expected = sla.state(start.strftime(fmt), urgency, responded_at=responded, closed_at=closed, status=status, now=now)
    assert _sql_state(start.strftime(fmt), urgency, responded, closed, status, now) == expected


def test_working_days_helper() -> None:
    assert sla.add_working_days(dt("2024-06-07 15:00:00"), 1) == dt("2024-06-10 15:00:00")  # Fri -> Mon
    assert sla.add_working_days(dt("2024-06-03 08:00:00"), 0) == dt("2024-06-03 08:00:00")
    assert sla.add_working_days(dt("2024-06-08 08:00:00"), 0) == dt("2024-06-10 00:00:00")  # weekend start waits
    assert sla.add_working_days(dt("2024-06-03 08:00:00"), 10) == dt("2024-06-17 08:00:00")  # two weeks
