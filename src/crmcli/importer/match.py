"""Which stored record a file row without an id is: re-importing a file never duplicates.

A row with an id is matched by its id (load.Loader). A row without one (a ledger
kept without ids, a row added at the bottom of an exported sheet) is matched here,
only against records stored *before* this import — rows of the same file never
match each other, so two rows whose names normalise alike both go in and are
reported as likely duplicates for `crm dedupe` to judge:

- a customer: first a stored customer with the same normalised name whose
  stored values are exactly the row's (a masked cell matches the value it masks);
  else the one stored customer with the same normalised name and the same phone
  (or, without a phone, the same e-mail) — an edited row, which --on-conflict
  then governs; else it is new.
- a contact, follow-up, order, ticket or need: a stored row of the same customer
  whose values are exactly the row's.

A stored record is matched by at most one row of the file, so a file that holds
the same row twice, imported twice, adds it twice once and nothing the second time.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from crmcli import fields
from crmcli.importer.convert import Masked
from crmcli.importer.load import _IN_CHUNK, Loader
from crmcli.normalize import MASKED_TYPES, name_key


class RowMatcher:
    def __init__(self, conn: sqlite3.Connection, t: fields.Table, columns: list[str], loader: Loader,
                 defaults: dict[str, Any]) -> None:
        self.conn, self.t, self.columns, self.loader = conn, t, columns, loader
        self.kp = columns.index(t.key)
        self.masked_pos = [(i, t.by_name[c].type) for i, c in enumerate(columns)
                           if c in t.by_name and t.by_name[c].type in MASKED_TYPES]
        # what an insert would store for an empty cell of a NOT NULL column
        self.fill = [(i, defaults[c]) for i, c in enumerate(columns) if c in defaults]
        self.consumed: set[Any] = set()
        self._names: dict[str, list[str]] | None = None
        # customers: the file's new rows by name key, and the stored ones they resemble
        self.new_by_key: dict[str, list[str]] = defaultdict(list)
        self._new_keys: dict[int, str] = {}  # id(row) -> name key of the batch's unmatched rows

    # ------------------------------------------------------------------ sameness

    def same(self, stored: Any, r: list[Any]) -> bool:
        """Whether row R, imported, would leave STORED as it is."""
        if self.loader.diff(stored, r):
            return False
        for i, kind in self.masked_pos:
            v = r[i]
            if type(v) is Masked and not v.matches(kind, stored[self.columns[i]]):
                return False
        return all(r[i] is not None or stored[self.columns[i]] == d for i, d in self.fill)

    def _identity(self, stored: Any, r: list[Any]) -> bool:
        """Same phone, or (no phone in the row) the same e-mail."""
        for col in ("phone", "email"):
            if col not in self.columns:
                continue
            v = r[self.columns.index(col)]
            if v is None:
                continue
            if type(v) is Masked:
                return v.matches(self.t.by_name[col].type, stored[col])
            return bool(stored[col] == v)
        return False

    # ------------------------------------------------------------------ matching

    def match(self, rows: list[list[Any]]) -> list[list[Any]]:
        """Give rows that are stored records their key; returns the rows that are new."""
        if self.t.name == "customers":
            return self._customers(rows)
        return self._children(rows)

    def _name_index(self) -> dict[str, list[str]]:
        if self._names is None:
            idx: dict[str, list[str]] = defaultdict(list)
            for cid, nm in self.conn.execute("SELECT customer_id, name FROM customers WHERE rowid <= ? ORDER BY rowid",
                                             (self.loader.start_rowid,)):
                idx[name_key(nm)].append(cid)
            self._names = idx
        return self._names

    def _customers(self, rows: list[list[Any]]) -> list[list[Any]]:
        idx = self._name_index()
        ni = self.columns.index("name")
        keys = [name_key(r[ni]) for r in rows]
        wanted = list({c for k in keys for c in idx.get(k, ())})
        stored = self.loader.stored(wanted) if wanted else {}
        left: list[tuple[list[Any], str]] = []
        for r, k in zip(rows, keys, strict=True):
            hit = next((c for c in idx.get(k, ()) if c not in self.consumed and self.same(stored[c], r)), None)
            if hit is None:
                left.append((r, k))
            else:
                self._take(r, hit)
        new = []
        for r, k in left:
            cands = [c for c in idx.get(k, ()) if c not in self.consumed and self._identity(stored[c], r)]
            if len(cands) == 1:
                self._take(r, cands[0])
            else:
                new.append(r)
        self._new_keys = {id(r): k for r, k in left}
        return new

    def _take(self, r: list[Any], key: Any) -> None:
        r[self.kp] = key
        self.consumed.add(key)

    def _children(self, rows: list[list[Any]]) -> list[list[Any]]:
        ci = self.columns.index("customer_id")
        cids = list({r[ci] for r in rows})
        by_customer: dict[Any, list[Any]] = defaultdict(list)
        t = self.t
        for i in range(0, len(cids), _IN_CHUNK):
            part = cids[i:i + _IN_CHUNK]
            q = (f"SELECT * FROM {t.name} WHERE customer_id IN ({','.join('?' * len(part))}) AND rowid <= ? "
                 f"ORDER BY rowid")
            for row in self.conn.execute(q, [*part, self.loader.start_rowid]):
                by_customer[row["customer_id"]].append(row)
        new = []
        for r in rows:
            hit = next((s for s in by_customer.get(r[ci], ()) if s[t.key] not in self.consumed and self.same(s, r)),
                       None)
            if hit is None:
                new.append(r)
            else:
                self._take(r, hit[t.key])
        return new

    # ------------------------------------------------------------------ likely duplicates

    def note_new(self, rows: Iterable[list[Any]]) -> None:
        """Customers that went in as new: remember them by name key for the duplicates report."""
        keys = self._new_keys
        for r in rows:
            k = keys.get(id(r))
            if k is not None:
                self.new_by_key[k].append(r[self.kp])
        self._new_keys = {}

    def duplicates(self) -> tuple[list[list[str]], list[tuple[str, list[str]]]]:
        """(groups of this file's new customers alike by name, [(new id, stored ids alike)])."""
        idx = self._names or {}
        each_other = [ids for ids in self.new_by_key.values() if len(ids) > 1]
        of_stored = [(i, idx[k]) for k, ids in self.new_by_key.items() if idx.get(k) for i in ids]
        return each_other, of_stored
