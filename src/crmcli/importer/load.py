"""Write converted rows: batched inserts, id conflicts, updates with their old/new
rows in the change log, template ids drawn a range at a time.

Inserted rows are logged after the bulk insert by one INSERT … SELECT over the
rowids above the table's maximum before the import, instead of one Python call
per row; updated rows get the usual change row with old and new JSON, so undo
can restore them exactly.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Collection
from datetime import date
from typing import Any

from crmcli import audit, fields
from crmcli.errors import sqlite_reason
from crmcli.i18n import _
from crmcli.importer.convert import Masked

_IN_CHUNK = 900  # ids per IN (...) query
INDEX_CACHE_KIB = -16384  # cache_size while deferred indexes are rebuilt (negative: KiB)
BIG_IMPORT = 20_000  # rows: above this (and above the rows already stored) indexes are rebuilt after the load


def check_expressions(conn: sqlite3.Connection, table: str) -> list[str]:
    """The CHECK (...) expressions of TABLE as schema.sql declares them."""
    sql = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).fetchone()[0]
    out = []
    for m in re.finditer(r"\bCHECK\s*\(", sql, re.IGNORECASE):
        depth, i = 1, m.end()
        quoted = False
        while depth and i < len(sql):
            c = sql[i]
            if c == "'":
                quoted = not quoted
            elif not quoted:
                depth += {"(": 1, ")": -1}.get(c, 0)
            i += 1
        out.append(sql[m.end():i - 1])
    return out


def reserve_ids(conn: sqlite3.Connection, t: fields.Table, count: int, day: date | None = None) -> list[str]:
    """COUNT fresh template ids for T (C20241122001 …) in one counter update; skips taken ones."""
    assert t.id_prefix
    stamp = (day or date.today()).strftime("%Y%m%d")
    out: list[str] = []
    while len(out) < count:
        need = count - len(out)
        last = conn.execute(
            "INSERT INTO id_counters (prefix, day, last) VALUES (?, ?, ?) "
            "ON CONFLICT (prefix, day) DO UPDATE SET last = last + excluded.last RETURNING last",
            (t.id_prefix, stamp, need)).fetchone()[0]
        cands = [f"{t.id_prefix}{stamp}{n:03d}" for n in range(last - need + 1, last + 1)]
        taken = existing_keys(conn, t, cands)
        out.extend(c for c in cands if c not in taken)
    return out


def existing_keys(conn: sqlite3.Connection, t: fields.Table, keys: list[Any]) -> set[Any]:
    found: set[Any] = set()
    for i in range(0, len(keys), _IN_CHUNK):
        part = keys[i:i + _IN_CHUNK]
        marks = ",".join("?" * len(part))
        found.update(r[0] for r in conn.execute(f"SELECT {t.key} FROM {t.name} WHERE {t.key} IN ({marks})", part))
    return found


class Loader:
    """Inserts (and on conflict skips or updates) the rows of one sheet.

    A row whose key is stored is compared with the stored row first (`diff`): a row
    that changes nothing is *unchanged* whatever --on-conflict says, so importing an
    exported file back is never a conflict. A masked cell (convert.Masked) keeps the
    stored value; an empty cell in a column the file has clears it (update: the
    file's cells are the truth), except in columns that cannot be empty.
    """

    def __init__(self, conn: sqlite3.Connection, t: fields.Table, columns: list[str], on_conflict: str,
                 op: audit.Operation, reject: Callable[[int, str], None],
                 file_columns: Collection[str] | None = None) -> None:
        self.conn, self.t, self.columns, self.on_conflict, self.op = conn, t, columns, on_conflict, op
        self.reject = reject
        # source line -> why the row may update or be skipped but not be inserted (set per batch)
        self.not_insertable: dict[int, str] = {}
        # (stored row, the row as the update would leave it) -> why the update is refused (crmcli.rules)
        self.check_update: Callable[[Any, dict[str, Any]], list[str]] | None = None
        # source line -> columns whose cell was kept aside (import --keep-invalid): not emptied, kept (per batch)
        self.keep_stored: dict[int, set[str]] = {}
        self.key_pos = columns.index(t.key) if t.key in columns else None
        info = conn.execute(f"PRAGMA table_info({t.name})").fetchall()
        # An empty cell (None) gets the column's schema default, as if the column were left out.
        defaults = {r[1]: r[4] for r in info if r[4] is not None}
        values = ", ".join(f"coalesce(?, {defaults[c]})" if c in defaults else "?" for c in columns)
        self.sql = f"INSERT INTO {t.name} ({', '.join(columns)}) VALUES ({values})"
        self.start_rowid = conn.execute(f"SELECT coalesce(max(rowid), 0) FROM {t.name}").fetchone()[0]
        self.inserted = self.updated = self.skipped = self.unchanged = 0
        self.masked_new = self.masked_kept = 0  # masked cells: no value in a new row / stored value kept
        self.batch_masked = False  # set per batch: some cell of it is convert.Masked
        self.conflicts: list[str] = []
        self.conflict_count = 0
        self.skipped_lines: set[int] = set()  # source lines of rows skipped as conflicts
        self.checks = check_expressions(conn, t.name)
        self.deferred_indexes: list[str] = []
        self.existing_rows = conn.execute(f"SELECT count(*) FROM (SELECT 1 FROM {t.name} LIMIT {BIG_IMPORT})").fetchone()[0]
        notnull = {r[1] for r in info if r[3]}
        from_file = set(columns if file_columns is None else file_columns)
        self.compared = [(i, c) for i, c in enumerate(columns) if c not in (t.key, "created_at", "updated_at")]
        self.clearable = {c for c in from_file if c not in notnull}
        self.cust_pos = columns.index("customer_id") if t.name != "customers" and "customer_id" in columns else None

    def diff(self, old: Any, r: list[Any]) -> dict[str, Any]:
        """{column: new value} for what row R would change in the stored row OLD."""
        out: dict[str, Any] = {}
        for i, c in self.compared:
            v = r[i]
            if v is None:
                if c in self.clearable and old[c] is not None:
                    out[c] = None
            elif type(v) is not Masked and old[c] != v:
                out[c] = v
        return out

    def expect(self, rows: int) -> None:
        """A big load into a small table: drop the secondary indexes now, rebuild them (sorted, fast) at the end."""
        if self.deferred_indexes or rows < BIG_IMPORT or self.existing_rows >= BIG_IMPORT:
            return
        found = self.conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
                                  "AND sql IS NOT NULL", (self.t.name,)).fetchall()
        for name, sql in found:
            self.conn.execute(f"DROP INDEX {name}")
            self.deferred_indexes.append(sql)

    def write(self, rows: list[tuple[int, list[Any]]]) -> None:
        """ROWS: (source line, values in self.columns order); key None = draw a template id."""
        if not rows:
            return
        kp = self.key_pos
        if kp is not None:
            missing = [r for _, r in rows if r[kp] is None]
            if missing and self.t.id_prefix:
                for r, new_id in zip(missing, reserve_ids(self.conn, self.t, len(missing)), strict=True):
                    r[kp] = new_id
            rows = self._resolve_conflicts(rows)
        self._insert(rows)

    def stored(self, keys: list[Any]) -> dict[Any, Any]:
        """key -> stored row, for the KEYS that are stored."""
        out: dict[Any, Any] = {}
        t = self.t
        for i in range(0, len(keys), _IN_CHUNK):
            part = keys[i:i + _IN_CHUNK]
            marks = ",".join("?" * len(part))
            out.update((r[t.key], r) for r in self.conn.execute(f"SELECT * FROM {t.name} WHERE {t.key} IN ({marks})", part))
        return out

    def _resolve_conflicts(self, rows: list[tuple[int, list[Any]]]) -> list[tuple[int, list[Any]]]:
        kp = self.key_pos
        assert kp is not None
        keys = [r[kp] for _, r in rows]
        taken = self.stored([k for k in keys if k is not None])
        if not taken and None not in keys and len(set(keys)) == len(keys):
            return rows  # the common case: every id new and unique, no per-row work
        fresh: list[tuple[int, list[Any]]] = []
        seen: set[Any] = set()
        cp = self.cust_pos
        for line, r in rows:
            key = r[kp]
            old = taken.get(key)
            if old is not None and not self.t.id_prefix and cp is not None and old["customer_id"] != r[cp]:
                r[kp] = key = None  # a contact number of another customer (another database's file): a new contact
            if key is None:  # contacts: the database numbers them
                fresh.append((line, r))
                continue
            if old is None and key not in seen:
                seen.add(key)
                fresh.append((line, r))
                continue
            if key in seen:  # twice in one batch: compare with the first once it is written
                self._insert(fresh)
                fresh, seen = [], set()
                old = self.stored([key]).get(key)
                if old is None:  # the first was refused
                    fresh.append((line, r))
                    seen.add(key)
                    continue
            self._existing(line, r, old)
        return fresh

    def _existing(self, line: int, r: list[Any], old: Any) -> None:
        """Row R whose record OLD is stored: unchanged, or a conflict (--on-conflict)."""
        change = self.diff(old, r)
        if self.keep_stored and line in self.keep_stored:
            change = {c: v for c, v in change.items() if c not in self.keep_stored[line]}
        masked = sum(type(v) is Masked for v in r) if self.batch_masked else 0
        if not change:
            self.unchanged += 1
            self.masked_kept += masked
            return
        if self.on_conflict == "skip":
            self.skipped += 1
            self.skipped_lines.add(line)
        elif self.on_conflict == "update":
            self.masked_kept += masked
            self._update(line, r[self.key_pos], old, change)  # type: ignore[index]
        else:
            self.conflict_count += 1
            if len(self.conflicts) < 10:
                self.conflicts.append(str(r[self.key_pos]))  # type: ignore[index]

    def _insert(self, rows: list[tuple[int, list[Any]]]) -> None:
        if not rows:
            return
        if self.not_insertable:
            kept = []
            for line, r in rows:
                problem = self.not_insertable.get(line)
                if problem:
                    self.reject(line, problem)
                else:
                    kept.append((line, r))
            rows = kept
        if self.batch_masked:  # a masked cell of a new row: no value
            for _line, r in rows:
                for i, v in enumerate(r):
                    if type(v) is Masked:
                        r[i] = None
                        self.masked_new += 1
        try:
            # Every value was converted by values.coerce; the schema's CHECKs are verified once for
            # the whole load in finish() — evaluated per row they cost more than the insert itself.
            self.conn.execute("SAVEPOINT import_batch")
            self.conn.execute("PRAGMA ignore_check_constraints = ON")
            try:
                self.conn.executemany(self.sql, [r for _, r in rows])
            finally:
                self.conn.execute("PRAGMA ignore_check_constraints = OFF")
            self.conn.execute("RELEASE import_batch")
            self.inserted += len(rows)
        except sqlite3.IntegrityError:
            self.conn.execute("ROLLBACK TO import_batch")  # executemany stopped midway: undo its first rows
            self.conn.execute("RELEASE import_batch")
            # The database refused something the checks let through: find the row, reject it.
            for line, r in rows:
                try:
                    self.conn.execute(self.sql, r)
                    self.inserted += 1
                except sqlite3.IntegrityError as e:
                    self.reject(line, _("the database refused the row: {error}").format(error=sqlite_reason(e)))

    def _update(self, line: int, key: Any, old: Any, change: dict[str, Any]) -> None:
        t = self.t
        if self.check_update is not None:
            problems = self.check_update(old, {**dict(old), **change})
            if problems:
                self.reject(line, "; ".join(problems))
                return
        sets = ", ".join(f"{c} = ?" for c in change)
        try:
            self.conn.execute(f"UPDATE {t.name} SET {sets} WHERE {t.key} = ?", [*change.values(), key])
        except sqlite3.IntegrityError as e:
            self.reject(line, _("the database refused the update of {id}: {error}").format(id=key, error=sqlite_reason(e)))
            return
        new = self.conn.execute(f"SELECT * FROM {t.name} WHERE {t.key} = ?", (key,)).fetchone()  # after triggers
        self.op.change(t.name, str(key), "update", old=old, new=new)
        self.updated += 1

    def finish(self) -> None:
        """Verify the schema's CHECKs over the inserted rows, rebuild deferred indexes, log the inserts."""
        self._verify_checks()
        if self.deferred_indexes:
            # Sort the index entries in temporary files, not in memory: a big load stays in bounded memory.
            # The sorter holds up to cache_size of keys before it spills, on top of the page cache: with
            # the connection's 64 MB, 1M rows peaked at 143 MB in this step; with 16 MB at 79 MB, for the
            # same CPU time (8.5 / 8.1 s), since the table outgrows either cache and is read in order.
            cache = self.conn.execute("PRAGMA cache_size").fetchone()[0]
            self.conn.execute("PRAGMA temp_store = FILE")
            self.conn.execute(f"PRAGMA cache_size = {INDEX_CACHE_KIB}")
            try:
                for sql in self.deferred_indexes:
                    self.conn.execute(sql)
            finally:
                self.conn.execute("PRAGMA temp_store = MEMORY")
                self.conn.execute(f"PRAGMA cache_size = {int(cache)}")
        self.deferred_indexes = []
        self._log_inserts()

    def _verify_checks(self) -> None:
        if not self.checks or not self.inserted:
            return
        t = self.t
        cond = " AND ".join(f"coalesce(({c}), 1)" for c in self.checks)
        bad = self.conn.execute(f"SELECT rowid, {t.key} FROM {t.name} WHERE rowid > ? AND NOT ({cond})",
                                (self.start_rowid,)).fetchall()
        for rowid, key in bad:  # a backstop: the converters should never let such a row through
            failed = [c for c in self.checks if self.conn.execute(
                f"SELECT coalesce(({c}), 1) FROM {t.name} WHERE rowid = ?", (rowid,)).fetchone()[0] == 0]
            self.conn.execute(f"DELETE FROM {t.name} WHERE rowid = ?", (rowid,))
            self.inserted -= 1
            self.reject(0, _("{field} {id}: the database refused the row (CHECK {check})").format(
                field=t.key, id=key, check=failed[0] if failed else "?"))

    def _log_inserts(self) -> None:
        """One change row per inserted record, written by SQL in one statement."""
        t = self.t
        cust = "customer_id"
        self.conn.execute(
            f"INSERT INTO changes (op_id, table_name, row_id, customer_id, action) "
            f"SELECT ?, ?, CAST({t.key} AS TEXT), {cust}, 'insert' FROM {t.name} WHERE rowid > ? ORDER BY rowid",
            (self.op.op_id, t.name, self.start_rowid))
        self.op.counts["insert"] += self.inserted
