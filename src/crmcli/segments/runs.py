"""`crm segment run`: classify every customer by the rules, in one transaction, with history.

A run for day D
1. rebuilds customer_metrics for D (one INSERT … SELECT, see metrics.py);
2. evaluates the rules in one statement: `CASE WHEN <rule 1> THEN 'name1' WHEN …`,
   each rule compiled by filters.compile_filters — first match wins;
3. writes a segment_runs row and one customer_segments row per classified customer
   (segment + figures as a JSON array), straight from that statement — unless a
   read-only comparison finds it equal to the latest run of the same day (same
   rules, segments and figures): then nothing is written, so running twice changes
   nothing; a re-run on changed data is a new run that supersedes the earlier one;
4. sets customers.segment where it changed, logging ONE operation (kind "segment")
   with counts instead of a change row per customer: the history table is the
   record. Before a run, customers.segment equals the segments of the current run
   (the latest by date, then id), so `revert()` — and `crm undo` — restores it
   exactly from the run before.

A run for a day earlier than the current run's (a backfill) is stored as history
only: its figures go to a TEMP table and customers.segment keeps the current run's.

customers.updated_at is not moved by a run: a weekly classification is not an
edit of the customer's record, and "recently updated" must keep meaning a person
changed something. The customers_touch trigger is therefore set aside for the one
UPDATE statement (inside the same transaction, so no other writer can slip in).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from crmcli import audit, db, filters
from crmcli.errors import CrmError, NotFound
from crmcli.i18n import _, get_lang
from crmcli.segments import metrics
from crmcli.segments.rules import RuleSet, parse


@dataclass
class RunResult:
    run_id: int
    run_date: str
    unchanged: bool
    current: bool
    counts: dict[str, int]
    previous_run_id: int | None
    previous_counts: dict[str, int]
    moved: int
    customers: int
    op_id: int | None = None
    replaced_same_day: bool = False
    segments: list[str] = field(default_factory=list)


def _case_sql(rules: RuleSet, as_of: date) -> tuple[str, list[Any]]:
    """One CASE expression over `customers` giving each row its first matching rule's name."""
    parts: list[str] = []
    params: list[Any] = []
    for rule in rules.rules:
        if rule.catch_all:
            parts.append("ELSE ?")
            params.append(rule.name)
            break
        alts = []
        for line in rule.lines:
            c = filters.compile_filters("customers", rule.filters(line), today=as_of)
            alts.append(f"({c.where})")
            params.extend(c.params)
        parts.append(f"WHEN {' OR '.join(alts)} THEN ?")
        params.append(rule.name)
    return "CASE " + " ".join(parts) + " END", params


def current_run(conn: sqlite3.Connection) -> sqlite3.Row | None:
    """The run whose segments customers.segment holds: the latest date, then the latest id."""
    return conn.execute("SELECT * FROM segment_runs ORDER BY run_date DESC, run_id DESC LIMIT 1").fetchone()


def run_of(conn: sqlite3.Connection, day: str) -> sqlite3.Row | None:
    """The run that stands for DAY: the latest run made for it (a re-run with new data supersedes)."""
    return conn.execute("SELECT * FROM segment_runs WHERE run_date = ? ORDER BY run_id DESC LIMIT 1",
                        (day,)).fetchone()


def previous_run(conn: sqlite3.Connection, run: sqlite3.Row) -> sqlite3.Row | None:
    """The run of the latest day before RUN's day."""
    return conn.execute("SELECT * FROM segment_runs WHERE run_date < ? ORDER BY run_date DESC, run_id DESC LIMIT 1",
                        (run["run_date"],)).fetchone()


def counts(conn: sqlite3.Connection, run_id: int | None) -> dict[str, int]:
    if run_id is None:
        return {}
    rows = conn.execute("SELECT segment, count(*) FROM customer_segments WHERE run_id = ? GROUP BY segment", (run_id,))
    return {r[0]: r[1] for r in rows}


def _repeats(conn: sqlite3.Connection, old: sqlite3.Row, select_new: str, params: list[Any], rules_text: str) -> bool:
    """Would this run store exactly what run OLD stored (same rules, segments, figures)? Read-only:
    one pass over the new classification joined to the old rows by primary key."""
    if old["rules"] != rules_text:
        return False
    stored = conn.execute("SELECT count(*) FROM customer_segments WHERE run_id = ?", (old["run_id"],)).fetchone()[0]
    total, same = conn.execute(
        f"SELECT count(*), count(CASE WHEN o.segment IS n.seg AND o.figures IS n.fig THEN 1 END) FROM ({select_new}) n "
        f"LEFT JOIN customer_segments o ON o.run_id = ? AND o.customer_id = n.customer_id WHERE n.seg IS NOT NULL",
        [*params, old["run_id"]]).fetchone()
    return bool(total == same == stored)


