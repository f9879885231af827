"""Values kept aside as invalid: seed 003's quarterly clean-up of 无效联系方式.

`crm import --keep-invalid` imports a row whose only fault is a bad cell (a
landline with a digit too many, an e-mail without a domain, a date nobody can
read): the field stays empty and the cell's text is kept here with the reason,
in the same logged operation. From then on it is visible everywhere a person
looks — `crm show` (a section of the card), `crm doctor` (a finding per field),
`crm query invalid=phone` (the filter language's `invalid` term) — and `crm
update` setting the field (to a value, or to empty) clears it, logged, so `crm
undo` puts it back.

A kept-aside phone or e-mail counts as a contact for the rules (crmcli.rules):
the customer is known to have one, only not in a usable form.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Any

from crmcli import audit, fields

COLUMNS = ["customer_id", "table_name", "row_id", "field", "raw", "reason", "created_at"]


def _where_record(table: str) -> str:
    # A customer's own entries follow the customer through a merge (customer_id is re-pointed),
    # so they are found by customer_id; a child record's by its own id.
    return "table_name = ? AND customer_id = ?" if table == "customers" else "table_name = ? AND row_id = ?"


def kept_fields(conn: sqlite3.Connection, table: str, row_id: Any) -> set[str]:
    """Fields of one record whose value is kept aside."""
    return {r[0] for r in conn.execute(f"SELECT field FROM invalid_values WHERE {_where_record(table)}",
                                       (table, str(row_id)))}


def keep(conn: sqlite3.Connection, op: audit.Operation, table: str, row_id: Any, customer_id: str | None,
         field: str, raw: Any, reason: str) -> None:
    """Keep RAW aside for TABLE ROW_ID's FIELD (replacing an earlier entry for it), logged in OP."""
    key = str(row_id)
    text = str(raw).strip()
    if text and field in ("phone", "email"):  # the reason quotes the cell: mask it there as everywhere
        reason = reason.replace(text, mask(field, text) or "")
    old = conn.execute("SELECT * FROM invalid_values WHERE table_name = ? AND row_id = ? AND field = ?",
                       (table, key, field)).fetchone()
    if old is not None:
        conn.execute("DELETE FROM invalid_values WHERE invalid_id = ?", (old["invalid_id"],))
        op.change("invalid_values", str(old["invalid_id"]), "delete", old=old)
    cur = conn.execute("INSERT INTO invalid_values (table_name, row_id, customer_id, field, raw, reason) "
                       "VALUES (?, ?, ?, ?, ?, ?)", (table, key, customer_id, field, str(raw), reason))
    new = conn.execute("SELECT * FROM invalid_values WHERE invalid_id = ?", (cur.lastrowid,)).fetchone()
    op.change("invalid_values", str(cur.lastrowid), "insert", new=new)


def clear(conn: sqlite3.Connection, op: audit.Operation, table: str, row_id: Any, names: Iterable[str]) -> int:
    """Drop the kept-aside entries of these fields of one record (the field was set); logged in OP."""
    wanted = list(names)
    if not wanted:
        return 0
    marks = ",".join("?" * len(wanted))
    rows = conn.execute(f"SELECT * FROM invalid_values WHERE {_where_record(table)} AND field IN ({marks})",
                        (table, str(row_id), *wanted)).fetchall()
    for r in rows:
        conn.execute("DELETE FROM invalid_values WHERE invalid_id = ?", (r["invalid_id"],))
        op.change("invalid_values", str(r["invalid_id"]), "delete", old=r)
    return len(rows)


def for_customer(conn: sqlite3.Connection, customer_id: str) -> list[dict[str, Any]]:
    """Every kept-aside value of one customer and its records."""
    return [dict(r) for r in conn.execute(
        f"SELECT {', '.join(COLUMNS)} FROM invalid_values WHERE customer_id = ? ORDER BY invalid_id", (customer_id,))]


def listing(conn: sqlite3.Connection, field: str | None = None) -> list[dict[str, Any]]:
    """Every kept-aside value (of one field when given), customer by customer."""
    where, params = ("WHERE field = ?", [field]) if field else ("", [])
    return [dict(r) for r in conn.execute(
        f"SELECT {', '.join(COLUMNS)} FROM invalid_values {where} ORDER BY customer_id, invalid_id", params)]


def counts(conn: sqlite3.Connection) -> list[tuple[str, str, int]]:
    """(table, field, how many) of the kept-aside values."""
    return [(r[0], r[1], r[2]) for r in conn.execute(
        "SELECT table_name, field, count(*) FROM invalid_values GROUP BY table_name, field ORDER BY 1, 2")]


def filter_sql(main: fields.Table, module: str | None, op: str, value: str, negate: bool, params: list[Any]) -> str:
    """The filter language's `invalid` term as SQL over MAIN (crmcli.filters compiles the rest).

    invalid=phone|email: records with a value kept aside for one of these fields; invalid=: none kept
    aside; invalid!=: some; invalid!=phone: none for phone. On customers the customer's own entries;
    `contacts.invalid=phone` (MODULE) a customer's records'; on a child table the records themselves."""
    table = module or main.name
    if module is None and main.name != "customers":
        link, col = f"CAST({main.name}.{main.key} AS TEXT)", "row_id"
    else:
        link, col = f"{main.name}.customer_id", "customer_id"
    names = [n for n in value.split("|") if n]
    params.append(table)
    cond = "table_name = ?"
    if names:
        params.extend(names)
        cond += f" AND field IN ({', '.join('?' * len(names))})"
    has = (op == "=") == bool(names)
    inside = not has if negate else has
    return f"{link} {'IN' if inside else 'NOT IN'} (SELECT {col} FROM invalid_values WHERE {cond} AND {col} IS NOT NULL)"


def mask(field: str, raw: str | None) -> str | None:
    """A kept-aside phone or e-mail masked like a stored one (it is still a customer's contact detail)."""
    from crmcli.normalize import mask_email, mask_phone

    if raw is None:
        return None
    if field == "phone":
        return mask_phone(raw)
    if field == "email":
        return mask_email(raw)
    return raw
