"""How `crm show` draws a customer card: a Rich layout on a terminal, JSON for scripts."""

from __future__ import annotations

import sys
from typing import Any

from crmcli import fields, invalid
from crmcli.cli.common import mask_default, pick_format, state
from crmcli.output import mask_row

# Most important first: a narrow terminal drops columns from the right (crmcli.fit).
SECTIONS = {
    "contacts": ["name", "role", "phone", "title", "email", "preference"],
    "followups": ["followup_id", "date", "due_date", "summary", "next_step", "method", "type", "followed_by", "done"],
    "orders": ["order_id", "date", "amount", "status", "product", "tax_included", "owner"],
    "tickets": ["ticket_id", "date", "status", "urgency", "type", "description", "handler", "satisfaction"],
    "needs": ["need_id", "stage", "type", "description", "budget", "expected_close_date", "owner"],
}


def _masked(table: str, row: dict[str, Any], unmask: bool) -> dict[str, Any]:
    return mask_row(table, row, unmask)


def render_card(card: dict[str, Any], fmt: str | None, *, unmask: bool) -> None:
    unmask = unmask or not mask_default()
    fmt = pick_format(fmt or ("table" if sys.stdout.isatty() else "json"), ("table", "json"))
    card = dict(card)
    card["customer"] = _masked("customers", card["customer"], unmask)
    for name in SECTIONS:
        card[name] = [_masked(name, r, unmask) for r in card[name]]
    card["invalid_values"] = [{**r, "raw": r["raw"] if unmask else invalid.mask(r["field"], r["raw"])}
                              for r in card.get("invalid_values", [])]
    if "history" in card:  # readable and masked like everything else: field: old -> new
        from crmcli.cli.history_view import readable

        card["history"] = [readable(h, unmask) for h in card["history"]]
    if fmt == "json":
        from crmcli.output import write_document

        write_document(card)
        return
    _draw(card, state.language())


def _draw(card: dict[str, Any], lang: str) -> None:
    from rich.panel import Panel
    from rich.table import Table

    from crmcli.i18n import _, zh_text
    from crmcli.output import console, fitted_table, styled

    con = console()
    cust = card["customer"]
    t = fields.TABLES["customers"]
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    for f in t.fields:
        v = cust.get(f.name)
        if v not in (None, ""):
            grid.add_row(f.label(lang), _cell(f, v, lang))
    if card["tags"]:
        grid.add_row(_("Tags"), ", ".join(x["tag"] for x in card["tags"]))
    title = f"{cust['customer_id']}  {cust['name']}"
    if card.get("merged_from"):
        title += "  " + _("(merged from {ids})").format(ids=card["merged_from"])
    con.print(Panel(grid, title=styled(title, ""), title_align="left", expand=False))  # Panel parses str titles as markup
    for name, cols in SECTIONS.items():
        rows = card[name]
        tt = fields.TABLES[name]
        heading = f"{tt.en if lang == 'en' else zh_text(tt.zh, lang)} ({len(rows)})"
        if not rows:
            con.print(styled(f"{heading}: —", "dim"))
            continue
        con.print(fitted_table([tt.by_name[c].label(lang) for c in cols],
                               [[_cell(tt.by_name[c], r.get(c), lang) for c in cols] for r in rows],
                               width=con.width, title=heading))
    if card["invalid_values"]:  # seed 003's 无效联系方式: kept aside by import --keep-invalid until fixed
        rows = []
        for r in card["invalid_values"]:
            tt = fields.TABLES.get(r["table_name"])
            f = tt.by_name.get(r["field"]) if tt else None
            rows.append([f"{r['table_name']} {r['row_id']}", f.label(lang) if f else r["field"], r["raw"], r["reason"]])
        con.print(fitted_table([_("Record"), _("Field"), _("Raw value"), _("Reason")], rows, width=con.width,
                               title=_("Kept aside as invalid (fix with crm update)")))
    if "history" in card:
        rows = [[str(h["op_id"]), h["ts"][:16], h["user"] or "", h["kind"], f"{h['table_name']} {h['row_id']}", h["diff"]]
                for h in card["history"]]
        con.print(fitted_table([_("Op"), _("Time"), _("User"), _("Operation"), _("Record"), _("Change")], rows,
                               width=con.width, title=_("History")))


def _cell(f: fields.Field, v: Any, lang: str) -> str:
    if v is None:
        return ""
    if f.type == "money" and isinstance(v, int | float):
        return f"{v:,.2f}"
    if f.type == "datetime" and isinstance(v, str) and len(v) == 19:
        return v[:16]
    return str(fields.display(f, v, lang))
