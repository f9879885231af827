"""Undo one logged operation exactly, or refuse and say why.

Every write leaves `changes` rows (see audit.py): the table, the row's key and the
row as JSON before (`old`) and after (`new`). Undo walks an operation's changes
backwards: an insert is deleted by its key, an update puts the whole old row back
(updated_at included), a delete re-inserts the old row. It is itself a logged
operation of kind `undo` whose changes are the reverse ones, so `crm undo` of an
undo redoes the original.

Undo refuses when it cannot be exact:
- a later operation (not itself undone) changed one of the same rows, or added a
  record under a customer this operation created (deleting the customer would
  take that record with it) — the message names that operation;
- a row no longer looks as this operation left it (compared with `new`), or the
  schema refuses the old row back (data `crm doctor --fix` repaired);
- the operation is a restore, an unmerge, a segment revert, or recorded no rows.

Two kinds of operation keep their own exact undo, and undo delegates to it inside
one transaction: a merge (its snapshot lives in `merges`; crmcli.dedupe unmerge)
and a segment run (its rows are the run; crmcli.segments revert). Without those
modules undo refuses and names the command to use.

Bulk imports log inserts with only the key (old and new NULL, for speed); undo
deletes those by key, and the later-changes check still guards them.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from crmcli import audit, db
from crmcli.errors import CrmError, NotFound, sqlite_reason
from crmcli.i18n import N_, _

# Kinds that are never picked as "the last operation" and cannot be reversed row by row.
NOT_UNDOABLE = {"restore": N_("a restore replaces the whole database; restore the safety copy it made instead "
                              "(`crm log show OP_ID` names it)")}
_SENTINEL = "0000-00-00 00:00:00"


class UndoRefusedError(CrmError):
    """Undo would not be exact; the message says which operation is in the way."""


@dataclass
class UndoResult:
    op_id: int  # the operation reversed
    undo_op_id: int  # the new `undo` operation
    kind: str
    summary: str
    counts: dict[str, int] = field(default_factory=dict)
    via: str | None = None  # "unmerge 3" / "revert segment run 7" when the feature undid it


def last_undoable(conn: sqlite3.Connection) -> int:
    """The newest operation a plain `crm undo` means: one that changed something, is not
    undone, and is not itself an undo (an `undo`, an unmerge, a segment revert, a restore)."""
    rows = conn.execute(
        "SELECT op_id, kind, details FROM operations o WHERE undone_by IS NULL "
        "AND kind NOT IN ('undo', 'restore', 'unmerge') "
        "AND NOT EXISTS (SELECT 1 FROM operations u WHERE u.undone_by = o.op_id) "
        "ORDER BY op_id DESC")
    for op_id, kind, details in rows:
        op = {"op_id": op_id, "kind": kind, "details": json.loads(details) if details else None}
        if kind == "segment":
            run_id = _segment_run_of(op)
            if run_id is not None and conn.execute("SELECT 1 FROM segment_runs WHERE run_id = ?", (run_id,)).fetchone():
                return int(op_id)
        elif kind == "merge" and _merge_row(conn, op_id) is not None:
            if _merge_row(conn, op_id)["undone_at"] is None:  # type: ignore[index]
                return int(op_id)
        elif audit.count_changes(conn, op_id):
            return int(op_id)
    raise NotFound(_("nothing to undo: no operation in the log changed any rows"))


# Per-undo memo of table facts (an undo of a 20,000-row import asks them 60,000 times).
_memo: dict[tuple[int, str, str], Any] = {}


def key_columns(conn: sqlite3.Connection, table: str) -> list[str]:
    memo = (id(conn), "key", table)
    if memo not in _memo:
        cols = [(r[5], r[1]) for r in conn.execute(f"PRAGMA table_info({_ident(conn, table)})") if r[5]]
        _memo[memo] = [name for _, name in sorted(cols)] if cols else ["rowid"]
    return list(_memo[memo])


def _ident(conn: sqlite3.Connection, table: str) -> str:
    # Table names come from the changes table: accept only real tables, quoted.
    memo = (id(conn), "ident", table)
    if memo not in _memo:
        if not conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).fetchone():
            raise UndoRefusedError(_("the log names a table '{table}' this database does not have").format(table=table))
        _memo[memo] = '"' + table.replace('"', '""') + '"'
    return str(_memo[memo])


def _key_values(conn: sqlite3.Connection, table: str, row_id: str) -> tuple[list[str], list[Any]]:
    cols = key_columns(conn, table)
    if len(cols) == 1:
        return cols, [row_id]
    values = json.loads(row_id)
    if not isinstance(values, list) or len(values) != len(cols):
        raise UndoRefusedError(_("the log's key {key} does not fit {table} ({columns})").format(
            key=row_id, table=table, columns=", ".join(cols)))
    return cols, values


def _where(cols: list[str]) -> str:
    return " AND ".join(f'"{c}" = ?' for c in cols)


def _current(conn: sqlite3.Connection, table: str, row_id: str) -> dict[str, Any] | None:
    cols, vals = _key_values(conn, table, row_id)
    row = conn.execute(f"SELECT * FROM {_ident(conn, table)} WHERE {_where(cols)}", vals).fetchone()
    return dict(row) if row is not None else None


def _cancelled_ops(conn: sqlite3.Connection) -> set[int]:
    """Operations whose effect is gone: undone ones and the undos that reversed them."""
    out: set[int] = set()
    for op_id, undone_by in conn.execute("SELECT op_id, undone_by FROM operations WHERE undone_by IS NOT NULL"):
        out.add(op_id)
        out.add(undone_by)
    return out


def _later_conflict(conn: sqlite3.Connection, op_id: int) -> tuple[int, str] | None:
    """(op, what it did) for the first later live operation that touched this operation's rows."""
    cancelled = _cancelled_ops(conn)
    rows = conn.execute(
        "SELECT DISTINCT c2.op_id, c2.table_name, c2.row_id FROM changes c1 "
        "JOIN changes c2 ON c2.table_name = c1.table_name AND c2.row_id = c1.row_id AND c2.op_id > c1.op_id "
        "WHERE c1.op_id = ? ORDER BY c2.op_id", (op_id,))
    for later, table, key in rows:
        if later not in cancelled:
            return later, _("changed {record} {id}").format(record=_record(table), id=key)
    # Records added later under a customer this operation inserted: deleting the
    # customer would cascade to them.
    rows = conn.execute(
        "SELECT DISTINCT c2.op_id, c2.table_name, c2.row_id, c2.customer_id FROM changes c1 "
        "JOIN changes c2 ON c2.customer_id = c1.row_id AND c2.op_id > c1.op_id "
        "WHERE c1.op_id = ? AND c1.table_name = 'customers' AND c1.action = 'insert' ORDER BY c2.op_id", (op_id,))
    for later, table, key, cid in rows:
        if later not in cancelled:
            return later, _("changed {record} {id} of customer {customer}").format(record=_record(table), id=key, customer=cid)
    return None


