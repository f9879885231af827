"""Service levels of the template (seed 002), as pure functions and as SQL.

    urgent (紧急):   respond within 2 hours, resolve within 24 hours (calendar time)
    normal (普通):   resolve within 3 working days; no response target
    critical (重大): the template gives it no level of its own; it is at least as
                    pressing as urgent, so it gets the urgent targets (2 h / 24 h)

Working days are Monday to Friday. Chinese public holidays and the swapped
working weekends (调休) are NOT modelled: the calendar changes every year by
State Council notice, so "weekends excluded" is the rule applied here.

"3 working days" is a clock that stops at weekends: a ticket raised on Friday
15:00 is due on Wednesday 15:00; one raised on Saturday or Sunday starts its clock
on Monday 00:00 and is due on Thursday 00:00 (the end of Wednesday).

A ticket is *on time* when it was resolved (closed_at) by its resolve deadline
and, where a response target applies, first answered (responded_at) by its
response deadline. It is *late* when a deadline passed unmet, whether the ticket
is closed or still open; *overdue* means still open (not closed/done) with a
deadline already passed; *pending* means still open and within its deadlines.

The Python functions are the reference; `resolve_deadline_sql` / `respond_deadline_sql`
are the same rules as SQLite expressions, so reports decide service levels inside
one GROUP BY over a million tickets. tests/test_sla.py checks that both agree.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

URGENT_RESPOND = timedelta(hours=2)
URGENT_RESOLVE = timedelta(hours=24)
NORMAL_RESOLVE_WORKING_DAYS = 3
PRESSING = ("urgent", "critical")  # urgencies with the 2 h / 24 h targets
CLOSED_STATUSES = ("closed", "done")

ON_TIME, LATE, OVERDUE, PENDING = "on_time", "late", "overdue", "pending"


def parse_when(value: str | datetime | date) -> datetime:
    """'YYYY-MM-DD' or 'YYYY-MM-DD HH:MM[:SS]' (or T) -> datetime; a bare day is midnight."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, time())
    text = value.strip().replace("T", " ")
    if len(text) == 10:
        return datetime.combine(date.fromisoformat(text), time())
    return datetime.fromisoformat(text[:19])


def is_working_day(d: date) -> bool:
    return d.weekday() < 5


def add_working_days(start: datetime, days: int) -> datetime:
    """START plus DAYS x 24 hours of working time: a clock that runs only on Monday to Friday.

    The reference version, walking day by day. A deadline that lands on the midnight
    ending a Friday is reported as the following Monday 00:00 (the same working moment),
    so weekend work never counts against a ticket.
    """
    t = start
    remaining = timedelta(days=days)
    while remaining > timedelta(0):
        next_midnight = datetime.combine(t.date() + timedelta(days=1), time())
        if not is_working_day(t.date()):
            t = next_midnight
            continue
        step = min(remaining, next_midnight - t)
        t += step
        remaining -= step
    while not is_working_day(t.date()):
        t = datetime.combine(t.date() + timedelta(days=1), time())
    return t


def resolve_deadline(start: str | datetime | date, urgency: str | None) -> datetime:
    """When a ticket raised at START must be resolved."""
    s = parse_when(start)
    if urgency in PRESSING:
        return s + URGENT_RESOLVE
    return add_working_days(s, NORMAL_RESOLVE_WORKING_DAYS)


def respond_deadline(start: str | datetime | date, urgency: str | None) -> datetime | None:
    """When a ticket raised at START must first be answered; None when no response target applies."""
    if urgency in PRESSING:
        return parse_when(start) + URGENT_RESPOND
    return None


