"""What the full-screen workspace shows and does, without the screen.

Every read goes through the filter compiler and the record layer, every write
through the same library calls as the CLI (`records.add`, `records.update`,
`records.tag`, `dedupe.scan.merge_cluster`), so a follow-up logged in the TUI is
validated, logged and undoable exactly like `crm add followup`, with the same
error messages. Nothing here imports Textual: the screens in `app.py` are thin.
"""

from __future__ import annotations

import shlex
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from crmcli import audit, fields, filters, output, records
from crmcli.errors import InvalidValue
from crmcli.i18n import N_, _

CUSTOMER_COLUMNS = ["customer_id", "name", "status", "owner", "phone", "segment", "customer_type"]
# Widths that keep ids, phones and labels whole at 80 columns; the name takes what is left.
FIXED_WIDTHS = {"customer_id": 12, "status": 6, "owner": 6, "phone": 13, "segment": 8, "customer_type": 8}
PAGE = 500  # rows a list loads at once; the count says how many match in all

# The card's tabs: module -> the columns a person reads on a narrow screen.
CARD_TABS: dict[str, list[str]] = {
    "contacts": ["name", "role", "title", "phone", "email", "preference"],
    "followups": ["followup_id", "date", "method", "summary", "next_step", "due_date", "done"],
    "orders": ["order_id", "date", "product", "amount", "status"],
    "tickets": ["ticket_id", "date", "type", "urgency", "status", "description"],
    "needs": ["need_id", "date", "type", "stage", "description", "budget"],
    "tags": ["tag", "tag_group", "updated_at"],
}


@dataclass
class Grid:
    """Rows ready for a table widget: header labels, display cells, and the key of each row."""

    columns: list[str]
    heads: list[str]
    rows: list[list[str]] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    total: int = 0


def parse_filter(text: str) -> list[str]:
    """The filter bar's text as the CLI's positional filters (shell-style quoting)."""
    try:
        return shlex.split(text)
    except ValueError as e:
        raise InvalidValue(_("filter: {error}").format(error=e)) from None


def _label(table: str, column: str, lang: str) -> str:
    f = fields.TABLES[table].by_name[column]
    return output.header(table, [f.name], lang)[0] if lang != "en" else f.en


def headers(table: str, columns: Sequence[str], lang: str) -> list[str]:
    return [_label(table, c, lang) for c in columns]


def _cell(table: str, column: str, value: Any, lang: str, mask: dict[str, Any]) -> str:
    if value is None:
        return ""
    if column in mask:
        value = mask[column](value)
    f = fields.TABLES[table].by_name.get(column)
    shown = fields.display(f, value, lang) if f is not None else value
    if isinstance(shown, float):
        return f"{shown:,.2f}"
    return str(shown)


def grid(table: str, columns: Sequence[str], rows: Sequence[Any], key: str, lang: str, unmask: bool) -> Grid:
    mask = output.masker(table, columns, unmask)
    g = Grid(list(columns), headers(table, columns, lang))
    for r in rows:
        d = dict(r)
        g.rows.append([_cell(table, c, d.get(c), lang, mask) for c in columns])
        g.keys.append(str(d.get(key, "")))
    g.total = len(g.rows)
    return g


def count(conn: sqlite3.Connection, text: str) -> int:
    """How many customers the filter bar's text matches; InvalidValue (with did-you-mean) when it is wrong."""
    return filters.count(conn, "customers", parse_filter(text))


def customers(conn: sqlite3.Connection, text: str, *, sort: str | None = None, lang: str = "en",
              unmask: bool = False, limit: int = PAGE) -> Grid:
    """The customer list for the filter bar's text, newest first unless SORT names a column."""
    args = parse_filter(text)
    cols, cur = filters.select(conn, "customers", args, columns=CUSTOMER_COLUMNS, sort=sort, limit=limit)
    g = grid("customers", cols, [dict(zip(cols, r, strict=True)) for r in cur], "customer_id", lang, unmask)
    g.total = filters.count(conn, "customers", args) if len(g.rows) >= limit else len(g.rows)
    return g


@dataclass
class Card:
    customer: dict[str, Any]
    summary: list[tuple[str, str]]
    tabs: dict[str, Grid]
    history: Grid
    segment: Grid = field(default_factory=lambda: Grid([], []))
    verdict: str = ""


_SUMMARY = ["customer_id", "name", "kind", "status", "customer_type", "level", "owner", "contact_name", "phone",
            "email", "industry", "source", "segment", "needs", "budget", "notes"]


