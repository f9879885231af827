"""Reading the stored runs: counts per segment (`list`), a segment's customers with their
figures (`show`) and who moved between two runs (`diff`, the weekly review list).

All three read customer_segments — the figures stored with each run — so they
describe the run, not whatever the data says today.
"""

from __future__ import annotations

import sqlite3
from datetime import date
from typing import Any

from crmcli import filters
from crmcli.errors import InvalidValue
from crmcli.i18n import _
from crmcli.normalize import normalize_date
from crmcli.segments import metrics
from crmcli.segments.rules import RuleSet
from crmcli.segments.runs import counts, previous_run, require_run, rules_of

FIGURE_COLUMNS = list(metrics.FIGURES)
SHOW_COLUMNS = ["customer_id", "name", "owner", "previous", *FIGURE_COLUMNS]  # the segment is the one asked for
DIFF_COLUMNS = ["customer_id", "name", "owner", "before", "after", *FIGURE_COLUMNS]
LIST_COLUMNS = ["segment", "label", "customers", "share", "previous", "change"]


def parse_day(text: str | None, today: date | None = None) -> str | None:
    """A run date given as YYYY-MM-DD (any form normalize accepts), today, -7d, last-month ..."""
    if text is None:
        return None
    rel = filters.relative_date(text, today)
    if rel is not None:
        return rel
    try:
        return normalize_date(text)
    except InvalidValue as e:
        raise InvalidValue(_("date '{text}': {error}").format(text=text, error=e)) from None


def _label(rules: RuleSet, name: str | None, lang: str) -> str:
    if name is None:
        return ""
    try:
        return rules.get(name).label(lang)
    except InvalidValue:
        return name


def summary(conn: sqlite3.Connection, *, on: str | None = None, lang: str = "en") -> tuple[sqlite3.Row, list[dict[str, Any]]]:
    """(the run, rows of segment / label / customers / share / previous / change) in rule order."""
    run = require_run(conn, on)
    rules = rules_of(run)
    prev = previous_run(conn, run)
    now, before = counts(conn, run["run_id"]), counts(conn, prev["run_id"] if prev else None)
    total = sum(now.values()) or 1
    names = rules.names() + sorted((set(now) | set(before)) - set(rules.names()))
    rows = []
    for name in names:
        n, p = now.get(name, 0), before.get(name) if prev else None
        rows.append({"segment": name, "label": _label(rules, name, lang), "customers": n,
                     "share": f"{100 * n / total:.1f}%", "previous": p,
                     "change": None if p is None else f"{n - p:+d}"})
    return run, rows


def _figure_cols(alias: str) -> str:
    return ", ".join(f"json_extract({alias}.figures, '{metrics.figure_path(f)}') AS {f}" for f in FIGURE_COLUMNS)


def _order(sort: str | None, allowed: list[str], default: str) -> str:
    out = []
    for item in (sort or default).split(","):
        item = item.strip()
        if not item:
            continue
        desc = item.startswith("-")
        key = item.lstrip("+-")
        if key not in allowed:
            raise InvalidValue(_("cannot sort by '{key}'; use one of {keys}").format(key=key, keys=", ".join(allowed)))
        # NULL figures (no rating, no follow-up) go last either way.
        out.append(f"{key} IS NULL, {key}{' DESC' if desc else ''}")
    return ", ".join([*out, "customer_id"])


def members(conn: sqlite3.Connection, segment: str, *, on: str | None = None, sort: str | None = None,
            limit: int | None = None) -> tuple[sqlite3.Row, str, sqlite3.Cursor]:
    """The customers a run put in SEGMENT (name or label), with the figures that put them there."""
    run = require_run(conn, on)
    name = rules_of(run).get(segment).name
    prev = previous_run(conn, run)
    sql = (f"SELECT * FROM (SELECT s.customer_id, c.name, c.owner, p.segment AS previous, "
           f"{_figure_cols('s')} FROM customer_segments s LEFT JOIN customers c ON c.customer_id = s.customer_id "
           f"LEFT JOIN customer_segments p ON p.run_id = ? AND p.customer_id = s.customer_id "
           f"WHERE s.run_id = ? AND s.segment = ?) ORDER BY {_order(sort, SHOW_COLUMNS, '-yearly_amount')}")
    params: list[Any] = [prev["run_id"] if prev else -1, run["run_id"], name]
    if limit is not None:
        if limit < 0:
            raise InvalidValue(_("--limit must be 0 or more"))
        sql += " LIMIT ?"
        params.append(limit)
    return run, name, conn.execute(sql, params)


def moves(conn: sqlite3.Connection, *, since: str | None = None, segment: str | None = None,
          review: bool = False, sort: str | None = None, limit: int | None = None
          ) -> tuple[sqlite3.Row, sqlite3.Row, sqlite3.Cursor]:
    """Customers whose segment differs between a base run and the current run.

    The base is the run of the latest day on or before SINCE, else the run before
    the current one. New customers show before = empty; customers deleted or
    merged away since show after = empty.
    """
    run = require_run(conn)
    if since is None:
        base = previous_run(conn, run)
        if base is None:
            raise InvalidValue(_("only one segment run so far ({day}): nothing to compare; run again another day, "
                                 "or give --since").format(day=run["run_date"]))
    else:
        base = require_run(conn, since)
    rules = rules_of(run)
    where: list[str] = []
    params: list[Any] = []
    if segment is not None:
        try:
            name = rules.get(segment).name
        except InvalidValue:
            name = rules_of(base).get(segment).name
        where.append("(m.after = ? OR m.before = ?)")
        params += [name, name]
    if review:
        names = [r.name for r in rules.rules if r.review]
        if not names:
            raise InvalidValue(_("no rule has review = true"))
        marks = ", ".join("?" * len(names))
        where.append(f"(m.after IN ({marks}) OR m.before IN ({marks}))")
        params += names + names
    rank = " ".join(f"WHEN ? THEN {i}" for i in range(len(rules.rules)))
    # Two primary-key walks instead of a FULL JOIN (which SQLite runs without the index):
    # customers of the new run whose segment differs, then customers only the old run has.
    moved = ("SELECT a.customer_id, b.segment AS before, a.segment AS after, a.figures "
             "FROM customer_segments a LEFT JOIN customer_segments b ON b.run_id = ? AND b.customer_id = a.customer_id "
             "WHERE a.run_id = ? AND a.segment IS NOT b.segment "
             "UNION ALL SELECT b.customer_id, b.segment, NULL, b.figures FROM customer_segments b "
             "WHERE b.run_id = ? AND NOT EXISTS (SELECT 1 FROM customer_segments a "
             "WHERE a.run_id = ? AND a.customer_id = b.customer_id)")
    sql = (f"SELECT * FROM (SELECT m.customer_id, c.name, c.owner, m.before, m.after, {_figure_cols('m')}, "
           f"CASE m.after {rank} ELSE {len(rules.rules)} END AS rank "
           f"FROM ({moved}) m LEFT JOIN customers c ON c.customer_id = m.customer_id"
           f"{' WHERE ' + ' AND '.join(where) if where else ''}) "
           f"ORDER BY {_order(sort, [*DIFF_COLUMNS, 'rank'], 'rank,-yearly_amount')}")
    params = [*rules.names(), base["run_id"], run["run_id"], base["run_id"], run["run_id"], *params]
    if limit is not None:
        if limit < 0:
            raise InvalidValue(_("--limit must be 0 or more"))
        sql += " LIMIT ?"
        params.append(limit)
    return run, base, conn.execute(sql, params)
