"""What the shell completes after `crm --install-completion` (bash, zsh, fish): pure functions over the
field registry and, for ids and tags, a read-only look at the database.

    filters(args, incomplete)   a filter argument: field names (English and the template's Chinese
                                labels), `orders.` style module prefixes and their fields, and after
                                `field=` (or != > < ~ …) the field's fixed label values; tags after `tag=`
    customer_ids(incomplete)    recent customer ids (the operation log, newest first), or the ids that
                                start with what was typed
    label_values(field, incomplete)   the values of one fixed-label field (options such as --source)

Completion runs on every Tab: it must be quick and silent. The database is opened read-only
(never created, never upgraded), every lookup is an index range or the log's newest rows, and
any error means "no suggestions".
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from pathlib import Path

from crmcli import fields

MAX_ITEMS = 50
RELATED = {"contacts": "contacts", "followups": "followups", "orders": "orders", "tickets": "tickets",
           "needs": "needs", "metrics": "customer_metrics"}
_OP = re.compile(r"^(!?)([^=<>~!]+?)(!=|>=|<=|=|>|<|!~|~)(.*)$")


def _names(table: str) -> list[str]:
    t = fields.TABLES[table]
    out: list[str] = []
    for f in t.fields:
        out.append(f.name)
        out.extend(f.zh[:1])
    return out


def _base_table(args: Sequence[str]) -> str:
    """The module a listing is about: `crm query orders …` -> orders (default customers)."""
    for a in args:
        key = a.strip().lower()
        if key in fields.TABLES and key in fields.MODULES:
            return key
        for t in fields.TABLES.values():
            if a.strip() in (t.zh, t.en) or a.strip() in t.aliases:
                return t.name
    return "customers"


def filters(args: Sequence[str], incomplete: str, db_path: Path | None = None) -> list[str]:
    """Completions for a filter argument (see the module docstring)."""
    table = _base_table(args)
    m = _OP.match(incomplete)
    if m:
        neg, lhs, op, value = m.groups()
        return [f"{neg}{lhs}{op}{v}" for v in _values(table, lhs, value, db_path)][:MAX_ITEMS]
    neg = "!" if incomplete.startswith("!") else ""
    word = incomplete[len(neg):]
    if "." in word and table == "customers":
        module, _, rest = word.partition(".")
        target = RELATED.get(module)
        if target is None:
            return []
        out = [f"{neg}{module}.{n}" for n in _names(target) if n.startswith(rest)]
        out += [f"{neg}{module}.count"] if "count".startswith(rest) else []
        return out[:MAX_ITEMS]
    out = [n for n in _names(table) if n.startswith(word)]
    if table == "customers":
        out += [f"{m}." for m in RELATED if m.startswith(word)]
        out += ["tag="] if "tag".startswith(word) else []
        out += [t for t in ("segment=",) if t.startswith(word)]
    return [neg + x for x in dict.fromkeys(out)][:MAX_ITEMS]


def _values(table: str, lhs: str, typed: str, db_path: Path | None) -> list[str]:
    if lhs in ("tag", "+tag"):
        return tags(typed, db_path)
    if "." in lhs:
        module, _, lhs = lhs.partition(".")
        table = RELATED.get(module, table)
    f = fields.find_field(table, lhs)
    if f is None or not f.labels:
        return []
    out: list[str] = []
    for lab in f.labels:
        out.extend([lab.value, lab.zh])
    return [v for v in dict.fromkeys(out) if v.startswith(typed)]


def label_values(table: str, field_name: str, incomplete: str) -> list[str]:
    """The fixed labels of one field (value and Chinese label) starting with INCOMPLETE."""
    return _values(table, field_name, incomplete, None)


def _connect(db_path: Path | None) -> sqlite3.Connection | None:
    """The database read-only, or None: completion never creates or upgrades a file."""
    if db_path is None:
        from crmcli import config

        try:
            db_path = Path(config.default_db())
        except Exception:  # a broken config: no suggestions rather than an error in the shell
            return None
    p = Path(db_path).expanduser()
    if not p.is_file():
        return None
    try:
        conn = sqlite3.connect(f"{p.resolve().as_uri()}?mode=ro", uri=True, timeout=0.2)
        conn.execute("PRAGMA query_only = ON")
        return conn
    except sqlite3.Error:
        return None


def customer_ids(incomplete: str, db_path: Path | None = None) -> list[str]:
    """Customer ids starting with INCOMPLETE (any case): the recently changed ones first."""
    conn = _connect(db_path)
    if conn is None:
        return []
    typed = incomplete.strip().upper()
    try:
        recent = [r[0] for r in conn.execute(
            "SELECT customer_id FROM changes WHERE customer_id IS NOT NULL ORDER BY change_id DESC LIMIT 500")]
        live = {r[0] for r in conn.execute(
            f"SELECT customer_id FROM customers WHERE customer_id IN ({','.join('?' * len(set(recent)))})",
            sorted(set(recent)))} if recent else set()
        out = [c for c in dict.fromkeys(recent) if c in live and c.upper().startswith(typed)]
        if len(out) < MAX_ITEMS and typed:
            out += [r[0] for r in conn.execute(
                "SELECT customer_id FROM customers WHERE customer_id >= ? AND customer_id < ? ORDER BY customer_id "
                "LIMIT ?", (typed, typed + "\U0010ffff", MAX_ITEMS))]
        return list(dict.fromkeys(out))[:MAX_ITEMS]
    except sqlite3.Error:
        return []
    finally:
        conn.close()


def tags(incomplete: str, db_path: Path | None = None) -> list[str]:
    """Stored tags starting with INCOMPLETE, read from the tag index."""
    conn = _connect(db_path)
    if conn is None:
        return []
    try:
        return [r[0] for r in conn.execute(
            "SELECT tag FROM tags WHERE tag >= ? AND tag < ? GROUP BY tag ORDER BY tag LIMIT ?",
            (incomplete, incomplete + "\U0010ffff", MAX_ITEMS))]
    except sqlite3.Error:
        return []
    finally:
        conn.close()