def state(start: str | datetime | date, urgency: str | None, *, responded_at: str | datetime | None,
          closed_at: str | datetime | None, status: str | None, now: datetime) -> str:
    """on_time / late / overdue / pending for one ticket at moment NOW (see the module docstring)."""
    resolve_by = resolve_deadline(start, urgency)
    respond_by = respond_deadline(start, urgency)
    closed = parse_when(closed_at) if closed_at else None
    is_open = status not in CLOSED_STATUSES and closed is None
    responded = parse_when(responded_at) if responded_at else None
    respond_missed = respond_by is not None and (
        (responded is not None and responded > respond_by) or (responded is None and now > respond_by))
    if is_open:
        if now > resolve_by:
            return OVERDUE
        return LATE if respond_missed else PENDING
    if closed is None:  # marked closed without a time: judge by the response only, if any
        return LATE if respond_missed else ON_TIME
    if closed > resolve_by or respond_missed:
        return LATE
    return ON_TIME


# --- the same rules in SQL ---------------------------------------------------------------
# Julian day numbers keep the per-row cost to a few arithmetic steps (no date-string
# round trips): the weekday is (jd + 1.5) mod 7 with 0 = Sunday, and the midnight
# starting a day is floor(jd + 0.5) - 0.5. Comparisons allow half a second of
# floating-point slack, so a ticket closed at the deadline's second is on time.

EPSILON_DAYS = 0.5 / 86400


def resolve_deadline_sql(start: str, urgency: str) -> str:
    """SQL: the resolve deadline of a ticket as a Julian day number.

    Normal tickets: from a working-day start, 3 working days later is +3 calendar days
    on Monday or Tuesday and +5 (across one weekend) on Wednesday to Friday; a Saturday
    or Sunday start counts from Monday 00:00, so is due Thursday 00:00.
    """
    jd = f"julianday({start})"
    midnight = f"(CAST({jd} + 0.5 AS INTEGER) - 0.5)"
    normal = (f"(CASE CAST({jd} + 1.5 AS INTEGER) % 7 WHEN 6 THEN {midnight} + 5 WHEN 0 THEN {midnight} + 4 "
              f"WHEN 1 THEN {jd} + 3 WHEN 2 THEN {jd} + 3 ELSE {jd} + 5 END)")
    return f"(CASE WHEN {urgency} IN ('urgent', 'critical') THEN {jd} + 1 ELSE {normal} END)"


def respond_deadline_sql(start: str, urgency: str) -> str:
    """SQL: the response deadline as a Julian day number, NULL where no response target applies."""
    return f"(CASE WHEN {urgency} IN ('urgent', 'critical') THEN julianday({start}) + 1.0 / 12 END)"


def state_sql(alias: str = "t", now_param: str = "?") -> str:
    """SQL: 'on_time' / 'late' / 'overdue' / 'pending' for the tickets row ALIAS.

    Bind the parameters `state_sql_params(now)` gives, in order.
    """
    a = alias
    eps = repr(EPSILON_DAYS)
    resolve_by = resolve_deadline_sql(f"{a}.date", f"{a}.urgency")
    respond_by = f"(julianday({a}.date) + 1.0 / 12)"
    pressing = f"{a}.urgency IN ('urgent', 'critical')"
    respond_missed = (f"({pressing} AND (CASE WHEN {a}.responded_at IS NOT NULL "
                      f"THEN julianday({a}.responded_at) > {respond_by} + {eps} ELSE {now_param} > {respond_by} END))")
    is_open = f"({a}.status NOT IN ('closed', 'done') AND {a}.closed_at IS NULL)"
    return (f"(CASE WHEN {is_open} THEN (CASE WHEN {now_param} > {resolve_by} THEN 'overdue' "
            f"WHEN {respond_missed} THEN 'late' ELSE 'pending' END) "
            f"WHEN {a}.closed_at IS NULL THEN (CASE WHEN {respond_missed} THEN 'late' ELSE 'on_time' END) "
            f"WHEN julianday({a}.closed_at) > {resolve_by} + {eps} OR {respond_missed} THEN 'late' ELSE 'on_time' END)")


def state_sql_params(now: datetime) -> list[float]:
    """The parameters `state_sql()` expects, in order: NOW as a Julian day, once per use."""
    jd = julian_day(now)
    return [jd, jd, jd, jd]


def julian_day(moment: datetime) -> float:
    """NOW as SQLite's julianday() gives it."""
    return (moment - datetime(1970, 1, 1)).total_seconds() / 86400 + 2440587.5
