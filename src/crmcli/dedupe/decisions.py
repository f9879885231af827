"""Remembered dedupe decisions: "these customers are not the same" (北京华信 and 上海华信 are two
companies), so the monthly dedupe stops proposing them and `crm maintain` never merges them.

A decision is a pair of customer ids (customer_a < customer_b) in dedupe_decisions; marking a
cluster stores every pair in it. `different_pairs()` is what the matcher reads: such a pair is
a contradiction to clustering (match.find_duplicates), so A and B never meet, not even through a
third customer C that resembles both. Storing is one logged operation (kind "dedupe"), so
`crm undo` forgets it again; `decisions()` lists them.
"""

from __future__ import annotations

import itertools
import sqlite3
from typing import Any

from crmcli import audit
from crmcli.errors import InvalidValue
from crmcli.i18n import _

COLUMNS = ["customer_a", "name_a", "customer_b", "name_b", "decided_by", "decided_at"]


def different_pairs(conn: sqlite3.Connection) -> set[frozenset[str]]:
    """Every pair marked "not the same"."""
    try:
        rows = conn.execute("SELECT customer_a, customer_b FROM dedupe_decisions WHERE decision = 'different'")
        return {frozenset(r) for r in rows}
    except sqlite3.OperationalError:  # a read-only look at a database older than the table
        return set()


def not_same(conn: sqlite3.Connection, ids: list[str]) -> tuple[int | None, list[tuple[str, str]]]:
    """Remember that the customers IDS (ids or names) are different customers, pair by pair.
    Returns (the operation id or None when every pair was known already, the new pairs)."""
    from crmcli.lookup import customer

    live = list(dict.fromkeys(customer(conn, x) for x in ids))
    if len(live) < 2:
        raise InvalidValue(_("--not-same needs two or more different customers (ids or names)"))
    pairs = [tuple(sorted(p)) for p in itertools.combinations(live, 2)]
    known = different_pairs(conn)
    new = [(a, b) for a, b in pairs if frozenset((a, b)) not in known]
    if not new:
        return None, []
    who = audit.current_user()
    with audit.operation(conn, "dedupe", _("not the same customer: {ids}").format(ids=", ".join(live))) as op:
        for a, b in new:
            conn.execute("INSERT INTO dedupe_decisions (customer_a, customer_b, decided_by) VALUES (?, ?, ?)",
                         (a, b, who))
            row = conn.execute("SELECT * FROM dedupe_decisions WHERE customer_a = ? AND customer_b = ?",
                               (a, b)).fetchone()
            op.change("dedupe_decisions", [a, b], "insert", new=row, customer_id=a)
        op.set_summary(_("not the same customer: {ids} ({n} pairs)").format(ids=", ".join(live), n=len(new)),
                       {"pairs": new})
    return op.op_id, new


def decisions(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Every remembered decision with both names (empty where a customer is gone), newest first."""
    return [dict(r) for r in conn.execute(
        "SELECT d.customer_a, a.name AS name_a, d.customer_b, b.name AS name_b, d.decided_by, d.decided_at "
        "FROM dedupe_decisions d LEFT JOIN customers a ON a.customer_id = d.customer_a "
        "LEFT JOIN customers b ON b.customer_id = d.customer_b ORDER BY d.decided_at DESC, d.customer_a, d.customer_b")]
