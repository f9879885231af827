"""Add, update, tag and show records: the template's modules as library calls.

Values arrive as a person typed them, keyed by any field name the registry knows
(English, Chinese label, alias); `values.coerce` turns them into stored form.
Every write goes through `audit.operation`, so it is one transaction and logged.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from crmcli import audit, fields, ids, invalid, rules
from crmcli.errors import InvalidValue, NotFound
from crmcli.i18n import _
from crmcli.normalize import drop_controls
from crmcli.values import coerce

CHILD_TABLES = ("contacts", "followups", "orders", "tickets", "needs")
_ORDER_BY = {"contacts": "role = 'main' DESC, contact_id", "followups": "date DESC", "orders": "date DESC",
             "tickets": "date DESC", "needs": "coalesce(date, created_at) DESC"}


def resolve_customer(conn: sqlite3.Connection, customer_id: str, *, names: bool = True) -> str:
    """The live id for CUSTOMER_ID — an id in any case (merges followed) or, with NAMES, a customer
    name (exact, then a unique fuzzy match); NotFound / lookup.AmbiguousName otherwise."""
    from crmcli import lookup

    return lookup.customer(conn, customer_id, names=names)


def merged_into(conn: sqlite3.Connection, customer_id: str) -> str | None:
    row = conn.execute("SELECT survivor_id FROM merged_ids WHERE old_id = ?", (customer_id,)).fetchone()
    return row[0] if row else None


def prepare(table: str, raw: dict[str, Any], *, allow_system: bool = False) -> dict[str, Any]:
    """Resolve field names and coerce values; errors name the field."""
    t = fields.table(table)
    out: dict[str, Any] = {}
    for name, value in raw.items():
        f = fields.get_field(t, name)
        if f.system and not allow_system:
            raise InvalidValue(_("{field} is kept by the system and cannot be set").format(field=fields.shown_field(f)))
        if f.name in out:
            raise InvalidValue(_("{field} is given twice").format(field=fields.shown_field(f)))
        out[f.name] = coerce(f, value)
    return out


def add(conn: sqlite3.Connection, table: str, raw: dict[str, Any], *, op: audit.Operation | None = None) -> str:
    """Add one record; returns its id."""
    t = fields.table(table)
    values = {k: v for k, v in prepare(t.name, raw, allow_system=False).items() if v is not None}
    if t.name == "customers":
        rules.check(values)
    else:
        if not values.get("customer_id"):
            raise InvalidValue(_("a {record} needs a customer (--customer ID)").format(record=fields.shown_record(t)))
        values["customer_id"] = resolve_customer(conn, values["customer_id"])
    for f in t.fields:
        if f.required and f.name not in values and f.name != t.key:
            if f.name == "date" and f.type in ("date", "datetime"):
                from datetime import datetime
                values["date"] = datetime.now().strftime("%Y-%m-%d" if f.type == "date" else "%Y-%m-%d %H:%M:%S")
            else:
                raise InvalidValue(_("{table}.{field} is required").format(table=fields.shown_table(t), field=fields.shown_field(f)))

    def body(o: audit.Operation) -> str:
        if t.id_prefix and not values.get(t.key):
            values[t.key] = ids.next_id(conn, t.name)
        elif values.get(t.key) and conn.execute(
                f"SELECT 1 FROM {t.name} WHERE {t.key} = ?", (values[t.key],)).fetchone():
            raise InvalidValue(_("{field} {value} already exists").format(field=fields.shown_field(t.by_name[t.key]), value=values[t.key]))
        cols = list(values)
        cur = conn.execute(
            f"INSERT INTO {t.name} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
            [values[c] for c in cols])
        key = values.get(t.key, cur.lastrowid)
        row = conn.execute(f"SELECT * FROM {t.name} WHERE {t.key} = ?", (key,)).fetchone()
        o.change(t.name, str(key), "insert", new=row)
        return str(key)

    if op is not None:
        return body(op)
    with audit.operation(conn, "add", _("add {record}").format(record=fields.shown_record(t))) as o:
        key = body(o)
        o.set_summary(_("add {record} {id}").format(record=fields.shown_record(t), id=key))
        return key


def get(conn: sqlite3.Connection, table: str, key: str) -> sqlite3.Row:
    t = fields.table(table)
    if t.name == "customers":
        key = resolve_customer(conn, key)
    row = conn.execute(f"SELECT * FROM {t.name} WHERE {t.key} = ?", (key,)).fetchone()
    if row is None and t.name != "customers":
        row = conn.execute(f"SELECT * FROM {t.name} WHERE {t.key} = ?", (str(key).strip().upper(),)).fetchone()
    if row is None:
        raise NotFound(_("no {record} {id}").format(record=fields.shown_record(t), id=key))
    return row


def table_of(conn: sqlite3.Connection, record_id: str) -> str:
    """Which table holds RECORD_ID (customers first, then by id shape)."""
    rid = record_id.strip()
    guess = ids.table_for(rid)
    order = ["customers"] + ([guess] if guess and guess != "customers" else []) + \
        [t for t in CHILD_TABLES if t not in ("contacts", guess)]
    for form in dict.fromkeys((rid, rid.upper())):
        for name in order:
            t = fields.TABLES[name]
            if conn.execute(f"SELECT 1 FROM {name} WHERE {t.key} = ?", (form,)).fetchone():
                return name
    try:
        resolve_customer(conn, rid)  # a merged-away id, or a customer's name
    except NotFound:
        raise NotFound(_("no record {id}").format(id=record_id)) from None
    return "customers"


def record_key(conn: sqlite3.Connection, table: str, record_id: str) -> str:
    """The stored key of RECORD_ID in TABLE: customers resolved (names, merges), other ids in any case."""
    t = fields.table(table)
    if t.name == "customers":
        return resolve_customer(conn, record_id)
    rid = record_id.strip()
    for form in dict.fromkeys((rid, rid.upper())):
        if conn.execute(f"SELECT 1 FROM {t.name} WHERE {t.key} = ?", (form,)).fetchone():
            return form
    raise NotFound(_("no {record} {id}").format(record=fields.shown_record(t), id=record_id))


def update(conn: sqlite3.Connection, record_id: str, raw: dict[str, Any], *, table: str | None = None,
           op: audit.Operation | None = None) -> dict[str, tuple[Any, Any]]:
    """Change fields of one record; returns {field: (old, new)} for what changed."""
    name = fields.table(table).name if table else table_of(conn, record_id)
    t = fields.TABLES[name]
    values = prepare(name, raw)
    if not values:
        raise InvalidValue(_("nothing to change: give --set field=value"))

    def body(o: audit.Operation) -> dict[str, tuple[Any, Any]]:
        old = get(conn, name, record_id)
        key = old[t.key]
        if name == "customers":
            kept = invalid.kept_fields(conn, name, key) - set(values)
            rules.check({**dict(old), **values}, dict(old), kept=kept)
        if "customer_id" in values and name != "customers":
            values["customer_id"] = resolve_customer(conn, values["customer_id"])
        invalid.clear(conn, o, name, key, values)  # setting a field settles a value kept aside for it
        diff = {k: (old[k], v) for k, v in values.items() if old[k] != v}
        if not diff:
            return {}
        sets = ", ".join(f"{k} = ?" for k in diff)
        conn.execute(f"UPDATE {name} SET {sets} WHERE {t.key} = ?", [v for _, v in diff.values()] + [key])
        new = conn.execute(f"SELECT * FROM {name} WHERE {t.key} = ?", (key,)).fetchone()
        o.change(name, str(key), "update", old=old, new=new)
        return diff

    if op is not None:
        return body(op)
    with audit.operation(conn, "update", _("update {id}").format(id=record_id)) as o:
        return body(o)


def group_prefix(token: str) -> tuple[str, str | None]:
    """'行为标签:价格敏感' (or 'behaviour:价格敏感') -> ('价格敏感', 'behaviour'); no group prefix -> (token, None).

    A colon that does not follow a tag-group label is part of the tag itself. Control characters
    are dropped (normalize.drop_controls), as from every text that is stored."""
    token = drop_controls(token).replace("\n", " ").replace("\t", " ")
    group_field = fields.TABLES["tags"].by_name["tag_group"]
    for sep in (":", "："):
        if sep in token:
            head, tail = token.split(sep, 1)
            try:
                return tail.strip(), fields.canonical(group_field, head)
            except InvalidValue:
                pass
    return token, None


def _parse_tag(token: str) -> tuple[str, str]:
    """'价格敏感' -> (tag, 'other'); '行为标签:价格敏感' -> (tag, 'behaviour')."""
    tag, group = group_prefix(token)
    return tag.strip(), group or "other"


def tag(conn: sqlite3.Connection, customer_id: str, add_tags: list[str], remove_tags: list[str],
        notes: list[str] | None = None) -> list[str]:
    """Add and remove tags (comma-separated lists allowed); returns the customer's tags after.

    Removing a tag the customer does not have changes nothing and is a note (appended to
    NOTES), not an error: `-高风险` means "not tagged 高风险", which already holds."""
    cid = resolve_customer(conn, customer_id)
    adds = [_parse_tag(x) for item in add_tags for x in item.replace("，", ",").split(",") if x.strip()]
    removes = [_parse_tag(x)[0] for item in remove_tags for x in item.replace("，", ",").split(",") if x.strip()]
    if not adds and not removes:
        raise InvalidValue(_("give tags to add (+tag) or remove (-tag)"))
    current = {r[0]: r[1] for r in conn.execute("SELECT tag, tag_group FROM tags WHERE customer_id = ?", (cid,))}
    absent = [n for n in removes if n not in current]
    for name in absent:
        if notes is not None:
            notes.append(_("{id} has no tag '{tag}': nothing to remove").format(id=cid, tag=name))
    removes = [n for n in removes if n in current]
    if not removes and all(current.get(n) == g for n, g in adds):
        return sorted(current)
    with audit.operation(conn, "tag", _("tag {id}").format(id=cid)) as o:
        for name in removes:
            old = conn.execute("SELECT * FROM tags WHERE customer_id = ? AND tag = ?", (cid, name)).fetchone()
            if old is None:  # gone since the read above (another writer)
                continue
            conn.execute("DELETE FROM tags WHERE customer_id = ? AND tag = ?", (cid, name))
            o.change("tags", [cid, name], "delete", old=old, customer_id=cid)
        for name, group in adds:
            old = conn.execute("SELECT * FROM tags WHERE customer_id = ? AND tag = ?", (cid, name)).fetchone()
            if old is not None and old["tag_group"] == group:
                continue
            conn.execute(
                "INSERT INTO tags (customer_id, tag, tag_group) VALUES (?, ?, ?) "
                "ON CONFLICT (customer_id, tag) DO UPDATE SET tag_group = excluded.tag_group, "
                "updated_at = strftime('%Y-%m-%d %H:%M:%S', 'now', 'localtime')", (cid, name, group))
            new = conn.execute("SELECT * FROM tags WHERE customer_id = ? AND tag = ?", (cid, name)).fetchone()
            o.change("tags", [cid, name], "update" if old else "insert", old=old, new=new, customer_id=cid)
        o.set_summary(_("tag {id} {changes}").format(id=cid, changes=" ".join([f"+{n}" for n, _g in adds] + [f"-{n}" for n in removes])))
    return [r[0] for r in conn.execute("SELECT tag FROM tags WHERE customer_id = ? ORDER BY tag", (cid,))]


def customer_card(conn: sqlite3.Connection, customer_id: str) -> dict[str, Any]:
    """Everything about one customer: the card and every module hung on it."""
    cid = resolve_customer(conn, customer_id)
    card: dict[str, Any] = {"customer": dict(get(conn, "customers", cid))}
    typed = customer_id.strip()
    if cid not in (typed, typed.upper()) and (merged_into(conn, typed) or merged_into(conn, typed.upper())):
        card["merged_from"] = typed
    for name in CHILD_TABLES:
        card[name] = [dict(r) for r in conn.execute(
            f"SELECT * FROM {name} WHERE customer_id = ? ORDER BY {_ORDER_BY[name]}", (cid,))]
    card["tags"] = [dict(r) for r in conn.execute(
        "SELECT tag, tag_group, updated_at FROM tags WHERE customer_id = ? ORDER BY tag_group, tag", (cid,))]
    card["invalid_values"] = invalid.for_customer(conn, cid)
    return card


def history(conn: sqlite3.Connection, customer_id: str) -> list[dict[str, Any]]:
    """Every logged change that touched this customer or its records, oldest first."""
    cid = customer_id.strip()
    with_merged = [cid] + [r[0] for r in conn.execute("SELECT old_id FROM merged_ids WHERE survivor_id = ?", (cid,))]
    marks = ",".join("?" * len(with_merged))
    return [dict(r) for r in conn.execute(
        f"SELECT o.op_id, o.ts, o.user, o.kind, o.summary, c.table_name, c.row_id, c.action, c.old, c.new "
        f"FROM changes c JOIN operations o USING (op_id) WHERE c.customer_id IN ({marks}) ORDER BY c.change_id",
        with_merged)]