def _describe(conn: sqlite3.Connection, op_id: int) -> str:
    row = conn.execute("SELECT kind, summary, ts FROM operations WHERE op_id = ?", (op_id,)).fetchone()
    if row is None:
        return _("operation {op}").format(op=op_id)
    return _("operation {op} ({summary}, {ts})").format(op=op_id, summary=row["summary"] or row["kind"], ts=row["ts"])


def _record(table: str) -> str:
    """A logged table as a message names it (跟进记录 under zh); a table the registry lacks as it is."""
    from crmcli import fields

    return fields.shown_table(table) if table in fields.TABLES else table


def check(conn: sqlite3.Connection, op_id: int) -> dict[str, Any]:
    """Raise UndoRefusedError (or NotFound) when OP_ID cannot be undone exactly; else its log row."""
    _memo.clear()
    op = audit.get_operation(conn, op_id)
    if op["undone_by"] is not None:
        raise UndoRefusedError(_("operation {op} was already undone by operation {by}").format(op=op_id, by=op["undone_by"]))
    if op["kind"] in NOT_UNDOABLE:
        raise UndoRefusedError(_("operation {op} cannot be undone: {why}").format(op=op_id, why=_(NOT_UNDOABLE[op["kind"]])))
    if op["kind"] == "unmerge":
        raise UndoRefusedError(_("operation {op} is an unmerge; {way}").format(op=op_id, way=_merge_again(conn, op)))
    undid = conn.execute("SELECT op_id FROM operations WHERE undone_by = ?", (op_id,)).fetchone()
    if undid is not None and op["kind"] != "undo":
        raise UndoRefusedError(_("operation {op} undid operation {undid} through its feature ({kind}); "
                                 "to have that back, run it again").format(op=op_id, undid=undid[0], kind=op["kind"]))
    if op["kind"] == "segment" and _segment_run_of(op) is None:
        raise UndoRefusedError(_("operation {op} reverted a segment run; run `crm segment run` again instead").format(op=op_id))
    if op["kind"] in ("merge", "unmerge"):
        row = _merge_row(conn, op_id) if op["kind"] == "merge" else None
        if row is None:
            raise UndoRefusedError(_("operation {op} is a merge without its merge record; it cannot be undone exactly").format(
                op=op_id))
        if row["undone_at"] is not None:
            raise UndoRefusedError(_("operation {op}: merge {merge} was already unmerged at {ts}").format(
                op=op_id, merge=row["merge_id"], ts=row["undone_at"]))
    merge = _merge_of(conn, op_id)
    if merge is not None:
        return op  # the merge's own snapshot undoes it (crmcli.dedupe), see _delegated()
    run_id = _segment_run_of(op)
    if run_id is not None:
        if not conn.execute("SELECT 1 FROM segment_runs WHERE run_id = ?", (run_id,)).fetchone():
            raise UndoRefusedError(_("operation {op}: segment run {run} is gone already (reverted or replaced)").format(
                op=op_id, run=run_id))
        return op
    n = conn.execute("SELECT count(*) FROM changes WHERE op_id = ?", (op_id,)).fetchone()[0]
    if n == 0:
        raise UndoRefusedError(_("operation {op} ({kind}) changed no rows; there is nothing to undo").format(
            op=op_id, kind=op["kind"]))
    conflict = _later_conflict(conn, op_id)
    if conflict is not None:
        later, what = conflict
        raise UndoRefusedError(_("cannot undo operation {op}: {later} later {what}; undo that one first (`crm undo {id}`)").format(
            op=op_id, later=_describe(conn, later), what=what, id=later))
    return op