def _in_step(conn: sqlite3.Connection, run_id: int) -> bool:
    """Does customers.segment already hold what run RUN_ID says for every customer?"""
    return conn.execute("SELECT 1 FROM customers c LEFT JOIN customer_segments s ON s.run_id = ? "
                        "AND s.customer_id = c.customer_id WHERE c.segment IS NOT s.segment LIMIT 1",
                        (run_id,)).fetchone() is None


def _set_segments(conn: sqlite3.Connection, run_id: int | None, *, complete: bool = False) -> int:
    """customers.segment = run RUN_ID's segment (NULL where it has none, or for None) where it differs;
    returns how many customers changed. updated_at is kept (see the module docstring).
    complete: the run classified every customer (its rules end with a catch-all), so no NULLs to set."""
    trig = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'customers_touch'").fetchone()
    if trig:
        conn.execute("DROP TRIGGER customers_touch")
    try:
        changed = 0
        if run_id is not None:
            changed += conn.execute(
                "UPDATE customers SET segment = s.segment FROM customer_segments s WHERE s.run_id = ? "
                "AND s.customer_id = customers.customer_id AND customers.segment IS NOT s.segment", (run_id,)).rowcount
        if complete:
            return changed
        changed += conn.execute(
            "UPDATE customers SET segment = NULL WHERE segment IS NOT NULL AND customer_id NOT IN "
            "(SELECT customer_id FROM customer_segments WHERE run_id = ?)", (run_id if run_id is not None else -1,)).rowcount
    finally:
        if trig:
            conn.execute(trig[0])
    return changed


def _ensure_schema(conn: sqlite3.Connection) -> None:
    """A database created before segments landed lacks customer_metrics and the counted-orders
    index: schema.sql is idempotent, so re-running it adds them (what a migration would do)."""
    have = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE name IN "
                                       "('customer_metrics', 'idx_orders_counted')")}
    if len(have) < 2:
        db._exec_script(conn, db.schema_sql())


def run(conn: sqlite3.Connection, rules: RuleSet, as_of: date | None = None) -> RunResult:
    """Classify every customer as of AS_OF (default today) and store the run; see the module docstring."""
    as_of = as_of or date.today()
    day = as_of.isoformat()
    rules_text = rules.to_toml()
    case, params = _case_sql(rules, as_of)
    # Driven by customer_metrics (customer_id order, the history table's key order); customers
    # is read by primary key, which follows insertion order for template ids.
    select_new = (f"SELECT customers.customer_id AS customer_id, {case} AS seg, {metrics.figures_json('m')} AS fig "
                  f"FROM customer_metrics m CROSS JOIN customers ON customers.customer_id = m.customer_id")
    complete = rules.rules[-1].catch_all
    with db.transaction(conn):
        _ensure_schema(conn)
        cur_run = current_run(conn)
        is_current = cur_run is None or cur_run["run_date"] <= day
        same_day = run_of(conn, day)
        prev = conn.execute("SELECT * FROM segment_runs WHERE run_date < ? ORDER BY run_date DESC, run_id DESC LIMIT 1",
                            (day,)).fetchone()
        prev_id = prev["run_id"] if prev else None
        total = metrics.build(conn, as_of, temp=not is_current)
        try:
            if same_day is not None and _repeats(conn, same_day, select_new, params, rules_text) and \
                    (not is_current or _in_step(conn, same_day["run_id"])):
                # Nothing to write (the refreshed figures are the same figures: same data, same day).
                same_prev = previous_run(conn, same_day)
                prev_run_id = same_prev["run_id"] if same_prev else None
                return RunResult(same_day["run_id"], day, True, is_current, counts(conn, same_day["run_id"]),
                                 prev_run_id, counts(conn, prev_run_id), 0, total, segments=rules.names())
            with audit.operation(conn, "segment", f"segment run {day}") as op:
                run_id = int(conn.execute("INSERT INTO segment_runs (run_date, rules) VALUES (?, ?)",
                                          (day, rules_text)).lastrowid or 0)
                conn.execute(f"INSERT INTO customer_segments (run_id, customer_id, segment, figures) "
                             f"SELECT ?, customer_id, seg, fig FROM ({select_new})"
                             f"{'' if complete else ' WHERE seg IS NOT NULL'}", [run_id, *params])
                new_counts = counts(conn, run_id)
                moved = _set_segments(conn, run_id, complete=complete) if is_current else 0
                prev_counts = counts(conn, prev_id)
                order = {n: i for i, n in enumerate(rules.names())}
                shown = sorted(set(new_counts) | set(prev_counts), key=lambda s: (order.get(s, len(order)), s))
                summary = _("segment run {day}: {counts}").format(day=day, counts=_run_counts(
                    rules, shown, new_counts, prev_counts))
                op.set_summary(summary, {
                    "run_id": run_id, "run_date": day, "rules_origin": rules.origin, "current": is_current,
                    # What customers.segment held before this run: undo restores it from this run.
                    "restore_from_run_id": (cur_run["run_id"] if cur_run else None) if is_current else None,
                    "previous_run_id": prev_id, "supersedes_run_id": same_day["run_id"] if same_day else None,
                    "customers": total, "counts": new_counts, "moved": moved,
                })
                op_id = op.op_id
        finally:
            metrics.drop_temp(conn)
    return RunResult(run_id, day, False, is_current, new_counts, prev_id, prev_counts, moved, total,
                     op_id=op_id, replaced_same_day=same_day is not None, segments=rules.names())


