"""Write imported tag rows (标签管理 / 客户分类与标签): the tags table's key is the pair
(customer_id, tag), not one id, so it has its own loader with the Loader's interface.

A tag cell may hold several tags separated by ， , or 、 (seed 000 keeps them that
way: "重点跟进,合同到期2024-12"); each becomes one row. An empty 标签分类 cell lets a
`行为标签:价格敏感` prefix name the group (as `crm tag` does), else a new tag is in
'other' and a stored one keeps its group. A pair already stored is a conflict:
fail names it, skip keeps it, update sets its group. Every inserted or updated
pair is one change row keyed by the JSON [customer_id, tag], as `crm tag` writes.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from typing import Any

from crmcli import audit, fields
from crmcli.errors import sqlite_reason
from crmcli.i18n import _
from crmcli.records import group_prefix

_SPLIT = re.compile(r"[,，、]")
_NOW = "strftime('%Y-%m-%d %H:%M:%S', 'now', 'localtime')"


def split_tags(cell: Any) -> list[str]:
    """'重点跟进，合同到期2024-12、VIP' -> ['重点跟进', '合同到期2024-12', 'VIP'] (empty pieces dropped)."""
    if cell is None:
        return []
    return [p.strip() for p in _SPLIT.split(str(cell)) if p.strip()]


class TagLoader:
    """Inserts, skips or updates (customer_id, tag) pairs; same interface as load.Loader."""

    def __init__(self, conn: sqlite3.Connection, t: fields.Table, columns: list[str], on_conflict: str,
                 op: audit.Operation, reject: Callable[[int, str], None]) -> None:
        self.conn, self.on_conflict, self.op, self.reject = conn, on_conflict, op, reject
        self.not_insertable: dict[int, str] = {}
        self.key_pos = None  # no single key: the engine's id matching does not apply
        self.ci, self.ti = columns.index("customer_id"), columns.index("tag")
        self.gi = columns.index("tag_group") if "tag_group" in columns else None
        self.ui = columns.index("updated_at") if "updated_at" in columns else None
        self.inserted = self.updated = self.skipped = self.unchanged = 0
        self.conflicts: list[str] = []
        self.conflict_count = 0

    def expect(self, rows: int) -> None:
        pass

    def finish(self) -> None:
        pass

    def write(self, rows: list[tuple[int, list[Any]]]) -> None:
        for line, r in rows:
            names = split_tags(r[self.ti])
            if not names:
                self.reject(line, "a tag is required (标签)")
                continue
            cell_group = r[self.gi] if self.gi is not None else None
            stamp = r[self.ui] if self.ui is not None else None
            for token in names:
                name, prefixed = group_prefix(token) if cell_group is None else (token, None)
                self._one(line, r[self.ci], name, cell_group or prefixed, stamp)

    def _one(self, line: int, cid: str, name: str, group: str | None, stamp: str | None) -> None:
        old = self.conn.execute("SELECT * FROM tags WHERE customer_id = ? AND tag = ?", (cid, name)).fetchone()
        try:
            if old is None:
                new = self.conn.execute(
                    f"INSERT INTO tags (customer_id, tag, tag_group, updated_at) "
                    f"VALUES (?, ?, coalesce(?, 'other'), coalesce(?, {_NOW})) RETURNING *",
                    (cid, name, group, stamp)).fetchone()
                self.op.change("tags", [cid, name], "insert", new=new, customer_id=cid)
                self.inserted += 1
                return
            if group is None or group == old["tag_group"]:
                self.unchanged += 1  # the pair as stored: no conflict, whatever --on-conflict says
            elif self.on_conflict == "skip":
                self.skipped += 1
            elif self.on_conflict == "update":
                new = self.conn.execute(
                    f"UPDATE tags SET tag_group = ?, updated_at = {_NOW} WHERE customer_id = ? AND tag = ? "
                    "RETURNING *", (group, cid, name)).fetchone()
                self.op.change("tags", [cid, name], "update", old=old, new=new, customer_id=cid)
                self.updated += 1
            else:
                self.conflict_count += 1
                if len(self.conflicts) < 10:
                    self.conflicts.append(f"{cid} {name}")
        except sqlite3.IntegrityError as e:
            self.reject(line, _("the database refused tag '{tag}' of {id}: {error}").format(tag=name, id=cid, error=sqlite_reason(e)))
