"""The operation log (seed 003's 操作日志): who did what, when, and every row it changed.

Every write in crmcli runs inside `operation(...)`: it opens the write
transaction, records an `operations` row (time, OS user, command line, kind) and
collects one `changes` row per inserted, updated or deleted record with its old
and new values as JSON. If the body fails, the transaction — log included — rolls
back, so the log never claims a change that did not happen.
"""

from __future__ import annotations

import contextlib
import getpass
import json
import os
import sqlite3
import sys
from collections.abc import Iterator
from typing import Any

from crmcli import db
from crmcli.i18n import _

_user_override: str | None = None


def set_user(name: str | None) -> None:
    """Name recorded as the actor (config `user`); default is the OS user."""
    global _user_override
    _user_override = name or None


def current_user() -> str:
    if _user_override:
        return _user_override
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry in some containers
        return os.environ.get("USER", "unknown")


def command_line() -> str:
    argv = list(sys.argv)
    if argv:
        argv[0] = "crm"
    return " ".join(argv)


def _json(row: Any) -> str | None:
    if row is None:
        return None
    return json.dumps(dict(row), ensure_ascii=False, default=str)


class Operation:
    def __init__(self, conn: sqlite3.Connection, op_id: int) -> None:
        self.conn = conn
        self.op_id = op_id
        self.counts = {"insert": 0, "update": 0, "delete": 0}

    def change(self, table: str, row_id: Any, action: str, old: Any = None, new: Any = None,
               customer_id: str | None = None) -> None:
        if customer_id is None:
            src = new if new is not None else old
            if src is not None and "customer_id" in dict(src):
                customer_id = dict(src)["customer_id"]
        key = row_id if isinstance(row_id, str) else json.dumps(row_id, ensure_ascii=False)
        self.conn.execute(
            "INSERT INTO changes (op_id, table_name, row_id, customer_id, action, old, new) VALUES (?,?,?,?,?,?,?)",
            (self.op_id, table, key, customer_id, action, _json(old), _json(new)),
        )
        self.counts[action] += 1

    def set_summary(self, summary: str, details: dict[str, Any] | None = None) -> None:
        self.conn.execute(
            "UPDATE operations SET summary = ?, details = coalesce(?, details) WHERE op_id = ?",
            (summary, json.dumps(details, ensure_ascii=False, default=str) if details is not None else None, self.op_id),
        )


@contextlib.contextmanager
def operation(conn: sqlite3.Connection, kind: str, summary: str = "",
              details: dict[str, Any] | None = None) -> Iterator[Operation]:
    """One logged write: a transaction plus its operations row and change rows."""
    with db.transaction(conn):
        cur = conn.execute(
            "INSERT INTO operations (user, command, kind, summary, details) VALUES (?,?,?,?,?)",
            (current_user(), command_line(), kind, summary,
             json.dumps(details, ensure_ascii=False, default=str) if details else None),
        )
        yield Operation(conn, int(cur.lastrowid or 0))


# --------------------------------------------------------------------------- reading the log

LOG_COLUMNS = ["op_id", "ts", "user", "kind", "summary", "changes", "undone_by", "command"]


def _since(text: str) -> str:
    from crmcli.errors import InvalidValue
    from crmcli.filters import relative_date
    from crmcli.normalize import normalize_datetime

    when = relative_date(text)
    if when is None:
        try:
            when = normalize_datetime(text)
        except (InvalidValue, ValueError):
            when = None
    if not when:
        raise InvalidValue(_("--since takes a date (2024-05-01, -7d, this-month), not '{value}'").format(value=text))
    return when


def _customer_key(conn: sqlite3.Connection, text: str) -> str:
    """The customer TEXT names (an id in any case, or a name); a deleted customer's id as typed."""
    from crmcli.errors import NotFound
    from crmcli.lookup import customer

    try:
        return customer(conn, text)
    except NotFound:
        return text.strip()


def operations(conn: sqlite3.Connection, *, customer: str | None = None, since: str | None = None,
               kind: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
    """The operation log, newest first, with the number of rows each operation changed.

    customer: only operations that touched this customer (or ids merged into it);
    since: a date or relative date (-7d); kind: add, update, import, merge, undo ...
    """
    where, params = ["1"], []
    if customer:
        ids = [_customer_key(conn, customer)]
        ids += [r[0] for r in conn.execute("SELECT old_id FROM merged_ids WHERE survivor_id = ?", (ids[0],))]
        where.append(f"o.op_id IN (SELECT op_id FROM changes WHERE customer_id IN ({','.join('?' * len(ids))}))")
        params += ids
    if since:
        where.append("o.ts >= ?")
        params.append(_since(since))
    if kind:
        where.append("o.kind = ?")
        params.append(kind.strip())
    sql = (f"SELECT o.op_id, o.ts, o.user, o.kind, o.summary, "
           f"(SELECT count(*) FROM changes c WHERE c.op_id = o.op_id) AS changes, o.undone_by, o.command "
           f"FROM operations o WHERE {' AND '.join(where)} ORDER BY o.op_id DESC")
    if limit:
        sql += " LIMIT ?"
        params.append(int(limit))
    return [dict(r) for r in conn.execute(sql, params)]


def get_operation(conn: sqlite3.Connection, op_id: int) -> dict[str, Any]:
    from crmcli.errors import NotFound

    # an id past SQLite's 64-bit range cannot exist (and would not bind: OverflowError)
    row = conn.execute("SELECT * FROM operations WHERE op_id = ?", (op_id,)).fetchone() \
        if -(2**63) <= op_id < 2**63 else None
    if row is None:
        raise NotFound(_("no operation {id}; `crm log` lists them").format(id=op_id))
    out = dict(row)
    out["details"] = json.loads(out["details"]) if out.get("details") else None
    return out


def operation_changes(conn: sqlite3.Connection, op_id: int, *, limit: int | None = None) -> list[dict[str, Any]]:
    """The rows one operation changed, in the order it changed them; old/new decoded."""
    get_operation(conn, op_id)
    return [decode(r) for r in conn.execute(
        "SELECT change_id, op_id, table_name, row_id, customer_id, action, old, new FROM changes "
        "WHERE op_id = ? ORDER BY change_id LIMIT ?", (op_id, -1 if limit is None else limit))]


def count_changes(conn: sqlite3.Connection, op_id: int) -> int:
    return int(conn.execute("SELECT count(*) FROM changes WHERE op_id = ?", (op_id,)).fetchone()[0])


def decode(row: Any) -> dict[str, Any]:
    out = dict(row)
    for k in ("old", "new"):
        if out.get(k) is not None:
            out[k] = json.loads(out[k])
    return out


def field_diff(action: str, old: dict[str, Any] | None, new: dict[str, Any] | None) -> list[tuple[str, Any, Any]]:
    """(field, old, new) for what a change did: the changed fields of an update, every
    non-empty field of an insert or delete. updated_at is left out of updates."""
    old, new = old or {}, new or {}
    if action == "update":
        return [(k, old.get(k), new.get(k)) for k in dict.fromkeys([*old, *new])
                if old.get(k) != new.get(k) and k != "updated_at"]
    src = new if action == "insert" else old
    return [(k, old.get(k), new.get(k)) for k, v in src.items() if v not in (None, "")]