def revert(conn: sqlite3.Connection, run_id: int) -> int:
    """Remove run RUN_ID; if it was the current run, give customers.segment back the segments of
    the run that becomes current (NULL where it has none). Returns how many customers changed.

    This is what undoing a `segment` operation means: the run's own rows are its
    change record, and the run before it holds every customer's previous value.
    """
    with audit.operation(conn, "segment", f"revert segment run {run_id}") as op:
        target = conn.execute("SELECT * FROM segment_runs WHERE run_id = ?", (run_id,)).fetchone()
        if target is None:
            raise NotFound(_("no segment run {run}").format(run=run_id))
        was_current = current_run(conn)["run_id"] == run_id  # type: ignore[index]
        conn.execute("DELETE FROM customer_segments WHERE run_id = ?", (run_id,))
        conn.execute("DELETE FROM segment_runs WHERE run_id = ?", (run_id,))
        changed = 0
        if was_current:
            now = current_run(conn)
            changed = _set_segments(conn, now["run_id"] if now else None)
            # customer_metrics holds the current run's figures: the reverted run's go with it.
            if now is None:
                conn.execute("DELETE FROM customer_metrics")
            else:
                metrics.build(conn, date.fromisoformat(now["run_date"]))
        op.set_summary(_("revert segment run {run} ({day}): {n} customers restored").format(
            run=run_id, day=target["run_date"], n=changed),
                       {"run_id": run_id, "run_date": target["run_date"], "restored": changed})
    return changed


def _run_counts(rules: RuleSet, names: list[str], new: dict[str, int], old: dict[str, int]) -> str:
    """`lost 41 (+2), churn_risk 74 (-1)` for the operation log, in the language of the call (已流失 41 (+2)、…)."""
    lang = get_lang()
    if lang == "en":
        return ", ".join(f"{s} {new.get(s, 0)} ({new.get(s, 0) - old.get(s, 0):+d})" for s in names)

    def label(name: str) -> str:
        try:
            return str(rules.get(name).label(lang))
        except CrmError:  # a segment of the previous run these rules no longer have
            return name

    return "、".join(f"{label(s)} {new.get(s, 0)} ({new.get(s, 0) - old.get(s, 0):+d})" for s in names)


def history(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Every run, newest first, with its counts as JSON text."""
    cur = current_run(conn)
    out = []
    for r in conn.execute("SELECT run_id, run_date, created_at FROM segment_runs ORDER BY run_date DESC, run_id DESC"):
        c = counts(conn, r["run_id"])
        latest_of_day = run_of(conn, r["run_date"])["run_id"] == r["run_id"]  # type: ignore[index]
        out.append({"run_id": r["run_id"], "run_date": r["run_date"], "created_at": r["created_at"],
                    "customers": sum(c.values()), "counts": json.dumps(c, ensure_ascii=False, sort_keys=True),
                    "state": "current" if cur and cur["run_id"] == r["run_id"]
                    else ("history" if latest_of_day else "superseded")})
    return out


def require_run(conn: sqlite3.Connection, on_or_before: str | None = None) -> sqlite3.Row:
    """The current run, or the run standing for the latest day on or before a date."""
    if on_or_before is None:
        r = current_run(conn)
        if r is None:
            raise CrmError(_("no segment run yet; run `crm segment run` first"))
        return r
    r = conn.execute("SELECT * FROM segment_runs WHERE run_date <= ? ORDER BY run_date DESC, run_id DESC LIMIT 1",
                     (on_or_before,)).fetchone()
    if r is None:
        first = conn.execute("SELECT min(run_date) FROM segment_runs").fetchone()[0]
        raise CrmError(_("no segment run on or before {day}").format(day=on_or_before)
                       + (_("; the first run is for {day}").format(day=first) if first else _("; run `crm segment run` first")))
    return r


def rules_of(run: sqlite3.Row) -> RuleSet:
    """The rules a stored run used (its labels and order)."""
    return parse(run["rules"], origin=f"rules of segment run {run['run_id']}", check=False)
