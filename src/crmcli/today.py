"""`crm today`: a salesperson's day, in sections.

    overdue   next steps (下一步计划) not done whose due date (预计完成时间) is before the day,
              oldest first — the template's follow-up record, seed 000
    due       next steps not done due on the day, or within the next N days (--days)
    tickets   open service tickets past, or coming up on, their service-level deadline
              (seed 002; the rules and the clock live in sla.py)
    review    seed 001's weekly review: customers that entered 流失风险 (churn_risk) or left
              高价值 (high_value) between the segment run a week before the day and the run of the day

Whose day: a follow-up belongs to whoever follows it up (跟进人), else to the customer's
owner (负责人); a ticket to its handler (处理人), else the customer's owner; a customer to
its owner. `owner=` narrows every section to one person.

Each row names the customer, the owner and what to do (`todo`). Sections are the
reports' `Section`s, so the terminal, CSV and JSON renderings are the reports' ones.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from crmcli import sla
from crmcli.errors import InvalidValue
from crmcli.i18n import N_, _
from crmcli.reports.base import Column, Section

SECTIONS = ("overdue", "due", "tickets", "review")
REVIEW_WINDOW_DAYS = 7  # seed 001: high-value and churn-risk customers are reviewed weekly
MAX_DAYS = 366

_FOLLOWUP_COLUMNS = [
    Column("followup_id", N_("Follow-up")), Column("customer_id", N_("Customer ID")), Column("customer", N_("Customer")),
    Column("owner", N_("Owner")), Column("todo", N_("To do")), Column("due_date", N_("Due"), "date"),
    Column("days_overdue", N_("Days overdue"), "int"), Column("contact", N_("Contact")),
]
_TICKET_COLUMNS = [
    Column("ticket_id", N_("Ticket")), Column("customer_id", N_("Customer ID")), Column("customer", N_("Customer")),
    Column("owner", N_("Owner")), Column("todo", N_("To do")), Column("urgency", N_("Urgency"), field=("tickets", "urgency")),
    Column("deadline", N_("Deadline"), "datetime"), Column("state", N_("State")), Column("hours_left", N_("Hours left"), "number"),
]
_REVIEW_COLUMNS = [
    Column("customer_id", N_("Customer ID")), Column("customer", N_("Customer")), Column("owner", N_("Owner")),
    Column("todo", N_("To do")), Column("before", N_("Before")), Column("after", N_("After")),
    Column("days_since_interaction", N_("Days since contact"), "int"), Column("yearly_amount", N_("Yearly amount"), "money"),
]


@dataclass
class Agenda:
    day: date
    days: int
    owner: str | None
    sections: list[Section]
    notes: list[str] = field(default_factory=list)

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)

    @property
    def overdue(self) -> int:
        """How many things are late: overdue next steps and tickets past a deadline."""
        late = sum(1 for r in self.section("tickets").records() if r["state"] != "due_soon")
        return len(self.section("overdue").rows) + late

    def to_dict(self) -> dict[str, Any]:
        """`{"date", "days", "owner", "sections": {key: {"title", "columns", "rows": [...], "note"}}}`."""
        return {"date": self.day.isoformat(), "days": self.days, "owner": self.owner, "notes": self.notes,
                "sections": {s.key: {"title": s.title, "columns": [c.key for c in s.columns], "rows": s.records(),
                                     "note": s.note} for s in self.sections}}


def _section(key: str, title: str, columns: list[Column], rows: list[list[Any]], note: str | None = None) -> Section:
    """A Section with its column labels in the current language (the constants above are marked N_)."""
    shown = [Column(c.key, _(c.label), c.kind, c.field) for c in columns]
    return Section(key, title, shown, rows, note=note)


def _owner_clause(expr: str, owner: str | None) -> tuple[str, list[Any]]:
    return ("1", []) if owner is None else (f"{expr} = ?", [owner])


def _followup_rows(conn: sqlite3.Connection, where: str, params: list[Any], day: date) -> list[list[Any]]:
    owner = "coalesce(f.followed_by, c.owner)"
    sql = (f"SELECT f.followup_id, f.customer_id, c.name, {owner}, f.next_step, f.summary, f.due_date, "
           f"CAST(julianday(?) - julianday(f.due_date) AS INTEGER), coalesce(f.contact_name, c.contact_name) "
           f"FROM followups f JOIN customers c ON c.customer_id = f.customer_id "
           f"WHERE f.done = 0 AND f.due_date IS NOT NULL AND {where} ORDER BY f.due_date, f.date, f.followup_id")
    out = []
    for fid, cid, name, who, step, summary, due, late, contact in conn.execute(sql, [day.isoformat(), *params]):
        todo = step or (_("follow up: {summary}").format(summary=summary) if summary else _("follow up"))
        out.append([fid, cid, name, who, todo, due, max(late, 0), contact])
    return out


def overdue_section(conn: sqlite3.Connection, day: date, owner: str | None) -> Section:
    who, wparams = _owner_clause("coalesce(f.followed_by, c.owner)", owner)
    rows = _followup_rows(conn, f"f.due_date < ? AND {who}", [day.isoformat(), *wparams], day)
    return _section("overdue", _("Overdue next steps (下一步计划 past due, not done)"), _FOLLOWUP_COLUMNS, rows,
                    note=_("{n} overdue").format(n=len(rows)) if rows else None)


def due_section(conn: sqlite3.Connection, day: date, days: int, owner: str | None) -> Section:
    who, wparams = _owner_clause("coalesce(f.followed_by, c.owner)", owner)
    last = day + timedelta(days=days)
    rows = _followup_rows(conn, f"f.due_date >= ? AND f.due_date <= ? AND {who}",
                          [day.isoformat(), last.isoformat(), *wparams], day)
    title = _("Next steps due today") if days == 0 else \
        _("Next steps due today and in the next {days} days (to {last})").format(days=days, last=last)
    return _section("due", title, [c for c in _FOLLOWUP_COLUMNS if c.key != "days_overdue"],
                    [r[:6] + r[7:] for r in rows])


def tickets_section(conn: sqlite3.Connection, day: date, days: int, owner: str | None, now: datetime) -> Section:
    """Open tickets whose resolve deadline has passed or falls before the end of the window, or whose
    response is late (urgent / critical: 2 hours). Deadlines are sla.py's."""
    horizon = datetime.combine(day + timedelta(days=days + 1), time())
    who, wparams = _owner_clause("coalesce(t.handler, c.owner)", owner)
    resolve_by = sla.resolve_deadline_sql("t.date", "t.urgency")
    # Only the SQL prefilter uses the SQL form; every row is then judged by the Python reference rules.
    sql = (f"SELECT t.ticket_id, t.customer_id, c.name, coalesce(t.handler, c.owner), t.urgency, t.date, "
           f"t.responded_at, t.description FROM tickets t JOIN customers c ON c.customer_id = t.customer_id "
           f"WHERE t.status NOT IN ('closed', 'done') AND t.closed_at IS NULL AND {who} "
           f"AND ({resolve_by} < ? OR (t.urgency IN ('urgent', 'critical') AND t.responded_at IS NULL)) "
           f"ORDER BY t.date, t.ticket_id")
    rows = []
    for tid, cid, name, handler, urgency, start, responded, desc in conn.execute(
            sql, [*wparams, sla.julian_day(horizon)]):
        resolve = sla.resolve_deadline(start, urgency)
        respond = sla.respond_deadline(start, urgency)
        what = (desc or "").strip()
        what = f" ({what[:40]})" if what else ""
        if now > resolve:
            state, deadline = "overdue", resolve
            todo = _("resolve now: {late} past the deadline").format(late=_ago(now - resolve)) + what
        elif respond is not None and responded is None and now > respond:
            state, deadline = "no_response", respond
            todo = _("answer the customer: response {late} late").format(late=_ago(now - respond)) + what
        elif resolve < horizon:
            state, deadline = "due_soon", resolve
            todo = _("resolve by {deadline}").format(deadline=f"{resolve:%Y-%m-%d %H:%M}") + what
        else:
            continue
        hours = round((deadline - now).total_seconds() / 3600, 1)
        rows.append([tid, cid, name, handler, todo, urgency, deadline.strftime("%Y-%m-%d %H:%M:%S"), state, hours])
    order = {"overdue": 0, "no_response": 1, "due_soon": 2}
    rows.sort(key=lambda r: (order[r[7]], r[6], r[0]))
    return _section("tickets", _("Tickets past or near their service-level deadline "
                                 "(urgent/critical: respond 2 h, resolve 24 h; normal: 3 working days)"),
                    _TICKET_COLUMNS, rows)


