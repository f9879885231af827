"""The duplicate check at entry (一客一档, seed 001): before `crm add customer` stores a record,
the dedupe matcher compares it with the few stored customers it could be.

Candidates come from the indexes only (lookup.candidates: name prefixes, the name core with
its city, phone, email, contact people's phones), never a scan of the table, so the check
costs a few index seeks at any size, and the matcher (rapidfuzz, pinyin, OpenCC: a few hundred
milliseconds to load) is imported only when there is a candidate to score. Each candidate is scored by match.score_pair exactly as
`crm dedupe` would score the pair: at or above the auto-merge threshold (90) it is a *sure*
match — `crm add` refuses, naming the existing record; from the report threshold (80) a
*likely* match — a warning on stderr.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from crmcli.errors import InvalidValue
from crmcli.i18n import _

AUTO_THRESHOLD = 90.0  # = match.AUTO_THRESHOLD (tests/test_dedupe_memory.py checks); not imported: start-up
REPORT_THRESHOLD = 80.0  # = match.DEFAULT_THRESHOLD


class DuplicateCustomer(InvalidValue):
    """A new customer that surely is a stored one."""


@dataclass
class EntryMatch:
    customer_id: str
    name: str
    phone: str | None
    email: str | None
    score: float
    reason: str

    @property
    def sure(self) -> bool:
        return self.score >= AUTO_THRESHOLD


def matches(conn: sqlite3.Connection, values: dict[str, Any]) -> list[EntryMatch]:
    """Stored customers the new customer VALUES (stored form: name, phone, email, kind) matches,
    best first; only those scoring at least the report threshold."""
    from crmcli.lookup import candidates

    name = str(values.get("name") or "").strip()
    if not name:
        return []
    phone, email = values.get("phone"), values.get("email")
    rows = candidates(conn, name, [phone] if phone else [], [email] if email else [])
    if not rows:
        return []
    from crmcli.dedupe import match

    new = match.make_record("", name, phone, email, "", values.get("kind"))
    found = []
    for c in rows:
        extra = conn.execute("SELECT phone, email FROM contacts WHERE customer_id = ?", (c["customer_id"],)).fetchall()
        rec = match.make_record(c["customer_id"], c["name"], c["phone"], c["email"], c["created_at"], c["kind"],
                                [r[0] for r in extra if r[0]], [r[1] for r in extra if r[1]])
        scored = match.score_pair(new, rec)
        if scored is not None and scored[0] >= REPORT_THRESHOLD:
            found.append(EntryMatch(c["customer_id"], c["name"], c["phone"], c["email"], scored[0], scored[1]))
    found.sort(key=lambda m: (-m.score, m.customer_id))
    return found


def describe(m: EntryMatch, unmask: bool = False) -> str:
    """One customer of a match, for a message: id, name, masked phone/email, score and reason."""
    from crmcli.dedupe.reasons import shown
    from crmcli.output import masker

    masks = masker(None, ["phone", "email"], unmask)
    contact = ", ".join(str(masks[k](v) if k in masks else v) for k, v in (("phone", m.phone), ("email", m.email)) if v)
    return f"{m.customer_id} {m.name}" + (f" ({contact})" if contact else "") + ": " + _(
        "{reason}, score {score}").format(reason=shown(m.reason), score=f"{m.score:g}")


def check(conn: sqlite3.Connection, values: dict[str, Any], *, unmask: bool = False) -> list[EntryMatch]:
    """Raise DuplicateCustomer for a sure match; return the likely ones (for a warning)."""
    found = matches(conn, values)
    sure = [m for m in found if m.sure]
    if sure:
        first = sure[0].customer_id
        raise DuplicateCustomer(_(
            "this customer is already stored: {matches} — add to it (crm add followup --customer {id} …, "
            "crm update {id} --set …) or add a new record anyway with --force").format(
                matches="; ".join(describe(m, unmask) for m in sure), id=first))
    return found
