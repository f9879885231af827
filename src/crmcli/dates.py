"""Dates as people type them in filters and reports: days, months, years, relative forms.

A date word is a half-open period [start, end) of ISO days, so "= this-month" means
within the month and "< last-month" before it starts. $CRM_TODAY pins today.
"""

from __future__ import annotations

import os
import re
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from crmcli.errors import InvalidValue
from crmcli.i18n import _

_REL_RE = re.compile(r"^([+-])(\d+)\s*([dwmy])$", re.IGNORECASE)
_MONTH_RE = re.compile(r"^(\d{4})[-/.年](\d{1,2})月?$")


def default_today() -> date:
    """Today, or $CRM_TODAY (YYYY-MM-DD) so demos, tests and re-runs of a report can pin the date."""
    pinned = os.environ.get("CRM_TODAY", "").strip()
    if pinned:
        try:
            return date.fromisoformat(pinned)
        except ValueError:
            raise InvalidValue(_("CRM_TODAY must be YYYY-MM-DD, not '{value}'").format(value=pinned)) from None
    return date.today()


def date_period(text: str, today: date | None = None) -> tuple[str, str] | None:
    """A date word or relative date as the half-open period [start, end) of ISO days; None if not one."""
    today = today or default_today()
    low = text.strip().lower()
    day = timedelta(days=1)
    if low in ("today", "今天"):
        return today.isoformat(), (today + day).isoformat()
    if low in ("yesterday", "昨天"):
        return (today - day).isoformat(), today.isoformat()
    if low in ("this-week", "本周"):
        start = today - timedelta(days=today.weekday())
        return start.isoformat(), (start + timedelta(days=7)).isoformat()
    if low in ("last-week", "上周"):
        start = today - timedelta(days=today.weekday() + 7)
        return start.isoformat(), (start + timedelta(days=7)).isoformat()
    if low in ("this-month", "本月"):
        start = today.replace(day=1)
        return start.isoformat(), (start + relativedelta(months=1)).isoformat()
    if low in ("last-month", "上月"):
        end = today.replace(day=1)
        return (end - relativedelta(months=1)).isoformat(), end.isoformat()
    if low in ("this-year", "今年"):
        return today.replace(month=1, day=1).isoformat(), today.replace(year=today.year + 1, month=1, day=1).isoformat()
    if low in ("last-year", "去年"):
        return today.replace(year=today.year - 1, month=1, day=1).isoformat(), today.replace(month=1, day=1).isoformat()
    m = _REL_RE.match(low)
    if m:
        n = int(m.group(2)) * (1 if m.group(1) == "+" else -1)
        unit = {"d": "days", "w": "weeks", "m": "months", "y": "years"}[m.group(3)]
        d = today + relativedelta(**{unit: n})
        return d.isoformat(), (d + day).isoformat()
    m = _MONTH_RE.match(low)
    if m and 1 <= int(m.group(2)) <= 12:
        start = date(int(m.group(1)), int(m.group(2)), 1)
        return start.isoformat(), (start + relativedelta(months=1)).isoformat()
    return None


def relative_date(text: str, today: date | None = None) -> str | None:
    """'-90d' / '-3m' / 'today' / 'this-month' ... as YYYY-MM-DD (a period's first day); None when not relative."""
    period = date_period(text, today)
    return period[0] if period else None