def card(conn: sqlite3.Connection, customer_id: str, *, lang: str = "en", unmask: bool = False,
         today: date | None = None) -> Card:
    """One customer and every module hung on it, as the card's summary and tabs."""
    data = records.customer_card(conn, customer_id)
    cust = data["customer"]
    mask = output.masker("customers", _SUMMARY, unmask)
    summary = [(_label("customers", c, lang), _cell("customers", c, cust.get(c), lang, mask))
               for c in _SUMMARY if cust.get(c) not in (None, "")]
    tabs = {}
    for name, cols in CARD_TABS.items():
        key = fields.TABLES[name].key if name != "tags" else "tag"
        tabs[name] = grid(name, cols, data[name], key, lang, unmask)
    hist = records.history(conn, cust["customer_id"])
    h = Grid(["op_id", "ts", "kind", "summary"], ["#", _("time"), _("operation"), _("summary")])
    for r in reversed(hist):
        h.rows.append([str(r["op_id"]), r["ts"], r["kind"], r["summary"] or ""])
        h.keys.append(str(r["op_id"]))
    h.total = len(h.rows)
    verdict, seg = segment_explained(conn, cust["customer_id"], lang, today)
    return Card(cust, summary, tabs, h, seg, verdict)


def segment_explained(conn: sqlite3.Connection, customer_id: str, lang: str, today: date | None) -> tuple[str, Grid]:
    """`crm segment explain`: the tier the rules give the customer now, and every rule line with its figure."""
    from crmcli import segments

    rules = segments.load(today=today)
    ex = segments.explain(conn, customer_id, rules, today)
    cols = ["label", "filter", "figure", "holds"]
    g = Grid(cols, [_("tier"), _("condition"), _("figure"), _("holds")])
    for row in ex.rows:
        g.rows.append([rules.get(row["rule"]).label(lang), str(row["filter"] or ""),
                       "" if row["figure"] is None else str(row["figure"]), "✓" if row["holds"] else "✗"])
        g.keys.append(f"{row['rule']}:{row['line']}:{len(g.keys)}")
    g.total = len(g.rows)
    now = rules.get(ex.segment).label(lang) if ex.segment else _("(none)")
    stored = rules.get(ex.stored).label(lang) if ex.stored else _("(not run yet)")
    return _("by the rules today: {now}; last segment run: {stored}").format(now=now, stored=stored), g


# --------------------------------------------------------------------------- quick actions


def log_followup(conn: sqlite3.Connection, customer_id: str, *, method: str | None, summary: str,
                 next_step: str = "", due_date: str = "", on: date | None = None) -> str:
    """`crm add followup` from the TUI's form: same validation, same log entry; returns the id."""
    raw: dict[str, Any] = {"customer_id": customer_id, "date": (on or date.today()).isoformat(),
                           "summary": summary, "followed_by": audit.current_user()}
    if method:
        raw["method"] = method
    if next_step:
        raw["next_step"] = next_step
    if due_date:
        raw["due_date"] = due_date
    return records.add(conn, "followups", raw)


def mark_done(conn: sqlite3.Connection, followup_id: str) -> dict[str, tuple[Any, Any]]:
    """Mark a follow-up's next step done (是否完成 = 是)."""
    return records.update(conn, followup_id, {"done": "yes"}, table="followups")


def close_ticket(conn: sqlite3.Connection, ticket_id: str, result: str = "") -> dict[str, tuple[Any, Any]]:
    raw: dict[str, Any] = {"status": "closed", "closed_at": datetime.now().strftime("%Y-%m-%d %H:%M:%S")}
    if result:
        raw["result"] = result
    return records.update(conn, ticket_id, raw, table="tickets")


def set_fields(conn: sqlite3.Connection, record_id: str, text: str) -> dict[str, tuple[Any, Any]]:
    """`crm update ID --set field=value ...` from one line: `status=意向 budget=50万`."""
    raw: dict[str, Any] = {}
    for item in parse_filter(text):
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise InvalidValue(_("'{item}': write field=value").format(item=item))
        raw[name.strip()] = value
    return records.update(conn, record_id, raw)


def tag(conn: sqlite3.Connection, customer_id: str, text: str) -> list[str]:
    """`crm tag ID +a -b` from one line; a bare word adds."""
    adds, removes = [], []
    for item in parse_filter(text):
        if item.startswith("-"):
            removes.append(item[1:])
        else:
            adds.append(item[1:] if item.startswith("+") else item)
    return records.tag(conn, customer_id, adds, removes)


def log_unmask(conn: sqlite3.Connection, where: str) -> int:
    """Showing full phones and e-mails on screen is logged, like `crm export --unmask`."""
    with audit.operation(conn, "unmask", _("tui: phones and e-mails shown ({where})").format(where=where)) as op:
        return op.op_id


# --------------------------------------------------------------------------- duplicate review


def review_clusters(conn: sqlite3.Connection) -> list[Any]:
    """`crm dedupe`'s clusters (nothing written), as the review lists them."""
    from crmcli.dedupe import scan

    return scan.scan(conn).clusters


