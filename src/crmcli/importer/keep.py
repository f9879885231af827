"""`crm import --keep-invalid`: one bad cell costs one cell, not the row.

Without the option a cell that does not convert (values.coerce refuses it)
rejects its row. With it, a cell of a field the record can do without — not the
id, the customer link or a required field — is *kept aside*: the field is left
empty and, once the row is in the database, the cell's text and the reason go
to the invalid_values table (crmcli.invalid) in the same logged operation. A row
that updates a stored record keeps aside only a value whose field is still
empty: a stored valid value is not shadowed by a bad one.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from crmcli import audit, fields, invalid


class KeptAside:
    """The kept-aside cells of one sheet's current batch, and how many were recorded in all."""

    def __init__(self, conn: sqlite3.Connection, t: fields.Table, op: audit.Operation, enabled: bool) -> None:
        self.conn, self.t, self.op = conn, t, op
        enabled = enabled and t.name != "tags"  # a tag row is its tag: nothing to keep aside
        self.keepable = {f.name for f in t.fields
                         if enabled and not f.required and f.name not in (t.key, "customer_id") and not f.system}
        self.batch: dict[int, list[tuple[str, Any, str]]] = {}  # row index in the batch -> (field, cell, reason)
        self.held: list[tuple[int, list[Any], int, int | None, list[tuple[str, Any, str]]]] = []
        self.recorded = 0

    def take(self, name: str, col: Any, errs: dict[int, str], errors: dict[int, list[str]]) -> None:
        """Route one column's conversion errors: kept aside when the field allows it, else row errors."""
        for i, msg in errs.items():
            if name in self.keepable:
                self.batch.setdefault(i, []).append((name, col[i], msg))
            else:
                errors.setdefault(i, []).append(msg)

    def by_field(self) -> dict[str, set[int]]:
        """field -> rows of the batch whose value is kept aside (present, for crmcli.rules)."""
        out: dict[str, set[int]] = {}
        for i, cells in self.batch.items():
            for name, _, _ in cells:
                out.setdefault(name, set()).add(i)
        return out

    def give_ids(self, rows: list[tuple[int, list[Any]]], index: dict[int, int], key_pos: int | None) -> None:
        """Records numbered by the database (contacts) get their number now, so their entries can name it."""
        if not self.batch or key_pos is None or self.t.id_prefix or self.t.name == "tags":
            return
        nxt = None
        for line, r in rows:
            if r[key_pos] is None and index.get(line) in self.batch:
                if nxt is None:
                    nxt = self.conn.execute(f"SELECT coalesce(max({self.t.key}), 0) + 1 FROM {self.t.name}").fetchone()[0]
                r[key_pos], nxt = nxt, nxt + 1

    def hold(self, rows: list[tuple[int, list[Any]]], index: dict[int, int], key_pos: int | None,
             cid_pos: int | None) -> None:
        """Set the batch's kept-aside cells apart with their rows, to be recorded once the sheet is loaded."""
        if self.batch and key_pos is not None:
            for line, r in rows:
                cells = self.batch.get(index.get(line, -1))
                if cells:
                    self.held.append((line, r, key_pos, cid_pos, cells))
        self.batch = {}

    def record(self, gone: set[int]) -> None:
        """Store the held cells of the rows that went in (not skipped or rejected: GONE). After the
        loader logged its inserts, so an undo, walking the log backwards, removes these entries first."""
        t = self.t
        for line, r, key_pos, cid_pos, cells in self.held:
            if line in gone:
                continue
            key = r[key_pos]
            cid = key if t.name == "customers" else (r[cid_pos] if cid_pos is not None else None)
            for name, raw, reason in cells:
                stored = self.conn.execute(f"SELECT {name} FROM {t.name} WHERE {t.key} = ?", (key,)).fetchone()
                if stored is None or stored[0] not in (None, ""):
                    continue  # an update row whose record has a value: a bad one does not shadow it
                invalid.keep(self.conn, self.op, t.name, key, cid, name, raw, reason)
                self.recorded += 1
        self.held = []
