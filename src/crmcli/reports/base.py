"""The shape every report returns, the registry, and the SQL helpers reports share.

A report is a function `(ctx: Context) -> list[Section]`. A Section is a small
table (title, columns, rows) plus a chart hint; renderers (terminal, CSV, JSON,
XLSX) know nothing about individual reports.

All counting happens in SQL, and SQL that never sorts a big table: SQLite groups
by sorting unless rows arrive in group order, and sorting a million rows takes
seconds. So a report reads each big table once, through a covering index whose
order is the GROUP BY order (the Reports section of schema.sql), into "a cube" (a
temp table of at most some thousands of rows), and builds its sections by summing
the cube again; distributions are sums of 0/1 comparisons, never a GROUP BY over
per-customer rows. With filters, the matching customers are copied once into a
temp table (Context.customers / Context.scope) and child tables are read for them.
Python only touches aggregated rows.
"""

from __future__ import annotations

import itertools
import re
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from crmcli import fields, revenue
from crmcli.errors import InvalidValue
from crmcli.filters import Compiled, compile_filters, relative_date
from crmcli.i18n import _

# Orders that count as revenue: completed, and partially refunded (the template
# records no refunded sum, so those count at their recorded amount).
REVENUE_SQL = revenue.condition()  # what counts as revenue: crmcli/revenue.py

# Above this share of all customers, child tables are scanned rather than sought per customer.
SCAN_FRACTION = 0.3

# The customer columns reports read, copied for the filtered customers (see Context.customers).
SCOPE_COLUMNS = ("customer_id", "status", "segment", "industry", "level", "source", "customer_type", "kind", "owner",
                 "first_deal_date", "first_contact_date", "created_at")

KINDS = ("text", "int", "money", "number", "percent", "date", "datetime", "period")


@dataclass(frozen=True)  # shared by sections (CUSTOMERS_COL, SLA_COLS): a renderer makes its own, never edits one
class Column:
    key: str  # English name used by CSV / JSON
    label: str  # header on the terminal and in the workbook
    kind: str = "text"  # one of KINDS; percent is a fraction 0..1
    field: tuple[str, str] | None = None  # (table, field): values are fixed labels, shown translated


@dataclass(frozen=True)
class Chart:
    kind: str  # pie (shares), bar (distributions), line (periods)
    category: str  # column key of the categories
    values: tuple[str, ...]  # column keys of the series


@dataclass
class Section:
    key: str
    title: str
    columns: list[Column]
    rows: list[list[Any]]
    chart: Chart | None = None
    note: str | None = None
    # period keys ('2024-06', '2024-Q2') the report's period covers only in part (see partial_periods)
    partial: list[str] = field(default_factory=list)

    def column(self, key: str) -> int:
        return [c.key for c in self.columns].index(key)

    def records(self) -> list[dict[str, Any]]:
        keys = [c.key for c in self.columns]
        return [dict(zip(keys, r, strict=True)) for r in self.rows]


@dataclass
class Report:
    name: str
    title: str
    since: str | None
    until: str | None
    by: str
    filters: list[str]
    sections: list[Section]
    notes: list[str] = field(default_factory=list)

    def section(self, key: str) -> Section:
        for s in self.sections:
            if s.key == key:
                return s
        raise InvalidValue(_("report {report} has no section '{key}'; sections: {sections}").format(
            report=self.name, key=key, sections=", ".join(s.key for s in self.sections)))