def cluster_grid(clusters: list[Any], lang: str) -> Grid:
    g = Grid(["cluster", "score", "names"], ["#", _("score"), _("customers")])
    for c in clusters:
        g.rows.append([str(c.cluster), f"{c.score:.0f}", " / ".join(m["name"] for m in c.members)])
        g.keys.append(str(c.cluster))
    g.total = len(g.rows)
    return g


def member_grid(cluster: Any, lang: str, unmask: bool) -> Grid:
    from crmcli.dedupe.reasons import shown

    cols = ["customer_id", "name", "phone", "email", "reason"]
    rows = [{**m, "reason": shown(m["reason"]) if m.get("reason") else _("survivor")} for m in cluster.members]
    g = grid("customers", cols[:-1], rows, "customer_id", lang, unmask)
    g.columns.append("reason")
    g.heads.append(_("reason"))
    for row, m in zip(g.rows, rows, strict=True):
        row.append(str(m["reason"]))
    return g


def merge_cluster(conn: sqlite3.Connection, cluster: Any) -> Any:
    """Merge a reviewed cluster into its survivor: one logged merge that `crm undo` reverses."""
    from crmcli.dedupe import scan

    if not scan.refresh(conn, cluster):
        raise InvalidValue(_("this cluster was merged already"))
    return scan.merge_cluster(conn, cluster)


def not_same(conn: sqlite3.Connection, cluster: Any) -> list[tuple[str, str]]:
    """Remember that a cluster's customers are different (`crm dedupe --not-same`): never proposed again."""
    from crmcli.dedupe import decisions

    _, pairs = decisions.not_same(conn, cluster.ids())
    return pairs


# --------------------------------------------------------------------------- today


@dataclass
class AgendaTab:
    key: str
    title: str
    grid: Grid
    customer_of: dict[str, str] = field(default_factory=dict)  # row key (a follow-up, ticket or customer id) -> customer


# What a salesperson reads first on a narrow screen; the ids stay, at the end (scroll right).
AGENDA_ORDER = ["customer", "todo", "due_date", "days_overdue", "deadline", "hours_left", "state", "urgency",
                "before", "after", "days_since_interaction", "yearly_amount", "owner", "contact"]
# Columns that are template fields: their registry label, in the chosen language.
AGENDA_FIELDS = {"customer": ("customers", "name"), "customer_id": ("customers", "customer_id"),
                 "owner": ("customers", "owner"), "due_date": ("followups", "due_date"),
                 "followup_id": ("followups", "followup_id"), "ticket_id": ("tickets", "ticket_id"),
                 "urgency": ("tickets", "urgency"), "contact": ("customers", "contact_name")}
AGENDA_HEADS = {"todo": N_("To do"), "days_overdue": N_("Days overdue"), "deadline": N_("Deadline"),
                "state": N_("State"), "hours_left": N_("Hours left"), "before": N_("Before"), "after": N_("After"),
                "days_since_interaction": N_("Days since contact"), "yearly_amount": N_("Yearly amount")}
AGENDA_STATES = {"overdue": N_("overdue"), "due_soon": N_("due soon"), "no_response": N_("no response")}


def _agenda_head(key: str, label: str, lang: str) -> str:
    if key in AGENDA_FIELDS:
        return _label(*AGENDA_FIELDS[key], lang)
    return _(AGENDA_HEADS.get(key, label))


def agenda(conn: sqlite3.Connection, day: date, *, days: int = 7, lang: str = "en") -> list[AgendaTab]:
    """`crm today`'s sections as tabs; each row is keyed by its own id (the first column) and knows its
    customer (Enter opens the card). Columns in reading order for a narrow screen, ids last."""
    from crmcli import today
    from crmcli.reports import render

    out = []
    for s in today.agenda(conn, day=day, days=days).sections:
        keys = [c.key for c in s.columns]
        order = [k for k in AGENDA_ORDER if k in keys] + [k for k in keys if k not in AGENDA_ORDER]
        cols = [s.columns[keys.index(k)] for k in order]
        tab = AgendaTab(s.key, s.title, Grid(order, [_agenda_head(c.key, c.label, lang) for c in cols]))
        for row in s.rows:
            cells = []
            for c in cols:
                value = row[keys.index(c.key)]
                text = render.cell_text(c, value, row, s, lang)
                cells.append(_(AGENDA_STATES[text]) if c.key == "state" and text in AGENDA_STATES else text)
            tab.grid.rows.append(cells)
            tab.grid.keys.append(str(row[0]))
            tab.customer_of[str(row[0])] = str(row[s.column("customer_id")])
        tab.grid.total = len(tab.grid.rows)
        out.append(tab)
    return out
