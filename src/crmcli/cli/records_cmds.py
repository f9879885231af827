"""crm show / update / tag: one record at a time (crm add: add_cmds.py)."""

from __future__ import annotations

from typing import Annotated

import typer

from crmcli.cli import complete
from crmcli.cli.common import UnmaskOpt, guard, info, state
from crmcli.cli.lazy import new_app
from crmcli.errors import InvalidValue
from crmcli.i18n import _


def _parse_sets(sets: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in sets:
        if "=" not in item:
            raise InvalidValue(_("--set takes field=value, not '{value}'").format(value=item))
        k, v = item.split("=", 1)
        out[k.strip()] = v
    return out


app = new_app()  # this module's commands; cli/__init__.py COMMANDS lists their names


@app.command()
@guard
def show(
    record_id: Annotated[str, typer.Argument(metavar="ID", help="a customer id or name (or an old id that was merged away)",
                                             autocompletion=complete.customer_ids)],
    fmt: Annotated[str | None, typer.Option("--format", "-f", help="table or json")] = None,
    unmask: Annotated[bool, typer.Option("--unmask", help="show phones and emails in full")] = False,
    history: Annotated[bool, typer.Option("--history", help="also list every logged change of this customer")] = False,
) -> None:
    """Show everything about one customer: card, contacts, follow-ups, orders, tickets, needs, tags.

    Example: crm show C20241122001
    """
    from crmcli import records
    from crmcli.cli import show_view

    conn = state.conn()
    card = records.customer_card(conn, record_id)
    if history:
        card["history"] = records.history(conn, card["customer"]["customer_id"])
    show_view.render_card(card, fmt, unmask=unmask)


@app.command()
@guard
def update(
    targets: Annotated[list[str], typer.Argument(metavar="ID|FILTER...", help="one record id, or filters for a bulk update",
                                                 autocompletion=complete.ids_or_filters)],
    sets: Annotated[list[str], typer.Option("--set", "-s", help="field=value (repeatable)")],
    table: Annotated[str | None, typer.Option("--table", "-t", help="the module a bulk update applies to (default customers)")] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="do not ask (scripts)")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="show what would change, write nothing")] = False,
    unmask: UnmaskOpt = False,
) -> None:
    """Change fields of one record, or of every record a filter matches.

    Example: crm update C20241122001 --set status=合作中 --set level=VIP
    Example: crm update industry~制造 owner=张伟 --set owner=李娜 --yes
    """
    from crmcli import records
    from crmcli.cli import bulk
    from crmcli.filters import looks_like_filter

    values = _parse_sets(sets)
    if len(targets) == 1 and not looks_like_filter(targets[0]):
        conn = state.conn()
        if dry_run:
            info(_("would set {fields} on {id} (dry run: nothing written)").format(fields=", ".join(values), id=targets[0]))
            return
        diff = records.update(conn, targets[0], values, table=table)
        if not diff:
            info(_("{id}: nothing changed").format(id=targets[0]))
        for k, (old, new) in diff.items():
            info(_one_change(targets[0], table, k, old, new))
        return
    bulk.bulk_update(targets, values, table=table or "customers", yes=yes, dry_run=dry_run)


def _one_change(key: str, table: str | None, name: str, old: object, new: object) -> str:
    """`C20231207001 level: 'medium' -> 'vip'` (en, as scripts read it) / `C20231207001 客户等级（level）：中 -> VIP`."""
    from crmcli.i18n import get_lang

    if get_lang() == "en":
        return f"{key} {name}: {old!r} -> {new!r}"
    from crmcli import fields, ids

    where = table or ("contacts" if key.lower().startswith("contact:") else ids.table_for(key)) or "customers"
    f = fields.find_field(where, name)
    if f is None:
        return f"{key} {name}: {old!r} -> {new!r}"
    lang = get_lang()
    shown = [_("(empty)") if v is None or v == "" else str(fields.display(f, v, lang)) for v in (old, new)]
    return f"{key} {fields.shown_field(f)}：{shown[0]} -> {shown[1]}"


@app.command(context_settings={"ignore_unknown_options": True})
@guard
def tag(
    customer_id: Annotated[str, typer.Argument(metavar="ID", autocompletion=complete.customer_ids)],
    changes: Annotated[list[str], typer.Argument(
        metavar="+TAG|-TAG...", help="+tag adds, -tag removes; group:tag sets a group (行为标签:价格敏感)",
        autocompletion=complete.tag_changes)],
) -> None:
    """Add and remove tags on a customer.

    Example: crm tag C20241122001 +重点维护 +行为标签:价格敏感 -高风险
    """
    from crmcli import records

    adds = [c[1:] if c.startswith("+") else c for c in changes if not c.startswith("-")]
    removes = [c[1:] for c in changes if c.startswith("-")]
    notes: list[str] = []
    tags = records.tag(state.conn(), customer_id, adds, removes, notes)
    for note in notes:
        info(_("note: {note}").format(note=note))
    for t in tags:
        typer.echo(t)