@dataclass
class Context:
    conn: sqlite3.Connection
    filters: list[str]
    since: str | None
    until: str | None
    by: str
    today: date
    now: datetime
    compiled: Compiled
    notes: list[str] = field(default_factory=list)
    _temps: list[str] = field(default_factory=list)
    _scope_size: int | None = None
    _all_customers: int | None = None

    # -- scope ---------------------------------------------------------------------------
    @property
    def filtered(self) -> bool:
        return bool(self.filters)

    @property
    def customers(self) -> str:
        """The FROM source for customer rows: `customers`, or with filters the matching customers'
        report columns (a temp table aliased `customers`, so queries read the same)."""
        if not self.filtered:
            return "customers"
        self._build_scope()
        return "temp._report_scope AS customers"

    def customers_where(self) -> tuple[str, list[Any]]:
        """Kept for symmetry with `scope`: the filters are already applied by `customers`."""
        return "1", []

    def scope(self, col: str) -> tuple[str, list[Any]]:
        """Restrict a child-table column holding a customer id to the filtered customers.

        The filter runs once per report, into a temp table of the matching customers. For
        part of the customers SQLite then seeks their rows by customer (indexes that start
        with customer_id); for most of them (more than SCAN_FRACTION) a unary + keeps it
        from doing so, and it scans a covering index probing the id table instead, which
        then beats a seek or a row lookup per matching customer.
        """
        if not self.filtered:
            return "1", []
        size = self._build_scope()
        if self._all_customers is None:
            self._all_customers = int(self.conn.execute("SELECT count(*) FROM customers").fetchone()[0])
        ids = "(SELECT customer_id FROM temp._report_scope)"
        return (f"+{col} IN {ids}" if size > SCAN_FRACTION * self._all_customers else f"{col} IN {ids}"), []

    def _build_scope(self) -> int:
        if self._scope_size is None:
            cols = ", ".join(SCOPE_COLUMNS)
            self.conn.execute("DROP TABLE IF EXISTS temp._report_scope")
            self.conn.execute(f"CREATE TEMP TABLE _report_scope ({cols}, PRIMARY KEY (customer_id)) WITHOUT ROWID")
            self._temps.append("_report_scope")
            cur = self.conn.execute(f"INSERT INTO temp._report_scope SELECT {', '.join('customers.' + c for c in SCOPE_COLUMNS)} "
                                    f"FROM customers WHERE {self.compiled.where}", list(self.compiled.params))
            self._scope_size = cur.rowcount
        return self._scope_size

    def period(self, col: str, *, since: bool = True) -> tuple[str, list[Any]]:
        """COL within --since/--until (both days inclusive; COL a date or a date-time)."""
        parts, params = [], []
        if since and self.since:
            parts.append(f"{col} >= ?")
            params.append(self.since)
        if self.until:
            parts.append(f"{col} < ?")
            params.append((date.fromisoformat(self.until) + timedelta(days=1)).isoformat())
        return (" AND ".join(parts) or "1"), params

    def period_key(self, col: str) -> str:
        """SQL: the month ('2024-05') or quarter ('2024-Q2') of a date column."""
        if self.by == "quarter":
            return f"(substr({col}, 1, 4) || '-Q' || ((CAST(substr({col}, 6, 2) AS INTEGER) + 2) / 3))"
        return f"substr({col}, 1, 7)"

    # -- temp tables -------------------------------------------------------------------
    def cube(self, select_sql: str, params: Sequence[Any]) -> str:
        """Materialise an aggregate query as a temp table; returns its name (dropped by close())."""
        name = f"_report_cube_{len(self._temps) + 1}"
        self.conn.execute(f"DROP TABLE IF EXISTS temp.{name}")
        self.conn.execute(f"CREATE TEMP TABLE {name} AS {select_sql}", list(params))
        self._temps.append(name)
        return name

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in self.conn.execute(sql, list(params)).fetchall()]

    def one(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...]:
        return tuple(self.conn.execute(sql, list(params)).fetchone())

    def close(self) -> None:
        for name in self._temps:
            self.conn.execute(f"DROP TABLE IF EXISTS temp.{name}")
        self._temps.clear()
        self._scope_size = None


@dataclass
class ReportDef:
    name: str
    summary: str
    title: str
    build: Callable[[Context], list[Section]]
    default_since: Callable[[date], str | None] = lambda today: None
    notes: tuple[str, ...] = ()


REGISTRY: dict[str, ReportDef] = {}


def report(name: str, summary: str, title: str, *, default_since: Callable[[date], str | None] | None = None,
           notes: Sequence[str] = ()) -> Callable[[Callable[[Context], list[Section]]], Callable[[Context], list[Section]]]:
    """Register a report function under NAME with a one-line SUMMARY."""
    def add(fn: Callable[[Context], list[Section]]) -> Callable[[Context], list[Section]]:
        REGISTRY[name] = ReportDef(name, summary, title, fn, default_since or (lambda today: None), tuple(notes))
        return fn
    return add


# -- small helpers used by several reports --------------------------------------------------

def share(part: float | int | None, whole: float | int | None) -> float | None:
    """part / whole as a fraction rounded to 4 places; None when whole is 0."""
    if not whole:
        return None
    return round((part or 0) / whole, 4)


def money(v: float | None) -> float:
    return round(float(v or 0), 2)


def label_values(table: str, field_name: str) -> list[str]:
    """The canonical values of a fixed-label field, in the template's order."""
    return [lab.value for lab in fields.get_field(table, field_name).labels]