def _merge_again(conn: sqlite3.Connection, op: dict[str, Any]) -> str:
    """The command that joins an unmerge's customers again (a new merge, itself undoable)."""
    details = op.get("details") or {}
    row = None
    if isinstance(details, dict) and details.get("merge_id") is not None:
        row = conn.execute("SELECT survivor_id, merged_ids FROM merges WHERE merge_id = ?",
                           (details["merge_id"],)).fetchone()
    if row is None:
        return _("to join those customers again use `crm merge`")
    ids = " ".join(json.loads(row["merged_ids"]))
    return _("to join those customers again: `crm merge {survivor} {ids} --survivor {survivor}` "
             "(a new merge, which `crm undo` reverses)").format(survivor=row["survivor_id"], ids=ids)


# Operations whose exact undo lives with the feature that made them: a merge keeps a
# snapshot of every row it touched (crmcli.dedupe unmerge); a segment run's own rows
# are its change record (crmcli.segments revert). Undo delegates and marks the
# operation undone in the same transaction.

def _segment_run_of(op: dict[str, Any]) -> int | None:
    """The run a `segment` operation made; None for a revert (its details say what it restored)."""
    details = op.get("details") or {}
    if op["kind"] == "segment" and isinstance(details, dict) and details.get("run_id") and "restored" not in details:
        return int(details["run_id"])
    return None