def _ago(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return _("{n} h").format(n=f"{hours:.0f}") if hours < 48 else _("{n} days").format(n=f"{hours / 24:.0f}")


def review_section(conn: sqlite3.Connection, day: date, owner: str | None) -> Section:
    """Seed 001's weekly review between the run standing for DAY and the run standing for DAY - 7."""
    title = _("Weekly review: entered 流失风险 (churn risk) or left 高价值 (high value) this week")
    run = _run_on(conn, day)
    base = _run_on(conn, day - timedelta(days=REVIEW_WINDOW_DAYS))
    if run is None:
        return _section("review", title, _REVIEW_COLUMNS, [], note=_("no segment run yet: run `crm segment run`"))
    if base is None or base == run:
        return _section("review", title, _REVIEW_COLUMNS, [],
                        note=_("no segment run a week before {day} to compare with (the first is {first})").format(
                            day=day, first=run[1]))
    from crmcli.segments.metrics import figure_path

    who, wparams = _owner_clause("c.owner", owner)
    sql = (f"SELECT a.customer_id, c.name, c.owner, b.segment, a.segment, "
           f"json_extract(a.figures, '{figure_path('days_since_interaction')}'), "
           f"json_extract(a.figures, '{figure_path('yearly_amount')}'), "
           f"json_extract(a.figures, '{figure_path('avg_satisfaction')}') "
           f"FROM customer_segments a JOIN customers c ON c.customer_id = a.customer_id "
           f"LEFT JOIN customer_segments b ON b.run_id = ? AND b.customer_id = a.customer_id "
           f"WHERE a.run_id = ? AND {who} AND ((a.segment = 'churn_risk' AND b.segment IS NOT 'churn_risk') "
           f"OR (b.segment = 'high_value' AND a.segment IS NOT 'high_value')) "
           f"ORDER BY a.segment = 'churn_risk' DESC, 7 DESC, a.customer_id")
    rows = []
    for cid, name, who_, before, after, idle, amount, sat in conn.execute(sql, [base[0], run[0], *wparams]):
        if after == "churn_risk":
            why = _("no contact for {n} days").format(n=idle) if idle is not None and idle > 90 else (
                _("satisfaction {n}").format(n=sat) if sat is not None and sat < 3 else _("marked at risk"))
            todo = _("call: entered churn risk ({why})").format(why=why)
        else:
            todo = _("review: left high value (now {segment})").format(segment=after or _("unclassified"))
        rows.append([cid, name, who_, todo, before, after, idle, amount])
    return _section("review", title, _REVIEW_COLUMNS, rows,
                    note=_("segment runs of {base} and {run}").format(base=base[1], run=run[1]))


def _run_on(conn: sqlite3.Connection, day: date) -> tuple[int, str] | None:
    row = conn.execute("SELECT run_id, run_date FROM segment_runs WHERE run_date <= ? "
                       "ORDER BY run_date DESC, run_id DESC LIMIT 1", (day.isoformat(),)).fetchone()
    return (int(row[0]), str(row[1])) if row else None


def agenda(conn: sqlite3.Connection, *, day: date, days: int = 0, owner: str | None = None,
           now: datetime | None = None) -> Agenda:
    """The day's agenda for OWNER (None: everyone). NOW (default: DAY at the current time of day)
    is the moment service-level deadlines are measured at."""
    if not 0 <= days <= MAX_DAYS:
        raise InvalidValue(_("--days takes 0 to {max}, not {days}").format(max=MAX_DAYS, days=days))
    owner = owner.strip() if owner else None
    now = now or datetime.combine(day, datetime.now().time().replace(microsecond=0))
    sections = [overdue_section(conn, day, owner), due_section(conn, day, days, owner),
                tickets_section(conn, day, days, owner, now), review_section(conn, day, owner)]
    return Agenda(day, days, owner, sections)


def open_followups(conn: sqlite3.Connection, *, owner: str | None = None) -> list[dict[str, Any]]:
    """Every follow-up not done that has a due date, with its customer and contact — the calendar's entries."""
    who, wparams = _owner_clause("coalesce(f.followed_by, c.owner)", owner.strip() if owner else None)
    sql = (f"SELECT f.followup_id, f.customer_id, c.name AS customer, coalesce(f.followed_by, c.owner) AS owner, "
           f"f.next_step, f.summary, f.due_date, f.method, coalesce(f.contact_name, c.contact_name) AS contact, "
           f"coalesce(ct.phone, c.phone) AS phone, coalesce(ct.email, c.email) AS email, f.updated_at "
           f"FROM followups f JOIN customers c ON c.customer_id = f.customer_id "
           f"LEFT JOIN contacts ct ON ct.contact_id = (SELECT contact_id FROM contacts WHERE customer_id = f.customer_id "
           f"AND name = f.contact_name ORDER BY contact_id LIMIT 1) "
           f"WHERE f.done = 0 AND f.due_date IS NOT NULL AND {who} ORDER BY f.due_date, f.followup_id")
    return [dict(r) for r in conn.execute(sql, wparams)]