def order_by_labels(rows: list[tuple[Any, ...]], table: str, field_name: str) -> list[tuple[Any, ...]]:
    """Sort aggregated rows whose first item is a label value into the template's order (unknown/None last)."""
    order = {v: i for i, v in enumerate(label_values(table, field_name))}
    return sorted(rows, key=lambda r: (order.get(r[0], len(order) + (r[0] is None)), str(r[0])))


def with_shares(rows: list[tuple[Any, ...]], total: int | float | None = None) -> list[list[Any]]:
    """(category, count) rows -> [category, count, share of the total]."""
    whole = total if total is not None else sum(r[1] or 0 for r in rows)
    return [[r[0], r[1], share(r[1], whole)] for r in rows]


def fill_periods(rows: list[list[Any]], by: str, zero: Sequence[Any]) -> list[list[Any]]:
    """Insert the missing months/quarters between the first and last period as zero rows (for line charts)."""
    if not rows:
        return rows
    present = {r[0]: r for r in rows if r[0]}
    keys = sorted(present)
    out: list[list[Any]] = []
    for key in _period_range(keys[0], keys[-1], by):
        out.append(present.get(key) or [key, *zero])
    out.extend(r for r in rows if not r[0])
    return out


def _period_range(first: str, last: str, by: str) -> list[str]:
    def parse(k: str) -> tuple[int, int]:
        if by == "quarter":
            y, q = k.split("-Q")
            return int(y), int(q)
        y, m = k.split("-")
        return int(y), int(m)

    per_year = 4 if by == "quarter" else 12
    (y0, p0), (y1, p1) = parse(first), parse(last)
    out = []
    for i in itertools.count():
        idx = (p0 - 1) + i
        y, p = y0 + idx // per_year, idx % per_year + 1
        if (y, p) > (y1, p1) or i > 12 * 200:
            break
        out.append(f"{y}-Q{p}" if by == "quarter" else f"{y}-{p:02d}")
    return out


def period_bounds(key: str) -> tuple[date, date]:
    """First and last day of a period key: '2024-06' (a month) or '2024-Q2' (a quarter)."""
    if "-Q" in key:
        y, q = key.split("-Q")
        first = date(int(y), 3 * int(q) - 2, 1)
        months = 3
    else:
        y, m = key.split("-")
        first = date(int(y), int(m), 1)
        months = 1
    nxt = date(first.year + (first.month + months - 1) // 12, (first.month + months - 1) % 12 + 1, 1)
    return first, nxt - timedelta(days=1)


def partial_periods(keys: Sequence[Any], since: str | None, until: str | None, today: date) -> list[str]:
    """The period keys only partly inside since..until (until: else today): the current month so far,
    or a month cut by --since/--until. Their figures are not comparable with whole periods, so every
    rendering marks them (a line chart would otherwise read the month so far as a collapse)."""
    start = date.fromisoformat(since) if since else None
    end = date.fromisoformat(until) if until else today
    out = []
    for key in keys:
        if not isinstance(key, str) or not re.fullmatch(r"\d{4}-(\d{2}|Q[1-4])", key):
            continue
        first, last = period_bounds(key)
        if end < last or (start is not None and start > first):
            out.append(key)
    return out


def mark_partial(sections: Sequence[Section], since: str | None, until: str | None, today: date) -> None:
    """Fill Section.partial for every section whose rows are periods."""
    for s in sections:
        if s.columns and s.columns[0].kind == "period":
            s.partial = partial_periods([r[0] for r in s.rows], since, until, today)


def parse_day(text: str | None, today: date, what: str) -> str | None:
    """--since/--until: YYYY-MM-DD (any form normalize accepts) or a relative date (-3m, this-month)."""
    if text is None or not text.strip():
        return None
    rel = relative_date(text, today)
    if rel is not None:
        return rel
    from crmcli.normalize import normalize_date

    try:
        return normalize_date(text, today=today)
    except InvalidValue as e:
        raise InvalidValue(_("{what}: {error}").format(what=what, error=e)) from None


def make_context(conn: sqlite3.Connection, filters: Sequence[str], *, since: str | None, until: str | None,
                 by: str, today: date, now: datetime) -> Context:
    if by not in ("month", "quarter"):
        raise InvalidValue(_("--by must be month or quarter, not '{value}'").format(value=by))
    if since and until and since > until:
        raise InvalidValue(_("--since {since} is after --until {until}").format(since=since, until=until))
    compiled = compile_filters("customers", list(filters), today=today)
    return Context(conn, list(filters), since, until, by, today, now, compiled)
