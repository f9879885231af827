"""Record ids as the template writes them: PREFIX + YYYYMMDD + serial.

C20231025001 (customer), F… (follow-up), DD… (order), SR… (ticket), D… (need).
The serial has at least three digits and simply grows past 999 (C202310251000).
Serials come from the id_counters table inside the caller's write transaction
(BEGIN IMMEDIATE), so two processes adding at once can never draw the same one;
an imported id that happens to have the same shape is skipped over.
"""

from __future__ import annotations

import re
import sqlite3
from datetime import date

from crmcli import fields

_SHAPE = re.compile(r"^(C|F|DD|SR|S|D)(\d{8})(\d{3,})$")


def next_id(conn: sqlite3.Connection, table: str, day: date | None = None) -> str:
    """Draw the next id for TABLE. Call inside a write transaction."""
    t = fields.table(table)
    if t.id_prefix is None:
        raise ValueError(f"{t.name} has no generated ids")
    stamp = (day or date.today()).strftime("%Y%m%d")
    while True:
        row = conn.execute(
            "INSERT INTO id_counters (prefix, day, last) VALUES (?, ?, 1) "
            "ON CONFLICT (prefix, day) DO UPDATE SET last = last + 1 RETURNING last",
            (t.id_prefix, stamp),
        ).fetchone()
        candidate = f"{t.id_prefix}{stamp}{row[0]:03d}"
        taken = conn.execute(f"SELECT 1 FROM {t.name} WHERE {t.key} = ?", (candidate,)).fetchone()
        if not taken:
            return candidate


def parse(record_id: str) -> tuple[str, str, int] | None:
    """(prefix, YYYYMMDD, serial) for a generated-shape id, else None (imported shapes)."""
    m = _SHAPE.match(record_id)
    return (m.group(1), m.group(2), int(m.group(3))) if m else None


def table_for(record_id: str) -> str | None:
    """Which table an id belongs to, judged by its prefix (longest prefix first)."""
    rid = record_id.strip().upper()
    for prefix, name in (("DD", "orders"), ("SR", "tickets"), ("C", "customers"), ("F", "followups"), ("D", "needs")):
        if rid.startswith(prefix):
            return name
    return None
