"""The template's analyses (seeds 002 and 004) as reports.

    from crmcli import reports
    rep = reports.run(conn, "revenue", ["industry~制造"], since="2024-01-01", by="quarter")
    for section in rep.sections: print(section.title, section.columns, section.rows)

Every report returns a `Report` of `Section`s (title, columns, rows, chart hint);
`reports.render` prints them (terminal, CSV, JSON) and `reports.xlsx` writes a
workbook with native charts. Filters are the query language over customers and
narrow every report; child tables are restricted to the matching customers.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import date, datetime

from crmcli.errors import InvalidValue
from crmcli.i18n import _
from crmcli.reports import customers, followups, revenue, service  # noqa: F401  (they register themselves)
from crmcli.reports.base import REGISTRY, Chart, Column, Report, ReportDef, Section, make_context, mark_partial, parse_day

ORDER = ("overview", "structure", "funnel", "revenue", "satisfaction", "service", "followups")

__all__ = ["REGISTRY", "Chart", "Column", "Report", "ReportDef", "Section", "available", "get", "run"]


def available() -> list[ReportDef]:
    """Every report, in the order a manager reads them."""
    order = {n: i for i, n in enumerate(ORDER)}
    return sorted(REGISTRY.values(), key=lambda r: order.get(r.name, len(order)))


def get(name: str) -> ReportDef:
    key = name.strip().lower()
    if key in REGISTRY:
        return REGISTRY[key]
    close = [n for n in REGISTRY if n.startswith(key[:3])] if key else []
    hint = _(" (did you mean {options}?)").format(options=", ".join(close)) if close else ""
    raise InvalidValue(_("unknown report '{name}'{hint}; reports: {reports}").format(name=name, hint=hint, reports=", ".join(REGISTRY)))


def run(conn: sqlite3.Connection, name: str, filters: Sequence[str] = (), *, since: str | None = None,
        until: str | None = None, by: str = "month", today: date | None = None, now: datetime | None = None) -> Report:
    """Compute report NAME over the customers matching FILTERS, for the period SINCE..UNTIL (days, inclusive).

    SINCE/UNTIL accept YYYY-MM-DD or relative dates (-3m, this-month); when SINCE is
    None the report's own default applies (overview: the month of UNTIL, else this month;
    others: all history).
    TODAY/NOW fix the clock (tests); overdue and open counts are measured at NOW.
    """
    spec = get(name)
    now = now or datetime.now().replace(microsecond=0)
    today = today or now.date()
    until_day = parse_day(until, today, "--until")
    # a default start is relative to the end asked for: `overview --until 2024-03-31` is March
    anchor = date.fromisoformat(until_day) if until_day else today
    since_day = parse_day(since, today, "--since") if since is not None else spec.default_since(anchor)
    ctx = make_context(conn, filters, since=since_day, until=until_day, by=by, today=today, now=now)
    try:
        sections = spec.build(ctx)
    finally:
        ctx.close()
    mark_partial(sections, since_day, until_day, today)
    return Report(spec.name, spec.title, since_day, until_day, by, list(filters), sections, list(spec.notes))
