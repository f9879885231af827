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
