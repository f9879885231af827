"""Finding customers by what a person types: an id in any case, or a name — and the few stored
customers a new one could be a duplicate of.

`customer(conn, text)` is the one resolver every command uses for a customer argument
(records.resolve_customer delegates here):
  1. the id as typed, then upper-cased (`c20241122001`), following merges to the survivor;
  2. text shaped like a template id (C20241122001) stops here: "no customer";
  3. the exact stored name;
  4. a unique fuzzy match: names that contain the text, or that start like it and score
     at least FUZZY_MIN (rapidfuzz) on the name core (华信科技 of 北京华信科技有限公司).
Several matches at any step are an error that lists them (ids, names, owners), exit 1.

Nothing here scans the customers table except step 4's "contains", which runs only when a
person typed something that is neither an id nor a stored name. `candidates()` — used by the
duplicate check of `crm add customer` — never scans: it reads the name index by prefix
ranges (the name as typed, its core, place + core), and the phone and email indexes.
"""

from __future__ import annotations

import re
import sqlite3
from typing import Any

from crmcli.errors import InvalidValue, NotFound
from crmcli.i18n import _

FUZZY_MIN = 90.0
MAX_LISTED = 8
MAX_CANDIDATES = 200  # per prefix range: a prefix shared by more names is not a useful key
_ID_SHAPE = re.compile(r"^(C|F|DD|SR|S|D)\d{8}\d{3,}$", re.IGNORECASE)


class AmbiguousName(InvalidValue):
    """A name that fits several customers; the message lists them."""


def _live(conn: sqlite3.Connection, cid: str) -> str | None:
    seen: set[str] = set()
    while cid not in seen:
        seen.add(cid)
        if conn.execute("SELECT 1 FROM customers WHERE customer_id = ?", (cid,)).fetchone():
            return cid
        row = conn.execute("SELECT survivor_id FROM merged_ids WHERE old_id = ?", (cid,)).fetchone()
        if row is None:
            return None
        cid = row[0]
    return None


def _by_id(conn: sqlite3.Connection, text: str) -> str | None:
    for form in dict.fromkeys((text, text.upper())):
        found = _live(conn, form)
        if found is not None:
            return found
    return None


def customer(conn: sqlite3.Connection, text: str, *, names: bool = True) -> str:
    """The live customer id TEXT stands for (see the module docstring); NotFound / AmbiguousName."""
    typed = str(text).strip()
    if not typed:
        raise InvalidValue(_("give a customer id or name"))
    found = _by_id(conn, typed)
    if found is not None:
        return found
    if not names or _ID_SHAPE.match(typed):
        raise NotFound(_("no customer {id}").format(id=typed))
    exact = [r[0] for r in conn.execute("SELECT customer_id FROM customers WHERE name = ? LIMIT ?",
                                        (typed, MAX_LISTED + 1))]
    if len(exact) == 1:
        return exact[0]
    if exact:
        raise _ambiguous(conn, typed, exact)
    fuzzy = _fuzzy(conn, typed)
    if len(fuzzy) == 1:
        return fuzzy[0]
    if fuzzy:
        raise _ambiguous(conn, typed, fuzzy)
    raise NotFound(_("no customer {id}").format(id=typed))


def _fuzzy(conn: sqlite3.Connection, typed: str) -> list[str]:
    from rapidfuzz import fuzz

    from crmcli.dedupe.namekeys import name_parts

    contains = [r[0] for r in conn.execute(
        "SELECT customer_id FROM customers WHERE instr(lower(name), lower(?)) > 0 ORDER BY customer_id LIMIT ?",
        (typed, MAX_LISTED + 1))]
    if contains:
        return contains
    core = name_parts(typed).core
    if len(core) < 2:
        return []
    scored = []
    for cid, name in _prefix_rows(conn, [typed[:4], core[:2]]):
        score = fuzz.WRatio(core, name_parts(name).core)
        if score >= FUZZY_MIN:
            scored.append((score, cid))
    scored.sort(reverse=True)
    if len(scored) > 1 and scored[0][0] - scored[1][0] >= 5:
        return [scored[0][1]]
    return [cid for _, cid in scored[:MAX_LISTED + 1]]


def _prefix_rows(conn: sqlite3.Connection, prefixes: list[str]) -> list[tuple[str, str]]:
    """(id, name) of customers whose name starts with one of PREFIXES, read from the name index."""
    out: dict[str, str] = {}
    for p in dict.fromkeys(x for x in prefixes if x and len(x) >= 2):
        for cid, name in conn.execute(
                "SELECT customer_id, name FROM customers WHERE name >= ? AND name < ? LIMIT ?",
                (p, p + "\U0010ffff", MAX_CANDIDATES)):
            out[cid] = name
    return list(out.items())


def _ambiguous(conn: sqlite3.Connection, typed: str, ids: list[str]) -> AmbiguousName:
    from crmcli.output import masker

    mask = masker(None, ["phone"], False)["phone"]
    shown = []
    for cid in ids[:MAX_LISTED]:
        row = conn.execute("SELECT name, owner, phone FROM customers WHERE customer_id = ?", (cid,)).fetchone()
        if row is not None:
            extra = ", ".join(str(x) for x in (row["owner"], mask(row["phone"]) if row["phone"] else None) if x)
            shown.append(f"{cid} {row['name']}" + (f" ({extra})" if extra else ""))
    n = str(len(ids)) if len(ids) <= MAX_LISTED else _("more than {n}").format(n=MAX_LISTED)
    more = " …" if len(ids) > MAX_LISTED else ""
    return AmbiguousName(_("'{typed}' fits {n} customers: {list} — give the id").format(
        typed=typed, n=n, list="; ".join(shown) + more))


def candidates(conn: sqlite3.Connection, name: str, phones: list[str], emails: list[str]) -> list[dict[str, Any]]:
    """Stored customers a new customer NAME / PHONES / EMAILS could duplicate, found through the
    indexes only (name prefixes, phone, email, contact people's phones): rows of
    customer_id, name, phone, email, created_at, kind."""
    from crmcli.dedupe.namekeys import name_parts

    # As written (no OpenCC): an `add` that finds no candidate never loads the matcher's libraries.
    parts = name_parts(name, simplified=False)
    prefixes = [name.strip(), parts.core]
    for place, city in parts.places:
        for p in {place, city}:
            if p:
                prefixes += [p + parts.core, p + "市" + parts.core]
    ids = {cid for cid, _ in _prefix_rows(conn, prefixes)}
    for p in phones:
        ids.update(r[0] for r in conn.execute("SELECT customer_id FROM customers WHERE phone = ? LIMIT ?",
                                              (p, MAX_CANDIDATES)))
        ids.update(r[0] for r in conn.execute("SELECT customer_id FROM contacts WHERE phone = ? LIMIT ?",
                                              (p, MAX_CANDIDATES)))
    for e in emails:
        ids.update(r[0] for r in conn.execute("SELECT customer_id FROM customers WHERE email = ? LIMIT ?",
                                              (e, MAX_CANDIDATES)))
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    return [dict(r) for r in conn.execute(
        f"SELECT customer_id, name, phone, email, created_at, kind FROM customers WHERE customer_id IN ({marks}) "
        f"ORDER BY customer_id", sorted(ids))]
