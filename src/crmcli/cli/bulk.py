"""Bulk update: `crm update FILTER... --set field=value` with its guard.

The guard: the count of matching and changing records comes first (stderr); on a
terminal the user confirms; without one, --yes is required; --dry-run lists the
changes and writes nothing. The write is one logged operation (crm log / undo).
"""

from __future__ import annotations

import typer

from crmcli.cli.common import confirm, info, state
from crmcli.errors import InvalidValue
from crmcli.i18n import _

SHOWN = 50  # changes listed by --dry-run before "... and N more"


def _shown(value: object) -> str:
    return _("(empty)") if value is None or value == "" else str(value)


def change(table: str, name: str, old: object, new: object) -> str:
    """`level (empty) -> vip` / `客户等级（level）（空）-> VIP`: one field's change as a person reads it."""
    from crmcli import fields
    from crmcli.i18n import get_lang

    lang = get_lang()
    f = fields.find_field(table, name)
    if lang == "en" or f is None:
        return f"{name} {_shown(old)} -> {_shown(new)}"
    return f"{fields.shown_field(f)} {_shown(fields.display(f, old, lang))} -> {_shown(fields.display(f, new, lang))}"


def bulk_update(filters: list[str], values: dict[str, str], *, table: str, yes: bool, dry_run: bool) -> None:
    from crmcli import bulk as lib

    if table == "customers" and filters and filters[0].strip():  # `crm update orders status=... --set`, as in query
        from crmcli.filters import split_module

        table, filters = split_module(filters)
    if not [f for f in filters if f.strip()]:
        raise InvalidValue(_("a bulk update needs at least one filter (it would change every record)"))
    conn = state.conn()
    plan = lib.plan(conn, table, filters, values)
    from crmcli.fields import shown_table

    what = ", ".join(f"{k}={v}" for k, v in plan.values.items())
    info(_("{matched} {table} match; {n} would change ({what})").format(
        matched=plan.matched, table=shown_table(plan.table), n=len(plan.changes), what=what))
    if dry_run:
        for key, diff in plan.changes[:SHOWN]:
            info(f"  {key}: " + ", ".join(change(plan.table, k, old, new) for k, (old, new) in diff.items()))
        if len(plan.changes) > SHOWN:
            info("  " + _("... and {n} more").format(n=len(plan.changes) - SHOWN))
        info(_("dry run: nothing written"))
        return
    if not plan.changes:
        info(_("nothing to change"))
        return
    if not confirm(_("Change {n} {table}?").format(n=len(plan.changes), table=shown_table(plan.table)), yes):
        info(_("nothing written"))
        raise typer.Exit(1)
    op_id = lib.apply(conn, plan, filters)
    info(_("changed {n} {table} (operation {op})").format(n=len(plan.changes), table=shown_table(plan.table), op=op_id))
