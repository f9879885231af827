"""Merge duplicate customers into one, and undo a merge exactly.

A merge, in one logged operation (kind "merge"):
  1. picks the survivor — the oldest record (created_at, then id) unless named;
  2. fills the survivor's empty fields from the others, oldest first; first
     contact / first deal dates take the earliest; every other differing value is
     kept in `merges.conflicts` and shown, never silently dropped;
  3. re-points every row of every table that references customers (contacts,
     follow-ups, orders, tickets, needs, tags, segments, status history …) to the
     survivor; a row that would collide with the survivor's own (the same tag,
     the same segment run) is deleted instead; extra main contacts become related;
  4. deletes the merged-away customer rows and records their ids in merged_ids,
     so `crm show OLD_ID` follows them to the survivor.
`merges.snapshot` holds every affected row before the merge and as the merge left
it, so `unmerge` can put each one back — updated_at included — while keeping
what changed later: a field edited after the merge keeps its new value and is
reported as a collision; rows added to the survivor later stay with it.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from crmcli import audit, fields
from crmcli.errors import CrmError, InvalidValue, NotFound
from crmcli.i18n import _
from crmcli.records import resolve_customer

_NOT_MERGED = {"customer_id", "created_at", "updated_at", "segment"}
_EARLIEST = {"first_contact_date", "first_deal_date"}


@dataclass
class MergePlan:
    survivor: str
    merged: list[str]
    fills: dict[str, tuple[Any, str]] = field(default_factory=dict)       # field -> (value, from id)
    conflicts: dict[str, dict[str, Any]] = field(default_factory=dict)    # field -> {id: value}


@dataclass
class MergeResult:
    merge_id: int
    plan: MergePlan
    moved: dict[str, int]                                                 # table -> rows re-pointed
    dropped: dict[str, int]                                               # table -> colliding rows deleted


@dataclass
class UnmergeResult:
    merge_id: int
    survivor: str
    restored: list[str]
    collisions: list[str]                                                 # later changes kept, in words


def child_tables(conn: sqlite3.Connection) -> list[str]:
    """Every table with a foreign key to customers, found in the schema so new modules are covered."""
    rows = conn.execute(
        "SELECT m.name FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f "
        "WHERE m.type = 'table' AND f.\"table\" = 'customers' AND f.\"from\" = 'customer_id' ORDER BY m.name")
    return [r[0] for r in rows]


def _pk(conn: sqlite3.Connection, table: str) -> list[str]:
    cols = sorted((r[5], r[1]) for r in conn.execute(f"PRAGMA table_info({table})") if r[5])
    return [c for _, c in cols] or ["rowid"]


def _key(row: dict[str, Any], pk: list[str]) -> Any:
    return row[pk[0]] if len(pk) == 1 else [row[c] for c in pk]


def _rows(conn: sqlite3.Connection, table: str, ids: list[str]) -> list[dict[str, Any]]:
    marks = ",".join("?" * len(ids))
    pk = _pk(conn, table)
    sel = "rowid AS rowid, *" if pk == ["rowid"] else "*"
    return [dict(r) for r in conn.execute(f"SELECT {sel} FROM {table} WHERE customer_id IN ({marks}) "
                                           f"ORDER BY {', '.join(pk)}", ids)]


def _empty(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def plan(conn: sqlite3.Connection, ids: list[str], survivor: str | None = None) -> MergePlan:
    """Who survives, which empty fields get filled, which values conflict. Writes nothing."""
    live: list[str] = []
    for raw in ids:
        cid = resolve_customer(conn, raw)
        if cid not in live:
            live.append(cid)
    if survivor is not None:
        survivor = resolve_customer(conn, survivor)
        if survivor not in live:
            raise InvalidValue(_("--survivor {survivor} is not one of the customers being merged ({ids}); "
                                 "name one of them").format(survivor=survivor, ids=", ".join(live)))
    if len(live) < 2:
        raise InvalidValue(_("give at least two different customers to merge"))
    marks = ",".join("?" * len(live))
    rows = {r["customer_id"]: dict(r) for r in conn.execute(f"SELECT * FROM customers WHERE customer_id IN ({marks})", live)}
    order = sorted(live, key=lambda c: (rows[c]["created_at"], c))
    survivor = survivor or order[0]
    others = [c for c in order if c != survivor]
    p = MergePlan(survivor, others)
    base = rows[survivor]
    for name, value in base.items():
        if name in _NOT_MERGED:
            continue
        values = {c: rows[c][name] for c in [survivor, *others] if not _empty(rows[c][name])}
        if name in _EARLIEST and values:
            earliest_id = min(values, key=lambda c: (values[c], c))
            if earliest_id != survivor:
                p.fills[name] = (values[earliest_id], earliest_id)
            continue
        if _empty(value):
            donor = next((c for c in others if c in values), None)
            if donor is not None:
                p.fills[name] = (values[donor], donor)
        distinct = {json.dumps(v, ensure_ascii=False) for v in values.values()}
        if len(distinct) > 1:
            p.conflicts[name] = values
    return p


def merge(conn: sqlite3.Connection, ids: list[str], survivor: str | None = None, *,
          reason: str | None = None) -> MergeResult:
    """Merge the customers IDS into one (see the module docstring); returns the merge record."""
    with audit.operation(conn, "merge", "merge") as op:
        p = plan(conn, ids, survivor)
        all_ids = [p.survivor, *p.merged]
        _check_rules(conn, p, all_ids)
        tables = child_tables(conn)
        before: dict[str, list[dict[str, Any]]] = {"customers": [dict(r) for r in conn.execute(
            f"SELECT * FROM customers WHERE customer_id IN ({','.join('?' * len(all_ids))})", all_ids)]}
        for t in tables:
            before[t] = _rows(conn, t, p.merged)
        after: dict[str, list[Any]] = {}
        # 1. the survivor's fields
        old = conn.execute("SELECT * FROM customers WHERE customer_id = ?", (p.survivor,)).fetchone()
        if p.fills:
            sets = ", ".join(f"{k} = ?" for k in p.fills)
            conn.execute(f"UPDATE customers SET {sets} WHERE customer_id = ?",
                         [v for v, _ in p.fills.values()] + [p.survivor])
            new = conn.execute("SELECT * FROM customers WHERE customer_id = ?", (p.survivor,)).fetchone()
            op.change("customers", p.survivor, "update", old=old, new=new)
        after["customers"] = [dict(conn.execute("SELECT * FROM customers WHERE customer_id = ?", (p.survivor,)).fetchone())]
        # 2. the rows hung on the merged-away customers
        moved: dict[str, int] = {}
        dropped: dict[str, int] = {}
        has_main = conn.execute("SELECT 1 FROM contacts WHERE customer_id = ? AND role = 'main'",
                                (p.survivor,)).fetchone() is not None if "contacts" in tables else False
        for t in tables:
            pk = _pk(conn, t)
            after[t] = []
            for row in before[t]:
                sets = {"customer_id": p.survivor}
                if t == "contacts" and row.get("role") == "main":
                    if has_main:
                        sets["role"] = "related"
                    has_main = True
                where = " AND ".join(f"{c} = ?" for c in pk)
                key_vals = [row[c] for c in pk]
                cur = conn.execute(f"UPDATE OR IGNORE {t} SET {', '.join(f'{k} = ?' for k in sets)} WHERE {where}",
                                   [*sets.values(), *key_vals])
                if cur.rowcount == 0:  # collides with a row of the survivor: the survivor's wins
                    conn.execute(f"DELETE FROM {t} WHERE {where}", key_vals)
                    op.change(t, _key(row, pk), "delete", old=_public(row), customer_id=row["customer_id"])
                    dropped[t] = dropped.get(t, 0) + 1
                    continue
                new_key = [sets.get(c, row[c]) for c in pk]
                sel = "rowid AS rowid, *" if pk == ["rowid"] else "*"
                new_row = dict(conn.execute(f"SELECT {sel} FROM {t} WHERE {where}", new_key).fetchone())
                after[t].append([key_vals, new_row])
                op.change(t, _key(new_row, pk), "update", old=_public(row), new=_public(new_row),
                          customer_id=p.survivor)
                moved[t] = moved.get(t, 0) + 1
        # 3. the merged-away customers themselves
        for row in before["customers"]:
            if row["customer_id"] in p.merged:
                conn.execute("DELETE FROM customers WHERE customer_id = ?", (row["customer_id"],))
                op.change("customers", row["customer_id"], "delete", old=row)
        snapshot = {"before": before, "after": after, "fills": {k: list(v) for k, v in p.fills.items()},
                    "reason": reason}
        cur = conn.execute(
            "INSERT INTO merges (op_id, survivor_id, merged_ids, snapshot, conflicts) VALUES (?, ?, ?, ?, ?)",
            (op.op_id, p.survivor, json.dumps(p.merged), json.dumps(snapshot, ensure_ascii=False, default=str),
             json.dumps(p.conflicts, ensure_ascii=False, default=str) if p.conflicts else None))
        merge_id = int(cur.lastrowid or 0)
        op.change("merges", str(merge_id), "insert", new={"merge_id": merge_id, "survivor_id": p.survivor,
                                                            "merged_ids": json.dumps(p.merged)},
                  customer_id=p.survivor)
        for old_id in p.merged:
            conn.execute("INSERT OR REPLACE INTO merged_ids (old_id, survivor_id, merge_id) VALUES (?, ?, ?)",
                         (old_id, p.survivor, merge_id))
            op.change("merged_ids", old_id, "insert",
                      new={"old_id": old_id, "survivor_id": p.survivor, "merge_id": merge_id}, customer_id=p.survivor)
        op.set_summary(_("merge {ids} into {survivor} (merge {merge})").format(ids=", ".join(p.merged), survivor=p.survivor,
                                                                               merge=merge_id),
                       {"merge_id": merge_id, "survivor": p.survivor, "merged": p.merged, "reason": reason})
    return MergeResult(merge_id, p, moved, dropped)


def _check_rules(conn: sqlite3.Connection, p: MergePlan, all_ids: list[str]) -> None:
    """The merged record is a new combined customer: it is held to the rules of a new one (crmcli.rules)."""
    from crmcli import invalid, rules

    base = dict(conn.execute("SELECT * FROM customers WHERE customer_id = ?", (p.survivor,)).fetchone())
    result = {**base, **{k: v for k, (v, _) in p.fills.items()}}
    kept = set().union(*(invalid.kept_fields(conn, "customers", cid) for cid in all_ids))
    try:
        rules.check_stored(result)
        rules.check(result, kept=kept)
    except InvalidValue as e:
        raise InvalidValue(_("merging into {survivor}: {error}").format(survivor=p.survivor, error=e)) from None


def _public(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k != "rowid"} if "rowid" in row else row


def get_merge(conn: sqlite3.Connection, merge_id: int | str) -> dict[str, Any]:
    try:
        mid = int(str(merge_id).strip().lstrip("#"))
    except ValueError:
        raise InvalidValue(_("a merge id is a number (see `crm merges`), not '{value}'").format(value=merge_id)) from None
    row = conn.execute("SELECT * FROM merges WHERE merge_id = ?", (mid,)).fetchone()
    if row is None:
        raise NotFound(_("no merge {merge}; `crm merges` lists them").format(merge=merge_id))
    out = dict(row)
    out["merged_ids"] = json.loads(out["merged_ids"])
    out["conflicts"] = json.loads(out["conflicts"]) if out["conflicts"] else {}
    return out


def list_merges(conn: sqlite3.Connection, limit: int | None = None) -> list[dict[str, Any]]:
    rows = conn.execute("SELECT merge_id, created_at, survivor_id, merged_ids, conflicts, undone_at FROM merges "
                        "ORDER BY merge_id DESC" + (" LIMIT ?" if limit else ""), (limit,) if limit else ())
    out = []
    for r in rows:
        conflicts = json.loads(r["conflicts"]) if r["conflicts"] else {}
        out.append({"merge_id": r["merge_id"], "created_at": r["created_at"], "survivor_id": r["survivor_id"],
                    "merged_ids": " ".join(json.loads(r["merged_ids"])), "conflicts": ", ".join(sorted(conflicts)),
                    "undone_at": r["undone_at"]})
    return out


def _set_row(conn: sqlite3.Connection, table: str, pk: list[str], key: list[Any], values: dict[str, Any]) -> None:
    """UPDATE with an exact updated_at: the touch triggers skip statements that set it themselves,
    but not one that sets it to the value it already has — so go through a placeholder first."""
    where = " AND ".join(f"{c} = ?" for c in pk)
    values = {k: v for k, v in values.items() if k != "rowid"}
    if not values:
        return
    if "updated_at" in values:
        conn.execute(f"UPDATE {table} SET updated_at = '' WHERE {where}", key)
    conn.execute(f"UPDATE {table} SET {', '.join(f'{k} = ?' for k in values)} WHERE {where}",
                 [*values.values(), *key])


def unmerge(conn: sqlite3.Connection, merge_id: int | str) -> UnmergeResult:
    """Undo one merge: every row as it was before, later changes kept and reported."""
    m = get_merge(conn, merge_id)
    if m["undone_at"]:
        raise CrmError(_("merge {merge} was already undone at {ts}").format(merge=m["merge_id"], ts=m["undone_at"]))
    snap = json.loads(m["snapshot"])
    survivor = m["survivor_id"]
    merged: list[str] = m["merged_ids"]
    collisions: list[str] = []
    with audit.operation(conn, "unmerge", _("unmerge {merge}").format(merge=m["merge_id"])) as op:
        if conn.execute("SELECT 1 FROM customers WHERE customer_id = ?", (survivor,)).fetchone() is None:
            later = conn.execute("SELECT merge_id FROM merged_ids WHERE old_id = ?", (survivor,)).fetchone()
            hint = _("; undo merge {merge} first").format(merge=later[0]) if later else ""
            raise CrmError(_("survivor {survivor} of merge {merge} no longer exists{hint}").format(
                survivor=survivor, merge=m["merge_id"], hint=hint))
        for cid in merged:
            if conn.execute("SELECT 1 FROM customers WHERE customer_id = ?", (cid,)).fetchone():
                raise CrmError(_("customer id {id} is in use again; cannot restore merge {merge}").format(id=cid, merge=m["merge_id"]))
        # the merged-away customers, exactly
        for row in snap["before"]["customers"]:
            if row["customer_id"] in merged:
                cols = list(row)
                conn.execute(f"INSERT INTO customers ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                             [row[c] for c in cols])
                op.change("customers", row["customer_id"], "insert", new=row)
            else:
                _restore_survivor(conn, op, row, snap["after"]["customers"][0], collisions)
        for table, rows in snap["before"].items():
            if table == "customers":
                continue
            _restore_children(conn, op, table, rows, snap["after"].get(table, []), collisions)
        for old_id in merged:
            conn.execute("DELETE FROM merged_ids WHERE old_id = ? AND merge_id = ?", (old_id, m["merge_id"]))
            op.change("merged_ids", old_id, "delete", old={"old_id": old_id, "survivor_id": survivor,
                                                          "merge_id": m["merge_id"]}, customer_id=survivor)
        conn.execute("UPDATE merges SET undone_at = strftime('%Y-%m-%d %H:%M:%S', 'now', 'localtime') "
                     "WHERE merge_id = ?", (m["merge_id"],))
        # The merge's operation is undone by this one: the pair cancels out in the log, so `crm undo`
        # of an earlier operation is not sent to undo either of them.
        conn.execute("UPDATE operations SET undone_by = ? WHERE op_id = ? AND undone_by IS NULL",
                     (op.op_id, m["op_id"]))
        op.set_summary(_("unmerge {merge}: {ids} split from {survivor}").format(merge=m["merge_id"], ids=", ".join(merged),
                                                                                survivor=survivor),
                       {"merge_id": m["merge_id"], "collisions": collisions})
    return UnmergeResult(m["merge_id"], survivor, merged, collisions)


def _restore_survivor(conn: sqlite3.Connection, op: audit.Operation, before: dict[str, Any],
                      after: dict[str, Any], collisions: list[str]) -> None:
    cid = before["customer_id"]
    current = dict(conn.execute("SELECT * FROM customers WHERE customer_id = ?", (cid,)).fetchone())
    later = {k for k in current if k != "updated_at" and current[k] != after.get(k)}
    restore: dict[str, Any] = {}
    for k, v in before.items():
        if k == "updated_at" or after.get(k) == v:
            continue  # the merge did not change it: whatever it is now stays
        if k in later:
            collisions.append(_("{id}.{field} was changed after the merge; kept {now!r} (before the merge: {before!r})").format(
                id=cid, field=k, now=current[k], before=v))
        else:
            restore[k] = v
    if not later:
        restore["updated_at"] = before["updated_at"]
    if restore:
        _set_row(conn, "customers", ["customer_id"], [cid], restore)
        new = conn.execute("SELECT * FROM customers WHERE customer_id = ?", (cid,)).fetchone()
        op.change("customers", cid, "update", old=current, new=new)


def _restore_children(conn: sqlite3.Connection, op: audit.Operation, table: str, before: list[dict[str, Any]],
                      after: list[list[Any]], collisions: list[str]) -> None:
    pk = _pk(conn, table)
    sel = "rowid AS rowid, *" if pk == ["rowid"] else "*"
    where = " AND ".join(f"{c} = ?" for c in pk)
    left = {json.dumps(old_key, default=str): row for old_key, row in after}  # old key -> row as the merge left it
    for old in before:
        old_key = [old[c] for c in pk]
        label = f"{fields.shown_table(table) if table in fields.TABLES else table} {_key(old, pk)}"
        after_row = left.get(json.dumps(old_key, default=str))
        if after_row is None:  # the merge deleted it (it collided with the survivor's row): put it back
            cols = [c for c in old if c != "rowid"]
            conn.execute(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                         [old[c] for c in cols])
            op.change(table, _key(old, pk), "insert", new=_public(old), customer_id=old["customer_id"])
            continue
        cur_key = [after_row[c] for c in pk]
        found = conn.execute(f"SELECT {sel} FROM {table} WHERE {where}", cur_key).fetchone()
        if found is None:
            collisions.append(_("{record} was deleted after the merge; left deleted").format(record=label))
            continue
        cur = dict(found)
        if _public(cur) == _public(after_row):
            values = {k: v for k, v in old.items() if k != "rowid"}
        else:  # edited since: move it back, keep the later edits
            collisions.append(_("{record} was changed after the merge; moved back with its later changes kept").format(
                record=label))
            values = {k: v for k, v in old.items()
                      if k not in ("rowid", "updated_at") and after_row.get(k) != v and cur.get(k) == after_row.get(k)}
        _set_row(conn, table, pk, cur_key, values)
        new = conn.execute(f"SELECT {sel} FROM {table} WHERE {where}", old_key).fetchone()
        op.change(table, _key(old, pk), "update", old=_public(cur), new=_public(dict(new)) if new else None,
                  customer_id=old["customer_id"])