def _delegated(conn: sqlite3.Connection, target: int, op: dict[str, Any]) -> UndoResult | None:
    merge = _merge_of(conn, target)
    run_id = _segment_run_of(op) if merge is None else None
    if merge is None and run_id is None:
        return None
    with db.transaction(conn):  # the feature's own logged operation nests inside as a savepoint
        if merge is not None:
            from crmcli.dedupe.merge import unmerge

            unmerge(conn, merge)
            what = _("unmerge {merge}").format(merge=merge)
        else:
            from crmcli.segments.runs import revert

            revert(conn, run_id)
            what = _("revert segment run {run}").format(run=run_id)
        new_op = int(conn.execute("SELECT max(op_id) FROM operations").fetchone()[0])
        conn.execute("UPDATE operations SET undone_by = ? WHERE op_id = ?", (new_op, target))
        n = audit.count_changes(conn, new_op)
    return UndoResult(target, new_op, op["kind"], _("undo operation {op} by {what}").format(op=target, what=what),
                      {"insert": 0, "update": n, "delete": 0}, via=what)


def _merge_row(conn: sqlite3.Connection, op_id: int) -> sqlite3.Row | None:
    try:
        return conn.execute("SELECT merge_id, undone_at FROM merges WHERE op_id = ?", (op_id,)).fetchone()
    except sqlite3.OperationalError:  # an old database without the merges table
        return None


def _merge_of(conn: sqlite3.Connection, op_id: int) -> int | None:
    try:
        row = conn.execute("SELECT merge_id FROM merges WHERE op_id = ? AND undone_at IS NULL", (op_id,)).fetchone()
    except sqlite3.OperationalError:  # an old database without the merges table
        return None
    return int(row[0]) if row else None


def _same(current: dict[str, Any], expected: dict[str, Any]) -> bool:
    return all(current.get(k) == v for k, v in expected.items() if k in current)


def undo(conn: sqlite3.Connection, op_id: int | None = None) -> UndoResult:
    """Reverse OP_ID (default: the last undoable operation) in one logged transaction."""
    _memo.clear()
    target = last_undoable(conn) if op_id is None else int(op_id)
    op = check(conn, target)
    delegated = _delegated(conn, target, op)
    if delegated is not None:
        return delegated
    summary = _("undo operation {op}: {summary}").format(op=target, summary=op["summary"] or op["kind"])
    with audit.operation(conn, "undo", summary, details={"undoes": target}) as u:
        # Re-check inside the write transaction: another process may have written since.
        check(conn, target)
        changes = conn.execute(
            "SELECT change_id, table_name, row_id, customer_id, action, old, new FROM changes "
            "WHERE op_id = ? ORDER BY change_id DESC", (target,)).fetchall()
        for ch in changes:
            try:
                _reverse(conn, u, target, audit.decode(ch), redo=op["kind"] == "undo")
            except sqlite3.IntegrityError as e:
                # e.g. the operation repaired data the schema no longer accepts (crm doctor --fix)
                raise UndoRefusedError(_("cannot undo operation {op}: the database refuses to put {record} {id} back as it "
                                         "was ({error})").format(op=target, record=_record(ch["table_name"]),
                                                                 id=ch["row_id"], error=sqlite_reason(e))) from None
        conn.execute("UPDATE operations SET undone_by = ? WHERE op_id = ?", (u.op_id, target))
        if op["kind"] == "undo" and op.get("details") and op["details"].get("undoes"):
            # Undoing an undo is a redo: the original counts as live again.
            conn.execute("UPDATE operations SET undone_by = NULL WHERE op_id = ? AND undone_by = ?",
                         (op["details"]["undoes"], target))
        counts = dict(u.counts)
    return UndoResult(target, u.op_id, op["kind"], summary, counts)


