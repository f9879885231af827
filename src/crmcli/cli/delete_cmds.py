"""crm delete: remove records of any module, after showing what goes with them; one undoable operation."""

from __future__ import annotations

from typing import Annotated

import typer

from crmcli.cli import complete
from crmcli.cli.common import confirm, guard, info, state
from crmcli.cli.counts import rows_per_table
from crmcli.cli.lazy import new_app
from crmcli.i18n import _

app = new_app()  # this module's commands; cli/__init__.py COMMANDS lists their names


@app.command("delete")
@guard
def delete(
    ids: Annotated[list[str], typer.Argument(metavar="ID...", help="record ids (C…, F…, DD…, SR…, D…, contact:N) "
                                                                   "or customer names",
                                             autocompletion=complete.customer_ids)],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="do not ask (scripts)")] = False,
) -> None:
    """Delete records: customers with everything hanging on them, or single follow-ups, orders …

    Shows what would go and asks (--yes in scripts). One logged operation: `crm undo`
    puts every row back exactly. Prints the deleted ids.

    \b
    Example: crm delete F20241122003
    Example: crm delete C20241122001 --yes
    Example: crm delete 北京华信科技有限公司
    """
    from crmcli import delete as lib

    conn = state.conn()
    targets = lib.plan(conn, ids)
    for t in targets:
        hanging = rows_per_table(t.hanging)
        info(t.label + (_(": with {records}").format(records=hanging) if hanging else ""))
    question = _("delete {n} record(s) and what hangs on them?") if any(t.hanging for t in targets) \
        else _("delete {n} record(s)?")
    if not confirm(question.format(n=len(targets)), yes):
        info(_("nothing deleted"))
        raise typer.Exit(1)
    res = lib.delete(conn, ids)
    info(_("deleted {n} rows (operation {op}); `crm undo` puts them back").format(n=res.rows, op=res.op_id))
    for t in res.targets:
        typer.echo(t.key)