def _reverse(conn: sqlite3.Connection, u: audit.Operation, target: int, ch: dict[str, Any], *, redo: bool) -> None:
    table, key, action = ch["table_name"], ch["row_id"], ch["action"]
    current = _current(conn, table, key)
    label = f"{_record(table)} {key}"
    refused = _refusal(target, label)
    if action == "insert":
        if current is None:
            raise refused(_("{record} it added is gone"))
        if ch["new"] is not None and not _same(current, ch["new"]):
            raise refused(_("{record} was changed since (not through crm's log)"))
        _delete(conn, table, key)
        u.change(table, _log_key(key), "delete", old=current, customer_id=ch["customer_id"])
    elif action == "update":
        if current is None:
            raise refused(_("{record} no longer exists"))
        if ch["new"] is not None and not _same(current, ch["new"]):
            raise refused(_("{record} was changed since (not through crm's log)"))
        if ch["old"] is None:
            raise refused(_("the log holds no old values for {record}"))
        _restore_row(conn, table, key, ch["old"], current, redo=redo)
        u.change(table, _log_key(key), "update", old=current, new=_current(conn, table, key),
                 customer_id=ch["customer_id"])
    elif action == "delete":
        if current is not None:
            raise refused(_("{record} exists again"))
        if ch["old"] is None:
            raise refused(_("the log holds no old values for {record}"))
        cols = list(ch["old"])
        conn.execute(f"INSERT INTO {_ident(conn, table)} ({', '.join(chr(34) + c + chr(34) for c in cols)}) "
                     f"VALUES ({', '.join('?' * len(cols))})", [ch["old"][c] for c in cols])
        u.change(table, _log_key(key), "insert", new=_current(conn, table, key), customer_id=ch["customer_id"])


def _refusal(target: int, label: str) -> Callable[[str], UndoRefusedError]:
    """WHY (a translated text naming {record}) -> the refusal to undo TARGET because of the row LABEL."""
    def refused(why: str) -> UndoRefusedError:
        return UndoRefusedError(_("cannot undo operation {op}: {why}").format(op=target, why=why.format(record=label)))
    return refused


def _log_key(key: str) -> Any:
    # audit.Operation.change JSON-encodes non-string keys; composite keys are already JSON text.
    return key


def _delete(conn: sqlite3.Connection, table: str, key: str) -> None:
    cols, vals = _key_values(conn, table, key)
    conn.execute(f"DELETE FROM {_ident(conn, table)} WHERE {_where(cols)}", vals)


def _restore_row(conn: sqlite3.Connection, table: str, key: str, old: dict[str, Any], current: dict[str, Any], *,
                 redo: bool = False) -> None:
    """Put OLD back exactly, updated_at included, without a status_history echo.

    Redo (reversing an undo) keeps the status move the trigger records: the undo
    had removed exactly that move from the history."""
    cols, vals = _key_values(conn, table, key)
    ident = _ident(conn, table)
    settable = [c for c in old if c in current and c not in cols]
    history_mark = None if redo else _status_mark(conn, table)
    if "updated_at" in settable and old["updated_at"] == current.get("updated_at"):
        # The *_touch triggers fire when a statement leaves updated_at unchanged; step
        # through a sentinel so the old value is written and kept.
        others = [c for c in settable if c != "updated_at"]
        sets = ", ".join([*(f'"{c}" = ?' for c in others), '"updated_at" = ?'])
        conn.execute(f"UPDATE {ident} SET {sets} WHERE {_where(cols)}", [old[c] for c in others] + [_SENTINEL, *vals])
        conn.execute(f'UPDATE {ident} SET "updated_at" = ? WHERE {_where(cols)}', [old["updated_at"], *vals])
    elif settable:
        sets = ", ".join(f'"{c}" = ?' for c in settable)
        conn.execute(f"UPDATE {ident} SET {sets} WHERE {_where(cols)}", [old[c] for c in settable] + vals)
    if history_mark is not None and old.get("status") != current.get("status"):
        # The status trigger just logged the reverse move; the operation being undone
        # logged the forward one. Both go: the funnel must read as if it never happened.
        conn.execute("DELETE FROM status_history WHERE id > ?", (history_mark,))
        conn.execute(
            "DELETE FROM status_history WHERE id = (SELECT max(id) FROM status_history WHERE customer_id = ? "
            "AND old_status IS ? AND new_status IS ?)", (vals[0], old.get("status"), current.get("status")))


def _status_mark(conn: sqlite3.Connection, table: str) -> int | None:
    if table != "customers":
        return None
    try:
        return int(conn.execute("SELECT coalesce(max(id), 0) FROM status_history").fetchone()[0])
    except sqlite3.OperationalError:
        return None
